package ingest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/klauspost/compress/gzip"

	"github.com/denytrail/denytrail/internal/ctfake"
)

// testTimeouts are short enough for tests and long enough for a loaded
// machine's loopback. Idle is the longer, so that a response that never
// starts ends on the first-byte timeout (the idle one also bounds the wait
// for headers).
var testTimeouts = Timeouts{Connect: 2 * time.Second, FirstByte: 500 * time.Millisecond, Idle: time.Second}

// gzipLog is a log file of n records whose eventIDs start with id.
func gzipLog(t testing.TB, id string, n int) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`{"Records":[`))
	for i := range n {
		if i > 0 {
			zw.Write([]byte(","))
		}
		// Enough bytes that half the object is more than the gzip header.
		fmt.Fprintf(zw, `{"eventID":"%s-%d","eventTime":"2026-02-28T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","pad":%q}`,
			id, i, strings.Repeat(fmt.Sprint(i), 200))
	}
	zw.Write([]byte(`]}`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestS3Stalls serves one object whose body stalls half way, one that
// never sends headers and a listing that stalls once: the walk ends by
// itself, resumes the stalled body with ranged GETs before giving up on
// it, retries the rest, names the two objects it skipped and reads the
// others.
func TestS3Stalls(t *testing.T) {
	t.Parallel()
	s := newS3Server(t)
	day := "trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/02/28/"
	key := func(n string) string {
		return day + "111122223333_CloudTrail_us-east-1_20260228T10" + n + "Z_x.json.gz"
	}
	ok1, body, headers, ok2 := key("00"), key("05"), key("10"), key("15")
	for i, k := range []string{ok1, body, headers, ok2} {
		s.put(k, gzipLog(t, fmt.Sprint("f", i), 40))
	}
	get := func(k string) func(s3Req) bool {
		return func(r s3Req) bool { return r.Method == http.MethodGet && !r.List && r.Key == k }
	}
	s.fault(&s3Fault{Match: get(body), Times: -1, StallBody: true})
	s.fault(&s3Fault{Match: get(headers), Times: -1, StallHeaders: true})
	s.fault(&s3Fault{Match: func(r s3Req) bool { return r.List && r.Prefix == day }, Times: 1, StallHeaders: true})

	cfg := s.Config()
	cfg.HTTPClient = testTimeouts.HTTPClient()
	client := NewS3Client(cfg, s.Endpoint, func(o *s3.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond)
	})
	src, err := NewS3(client, s3Bucket, "trail", S3Options{
		Since: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got := readSource(ctx, src, 2, s3KeyOf)
	if ctx.Err() != nil {
		t.Fatal("the walk did not end by itself")
	}
	if got.walkErr != nil {
		t.Fatal(got.walkErr)
	}
	for k, subs := range map[string][]string{
		body:    {"s3://" + s3Bucket + "/" + body, "idle timeout", fmt.Sprintf("gave up after resuming %d times", maxResumes)},
		headers: {"s3://" + s3Bucket + "/" + headers, "first-byte timeout", fmt.Sprintf("after %d attempts", S3MaxAttempts)},
	} {
		msg, ok := got.problems[k]
		if !ok {
			t.Errorf("%s: not named as skipped", k)
		}
		for _, sub := range subs {
			if !strings.Contains(msg, sub) {
				t.Errorf("%s: problem %q, want it to say %q", k, msg, sub)
			}
		}
	}
	if len(got.problems) != 2 {
		t.Errorf("problems %v, want the two stalled objects only", got.problems)
	}
	for _, id := range []string{`"f0-39"`, `"f3-0"`, `"f3-39"`} {
		found := false
		for _, r := range got.records {
			found = found || strings.Contains(r, id)
		}
		if !found {
			t.Errorf("record %s of a good object was not read", id)
		}
	}
	counts := map[string]int{}
	ranged := 0
	for _, r := range s.requests() {
		if r.List {
			counts["list"]++
			continue
		}
		counts[r.Key]++
		if r.Key == body && strings.HasPrefix(r.Range, "bytes=") && r.Range != "bytes=0-" {
			ranged++
		}
	}
	// Each resume is a GetObject call, which the SDK may retry itself when
	// its headers are slow on a loaded machine.
	if counts[body]-ranged != 1 || ranged < maxResumes {
		t.Errorf("stalled body: %d GETs, %d ranged; want 1 and %d resumes", counts[body], ranged, maxResumes)
	}
	// The transport itself may retry a GET on a reused connection that
	// timed out before any answer: at least every attempt the SDK made.
	if counts[headers] < S3MaxAttempts {
		t.Errorf("stalled headers: %d GETs, want %d attempts", counts[headers], S3MaxAttempts)
	}
}

// ctStaller stalls LookupEvents answers per Region: from the Nth request
// on, no headers (headers), or headers and half a body (body).
type ctStaller struct {
	inner         http.Handler
	headers, body map[string]int // Region -> first request that stalls (1-based)
	mu            sync.Mutex
	seen          map[string]int
}

func (h *ctStaller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Credential=AKID/date/region/service/aws4_request
	region := ""
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		if parts := strings.Split(cred, "/"); len(parts) > 2 {
			region = parts[2]
		}
	}
	h.mu.Lock()
	h.seen[region]++
	n := h.seen[region]
	h.mu.Unlock()
	switch {
	case h.headers[region] > 0 && n >= h.headers[region]:
		stall(r)
	case h.body[region] > 0 && n >= h.body[region]:
		rec := httptest.NewRecorder()
		h.inner.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
		w.(http.Flusher).Flush()
		stall(r)
	default:
		h.inner.ServeHTTP(w, r)
	}
}

// TestCloudTrailStalls stalls a Region's second page (no headers) and
// another Region's first (half a body): the walk ends by itself, keeps
// what the first Region and the first page gave, and names the two
// Regions as failed, saying what was not read.
func TestCloudTrailStalls(t *testing.T) {
	t.Parallel()
	fake := ctfake.New()
	fake.SetRateLimit(100) // the timeouts, not the quota, are under test
	h := &ctStaller{inner: fake, headers: map[string]int{"eu-west-1": 2}, body: map[string]int{"ap-south-1": 1}, seen: map[string]int{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &ctFake{fake, srv.URL}
	since, until := ctWindow(time.Hour)
	want := f.add(t, "us-east-1", 60, since, until)
	f.add(t, "eu-west-1", 120, since, until)
	f.add(t, "ap-south-1", 10, since, until)
	clients := map[string]CloudTrailAPI{}
	for _, r := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
		clients[r] = ctfake.Client(srv.URL, r, fastRetries, func(o *cloudtrail.Options) { o.HTTPClient = testTimeouts.HTTPClient() })
	}
	src, err := NewCloudTrail(clients, CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 100})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := ctWalk(t, ctx, src)
	if ctx.Err() != nil {
		t.Fatal("the walk did not end by itself")
	}
	if err != nil {
		t.Fatalf("Walk = %v, want the stalled Regions as failed inputs", err)
	}
	for name := range want {
		if _, ok := res.records[name]; !ok {
			t.Errorf("%s of the healthy Region was not read", name)
		}
	}
	euWest := 0
	for name := range res.records {
		if strings.HasPrefix(name, "cloudtrail://eu-west-1/") {
			euWest++
		}
	}
	if euWest != pageSize {
		t.Errorf("eu-west-1: %d events read, want its first page (%d)", euWest, pageSize)
	}
	failed := map[string]string{}
	for _, in := range res.failed {
		failed[in.Name] = in.Err.Error()
	}
	for name, subs := range map[string][]string{
		"cloudtrail://eu-west-1": {"page 2", "first-byte timeout", "attempts", "were not read"},
		// The body's idle timeout, or the connection it closed.
		"cloudtrail://ap-south-1": {"page 1", "were not read"},
	} {
		msg, ok := failed[name]
		if !ok {
			t.Errorf("%s: not named as failed (failed: %v)", name, failed)
		}
		for _, sub := range subs {
			if !strings.Contains(msg, sub) {
				t.Errorf("%s: %q, want it to say %q", name, msg, sub)
			}
		}
	}
	if len(failed) != 2 {
		t.Errorf("failed %v, want the two stalled Regions", failed)
	}
}
