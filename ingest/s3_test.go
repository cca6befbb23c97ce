package ingest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/denytrail/denytrail/internal/s3test"
	"github.com/denytrail/denytrail/internal/synth"
)

// These tests run the real aws-sdk-go-v2 S3 client against gofakes3 on
// loopback. s3Server sits in front of gofakes3: it records every request,
// serves listings in small pages (S3 may return fewer keys than asked), and
// injects faults.

const (
	s3Bucket  = "trail-logs"
	s3Org     = "o-a1b2c3d4e5"
	s3PageMax = "7" // keys per listing page the server returns at most
)

// s3Req is one request the server saw.
type s3Req struct {
	Method     string
	Key        string // the object key; "" for bucket requests
	List       bool
	Prefix     string
	Delimiter  string
	StartAfter string
	Token      string // the continuation token; "" for a listing's first page
	Range      string
	// Start and End are when the request arrived and when its answer was
	// written.
	Start, End time.Time
}

// s3Fault changes the answer to the requests it matches, Times times (-1:
// always).
type s3Fault struct {
	Match func(s3Req) bool
	Times int
	// One of: an S3 error response; a connection reset before any answer;
	// a reset half way through the body; no answer at all; the headers and
	// half the body, then nothing (both until the client hangs up).
	Status        int
	Code, Message string
	Reset         bool
	CutBody       bool
	StallHeaders  bool
	StallBody     bool
}

type s3Server struct {
	*s3test.Server
	t     testing.TB
	inner http.Handler

	mu     sync.Mutex
	reqs   []s3Req
	faults []*s3Fault
	header http.Header // added to every response
	// delay, when set, is how long to wait before answering a request.
	delay func(s3Req) time.Duration
	// pageMax is the most keys a listing page holds (s3PageMax unless set).
	pageMax string
	// inFlight and maxInFlight count requests being answered, listings
	// (true) and the rest (false).
	inFlight, maxInFlight map[bool]int
}

func newS3Server(t testing.TB) *s3Server {
	s := &s3Server{t: t, header: http.Header{}, inFlight: map[bool]int{}, maxInFlight: map[bool]int{}}
	s.Server = s3test.New(t, func(inner http.Handler) http.Handler {
		s.inner = inner
		return s
	}, s3Bucket)
	return s
}

// client returns the production client (NewS3Client) pointed at the server,
// with retry delays cut to a millisecond so that tests stay fast.
func (s *s3Server) client() *s3.Client {
	return NewS3Client(s.Config(), s.Endpoint, func(o *s3.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond)
	})
}

func (s *s3Server) put(key string, data []byte) {
	if _, err := s.Backend.PutObject(s3Bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		s.t.Fatal(err)
	}
}

func (s *s3Server) fault(f *s3Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

func (s *s3Server) requests() []s3Req {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *s3Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs, s.faults = nil, nil
	clear(s.maxInFlight)
}

func (s *s3Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	req := s3Req{Method: r.Method, Key: key, Range: r.Header.Get("Range"), Start: time.Now()}
	if key == "" && q.Get("list-type") == "2" {
		req.List, req.Prefix, req.Delimiter, req.StartAfter = true, q.Get("prefix"), q.Get("delimiter"), q.Get("start-after")
		req.Token = q.Get("continuation-token")
		q.Set("max-keys", cmp.Or(s.pageMax, s3PageMax))
		r.URL.RawQuery = q.Encode()
	}
	s.mu.Lock()
	i := len(s.reqs)
	s.reqs = append(s.reqs, req)
	s.inFlight[req.List]++
	s.maxInFlight[req.List] = max(s.maxInFlight[req.List], s.inFlight[req.List])
	delay := s.delay
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.inFlight[req.List]--
		if i < len(s.reqs) {
			s.reqs[i].End = time.Now()
		}
	}()
	var f *s3Fault
	for _, c := range s.faults {
		if c.Times != 0 && c.Match(req) {
			if c.Times > 0 {
				c.Times--
			}
			f = c
			break
		}
	}
	for k, v := range s.header {
		w.Header()[k] = v
	}
	s.mu.Unlock()
	if delay != nil {
		time.Sleep(delay(req))
	}

	switch {
	case f == nil:
		s.inner.ServeHTTP(w, r)
	case f.Reset:
		resetConn(w)
	case f.StallHeaders:
		stall(r)
	case f.CutBody, f.StallBody:
		rec := httptest.NewRecorder()
		s.inner.ServeHTTP(rec, r)
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if f.StallBody {
			stall(r)
			return
		}
		resetConn(w)
	default:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>`, f.Code, f.Message)
	}
}

// stall waits for the client to give up on r (or for 10 s, so that a
// test that fails does not hang).
func stall(r *http.Request) {
	io.Copy(io.Discard, r.Body) // the server notices the hang-up only once the body is read
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// resetConn drops the connection with a TCP reset.
func resetConn(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

// s3Archive is a generated archive: its files in generation order, and the
// same files written to a local folder.
type s3Archive struct {
	files map[string][]byte
	dir   string
	// corrupt is the key of the log file whose gzip stream is cut short.
	corrupt string
	// local is what reading dir with Path gave.
	local s3Read
}

// s3TestArchive generates the test archive: an organization trail (two
// accounts, two regions, digests) and an account trail (one account, one
// region) under the key prefix "trail", over three days across a month
// end, with one corrupt log file.
func s3TestArchive(t testing.TB) *s3Archive {
	a := &s3Archive{files: map[string][]byte{}, dir: t.TempDir()}
	start := time.Date(2026, 2, 27, 22, 10, 0, 0, time.UTC)
	for _, cfg := range []synth.Config{
		{Seed: 7, Prefix: "trail", OrgID: s3Org, Accounts: []string{"111122223333", "444455556666"},
			Regions: []string{"us-east-1", "eu-west-1"}, Start: start, Duration: 50 * time.Hour,
			FileEvery: 97 * time.Minute, RecordsPerFile: 6, Digests: true},
		{Seed: 8, Prefix: "trail", Accounts: []string{"777788889999"}, Regions: []string{"ap-southeast-2"},
			Start: start.Add(3 * time.Minute), Duration: 50 * time.Hour, FileEvery: 131 * time.Minute, RecordsPerFile: 6},
	} {
		err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
			if _, dup := a.files[f.Key]; dup {
				return fmt.Errorf("duplicate key %s", f.Key)
			}
			a.files[f.Key] = f.Data
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a.files)) {
		if strings.Contains(k, "/444455556666/CloudTrail/eu-west-1/2026/02/28/") {
			a.corrupt = k
			a.files[k] = a.files[k][:len(a.files[k])*2/3]
			break
		}
	}
	if a.corrupt == "" {
		t.Fatal("no log file to corrupt")
	}
	for k, data := range a.files {
		p := filepath.Join(a.dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a.local = readSource(context.Background(), Path(a.dir), 4, localKeyOf(a.dir))
	if a.local.walkErr != nil {
		t.Fatal(a.local.walkErr)
	}
	return a
}

// logKeys returns the keys of the archive's event log files (not digests)
// that keep says to, sorted.
func (a *s3Archive) logKeys(keep func(key string, t time.Time) bool) []string {
	var out []string
	for k := range a.files {
		if !strings.Contains(k, "/CloudTrail/") {
			continue
		}
		_, _, t, ok := parseLogFileName(k[strings.LastIndexByte(k, '/')+1:])
		if !ok {
			panic("synth wrote a log file name that does not parse: " + k)
		}
		if keep == nil || keep(k, t) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (a *s3Archive) upload(s *s3Server) {
	for k, data := range a.files {
		s.put(k, data)
	}
}

// s3Read is what reading a source gave.
type s3Read struct {
	inputs   []string          // input names in Walk order, as keys
	records  []string          // raw records, sorted
	problems map[string]string // input key (or key#index) -> error
	walkErr  error
}

// readSource walks src and reads every input with workers goroutines, like
// the scan pipeline: the walk runs ahead of the reads. keyOf maps an input
// name to its archive key.
func readSource(ctx context.Context, src Source, workers int, keyOf func(string) string) s3Read {
	res := s3Read{problems: map[string]string{}}
	var mu sync.Mutex
	problem := func(name string, err error) {
		mu.Lock()
		defer mu.Unlock()
		res.problems[keyOf(name)] = err.Error()
	}
	inputs := make(chan Input, 16)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for in := range inputs {
				rc, err := in.Open(ctx)
				if err != nil {
					problem(in.Name, err)
					continue
				}
				rd := NewReader(rc, in.Name, ReaderOptions{})
				var recs []string
				for rd.Next() {
					rec := rd.Record()
					if rec.Err != nil {
						problem(rec.Origin.String(), rec.Err)
						continue
					}
					recs = append(recs, string(rec.Raw))
				}
				if err := rd.Err(); err != nil {
					problem(in.Name, err)
				}
				rd.Close()
				rc.Close()
				mu.Lock()
				res.records = append(res.records, recs...)
				mu.Unlock()
			}
		})
	}
	res.walkErr = src.Walk(ctx, func(in Input) error {
		mu.Lock()
		res.inputs = append(res.inputs, keyOf(in.Name))
		mu.Unlock()
		if in.Err != nil {
			problem(in.Name, in.Err)
			return nil
		}
		select {
		case inputs <- in:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(inputs)
	wg.Wait()
	slices.Sort(res.records)
	return res
}

func s3KeyOf(name string) string {
	return strings.TrimPrefix(name, "s3://"+s3Bucket+"/")
}

func localKeyOf(dir string) func(string) string {
	return func(name string) string {
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return name
		}
		return filepath.ToSlash(rel)
	}
}

// TestS3 runs the tests that share the generated archive.
func TestS3(t *testing.T) {
	a := s3TestArchive(t)
	for _, tc := range []struct {
		name string
		test func(*testing.T, *s3Archive)
	}{
		{"MatchesLocal", testS3MatchesLocal},
		{"Window", testS3Window},
		{"Faults", testS3Faults},
		{"Scope", testS3Scope},
		{"Errors", testS3Errors},
		{"Cancel", testS3Cancel},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, a) })
	}
}

// allTime is a window that covers the whole test archive.
var allTime = S3Options{
	Since: time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC),
	Until: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
}

// testS3MatchesLocal reads the whole archive from S3 and from local files
// and compares every record byte for byte: the S3 source discovers the
// organization, both trails, every account and region, skips digests, and
// reports the corrupt object by its s3:// name.
func testS3MatchesLocal(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	ctx := context.Background()

	src, err := NewS3(s.client(), s3Bucket, "trail", allTime)
	if err != nil {
		t.Fatal(err)
	}
	got := readSource(ctx, src, 4, s3KeyOf)
	want := a.local
	if got.walkErr != nil {
		t.Fatal(got.walkErr)
	}

	// Inputs: every event log file, once, and nothing else.
	if wantKeys := a.logKeys(nil); !slices.Equal(slices.Sorted(slices.Values(got.inputs)), wantKeys) {
		t.Errorf("S3 inputs (%d) differ from the archive's %d log files:\n%s", len(got.inputs), len(wantKeys), diffList(got.inputs, wantKeys))
	}
	for _, want := range []string{"trail/AWSLogs/777788889999/CloudTrail/ap-southeast-2/", "trail/AWSLogs/" + s3Org + "/111122223333/CloudTrail/eu-west-1/",
		"trail/AWSLogs/" + s3Org + "/444455556666/CloudTrail/us-east-1/"} {
		if !slices.ContainsFunc(got.inputs, func(k string) bool { return strings.HasPrefix(k, want) }) {
			t.Errorf("no input under %s: discovery missed it", want)
		}
	}

	if len(got.records) == 0 || !slices.Equal(got.records, want.records) {
		t.Errorf("S3 gave %d records, local files %d; they differ", len(got.records), len(want.records))
	}

	// The corrupt object is the only problem, named by its s3:// URL.
	msg, ok := got.problems[a.corrupt]
	if !ok || !strings.Contains(msg, "s3://"+s3Bucket+"/"+a.corrupt) {
		t.Errorf("corrupt object: problem %q, want an error naming s3://%s/%s", msg, s3Bucket, a.corrupt)
	}
	for k, msg := range got.problems {
		if k != a.corrupt {
			t.Errorf("unexpected problem with %s: %s", k, msg)
		}
	}
	for _, r := range s.requests() {
		if strings.Contains(r.Prefix+r.Key, "CloudTrail-Digest") {
			t.Errorf("request touched a digest folder: %+v", r)
		}
	}
}

// diffList shows the first differences between two sorted lists.
func diffList(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, k := range got {
		if _, ok := slices.BinarySearch(want, k); !ok && n < 5 {
			fmt.Fprintf(&b, "  extra %s\n", k)
			n++
		}
	}
	for _, k := range want {
		if _, ok := slices.BinarySearch(got, k); !ok && n < 10 {
			fmt.Fprintf(&b, "  missing %s\n", k)
			n++
		}
	}
	return b.String()
}

// testS3Window checks that a window lists only its day folders, downloads
// only the files delivered in [since, until+1h], and still reads every
// record whose eventTime is in [since, until].
func testS3Window(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	ctx := context.Background()
	since := time.Date(2026, 2, 28, 20, 31, 40, 0, time.UTC)
	until := time.Date(2026, 2, 28, 23, 12, 5, 0, time.UTC)

	src, err := NewS3(s.client(), s3Bucket, "trail/", S3Options{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	got := readSource(ctx, src, 2, s3KeyOf)
	if got.walkErr != nil {
		t.Fatal(got.walkErr)
	}

	// Downloads: exactly the files named in [since to the minute, until+1h].
	lo, hi := since.Truncate(time.Minute), until.Add(time.Hour)
	wantGets := a.logKeys(func(_ string, t time.Time) bool { return !t.Before(lo) && !t.After(hi) })
	var gets []string
	for _, r := range s.requests() {
		if r.Method == http.MethodGet && !r.List {
			gets = append(gets, r.Key)
		}
	}
	slices.Sort(gets)
	if !slices.Equal(gets, wantGets) {
		t.Errorf("GETs differ from the files in the window:\n%s", diffList(gets, wantGets))
	}
	if inputs := slices.Sorted(slices.Values(got.inputs)); !slices.Equal(inputs, wantGets) {
		t.Errorf("inputs differ from the files in the window:\n%s", diffList(inputs, wantGets))
	}

	// Listings: folders by delimiter at the layout's levels, and otherwise
	// only the day folders from the day of since to the day of until+1h,
	// with StartAfter on the first day.
	levels := map[string]bool{"trail/AWSLogs/": true, "trail/AWSLogs/" + s3Org + "/": true}
	days := map[string]bool{}
	for _, acct := range []string{s3Org + "/111122223333", s3Org + "/444455556666", "777788889999"} {
		levels["trail/AWSLogs/"+acct+"/CloudTrail/"] = true
		for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2"} {
			for _, d := range []string{"2026/02/28/", "2026/03/01/"} {
				days["trail/AWSLogs/"+acct+"/CloudTrail/"+region+"/"+d] = true
			}
		}
	}
	startAfters := 0
	for _, r := range s.requests() {
		switch {
		case !r.List:
		case r.Delimiter == "/":
			if !levels[r.Prefix] {
				t.Errorf("delimiter listing of %q, not a layout level", r.Prefix)
			}
		case !days[r.Prefix]:
			t.Errorf("listing of %q, not a day folder in the window", r.Prefix)
		case r.StartAfter != "":
			startAfters++
			if !strings.HasPrefix(r.Prefix, "trail/AWSLogs/"+s3Org+"/111122223333/CloudTrail/") && !strings.HasPrefix(r.Prefix, "trail/AWSLogs/"+s3Org+"/444455556666/CloudTrail/") && !strings.HasPrefix(r.Prefix, "trail/AWSLogs/777788889999/CloudTrail/") ||
				!strings.Contains(r.Prefix, "/2026/02/28/") || !strings.HasPrefix(r.StartAfter, r.Prefix) {
				t.Errorf("StartAfter %q on %q: want it in the first day only", r.StartAfter, r.Prefix)
			}
		}
	}
	if startAfters == 0 {
		t.Error("no listing used StartAfter to skip the first day's earlier files")
	}

	// Nothing is lost: every record with eventTime in [since, until] in the
	// whole archive was read.
	all := a.local
	have := map[string]bool{}
	for _, r := range got.records {
		have[r] = true
	}
	inWindow := 0
	for _, r := range all.records {
		var ev struct{ EventTime time.Time }
		if err := json.Unmarshal([]byte(r), &ev); err != nil {
			t.Fatalf("record without eventTime: %v", err)
		}
		if ev.EventTime.Before(since) || ev.EventTime.After(until) {
			continue
		}
		inWindow++
		if !have[r] {
			t.Errorf("record at %s in the window was not read", ev.EventTime)
		}
	}
	if inWindow == 0 {
		t.Fatal("the window holds no records: the test checks nothing")
	}
}

// testS3Faults injects access denials, KMS denials, throttling and
// connection resets, and checks that each is retried or reported by name
// while the rest of the archive is read.
func testS3Faults(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	ctx := context.Background()
	deniedDay := "trail/AWSLogs/" + s3Org + "/111122223333/CloudTrail/eu-west-1/2026/03/01/"
	keys := a.logKeys(func(k string, _ time.Time) bool { return k != a.corrupt && !strings.HasPrefix(k, deniedDay) })
	pick := func(i int) string { return keys[i*len(keys)/10] }
	denied, kmsDenied, throttled, reset, cut, hopeless := pick(1), pick(2), pick(3), pick(4), pick(5), pick(6)
	throttledDay := "trail/AWSLogs/" + s3Org + "/444455556666/CloudTrail/us-east-1/2026/02/28/"
	get := func(key string) func(s3Req) bool {
		return func(r s3Req) bool { return r.Method == http.MethodGet && !r.List && r.Key == key }
	}
	s.fault(&s3Fault{Match: get(denied), Times: -1, Status: 403, Code: "AccessDenied", Message: "Access Denied"})
	s.fault(&s3Fault{Match: get(kmsDenied), Times: -1, Status: 403, Code: "AccessDenied",
		Message: "User: arn:aws:sts::999999999999:assumed-role/Scanner/x is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:999999999999:key/1234abcd because no identity-based policy allows the kms:Decrypt action"})
	s.fault(&s3Fault{Match: get(throttled), Times: 2, Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."})
	s.fault(&s3Fault{Match: get(reset), Times: 1, Reset: true})
	s.fault(&s3Fault{Match: get(cut), Times: 1, CutBody: true})
	s.fault(&s3Fault{Match: get(hopeless), Times: -1, Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."})
	s.fault(&s3Fault{Match: func(r s3Req) bool { return r.List && r.Prefix == deniedDay }, Times: -1, Status: 403, Code: "AccessDenied", Message: "Access Denied"})
	s.fault(&s3Fault{Match: func(r s3Req) bool { return r.List && r.Prefix == throttledDay }, Times: 2, Status: 503, Code: "SlowDown", Message: "Please reduce your request rate."})

	src, err := NewS3(s.client(), s3Bucket, "trail", allTime)
	if err != nil {
		t.Fatal(err)
	}
	got := readSource(ctx, src, 3, s3KeyOf)
	if got.walkErr != nil {
		t.Fatal(got.walkErr)
	}
	want := a.local

	wantProblems := map[string][]string{
		a.corrupt: {"s3://" + s3Bucket + "/" + a.corrupt},
		denied:    {"s3://" + s3Bucket + "/" + denied, "access denied", "s3:GetObject"},
		kmsDenied: {"s3://" + s3Bucket + "/" + kmsDenied, "kms:Decrypt on the bucket's key"},
		hopeless:  {"s3://" + s3Bucket + "/" + hopeless, "SlowDown", fmt.Sprintf("after %d attempts", S3MaxAttempts)},
		deniedDay: {"s3://" + s3Bucket + "/" + deniedDay, "access denied", "s3:ListBucket"},
	}
	for k, subs := range wantProblems {
		msg, ok := got.problems[k]
		if !ok {
			t.Errorf("no problem reported for %s", k)
			continue
		}
		for _, sub := range subs {
			if !strings.Contains(msg, sub) {
				t.Errorf("problem for %s = %q, want it to say %q", k, msg, sub)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("problem for %s spans lines: %q", k, msg)
		}
	}
	for k, msg := range got.problems {
		if _, ok := wantProblems[k]; !ok {
			t.Errorf("unexpected problem with %s: %s", k, msg)
		}
	}

	// Everything else was read, including the throttled, reset and cut
	// objects and the throttled day folder: the records are the local
	// archive's minus those of the lost objects and the unlistable day.
	lost := func(k string) bool {
		return k == denied || k == kmsDenied || k == hopeless || strings.HasPrefix(k, deniedDay)
	}
	var wantRecs []string
	lostRead := readSource(ctx, &keysSource{a: a, keep: lost}, 1, func(s string) string { return s })
	lostSet := map[string]int{}
	for _, r := range lostRead.records {
		lostSet[r]++
	}
	for _, r := range want.records {
		if lostSet[r] > 0 {
			lostSet[r]--
			continue
		}
		wantRecs = append(wantRecs, r)
	}
	if !slices.Equal(got.records, wantRecs) {
		t.Errorf("read %d records, want %d (the archive's %d minus %d lost)", len(got.records), len(wantRecs), len(want.records), len(lostRead.records))
	}

	// The retries happened, and the cut object resumed where it broke.
	counts := map[string]int{}
	var resumed bool
	for _, r := range s.requests() {
		if r.List {
			counts["list "+r.Prefix]++
			continue
		}
		counts[r.Key]++
		if r.Key == cut && strings.HasPrefix(r.Range, "bytes=") && r.Range != "bytes=0-" {
			resumed = true
		}
	}
	if counts[throttled] != 3 || counts[reset] != 2 || counts["list "+throttledDay] < 3 {
		t.Errorf("requests: throttled object %d (want 3), reset object %d (want 2), throttled listing %d (want ≥3)",
			counts[throttled], counts[reset], counts["list "+throttledDay])
	}
	if counts[hopeless] != S3MaxAttempts {
		t.Errorf("hopeless object was tried %d times, want %d", counts[hopeless], S3MaxAttempts)
	}
	if !resumed {
		t.Errorf("the object cut mid-body was not resumed with a Range request")
	}
}

// keysSource offers the archive files for which keep is true, from memory.
type keysSource struct {
	a    *s3Archive
	keep func(string) bool
}

func (k *keysSource) String() string { return "archive" }
func (k *keysSource) Walk(ctx context.Context, fn func(Input) error) error {
	for _, key := range k.a.logKeys(func(key string, _ time.Time) bool { return k.keep(key) }) {
		data := k.a.files[key]
		err := fn(Input{Name: key, Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}})
		if err != nil {
			return err
		}
	}
	return nil
}

// testS3Scope checks prefixes below AWSLogs/ and explicit account and
// region lists: they restrict both what is read and what is listed.
func testS3Scope(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	ctx := context.Background()
	orgAcct := "trail/AWSLogs/" + s3Org + "/444455556666/"

	for _, tc := range []struct {
		name   string
		prefix string
		opts   S3Options
		// under says which keys the source may read and list.
		under func(string) bool
	}{
		{"account prefix", orgAcct, allTime,
			func(k string) bool { return strings.HasPrefix(k, orgAcct) }},
		{"region prefix", orgAcct + "CloudTrail/eu-west-1", allTime,
			func(k string) bool { return strings.HasPrefix(k, orgAcct+"CloudTrail/eu-west-1/") }},
		{"organization prefix", "trail/AWSLogs/" + s3Org, allTime,
			func(k string) bool { return strings.HasPrefix(k, "trail/AWSLogs/"+s3Org+"/") }},
		{"day prefix", orgAcct + "CloudTrail/us-east-1/2026/03/01/", allTime,
			func(k string) bool { return strings.HasPrefix(k, orgAcct+"CloudTrail/us-east-1/2026/03/01/") }},
		{"accounts", "trail", S3Options{Accounts: []string{"444455556666", "777788889999"}, Since: allTime.Since, Until: allTime.Until},
			func(k string) bool {
				return strings.HasPrefix(k, orgAcct) || strings.HasPrefix(k, "trail/AWSLogs/777788889999/")
			}},
		{"regions", "trail", S3Options{Regions: []string{"eu-west-1"}, Since: allTime.Since, Until: allTime.Until},
			func(k string) bool { return strings.Contains(k, "/CloudTrail/eu-west-1/") }},
		{"accounts and regions", "trail", S3Options{Accounts: []string{"111122223333"}, Regions: []string{"us-east-1"}, Since: allTime.Since, Until: allTime.Until},
			func(k string) bool { return strings.Contains(k, "/111122223333/CloudTrail/us-east-1/") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.reset()
			src, err := NewS3(s.client(), s3Bucket, tc.prefix, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = src.Walk(ctx, func(in Input) error {
				if in.Err != nil {
					t.Errorf("input %s: %v", in.Name, in.Err)
				}
				got = append(got, s3KeyOf(in.Name))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := a.logKeys(func(k string, _ time.Time) bool { return tc.under(k) })
			slices.Sort(got)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("inputs differ from the %d files in scope:\n%s", len(want), diffList(got, want))
			}
			for _, r := range s.requests() {
				if !r.List && !tc.under(r.Key) || r.List && r.Delimiter == "" && !tc.under(r.Prefix) {
					t.Errorf("request outside the scope: %+v", r)
				}
				if r.Delimiter != "" && (tc.opts.Accounts != nil && r.Prefix == "trail/AWSLogs/"+s3Org+"/" ||
					tc.opts.Regions != nil && strings.HasSuffix(r.Prefix, "/CloudTrail/")) {
					t.Errorf("discovery listing %q despite the explicit list", r.Prefix)
				}
			}
		})
	}
}

// testS3Errors covers what ends a walk or a source before it starts, and
// what is said instead of events.
func testS3Errors(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	s.put("other/AWSLogs/111122223333/elasticloadbalancing/us-east-1/2026/02/28/x.log.gz", []byte("x"))
	s.put("other/notes.txt", []byte("x"))
	ctx := context.Background()
	walk := func(bucket, prefix string, opts S3Options) ([]Input, error) {
		src, err := NewS3(s.client(), bucket, prefix, opts)
		if err != nil {
			return nil, err
		}
		var ins []Input
		err = src.Walk(ctx, func(in Input) error { ins = append(ins, in); return nil })
		return ins, err
	}

	if _, err := walk("no-such-bucket", "", allTime); err == nil || !strings.Contains(err.Error(), "no such bucket") {
		t.Errorf("missing bucket: %v, want a no such bucket error", err)
	}
	for _, prefix := range []string{"", "elsewhere/", "other"} {
		ins, err := walk(s3Bucket, prefix, allTime)
		if err == nil || !strings.Contains(err.Error(), "is this a CloudTrail bucket?") || !strings.Contains(err.Error(), "s3://"+s3Bucket+"/"+prefix) {
			t.Errorf("prefix %q: %d inputs, %v; want a no-layout error naming the source", prefix, len(ins), err)
		}
	}
	if _, err := walk(s3Bucket, "", allTime); err == nil || !strings.Contains(err.Error(), `"trail"`) {
		t.Errorf("bucket root: %v, want it to name the folders that are there", err)
	}
	if _, err := walk(s3Bucket, "trail", S3Options{Accounts: []string{"123456789012"}, Regions: []string{"us-east-1"}, Since: allTime.Since, Until: allTime.Until}); err == nil ||
		!strings.Contains(err.Error(), "no AWSLogs/…/CloudTrail/ folders for the accounts and regions given") {
		t.Errorf("unknown account: %v, want a no-layout error", err)
	}

	s.reset()
	digest := "trail/AWSLogs/" + s3Org + "/111122223333/CloudTrail-Digest/"
	ins, err := walk(s3Bucket, digest, allTime)
	if err != nil || len(ins) != 1 || !errors.Is(ins[0].Err, ErrNotEventLog) || ins[0].Name != "s3://"+s3Bucket+"/"+digest {
		t.Errorf("digest prefix: %v, %+v; want one ErrNotEventLog input", err, ins)
	}
	if r := s.requests(); len(r) != 0 {
		t.Errorf("digest prefix made %d requests, want none", len(r))
	}

	// Misuse is caught before any request.
	for _, tc := range []struct {
		bucket, prefix string
		opts           S3Options
		want           string
	}{
		{s3Bucket, "trail", S3Options{}, "needs a time window"},
		{s3Bucket, "trail", S3Options{Since: allTime.Until, Until: allTime.Since}, "ends"},
		{"bad bucket", "", allTime, "bucket name"},
		{s3Bucket, "trail/AWSLogs/nope/", allTime, `"nope"`},
		{s3Bucket, "trail", S3Options{Accounts: []string{"1234"}, Since: allTime.Since, Until: allTime.Until}, `"1234" is not a valid account id`},
		{s3Bucket, "trail", S3Options{Regions: []string{"us-east-1/x"}, Since: allTime.Since, Until: allTime.Until}, "not a valid region"},
		{s3Bucket, "trail/AWSLogs/111122223333/", S3Options{Accounts: []string{"444455556666"}, Since: allTime.Since, Until: allTime.Until}, "leaves out"},
		{s3Bucket, "trail/AWSLogs/111122223333/CloudTrail/us-east-1/2025/", allTime, "outside the window"},
	} {
		if _, err := NewS3(s.client(), tc.bucket, tc.prefix, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewS3(%q, %q, %+v) = %v, want an error saying %q", tc.bucket, tc.prefix, tc.opts, err, tc.want)
		}
	}
}

// testS3Cancel checks that canceling ctx stops Walk: no input is offered
// after the cancel, and once Walk returns no request is made (its
// listings and downloads have stopped, not just been abandoned).
func testS3Cancel(t *testing.T, a *s3Archive) {
	s := newS3Server(t)
	a.upload(s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := &callCounter{S3API: s.client()}
	src, err := NewS3(client, s3Bucket, "trail", allTime)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = src.Walk(ctx, func(in Input) error {
		n++
		if n == 3 {
			cancel()
		}
		return nil
	})
	atReturn, inFlight := client.started.Load(), client.inFlight.Load()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Walk = %v, want context.Canceled", err)
	}
	if n != 3 {
		t.Errorf("fn called %d times, want 3 (none after the cancel)", n)
	}
	time.Sleep(100 * time.Millisecond)
	if inFlight != 0 {
		t.Errorf("%d calls in flight when Walk returned", inFlight)
	}
	if after := client.started.Load(); after != atReturn {
		t.Errorf("%d calls after Walk returned", after-atReturn)
	}
	if all := int64(len(a.logKeys(nil))); atReturn >= all {
		t.Errorf("%d calls before Walk returned, as many as the %d objects: the cancel did not stop it", atReturn, all)
	}

	// A canceled Open fails naming the object and the cancel.
	var in Input
	ctx2, cancel2 := context.WithCancel(context.Background())
	src.Walk(ctx2, func(i Input) error { in = i; return errors.New("stop") })
	cancel2()
	if _, err := in.Open(ctx2); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), in.Name) {
		t.Errorf("Open after cancel = %v, want context.Canceled naming %s", err, in.Name)
	}
}

// callCounter counts the calls made through it, and those in flight.
type callCounter struct {
	S3API
	started, inFlight atomic.Int64
}

func (c *callCounter) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.started.Add(1)
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	return c.S3API.ListObjectsV2(ctx, in, optFns...)
}

func (c *callCounter) GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.started.Add(1)
	c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	return c.S3API.GetObject(ctx, in, optFns...)
}

// TestS3BucketRegion checks that the region S3 reports in its answer to
// HeadBucket is found, whether or not the request succeeded.
func TestS3BucketRegion(t *testing.T) {
	s := newS3Server(t)
	s.header.Set("X-Amz-Bucket-Region", "eu-central-1")
	if r, err := S3BucketRegion(context.Background(), s.client(), s3Bucket); err != nil || r != "eu-central-1" {
		t.Errorf("S3BucketRegion = %q, %v; want eu-central-1", r, err)
	}
	s.fault(&s3Fault{Match: func(r s3Req) bool { return r.Method == http.MethodHead }, Times: -1, Status: 403, Code: "AccessDenied"})
	if r, err := S3BucketRegion(context.Background(), s.client(), s3Bucket); err != nil || r != "eu-central-1" {
		t.Errorf("S3BucketRegion on a 403 = %q, %v; want eu-central-1", r, err)
	}
	s.header.Del("X-Amz-Bucket-Region")
	s.reset()
	if r, err := S3BucketRegion(context.Background(), s.client(), "no-such-bucket"); err == nil || !strings.Contains(err.Error(), "no such bucket") {
		t.Errorf("S3BucketRegion of a missing bucket = %q, %v; want a no such bucket error", r, err)
	}
}

// BenchmarkS3Scan reads the same generated archive (six hours of an
// organization trail: two accounts, two regions, a file every five
// minutes) from S3 on loopback and from local files, with the scan's
// layout: a walk running ahead of a pool of readers. Throughput is in
// uncompressed bytes.
//
//	go test -run '^$' -bench BenchmarkS3Scan -benchtime 5x ./ingest/
func BenchmarkS3Scan(b *testing.B) {
	s := newS3Server(b)
	dir := b.TempDir()
	var raw int64
	cfg := synth.Config{Seed: 1, OrgID: s3Org, Start: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Duration: 6 * time.Hour}
	err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
		s.put(f.Key, f.Data)
		p := filepath.Join(dir, filepath.FromSlash(f.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		zr, err := gzip.NewReader(bytes.NewReader(f.Data))
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, zr)
		raw += n
		if err != nil {
			return err
		}
		return os.WriteFile(p, f.Data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
	workers := runtime.GOMAXPROCS(0)
	opts := S3Options{Since: cfg.Start, Until: cfg.Start.Add(cfg.Duration)}
	for _, bc := range []struct {
		name string
		src  func() Source
	}{
		{"s3-loopback", func() Source {
			src, err := NewS3(s.client(), s3Bucket, "", opts)
			if err != nil {
				b.Fatal(err)
			}
			return src
		}},
		{"local", func() Source { return Path(dir) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(raw)
			for b.Loop() {
				if n, err := countRecords(context.Background(), bc.src(), workers); err != nil || n == 0 {
					b.Fatalf("read %d records: %v", n, err)
				}
			}
		})
	}
}

// countRecords reads every input of src with workers readers sharing
// pools of buffers, as the scan does, and counts the records.
func countRecords(ctx context.Context, src Source, workers int) (int64, error) {
	pools := NewPools()
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	inputs := make(chan Input, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for in := range inputs {
				rc, err := in.Open(ctx)
				if err != nil {
					fail(err)
					continue
				}
				rd := NewReader(rc, in.Name, ReaderOptions{Pools: pools})
				for rd.Next() {
				}
				if err := rd.Err(); err != nil {
					fail(err)
				}
				total.Add(rd.Records())
				rd.Close()
				rc.Close()
			}
		})
	}
	err := src.Walk(ctx, func(in Input) error {
		if in.Err != nil {
			if !errors.Is(in.Err, ErrNotEventLog) {
				fail(in.Err)
			}
			return nil
		}
		inputs <- in
		return nil
	})
	close(inputs)
	wg.Wait()
	if err == nil {
		err = firstErr
	}
	return total.Load(), err
}
