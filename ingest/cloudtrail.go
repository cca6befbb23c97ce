package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// CloudTrailRetention is how far back LookupEvents can see.
const CloudTrailRetention = 90 * 24 * time.Hour

// The LookupEvents quota and how this source stays under it.
const (
	// DefaultRequestsPerSecond is the LookupEvents quota: 2 requests per
	// second per account per Region, a hard limit.
	DefaultRequestsPerSecond = 2
	// retentionSlack tolerates the clock running between computing
	// "--since 90d" and checking it.
	retentionSlack = 10 * time.Minute
	// sdkAttempts is the SDK's attempts per call (the default is 3); the
	// source retries throttled pages again itself, lookupRetries times,
	// before it gives up on a Region.
	sdkAttempts   = 5
	lookupRetries = 4
	// pageSize is the largest page LookupEvents returns.
	pageSize = 50
)

// CloudTrailAPI is the part of the CloudTrail client that the LookupEvents
// source uses; *cloudtrail.Client implements it. The source passes option
// functions that a real client applies (middleware that paces the SDK's
// retries too, more attempts); other implementations may ignore them, and
// then only their calls are paced.
type CloudTrailAPI interface {
	LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error)
}

// CloudTrailOptions configure a CloudTrailSource.
type CloudTrailOptions struct {
	// Since and Until bound the events read (both inclusive). Since is
	// required and must be within the last 90 days; a zero Until means now.
	Since, Until time.Time
	// AllEvents reads every management event instead of only those from
	// kms.amazonaws.com.
	AllEvents bool
	// RequestsPerSecond is the LookupEvents quota per Region; 0 means
	// DefaultRequestsPerSecond. The source stays within it (see pacer).
	RequestsPerSecond float64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Name is how the user named the source ("cloudtrail://all"); empty
	// means "cloudtrail://" and the Regions, comma-separated.
	Name string
}

// RegionProgress says how far a CloudTrailSource has got in one Region.
type RegionProgress struct {
	Region string
	// Pages and Events count what LookupEvents has returned so far.
	Pages, Events int
	// Throttled counts the throttling errors LookupEvents returned.
	Throttled int
	// Oldest is the time of the oldest event seen so far. Pages come
	// newest first, so [Oldest, Until] has been read; zero before the
	// first event.
	Oldest time.Time
	// Done is set when the Region is finished, successfully or not.
	Done bool
	// Err says why the Region failed; nil while it runs or when it worked.
	Err error
}

// CloudTrailSource reads management events through the CloudTrail
// LookupEvents API, one goroutine per Region, within the API's quota. Each
// event becomes one Input named "cloudtrail://<region>/<eventID>" holding
// the event's record (the CloudTrailEvent string).
type CloudTrailSource struct {
	name    string
	regions []string
	clients map[string]CloudTrailAPI
	opts    CloudTrailOptions
	rps     float64
	// retries is how many times a throttled page is fetched again after
	// the SDK gives up, waiting backoff(n) before retry n (from 0).
	retries int
	backoff func(n int) time.Duration

	mu       sync.Mutex
	progress map[string]*RegionProgress
}

// NewCloudTrail returns a source that reads the window [opts.Since,
// opts.Until] from each Region in clients (Region name -> client). It
// rejects windows reaching further back than LookupEvents keeps events.
func NewCloudTrail(clients map[string]CloudTrailAPI, opts CloudTrailOptions) (*CloudTrailSource, error) {
	if len(clients) == 0 {
		return nil, errors.New("cloudtrail: no Regions to read")
	}
	regions := make([]string, 0, len(clients))
	for r, c := range clients {
		if r == "" || c == nil {
			return nil, fmt.Errorf("cloudtrail: Region %q has no client", r)
		}
		regions = append(regions, r)
	}
	slices.Sort(regions)
	name := opts.Name
	if name == "" {
		name = "cloudtrail://" + strings.Join(regions, ",")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now()
	if opts.Until.IsZero() {
		opts.Until = t
	}
	switch oldest := t.Add(-CloudTrailRetention); {
	case opts.Since.IsZero():
		return nil, fmt.Errorf("%s: no start time: LookupEvents needs a window within the last 90 days", name)
	case opts.Until.Before(opts.Since):
		return nil, fmt.Errorf("%s: invalid time window: until %s is before since %s",
			name, opts.Until.UTC().Format(time.RFC3339), opts.Since.UTC().Format(time.RFC3339))
	case opts.Since.Before(oldest.Add(-retentionSlack)):
		return nil, fmt.Errorf("%s: the window starts at %s, %d days ago, but LookupEvents keeps only the last 90 days (back to %s): "+
			"narrow --since, or scan the trail's S3 archive (s3://) for older events",
			name, opts.Since.UTC().Format(time.RFC3339), int(t.Sub(opts.Since)/(24*time.Hour)), oldest.UTC().Format(time.RFC3339))
	}
	rps := opts.RequestsPerSecond
	if rps == 0 {
		rps = DefaultRequestsPerSecond
	}
	if rps < 0 {
		return nil, fmt.Errorf("%s: RequestsPerSecond %v is negative", name, rps)
	}
	s := &CloudTrailSource{
		name:     name,
		regions:  regions,
		clients:  clients,
		opts:     opts,
		rps:      rps,
		retries:  lookupRetries,
		backoff:  retryBackoff,
		progress: make(map[string]*RegionProgress, len(regions)),
	}
	for _, r := range regions {
		s.progress[r] = &RegionProgress{Region: r}
	}
	return s, nil
}

// String names the source as the user gave it.
func (s *CloudTrailSource) String() string { return s.name }

// Regions returns the Regions the source reads, sorted.
func (s *CloudTrailSource) Regions() []string { return slices.Clone(s.regions) }

// Notes says what this source can and cannot find, for the user to read
// before trusting an empty report.
func (s *CloudTrailSource) Notes() []string {
	notes := []string{
		"LookupEvents returns management events only: S3 uploads (PutObject) are data events and never appear there, " +
			"so this source finds KMS denials and policy changes, not upload denials; scan the trail's S3 archive (s3://) for those",
	}
	if !s.opts.AllEvents {
		notes = append(notes, "only kms.amazonaws.com events are read (LookupEvents allows one filter); --all-failures reads every management event, "+
			"at the same 2 requests per second per Region")
	}
	return notes
}

// Progress returns a snapshot of every Region's progress, sorted by
// Region. It is safe to call while Walk runs.
func (s *CloudTrailSource) Progress() []RegionProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RegionProgress, 0, len(s.regions))
	for _, r := range s.regions {
		out = append(out, *s.progress[r])
	}
	return out
}

func (s *CloudTrailSource) update(region string, f func(*RegionProgress)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.progress[region])
}

// regionPage is what a Region's goroutine hands to Walk: a page of events,
// or the error that ended the Region.
type regionPage struct {
	region string
	page   int
	events []types.Event
	err    error
}

// Walk reads every Region in parallel and calls fn, from the calling
// goroutine, with one Input per event. Across Regions, inputs come in
// arrival order; within a Region, newest first as LookupEvents pages them.
// A Region that fails is passed to fn as an Input named
// "cloudtrail://<region>" with Err set, once the others are done; Walk
// returns an error only when every Region failed before passing an event.
func (s *CloudTrailSource) Walk(ctx context.Context, fn func(Input) error) error {
	s.mu.Lock()
	for _, r := range s.regions {
		s.progress[r] = &RegionProgress{Region: r}
	}
	s.mu.Unlock()
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A page per Region can wait while fn works, so that a slow consumer
	// does not hold up the next request.
	pages := make(chan regionPage, len(s.regions))
	var wg sync.WaitGroup
	for _, region := range s.regions {
		wg.Go(func() {
			err := s.lookup(rctx, region, pages)
			if err != nil && rctx.Err() == nil {
				pages <- regionPage{region: region, err: err}
			}
		})
	}
	go func() {
		wg.Wait()
		close(pages)
	}()

	var fnErr error
	var failed []regionPage
	read := false // some Region has passed events to fn
	for p := range pages {
		if fnErr != nil || ctx.Err() != nil {
			continue // drain: the Regions are stopping
		}
		if p.err != nil {
			failed = append(failed, p)
			continue
		}
		read = true
		for i, ev := range p.events {
			if err := ctx.Err(); err != nil {
				break
			}
			if err := fn(s.input(p.region, p.page, i, ev)); err != nil {
				fnErr = err
				cancel()
				break
			}
		}
	}
	switch {
	case fnErr != nil:
		return fnErr
	case ctx.Err() != nil:
		return ctx.Err()
	case len(failed) == len(s.regions) && !read:
		errs := make([]error, len(failed))
		for i, p := range failed {
			errs[i] = p.err
		}
		if len(errs) == 1 {
			return errs[0]
		}
		return &regionErrors{name: s.name, errs: errs}
	}
	slices.SortFunc(failed, func(a, b regionPage) int { return strings.Compare(a.region, b.region) })
	for _, p := range failed {
		if err := fn(Input{Name: "cloudtrail://" + p.region, Size: -1, Err: p.err}); err != nil {
			return err
		}
	}
	return nil
}

// input turns one event into an Input.
func (s *CloudTrailSource) input(region string, page, i int, ev types.Event) Input {
	var name string
	if ev.EventId != nil && *ev.EventId != "" {
		name = "cloudtrail://" + region + "/" + *ev.EventId
	} else {
		name = fmt.Sprintf("cloudtrail://%s/page-%d/%d", region, page, i)
	}
	if ev.CloudTrailEvent == nil || *ev.CloudTrailEvent == "" {
		return Input{Name: name, Size: -1, Err: fmt.Errorf("%s: LookupEvents returned the event without its record (CloudTrailEvent)", name)}
	}
	rec := *ev.CloudTrailEvent
	return Input{
		Name: name,
		Size: int64(len(rec)),
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(rec)), nil
		},
	}
}

// lookup pages through one Region and sends each page to out. It returns
// the error that stopped it.
func (s *CloudTrailSource) lookup(ctx context.Context, region string, out chan<- regionPage) (err error) {
	defer func() {
		s.update(region, func(p *RegionProgress) { p.Done, p.Err = true, err })
	}()
	in := &cloudtrail.LookupEventsInput{
		StartTime: &s.opts.Since,
		EndTime:   &s.opts.Until,
	}
	if !s.opts.AllEvents {
		in.LookupAttributes = []types.LookupAttribute{{
			AttributeKey:   types.LookupAttributeKeyEventSource,
			AttributeValue: aws.String("kms.amazonaws.com"),
		}}
	}
	pace := newPacer(s.rps)
	pager := cloudtrail.NewLookupEventsPaginator(s.clients[region], in, func(o *cloudtrail.LookupEventsPaginatorOptions) {
		o.Limit = pageSize
		o.StopOnDuplicateToken = true
	})
	for page := 1; pager.HasMorePages(); page++ {
		res, err := s.nextPage(ctx, region, pager, pace)
		if err != nil {
			return s.describe(region, page, err)
		}
		s.update(region, func(p *RegionProgress) {
			p.Pages++
			p.Events += len(res.Events)
			for _, ev := range res.Events {
				if ev.EventTime != nil && (p.Oldest.IsZero() || ev.EventTime.Before(p.Oldest)) {
					p.Oldest = *ev.EventTime
				}
			}
		})
		if len(res.Events) == 0 {
			continue
		}
		select {
		case out <- regionPage{region: region, page: page, events: res.Events}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// nextPage fetches the paginator's next page within the quota, retrying
// throttled requests beyond what the SDK's retryer does, so that a busy
// quota slows the scan down instead of losing pages.
func (s *CloudTrailSource) nextPage(ctx context.Context, region string, pager *cloudtrail.LookupEventsPaginator, pace *pacer) (*cloudtrail.LookupEventsOutput, error) {
	throttled := func() { s.update(region, func(p *RegionProgress) { p.Throttled++ }) }
	for retries := 0; ; retries++ {
		at, err := pace.wait(ctx)
		if err != nil {
			return nil, err
		}
		m := &attempts{pace: pace, throttled: throttled}
		res, err := pager.NextPage(ctx, m.options)
		if m.n == 0 {
			// A client that ignores option functions: account for its one
			// request here.
			pace.sent(at)
			if err != nil && isThrottle(err) {
				throttled()
			}
		}
		if err == nil {
			return res, nil
		}
		// Throttles and dropped connections are worth another try; a
		// client without the SDK's retries (or one that ran out of them)
		// still loses no page to either.
		if !(isThrottle(err) || isConnectionError(err)) || retries == s.retries || ctx.Err() != nil {
			return nil, err
		}
		if err := sleep(ctx, s.backoff(retries)); err != nil {
			return nil, err
		}
	}
}

// isConnectionError reports whether err is a connection that dropped or
// reset, which the SDK's retryer would retry too.
func isConnectionError(err error) bool {
	return retry.RetryableConnectionError{}.IsErrorRetryable(err) == aws.TrueTernary
}

// retryBackoff is the wait before the source's own retry n (from 0) of a
// throttled page: 1-2s, 2-4s, 4-8s, 8-16s, on top of the SDK's backoff.
func retryBackoff(n int) time.Duration {
	return time.Duration(float64(time.Second<<n) * (1 + rand.Float64()))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacer keeps one Region's requests within the quota of n requests per
// window (2 per second), paced on when requests were sent. A token bucket
// (golang.org/x/time/rate, at the quota's rate, burst 1) spaces requests
// evenly; and a request waits until a window and a margin (a 40th of it)
// have passed since the request n before it was written to the network.
// The service counts a request when it arrives, so the rule holds however
// long responses take, as long as the network delays requests of a Region
// alike within the margin: a region reaches n/(1.025 window), 1.95
// requests per second, whatever the round trip (up to one request per
// round trip), where pacing on responses gave 2/(1+RTT). Send times come from the
// transport (httptrace's WroteRequest), so connection setup does not
// count. A request that is throttled all the same is retried, as always.
type pacer struct {
	lim    *rate.Limiter
	n      int
	window time.Duration // including the margin

	mu    sync.Mutex
	sends []time.Time // when the last n requests were sent, oldest first
	// The clock, replaced in tests.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

// paceMargin is the part of the window added to it, against jitter in the
// network's delay.
const paceMargin = 40

func newPacer(rps float64) *pacer {
	n := max(1, int(rps))
	window := time.Duration(float64(n) / rps * float64(time.Second))
	return &pacer{
		lim:    rate.NewLimiter(rate.Limit(rps), 1),
		n:      n,
		window: window + window/paceMargin,
		now:    time.Now,
		sleep:  sleep,
	}
}

// wait blocks until a request may be sent, and returns when it let it go.
func (p *pacer) wait(ctx context.Context) (time.Time, error) {
	p.mu.Lock()
	now := p.now()
	t := now
	if len(p.sends) == p.n {
		t = later(t, p.sends[0].Add(p.window))
	}
	t = t.Add(p.lim.ReserveN(t, 1).DelayFrom(t))
	p.mu.Unlock()
	if err := p.sleep(ctx, t.Sub(now)); err != nil {
		return time.Time{}, err
	}
	return p.now(), nil
}

// sent records that a request was sent at t.
func (p *pacer) sent(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sends) == p.n {
		copy(p.sends, p.sends[1:])
		p.sends = p.sends[:p.n-1]
	}
	p.sends = append(p.sends, t)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// attempts paces the SDK's attempts within one call: its middlewares run
// once per attempt, inside the SDK's retry loop.
type attempts struct {
	pace      *pacer
	throttled func()
	n         int // attempts sent
}

// options installs m's middlewares in a call, and raises the SDK's
// attempts per call.
func (m *attempts) options(o *cloudtrail.Options) {
	if o.RetryMaxAttempts < sdkAttempts {
		o.RetryMaxAttempts = sdkAttempts
	}
	o.APIOptions = append(o.APIOptions, m.install)
}

func (m *attempts) install(st *middleware.Stack) error {
	// Last in the deserialize step, next to the transport: pace retries (the
	// first attempt has waited already) and note when each request is
	// written to the connection; if the transport never says (the request
	// failed before, or the trace comes late), when its answer came back,
	// which is later and so safe.
	err := st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("denytrail.LookupEventsPacer",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			m.n++
			if m.n > 1 {
				if _, err := m.pace.wait(ctx); err != nil {
					return middleware.DeserializeOutput{}, middleware.Metadata{}, err
				}
			}
			var once sync.Once
			record := func() { once.Do(func() { m.pace.sent(m.pace.now()) }) }
			defer record()
			ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { record() },
			})
			return next.HandleDeserialize(ctx, in)
		}), middleware.After)
	if err != nil {
		return err
	}
	// After the retry middleware, where each attempt's error is decoded:
	// count throttles.
	count := middleware.FinalizeMiddlewareFunc("denytrail.LookupEventsThrottles",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil && isThrottle(err) {
				m.throttled()
			}
			return out, md, err
		})
	if st.Finalize.Insert(count, "Retry", middleware.After) != nil {
		return st.Finalize.Add(count, middleware.After) // no retry middleware
	}
	return nil
}

// errorCode returns the AWS error code in err's chain, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func isThrottle(err error) bool {
	_, ok := retry.DefaultThrottleErrorCodes[errorCode(err)]
	return ok
}

// lookupError is a Region's failure: a one-line message for the user, and
// the SDK's error underneath.
type lookupError struct {
	msg string
	err error
}

func (e *lookupError) Error() string { return e.msg }
func (e *lookupError) Unwrap() error { return e.err }

// describe turns a failed LookupEvents call into a message that says what
// to do about it.
func (s *CloudTrailSource) describe(region string, page int, err error) error {
	if timeoutReason(err) == "" && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	name := "cloudtrail://" + region
	notRead := func() string {
		at := "the start of the window"
		if p := s.progressOf(region); !p.Oldest.IsZero() {
			at = p.Oldest.UTC().Format(time.RFC3339)
		}
		return fmt.Sprintf("events from %s back to %s were not read", at, s.opts.Since.UTC().Format(time.RFC3339))
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		// The network failed: a timeout, a reset, a refused connection.
		reason := timeoutReason(err)
		if reason == "" {
			reason = err.Error()
		}
		var mae *retry.MaxAttemptsError
		if errors.As(err, &mae) && !strings.Contains(reason, "attempts") {
			reason += fmt.Sprintf(" (gave up after %d attempts)", mae.Attempt)
		}
		return &lookupError{msg: fmt.Sprintf("%s: LookupEvents page %d: %s; %s", name, page, reason, notRead()), err: err}
	}
	awsMsg := ae.ErrorMessage()
	if awsMsg == "" {
		awsMsg = ae.ErrorCode()
	}
	var msg string
	switch code := ae.ErrorCode(); {
	case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation":
		msg = fmt.Sprintf("access denied: the caller needs cloudtrail:LookupEvents in %s (AWS: %s)", region, awsMsg)
	case code == "ExpiredTokenException" || code == "ExpiredToken" || code == "RequestExpired" || code == "TokenRefreshRequired":
		msg = fmt.Sprintf("the AWS credentials have expired: refresh them (aws sso login, a new session) and run again (AWS: %s)", awsMsg)
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" ||
		code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "MissingAuthenticationTokenException":
		msg = fmt.Sprintf("the AWS credentials were not accepted in %s: check them, and that the Region is enabled for the account (AWS: %s)", region, awsMsg)
	case code == "InvalidTimeRangeException":
		msg = fmt.Sprintf("invalid time window %s to %s (AWS: %s)",
			s.opts.Since.UTC().Format(time.RFC3339), s.opts.Until.UTC().Format(time.RFC3339), awsMsg)
	case isThrottle(err):
		msg = fmt.Sprintf("still throttled after retrying page %d; %s "+
			"(the quota is 2 requests per second per account and Region: is another tool calling LookupEvents?)",
			page, notRead())
	default:
		msg = fmt.Sprintf("LookupEvents page %d: %s: %s", page, ae.ErrorCode(), awsMsg)
	}
	return &lookupError{msg: name + ": " + msg, err: err}
}

func (s *CloudTrailSource) progressOf(region string) RegionProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.progress[region]
}

// regionErrors is every Region failing, as one line.
type regionErrors struct {
	name string
	errs []error
}

func (e *regionErrors) Error() string {
	var b strings.Builder
	b.WriteString(e.name)
	b.WriteString(": every Region failed: ")
	for i, err := range e.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

func (e *regionErrors) Unwrap() []error { return e.errs }

// AccountAPI is the part of the AWS Account client that EnabledRegions
// uses; *account.Client implements it.
type AccountAPI interface {
	ListRegions(ctx context.Context, in *account.ListRegionsInput, optFns ...func(*account.Options)) (*account.ListRegionsOutput, error)
}

// EnabledRegions lists the Regions enabled for the account (opt-in status
// ENABLED or ENABLED_BY_DEFAULT), sorted: what "cloudtrail://all" reads. It
// needs the account:ListRegions permission.
func EnabledRegions(ctx context.Context, api AccountAPI) ([]string, error) {
	pager := account.NewListRegionsPaginator(api, &account.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{
			accounttypes.RegionOptStatusEnabled,
			accounttypes.RegionOptStatusEnabledByDefault,
		},
	})
	var regions []string
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			if c := errorCode(err); c == "AccessDeniedException" || c == "AccessDenied" {
				return nil, &lookupError{
					msg: "cloudtrail://all: access denied listing the account's Regions: the caller needs account:ListRegions " +
						"(or name the Regions: cloudtrail://us-east-1,eu-west-1)",
					err: err,
				}
			}
			return nil, fmt.Errorf("cloudtrail://all: listing the account's Regions: %w", err)
		}
		for _, r := range page.Regions {
			switch r.RegionOptStatus {
			case accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault:
				if r.RegionName != nil && *r.RegionName != "" {
					regions = append(regions, *r.RegionName)
				}
			}
		}
	}
	slices.Sort(regions)
	regions = slices.Compact(regions)
	if len(regions) == 0 {
		return nil, errors.New("cloudtrail://all: the account has no enabled Regions")
	}
	return regions, nil
}
