package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3API is the part of an S3 client that the S3 source uses; *s3.Client
// implements it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// S3Options says which part of a CloudTrail log archive to read.
type S3Options struct {
	// Accounts and Regions restrict the archive to these account ids and
	// region folders; empty means discover them by listing.
	Accounts, Regions []string
	// Since and Until bound the events wanted (inclusive). Both are
	// required: the source lists only the day folders that can hold such
	// events and reads only the files delivered in time to hold them.
	Since, Until time.Time
	// Listings and Downloads are how many LIST and GET requests are in
	// flight at once; 0 means DefaultS3Listings and DefaultS3Downloads.
	Listings, Downloads int
	// Buffer bounds the bytes of objects downloaded ahead of their readers
	// (in flight, waiting or being read); 0 means DefaultS3Buffer. Objects
	// over an eighth of it are streamed by their readers instead.
	Buffer int64
}

// S3MaxAttempts is how many times NewS3Client's clients try a request
// before giving up on it (throttling, 5xx, connection errors).
const S3MaxAttempts = 8

// maxResumes is how many times an object's download resumes after its
// connection fails mid-body.
const maxResumes = 3

// NewS3Client returns an S3 client for reading log archives. It retries
// throttling (SlowDown, 503), server errors and connection errors up to
// S3MaxAttempts times per request with exponential backoff and jitter, and
// with no client-wide retry quota: a long scan rides out a burst of
// throttling instead of dropping objects. optFns are applied last
// (UsePathStyle for S3-compatible stores, for example).
func NewS3Client(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	opts := append([]func(*s3.Options){func(o *s3.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = S3MaxAttempts
			so.RateLimiter = ratelimit.None
		})
		o.DisableLogOutputChecksumValidationSkipped = true
	}}, optFns...)
	return s3.NewFromConfig(cfg, opts...)
}

// S3HeadBucketAPI is the client call S3BucketRegion needs; *s3.Client
// implements it.
type S3HeadBucketAPI interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
}

// S3BucketRegion returns the region a bucket lives in, which S3 reports
// even when it refuses the request (wrong region, or no s3:ListBucket on
// the whole bucket). It returns "" and the error when S3 does not say.
func S3BucketRegion(ctx context.Context, client S3HeadBucketAPI, bucket string) (string, error) {
	out, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return aws.ToString(out.BucketRegion), nil
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			return r, nil
		}
		if re.HTTPStatusCode() == http.StatusNotFound {
			return "", fmt.Errorf("%s: no such bucket: %w", s3URL(bucket, ""), err)
		}
	}
	return "", fmt.Errorf("%s: finding the bucket's region: %w", s3URL(bucket, ""), err)
}

// S3Source reads a CloudTrail log archive in S3, s3://bucket[/prefix]. It
// lists only the folders that can hold events in the window, many at once,
// downloads the log objects ahead of their readers within a memory budget,
// and emits one Input per log object (see Walk).
type S3Source struct {
	client         S3API
	bucket, prefix string // as given
	scope          s3Scope
	accounts       []string // sorted; nil = discover
	regions        []string // sorted; nil = discover
	win            s3Window
	days           []time.Time

	listings, downloads int
	buffer              int64
	progress            s3Counters
	held                atomic.Int64
}

// NewS3 returns the source for s3://bucket/prefix. prefix may be a trail's
// key prefix (the folder holding AWSLogs/), or point anywhere below
// AWSLogs/: an organization, account, region or date folder.
func NewS3(client S3API, bucket, prefix string, opts S3Options) (*S3Source, error) {
	s := &S3Source{client: client, bucket: bucket, prefix: prefix}
	if err := checkBucketName(bucket); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if opts.Since.IsZero() || opts.Until.IsZero() {
		return nil, fmt.Errorf("%s: the S3 source needs a time window (since and until)", s)
	}
	if opts.Until.Before(opts.Since) {
		return nil, fmt.Errorf("%s: the window ends (%s) before it starts (%s)", s,
			opts.Until.UTC().Format(time.RFC3339), opts.Since.UTC().Format(time.RFC3339))
	}
	sc, err := parseS3Prefix(prefix)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if s.listings, err = checkConcurrency(opts.Listings, DefaultS3Listings, "listings in flight"); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if s.downloads, err = checkConcurrency(opts.Downloads, DefaultS3Downloads, "downloads in flight"); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	switch s.buffer = opts.Buffer; {
	case s.buffer == 0:
		s.buffer = DefaultS3Buffer
	case s.buffer < 0:
		return nil, fmt.Errorf("%s: download buffer of %d bytes: want a positive size", s, s.buffer)
	}
	s.scope = sc
	s.win = newS3Window(opts.Since, opts.Until)

	if s.accounts, err = cleanList(opts.Accounts, "account id", isAccountID); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if s.regions, err = cleanList(opts.Regions, "region", isRegionName); err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if sc.account != "" && s.accounts != nil {
		if !slices.Contains(s.accounts, sc.account) {
			return nil, fmt.Errorf("%s: the prefix selects account %s, which the account list (%s) leaves out", s, sc.account, strings.Join(s.accounts, ", "))
		}
		s.accounts = nil
	}
	if sc.region != "" && s.regions != nil {
		if !slices.Contains(s.regions, sc.region) {
			return nil, fmt.Errorf("%s: the prefix selects region %s, which the region list (%s) leaves out", s, sc.region, strings.Join(s.regions, ", "))
		}
		s.regions = nil
	}

	if d, ok := sc.fixedDay(); ok && sc.file != "" {
		// The user named files: read them whatever their time.
		s.days = []time.Time{d}
	} else {
		s.days = s.win.days(sc)
		if len(s.days) == 0 {
			return nil, fmt.Errorf("%s: the prefix selects %s, outside the window %s to %s: widen the window to read it", s,
				sc.dateString(), opts.Since.UTC().Format(time.RFC3339), opts.Until.UTC().Format(time.RFC3339))
		}
	}
	return s, nil
}

// dateString renders the date folders the prefix fixes.
func (sc s3Scope) dateString() string {
	switch {
	case sc.day != 0:
		return fmt.Sprintf("%04d/%02d/%02d", sc.year, sc.month, sc.day)
	case sc.month != 0:
		return fmt.Sprintf("%04d/%02d", sc.year, sc.month)
	default:
		return fmt.Sprintf("%04d", sc.year)
	}
}

// cleanList checks, sorts and de-duplicates a user's list; nil when empty.
func cleanList(in []string, what string, valid func(string) bool) ([]string, error) {
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(v)
		if !valid(v) {
			return nil, fmt.Errorf("%q is not a valid %s", v, what)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// String returns the source as the user gave it.
func (s *S3Source) String() string { return s3URL(s.bucket, s.prefix) }

// s3URL names a key or prefix in a bucket.
func s3URL(bucket, key string) string { return "s3://" + bucket + "/" + key }

// Walk lists the archive and calls fn, from the calling goroutine, for
// each log object in the window. Listings run in a pool of their own
// (Listings requests in flight), from the organization and account
// folders down to the day folders; downloads run in another (Downloads
// GETs in flight), each object read whole into memory while the bytes held
// stay within Buffer, so that fn's readers do not wait on the network and
// the listing does not wait on downloads. fn sees objects as their
// downloads finish, not in key order; an object larger than Buffer/8 is
// passed at once and streamed when opened. Folders it may not list are
// passed to fn as Inputs with Err; a missing bucket, an unlistable
// AWSLogs/ folder or a prefix with no CloudTrail layout under it end the
// walk with an error.
func (s *S3Source) Walk(ctx context.Context, fn func(Input) error) error {
	sc := s.scope
	if sc.notEvents != "" {
		return fn(Input{Name: s.String(), Size: -1,
			Err: fmt.Errorf("%s: %s/ holds %s files, not events; point at the %s/ folder instead: %w",
				s.String(), sc.notEvents, strings.TrimPrefix(sc.notEvents, "CloudTrail-"), eventsFolder, ErrNotEventLog)})
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &s3Walk{
		S3Source: s,
		ctx:      wctx,
		cancel:   cancel,
		objects:  make(chan s3Object, objectBacklog),
		out:      make(chan Input, downloadedBacklog),
		budget:   newBudget(s.buffer),
	}
	w.pool = newTaskPool(wctx)
	go func() {
		defer close(w.objects)
		w.pool.push(w.root)
		if err := w.pool.run(s.listings); err != nil {
			w.fatal(err)
		}
	}()
	var downloads sync.WaitGroup
	for range s.downloads {
		downloads.Go(w.download)
	}
	go func() {
		downloads.Wait()
		close(w.out)
	}()

	var fnErr error
	for in := range w.out {
		if fnErr != nil || wctx.Err() != nil {
			continue // drain: the pools are stopping
		}
		if fnErr = fn(in); fnErr != nil {
			cancel()
		}
	}
	switch {
	case fnErr != nil:
		return fnErr
	case ctx.Err() != nil:
		return ctx.Err()
	case w.err != nil:
		return w.err
	case w.found.Load() || w.failed.Load():
		return nil
	}
	for _, p := range w.unconfirmed {
		out, err := w.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(w.bucket), Prefix: aws.String(p), MaxKeys: aws.Int32(1)})
		if err != nil {
			problem, err := w.listProblem(p, err)
			if err != nil {
				return err
			}
			return fn(problem)
		}
		if len(out.Contents) > 0 {
			return nil
		}
	}
	return w.noLayout(false)
}

// objectBacklog is how many listed objects may wait for a download
// before the listings wait too: enough that listing runs far ahead.
// downloadedBacklog is how many downloaded objects may wait for fn before
// the downloads wait too: the budget bounds their bytes, so that readers
// busy for a moment do not stop the downloads.
const (
	objectBacklog     = 1 << 16
	downloadedBacklog = 1 << 12
)

// s3Object is a listed object on its way to a download, or a listing
// problem on its way to fn.
type s3Object struct {
	key     string
	size    int64
	problem Input
}

// s3Walk is the state of one Walk.
type s3Walk struct {
	*S3Source
	ctx    context.Context
	cancel context.CancelFunc
	pool   *taskPool
	// objects carries listed objects (and listing problems) to the
	// downloads, out the downloaded objects to fn.
	objects chan s3Object
	out     chan Input
	budget  *budget
	// found is set once the walk has seen a CloudTrail/ folder with
	// something in it; failed once it has reported a listing it could not
	// make (so the layout may exist where it could not look).
	found, failed atomic.Bool

	mu sync.Mutex
	// err is what ended the walk early (no such bucket, no layout).
	err error
	// unconfirmed are CloudTrail/ folders planned without listing them
	// (explicit or fixed accounts and regions): if nothing was found, the
	// walk checks that one of them exists before saying all is well.
	unconfirmed []string
}

// fatal ends the walk with err, unless it has ended already.
func (w *s3Walk) fatal(err error) {
	w.mu.Lock()
	if w.err == nil && w.ctx.Err() == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.cancel()
}

// root lists AWSLogs/ (unless the prefix fixes the organization) and
// plans the organizations and account trails under it.
func (w *s3Walk) root() error {
	sc := w.scope
	if sc.orgFixed {
		return w.walkOrg(sc.org, nil)
	}
	names, err := w.listFolders(sc.base, nil)
	if err != nil {
		if ctx := w.ctx.Err(); ctx != nil {
			return ctx
		}
		return err // the whole archive is behind this listing
	}
	var direct, orgs []string
	for _, n := range names {
		switch {
		case isAccountID(n):
			direct = append(direct, n)
		case isOrgID(n):
			orgs = append(orgs, n)
		}
	}
	if len(direct) == 0 && len(orgs) == 0 {
		return w.noLayout(true)
	}
	// Pushed last to first, so that the pool (last in, first out) takes
	// them in key order: account folders (digits) before organizations.
	for _, org := range slices.Backward(orgs) {
		w.pool.push(func() error { return w.walkOrg(org, nil) })
	}
	if len(direct) > 0 {
		w.pool.push(func() error { return w.walkOrg("", direct) })
	}
	return nil
}

// walkOrg plans the accounts under an organization folder (org "" for the
// account folders directly under AWSLogs/, which are then given as seen).
func (w *s3Walk) walkOrg(org string, seen []string) error {
	var accounts []string
	switch {
	case w.scope.account != "":
		accounts = []string{w.scope.account}
	case w.accounts != nil && org == "":
		for _, a := range w.accounts {
			if slices.Contains(seen, a) {
				accounts = append(accounts, a)
			}
		}
	case w.accounts != nil:
		accounts = w.accounts
	case org == "":
		accounts = seen
	default:
		p := orgPrefix(w.scope.base, org)
		names, err := w.listFolders(p, nil)
		if err != nil {
			return w.listFailed(p, err)
		}
		accounts = slices.DeleteFunc(names, func(n string) bool { return !isAccountID(n) })
	}
	for _, a := range slices.Backward(accounts) {
		w.pool.push(func() error { return w.walkAccount(org, a) })
	}
	return nil
}

// walkAccount plans the day folders of one account's CloudTrail/ folder,
// listing its region folders unless they are given.
func (w *s3Walk) walkAccount(org, account string) error {
	p := eventsPrefix(w.scope.base, org, account)
	var regions []string
	switch {
	case w.scope.region != "":
		regions = []string{w.scope.region}
		w.confirmLater(p + w.scope.region + "/")
	case w.regions != nil:
		regions = w.regions
		w.confirmLater(p)
	default:
		names, err := w.listFolders(p, nil)
		if err != nil {
			return w.listFailed(p, err)
		}
		if len(names) > 0 {
			w.found.Store(true)
		}
		regions = names
	}
	for _, r := range slices.Backward(regions) {
		for _, d := range slices.Backward(w.days) {
			w.pool.push(func() error { return w.walkDay(account, r, p+r+"/", d) })
		}
	}
	return nil
}

// confirmLater notes a CloudTrail/ folder planned without listing it.
func (w *s3Walk) confirmLater(prefix string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unconfirmed = append(w.unconfirmed, prefix)
}

// walkDay lists the log files of one day folder that fall in the window
// and queues them for download.
func (w *s3Walk) walkDay(account, region, regionPrefix string, day time.Time) error {
	dp := dayPrefix(regionPrefix, day)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(w.bucket), Prefix: aws.String(dp)}
	filter := w.scope.file == ""
	if !filter {
		in.Prefix = aws.String(dp + w.scope.file)
	} else if sa := w.win.startAfter(dp, account, region, day); sa != "" {
		in.StartAfter = aws.String(sa)
	}
	pages := s3.NewListObjectsV2Paginator(w.client, in, func(o *s3.ListObjectsV2PaginatorOptions) {
		o.StopOnDuplicateToken = true
	})
	for pages.HasMorePages() {
		page, err := w.nextPage(pages)
		if err != nil {
			return w.listFailed(aws.ToString(in.Prefix), err)
		}
		for _, obj := range page.Contents {
			key := aws.ToString(obj.Key)
			if strings.HasSuffix(key, "/") {
				continue // a folder marker made by a console or a sync tool
			}
			w.found.Store(true)
			if filter {
				// Names that do not parse are not CloudTrail's; they are
				// read anyway, and the pipeline filters their events.
				if _, _, t, ok := parseLogFileName(strings.TrimPrefix(key, dp)); ok {
					if t.After(w.win.hi) {
						return nil // the rest of the folder is later still
					}
					if t.Before(w.win.lo) {
						continue
					}
				}
			}
			size := int64(-1)
			if obj.Size != nil {
				size = *obj.Size
			}
			if err := w.queue(s3Object{key: key, size: size}); err != nil {
				return err
			}
		}
	}
	return nil
}

// queue hands an object (or a problem) to the downloads.
func (w *s3Walk) queue(o s3Object) error {
	if o.problem.Err == nil {
		w.progress.objects.Add(1)
	}
	select {
	case w.objects <- o:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

// nextPage fetches a listing's next page, counted for Progress.
func (w *s3Walk) nextPage(pages *s3.ListObjectsV2Paginator) (*s3.ListObjectsV2Output, error) {
	if err := w.ctx.Err(); err != nil {
		return nil, err
	}
	w.progress.listing.Add(1)
	defer w.progress.listing.Add(-1)
	page, err := pages.NextPage(w.ctx)
	w.progress.listed.Add(1)
	return page, err
}

// listFolders returns the names of the folders directly under prefix, in
// order, each once.
func (w *s3Walk) listFolders(prefix string, maxKeys *int32) ([]string, error) {
	in := &s3.ListObjectsV2Input{
		Bucket:    aws.String(w.bucket),
		Prefix:    aws.String(prefix),
		Delimiter: aws.String("/"),
		MaxKeys:   maxKeys,
	}
	var names []string
	pages := s3.NewListObjectsV2Paginator(w.client, in, func(o *s3.ListObjectsV2PaginatorOptions) {
		o.StopOnDuplicateToken = true
	})
	for pages.HasMorePages() {
		page, err := w.nextPage(pages)
		if err != nil {
			return nil, newS3Error(err, w.bucket, prefix, true)
		}
		for _, cp := range page.CommonPrefixes {
			n := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			// Real S3 never repeats a folder; some compatible stores do
			// across pages.
			if n != "" && (len(names) == 0 || names[len(names)-1] != n) {
				names = append(names, n)
			}
		}
		if maxKeys != nil {
			break
		}
	}
	return names, nil
}

// listFailed reports a listing that failed and says whether to go on: it
// returns nil to go on with the rest of the archive, or the error that ends
// the walk (ctx done, no such bucket).
func (w *s3Walk) listFailed(prefix string, err error) error {
	problem, err := w.listProblem(prefix, err)
	if err != nil {
		return err
	}
	return w.queue(s3Object{problem: problem})
}

// listProblem returns the Input that reports a failed listing, or the
// error that ends the walk instead (ctx done, no such bucket).
func (w *s3Walk) listProblem(prefix string, err error) (Input, error) {
	if ctxErr := w.ctx.Err(); ctxErr != nil {
		return Input{}, ctxErr
	}
	var se *s3Error
	if !errors.As(err, &se) {
		err = newS3Error(err, w.bucket, prefix, true)
	}
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsb) || apiCode(err) == "NoSuchBucket" {
		return Input{}, err
	}
	w.failed.Store(true)
	return Input{Name: s3URL(w.bucket, prefix), Size: -1, Err: err}, nil
}

// noLayout returns the error for a prefix with no CloudTrail layout under
// it. When the AWSLogs/ folder itself is empty and the user gave a prefix
// above it, it names the folders that are there, in case the trail's own
// key prefix is missing.
func (w *s3Walk) noLayout(noAWSLogs bool) error {
	msg := fmt.Sprintf("no %s/…/%s/ folders under %s: is this a CloudTrail bucket?", awsLogsFolder, eventsFolder, w.String())
	if !noAWSLogs && (w.accounts != nil || w.regions != nil) {
		msg = fmt.Sprintf("no %s/…/%s/ folders for the accounts and regions given under %s", awsLogsFolder, eventsFolder, w.String())
	}
	if noAWSLogs {
		above := strings.TrimSuffix(w.scope.base, awsLogsFolder+"/")
		if names, err := w.listFolders(above, aws.Int32(20)); err == nil && len(names) > 0 {
			if len(names) > 5 {
				names = append(names[:5], "…")
			}
			msg += fmt.Sprintf(" (%s holds %q: if the trail has a key prefix, include it)", s3URL(w.bucket, above), names)
		}
	}
	return errors.New(msg)
}

// opener returns the Open func of an object.
func (w *s3Walk) opener(key string) func(context.Context) (io.ReadCloser, error) {
	client, bucket := w.client, w.bucket
	return func(ctx context.Context) (io.ReadCloser, error) {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %w", s3URL(bucket, key), ctx.Err())
			}
			return nil, newS3Error(err, bucket, key, false)
		}
		return &s3Body{ctx: ctx, client: client, bucket: bucket, key: key, etag: out.ETag, body: out.Body}, nil
	}
}

// s3Body is an object's body that resumes, with a ranged GetObject of the
// same version, when the connection fails mid-body: the SDK retries
// requests, not the reading of their bodies.
type s3Body struct {
	ctx         context.Context
	client      S3API
	bucket, key string
	etag        *string
	body        io.ReadCloser // nil once closed after an error
	off         int64
	resumes     int
	err         error // sticky
}

func (b *s3Body) Read(p []byte) (int, error) {
	for b.err == nil {
		n, err := b.body.Read(p)
		b.off += int64(n)
		if err == nil || err == io.EOF {
			return n, err
		}
		if b.ctx.Err() != nil || b.resumes == maxResumes {
			gaveUp := ""
			if b.resumes > 0 {
				gaveUp = fmt.Sprintf(" (gave up after resuming %d times)", b.resumes)
			}
			b.fail(fmt.Errorf("%s: reading at byte %d: %w%s", s3URL(b.bucket, b.key), b.off, describeTimeout(err), gaveUp))
			return n, b.err
		}
		b.resumes++
		b.body.Close()
		out, gerr := b.client.GetObject(b.ctx, &s3.GetObjectInput{
			Bucket:  aws.String(b.bucket),
			Key:     aws.String(b.key),
			Range:   aws.String(fmt.Sprintf("bytes=%d-", b.off)),
			IfMatch: b.etag,
		})
		if gerr != nil {
			b.body = nil
			b.fail(fmt.Errorf("%s: reading at byte %d: %w (resuming: %s)", s3URL(b.bucket, b.key), b.off, describeTimeout(err),
				describeS3Error(gerr, b.bucket, b.key, false)))
			return n, b.err
		}
		b.body = out.Body
		if n > 0 {
			return n, nil
		}
	}
	return 0, b.err
}

// fail makes err the answer to every later Read.
func (b *s3Body) fail(err error) {
	b.err = err
	if b.body != nil {
		b.body.Close()
		b.body = nil
	}
}

func (b *s3Body) Close() error {
	if b.err == nil {
		b.err = fmt.Errorf("%s: %w", s3URL(b.bucket, b.key), fs.ErrClosed)
	}
	if b.body == nil {
		return nil
	}
	err := b.body.Close()
	b.body = nil
	return err
}

// s3Error is a failed S3 request, said in one line.
type s3Error struct {
	name   string // s3://bucket/key-or-prefix
	reason string
	err    error
}

// newS3Error describes a failed request for key (an object, or a prefix
// when listing); a missing bucket is named as the bucket.
func newS3Error(err error, bucket, key string, listing bool) *s3Error {
	name := s3URL(bucket, key)
	if apiCode(err) == "NoSuchBucket" {
		name = s3URL(bucket, "")
	}
	return &s3Error{name: name, reason: describeS3Error(err, bucket, key, listing), err: err}
}

func (e *s3Error) Error() string { return e.name + ": " + e.reason }
func (e *s3Error) Unwrap() error { return e.err }

// apiCode returns the S3 error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// describeS3Error says in one line why a request for key (an object, or a
// prefix when listing) failed, and what permission would fix it.
func describeS3Error(err error, bucket, key string, listing bool) string {
	var b strings.Builder
	var ae smithy.APIError
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if errors.As(err, &ae) {
		code, msg := ae.ErrorCode(), oneLine(ae.ErrorMessage())
		said := code
		if msg != "" {
			said += ": " + msg
		}
		switch {
		case code == "NoSuchBucket":
			b.WriteString("no such bucket")
		case code == "NoSuchKey":
			b.WriteString("no such key (deleted since it was listed?)")
		case code == "InvalidObjectState":
			fmt.Fprintf(&b, "the object is archived (%s): restore it to read it", said)
		case isKMSError(code, msg):
			fmt.Fprintf(&b, "denied by AWS KMS: reading it needs kms:Decrypt on the bucket's key (%s)", said)
		case code == "AccessDenied" || status == http.StatusForbidden:
			if listing {
				fmt.Fprintf(&b, "access denied listing it: needs s3:ListBucket on arn:aws:s3:::%s for prefix %q (%s)", bucket, key, said)
			} else {
				fmt.Fprintf(&b, "access denied: needs s3:GetObject on arn:aws:s3:::%s/%s (%s)", bucket, key, said)
			}
		default:
			b.WriteString(said)
		}
	} else {
		var oe *net.OpError
		switch t := timeoutReason(err); {
		case t != "":
			b.WriteString(t)
		case errors.As(err, &oe):
			b.WriteString(oneLine(oe.Error()))
		case errors.Is(err, context.Canceled):
			b.WriteString("canceled")
		case errors.Is(err, context.DeadlineExceeded):
			b.WriteString("timed out")
		default:
			b.WriteString(oneLine(err.Error()))
		}
	}
	var mae *retry.MaxAttemptsError
	if errors.As(err, &mae) {
		fmt.Fprintf(&b, " (gave up after %d attempts)", mae.Attempt)
	}
	return b.String()
}

// isKMSError reports whether an S3 error comes from the object's KMS key.
func isKMSError(code, msg string) bool {
	if strings.HasPrefix(code, "KMS.") {
		return true
	}
	if code != "AccessDenied" && code != "AccessDeniedException" {
		return false
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "kms") || strings.Contains(m, "ciphertext") || strings.Contains(m, "customer master key")
}

// oneLine cuts s to one line of at most 300 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= 300 {
		return s
	}
	i := 300
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
