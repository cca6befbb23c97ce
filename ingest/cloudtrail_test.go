package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go"

	"github.com/denytrail/denytrail/internal/ctfake"
)

// ctRecord is a CloudTrail record as LookupEvents would hold it.
func ctRecord(region, id, source string, at time.Time) []byte {
	return fmt.Appendf(nil, `{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/app/s1",`+
		`"accountId":"111122223333","accessKeyId":"ASIAEXAMPLE"},"eventTime":%q,"eventSource":%q,"eventName":"GenerateDataKey",`+
		`"awsRegion":%q,"sourceIPAddress":"s3.amazonaws.com","errorCode":"AccessDenied","errorMessage":"denied",`+
		`"requestID":"r-%s","eventID":%q,"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,`+
		`"recipientAccountId":"111122223333","eventCategory":"Management"}`,
		at.UTC().Format(time.RFC3339), source, region, id, id)
}

// ctFake is a fake CloudTrail served on loopback.
type ctFake struct {
	*ctfake.Server
	url string
}

func ctStart(t testing.TB) *ctFake {
	t.Helper()
	s := ctfake.New()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &ctFake{s, ts.URL}
}

// add stores n KMS events in region, spread over [since, until] with the
// first at since and the last at until, and returns their records by input
// name. Decoys go around them: S3 events inside the window, KMS events
// just outside it.
func (f *ctFake) add(t testing.TB, region string, n int, since, until time.Time) map[string]string {
	t.Helper()
	want := make(map[string]string, n)
	var recs [][]byte
	for i := range n {
		at := since
		if n > 1 {
			at = since.Add(until.Sub(since) * time.Duration(i) / time.Duration(n-1)).Truncate(time.Second)
		}
		id := fmt.Sprintf("%s-kms-%04d", region, i)
		rec := ctRecord(region, id, "kms.amazonaws.com", at)
		recs = append(recs, rec)
		want["cloudtrail://"+region+"/"+id] = string(rec)
		if i%5 == 0 {
			recs = append(recs, ctRecord(region, fmt.Sprintf("%s-s3-%04d", region, i), "s3.amazonaws.com", at))
		}
	}
	recs = append(recs,
		ctRecord(region, region+"-before", "kms.amazonaws.com", since.Add(-time.Second)),
		ctRecord(region, region+"-after", "kms.amazonaws.com", until.Add(time.Second)))
	if err := f.AddRecords(region, recs...); err != nil {
		t.Fatal(err)
	}
	return want
}

func (f *ctFake) clients(regions ...string) map[string]CloudTrailAPI {
	m := make(map[string]CloudTrailAPI, len(regions))
	for _, r := range regions {
		m[r] = ctfake.Client(f.url, r)
	}
	return m
}

// ctWindow is a window ending now, to the second.
func ctWindow(d time.Duration) (since, until time.Time) {
	until = time.Now().UTC().Truncate(time.Second)
	return until.Add(-d), until
}

// ctResult is what a Walk produced.
type ctResult struct {
	records map[string]string // input name -> the one record read from it
	order   []string          // input names in the order passed to fn
	failed  []Input           // inputs with Err
}

// ctWalk runs src.Walk and reads every input through the shared Reader,
// checking that each holds exactly one record whose origin is the input.
func ctWalk(t *testing.T, ctx context.Context, src Source) (ctResult, error) {
	t.Helper()
	res := ctResult{records: map[string]string{}}
	err := src.Walk(ctx, func(in Input) error {
		if in.Err != nil {
			res.failed = append(res.failed, in)
			return nil
		}
		res.order = append(res.order, in.Name)
		if _, dup := res.records[in.Name]; dup {
			t.Errorf("input %s passed twice", in.Name)
		}
		rc, err := in.Open(ctx)
		if err != nil {
			t.Fatalf("%s: open: %v", in.Name, err)
		}
		defer rc.Close()
		rd := NewReader(rc, in.Name, ReaderOptions{})
		defer rd.Close()
		n := 0
		for rd.Next() {
			rec := rd.Record()
			if rec.Err != nil {
				t.Errorf("%s: record: %v", in.Name, rec.Err)
				continue
			}
			if rec.Origin.String() != in.Name || rec.Origin.Index != -1 {
				t.Errorf("%s: origin %q (index %d), want the input name", in.Name, rec.Origin, rec.Origin.Index)
			}
			res.records[in.Name] = string(rec.Raw)
			n++
		}
		if err := rd.Err(); err != nil || n != 1 {
			t.Errorf("%s: %d records, err %v; want 1 record", in.Name, n, err)
		}
		if in.Size != int64(len(res.records[in.Name])) {
			t.Errorf("%s: Size %d, record is %d bytes", in.Name, in.Size, len(res.records[in.Name]))
		}
		return nil
	})
	return res, err
}

func ctSameRecords(t *testing.T, got, want map[string]string) {
	t.Helper()
	for name, rec := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("missing %s", name)
		} else if g != rec {
			t.Errorf("%s: record\n%s\nwant\n%s", name, g, rec)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected input %s", name)
		}
	}
}

func ctByRegion(reqs []ctfake.Request) map[string][]ctfake.Request {
	m := map[string][]ctfake.Request{}
	for _, r := range reqs {
		if r.Operation == "LookupEvents" {
			m[r.Region] = append(m[r.Region], r)
		}
	}
	return m
}

// ctRate is the request rate of reqs as the service sees it: intervals
// between arrivals over the time they took. It counts whole pairs of
// intervals, the unit of the 2-per-second quota: one interval alone may be
// a little under 500ms without breaking it.
func ctRate(reqs []ctfake.Request) float64 {
	n := (len(reqs) - 1) &^ 1
	return float64(n) / reqs[n].Time.Sub(reqs[0].Time).Seconds()
}

func TestCloudTrailEveryEventOnceWithinQuota(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	since, until := ctWindow(6 * time.Hour)
	want := map[string]string{}
	pages := map[string]int{"us-east-1": 5, "eu-west-1": 6, "ap-southeast-2": 1}
	for region, n := range map[string]int{"us-east-1": 250, "eu-west-1": 251, "ap-southeast-2": 0} {
		for k, v := range f.add(t, region, n, since, until) {
			want[k] = v
		}
	}
	src, err := NewCloudTrail(f.clients("us-east-1", "eu-west-1", "ap-southeast-2"), CloudTrailOptions{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctWalk(t, context.Background(), src)
	if err != nil || len(res.failed) > 0 {
		t.Fatalf("Walk: %v, failed inputs %v", err, res.failed)
	}
	ctSameRecords(t, res.records, want)

	// The pacer keeps under the quota (TestPacer checks its schedule,
	// BenchmarkLookupEvents measures the rate). On a loaded machine the
	// server may still see two requests bunched into one second and
	// throttle one: the source then retries it, so no page is lost. What
	// must hold whatever the load: every page asked for once with the
	// right token, throttles the only errors, and the rate under 2/s.
	throttled := map[string]int{}
	for region, all := range ctByRegion(f.Requests()) {
		var reqs []ctfake.Request
		for i, r := range all {
			switch {
			case r.Error == "":
				reqs = append(reqs, r)
			case strings.Contains(r.Error, "Throttling"):
				throttled[region]++
			default:
				t.Errorf("%s request %d: %s", region, i, r.Error)
			}
		}
		// A page whose answer was lost on the way back (a loaded machine
		// under -race has dropped one) is asked for again with the same
		// token: the server answers twice, the source reads it once
		// (ctSameRecords, Progress.Pages). Any other extra request fails.
		distinct := slices.CompactFunc(slices.Clone(reqs), func(a, b ctfake.Request) bool { return a.Token == b.Token })
		if len(distinct) != pages[region] {
			t.Errorf("%s: %d answered requests for %d tokens, want %d pages:", region, len(reqs), len(distinct), pages[region])
			for i, r := range all {
				t.Logf("  %d at %s: token %.24q status %d %s", i, r.Time.Format("15:04:05.000"), r.Token, r.Status, r.Error)
			}
		} else if len(distinct) != len(reqs) {
			t.Logf("%s: %d pages in %d answered requests: a page asked for again", region, len(distinct), len(reqs))
		}
		reqs = distinct
		for i, r := range reqs {
			if r.Attribute != "EventSource=kms.amazonaws.com" {
				t.Errorf("%s request %d: lookup attribute %q", region, i, r.Attribute)
			}
			if (i == 0) != (r.Token == "") {
				t.Errorf("%s request %d: token %q", region, i, r.Token)
			}
		}
		if len(all) >= 3 {
			if rps := ctRate(all); rps >= 2.0 {
				t.Errorf("%s: %.3f requests/s, over the quota of 2", region, rps)
			}
		}
	}

	prog := src.Progress()
	if len(prog) != 3 {
		t.Fatalf("progress %+v", prog)
	}
	for _, p := range prog {
		events := map[string]int{"us-east-1": 250, "eu-west-1": 251}[p.Region]
		oldest := since
		if events == 0 {
			oldest = time.Time{}
		}
		if !p.Done || p.Err != nil || p.Pages != pages[p.Region] || p.Events != events || !p.Oldest.Equal(oldest) || p.Throttled != throttled[p.Region] {
			t.Errorf("progress %+v, want %d pages, %d events, oldest %v", p, pages[p.Region], events, oldest)
		}
	}
}

// TestPacer runs the pacer on a simulated clock: requests go out as soon
// as the quota allows, n per window and its margin, or one per round trip
// when that is slower, and never n+1 within a window of send times.
func TestPacer(t *testing.T) {
	for _, tc := range []struct {
		rps      float64
		rtt      time.Duration
		wantRate float64 // requests per second
	}{
		{rps: 2, rtt: 10 * time.Millisecond, wantRate: 2 / 1.025},
		{rps: 2, rtt: 300 * time.Millisecond, wantRate: 2 / 1.025},
		{rps: 2, rtt: 700 * time.Millisecond, wantRate: 1 / 0.7},
		{rps: 1, rtt: 10 * time.Millisecond, wantRate: 1 / 1.025},
		{rps: 0.5, rtt: 10 * time.Millisecond, wantRate: 1 / 2.05},
	} {
		clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		p := newPacer(tc.rps)
		p.now = func() time.Time { return clock }
		p.sleep = func(_ context.Context, d time.Duration) error {
			clock = clock.Add(max(d, 0))
			return nil
		}
		var sent []time.Time
		for range 41 {
			at, err := p.wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			sent = append(sent, at)
			p.sent(at)
			clock = clock.Add(tc.rtt)
		}
		rate := float64(len(sent)-1) / sent[len(sent)-1].Sub(sent[0]).Seconds()
		if rate < tc.wantRate*0.99 || rate > tc.wantRate*1.01 {
			t.Errorf("rps %v, rtt %v: %.3f requests/s, want %.3f", tc.rps, tc.rtt, rate, tc.wantRate)
		}
		// The token bucket spaces requests evenly, and no window (with its
		// margin) of send times holds more than the quota.
		n := max(1, int(tc.rps))
		window := time.Duration(float64(n)/tc.rps*float64(time.Second)) * 41 / 40
		for k := 1; k < len(sent); k++ {
			if gap := sent[k].Sub(sent[k-1]); gap.Seconds() < 1/tc.rps-1e-6 {
				t.Errorf("rps %v, rtt %v: request %d sent %v after the one before", tc.rps, tc.rtt, k, gap)
			}
		}
		for k := n; k < len(sent); k++ {
			if gap := sent[k].Sub(sent[k-n]); gap < window {
				t.Errorf("rps %v, rtt %v: request %d sent %v after request %d, want %v", tc.rps, tc.rtt, k, gap, k-n, window)
			}
		}
	}
}

func TestCloudTrailAllEvents(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	since, until := ctWindow(time.Hour)
	at := since.Add(time.Minute)
	recs := [][]byte{
		ctRecord("eu-west-1", "kms-1", "kms.amazonaws.com", at),
		ctRecord("eu-west-1", "s3-1", "s3.amazonaws.com", at.Add(time.Second)),
		ctRecord("eu-west-1", "iam-1", "iam.amazonaws.com", at.Add(2*time.Second)),
	}
	if err := f.AddRecords("eu-west-1", recs...); err != nil {
		t.Fatal(err)
	}
	// An event without its record is reported, not dropped.
	f.Add("eu-west-1", ctfake.Event{ID: "bare", Source: "kms.amazonaws.com", Time: at})
	src, err := NewCloudTrail(f.clients("eu-west-1"), CloudTrailOptions{Since: since, Until: until, AllEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctWalk(t, context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, r := range recs {
		ev, _ := ctfake.EventFromRecord(r)
		want["cloudtrail://eu-west-1/"+ev.ID] = string(r)
	}
	ctSameRecords(t, res.records, want)
	// Newest first within a Region.
	if got := strings.Join(res.order, " "); got != "cloudtrail://eu-west-1/iam-1 cloudtrail://eu-west-1/s3-1 cloudtrail://eu-west-1/kms-1" {
		t.Errorf("order %s", got)
	}
	if len(res.failed) != 1 || res.failed[0].Name != "cloudtrail://eu-west-1/bare" || !strings.Contains(res.failed[0].Err.Error(), "CloudTrailEvent") {
		t.Errorf("failed inputs %+v, want the bare event", res.failed)
	}
	for _, r := range f.Requests() {
		if r.Attribute != "" {
			t.Errorf("AllEvents sent lookup attribute %q", r.Attribute)
		}
	}
	if notes := src.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "PutObject") {
		t.Errorf("notes %q", notes)
	}
}

func TestCloudTrailThrottledPagesAreNotLost(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	since, until := ctWindow(time.Hour)
	want := f.add(t, "us-east-1", 150, since, until)
	for k, v := range f.add(t, "eu-west-1", 60, since, until) {
		want[k] = v
	}
	// The SDK's own retryer, as configured by default, meets the throttles.
	f.Inject("us-east-1", ctfake.Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded", After: 1, Times: 2})
	f.Inject("eu-west-1", ctfake.Throttling(1))
	src, err := NewCloudTrail(f.clients("us-east-1", "eu-west-1"), CloudTrailOptions{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctWalk(t, context.Background(), src)
	if err != nil || len(res.failed) > 0 {
		t.Fatalf("Walk: %v, failed inputs %v", err, res.failed)
	}
	ctSameRecords(t, res.records, want)
	// Retries go through the pacer: the rate stays under the quota. On a
	// loaded machine the server may still see two requests bunched into
	// one second and throttle one beyond those injected (see
	// TestCloudTrailEveryEventOnceWithinQuota); that one is retried and
	// counted like the others. What must hold whatever the load: no page
	// lost, throttles the only errors, every throttle counted, the rate
	// under 2/s.
	injected, throttled := map[string]int{}, map[string]int{}
	for region, all := range ctByRegion(f.Requests()) {
		for _, r := range all {
			switch {
			case r.Injected:
				injected[region]++
				throttled[region]++
			case strings.Contains(r.Error, "Throttling"):
				throttled[region]++
			case r.Error != "":
				t.Errorf("%s: %s", region, r.Error)
			}
		}
		if len(all) >= 3 {
			if rps := ctRate(all); rps >= 2.0 {
				t.Errorf("%s: %.3f requests/s, over the quota of 2: retries bypassed the limiter", region, rps)
			}
		}
	}
	for _, p := range src.Progress() {
		if p.Throttled != throttled[p.Region] || p.Err != nil {
			t.Errorf("%s: progress counts %d throttles (err %v), server throttled %d (%d injected)", p.Region, p.Throttled, p.Err, throttled[p.Region], injected[p.Region])
		}
	}
	if injected["us-east-1"] != 2 || injected["eu-west-1"] != 1 {
		t.Errorf("injected %v", injected)
	}
}

// fastRetries makes the SDK retry at once, for tests of what happens when
// it gives up.
func fastRetries(o *cloudtrail.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
}

// dropOptions is a CloudTrailAPI that ignores the option functions and
// does not retry: all retrying is then the source's own.
type dropOptions struct{ c *cloudtrail.Client }

func (d dropOptions) LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	return d.c.LookupEvents(ctx, in, func(o *cloudtrail.Options) { o.Retryer = aws.NopRetryer{} })
}

func TestCloudTrailRetriesWhenTheSDKGivesUp(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	f.SetRateLimit(100) // the retry logic, not the quota, is under test
	since, until := ctWindow(time.Hour)
	want := map[string]string{}
	for _, r := range []string{"a-1", "b-1", "c-1"} {
		for k, v := range f.add(t, r, 120, since, until) {
			want[k] = v
		}
	}
	// a-1: 7 throttles on page 2, more than the SDK's 5 attempts.
	f.Inject("a-1", ctfake.Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded", After: 1, Times: 7})
	// b-1: a client without SDK retries; the source alone retries.
	f.Inject("b-1", ctfake.Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded", After: 2, Times: 3})
	// c-1: throttled for good after page 1: the Region fails, saying so.
	f.Inject("c-1", ctfake.Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded", After: 1})
	clients := map[string]CloudTrailAPI{
		"a-1": ctfake.Client(f.url, "a-1", fastRetries),
		"b-1": dropOptions{ctfake.Client(f.url, "b-1")},
		"c-1": ctfake.Client(f.url, "c-1", fastRetries),
	}
	src, err := NewCloudTrail(clients, CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	src.retries = 3
	src.backoff = func(int) time.Duration { return time.Millisecond }
	res, err := ctWalk(t, context.Background(), src)
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	for name := range want {
		if strings.HasPrefix(name, "cloudtrail://c-1/") {
			// Page 1 of c-1 arrives; the rest never does.
			if strings.Compare(name, "cloudtrail://c-1/c-1-kms-0069") <= 0 {
				delete(want, name)
			}
		}
	}
	ctSameRecords(t, res.records, want)
	if len(res.failed) != 1 || res.failed[0].Name != "cloudtrail://c-1" {
		t.Fatalf("failed inputs %+v, want cloudtrail://c-1", res.failed)
	}
	msg := res.failed[0].Err.Error()
	var ae smithy.APIError
	if !strings.Contains(msg, "throttled") || !strings.Contains(msg, "page 2") || strings.Contains(msg, "\n") ||
		!errors.As(res.failed[0].Err, &ae) || ae.ErrorCode() != "ThrottlingException" {
		t.Errorf("c-1 error %q", msg)
	}
	reqs := ctByRegion(f.Requests())
	// c-1: page 1, then 4 calls (the first and 3 retries) of 5 attempts.
	if n := len(reqs["c-1"]); n != 1+4*sdkAttempts {
		t.Errorf("c-1: %d requests, want %d", n, 1+4*sdkAttempts)
	}
	for _, p := range src.Progress() {
		wantThrottled := map[string]int{"a-1": 7, "b-1": 3, "c-1": 4 * sdkAttempts}[p.Region]
		if p.Throttled != wantThrottled || !p.Done || (p.Err != nil) != (p.Region == "c-1") {
			t.Errorf("progress %+v, want %d throttles", p, wantThrottled)
		}
	}
}

func TestCloudTrailAccessDenied(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	f.SetRateLimit(100)
	since, until := ctWindow(time.Hour)
	want := f.add(t, "eu-west-1", 3, since, until)
	f.add(t, "us-east-1", 3, since, until)
	f.Inject("us-east-1", ctfake.AccessDenied())
	src, err := NewCloudTrail(f.clients("us-east-1", "eu-west-1"), CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctWalk(t, context.Background(), src)
	if err != nil {
		t.Fatalf("Walk: %v (one Region worked)", err)
	}
	ctSameRecords(t, res.records, want)
	if len(res.failed) != 1 || res.failed[0].Name != "cloudtrail://us-east-1" {
		t.Fatalf("failed inputs %+v", res.failed)
	}
	checkDenied(t, res.failed[0].Err, "us-east-1")
	if n := len(ctByRegion(f.Requests())["us-east-1"]); n != 1 {
		t.Errorf("%d requests in us-east-1: a denial is not retried", n)
	}

	// Alone, the denied Region fails the source.
	src, err = NewCloudTrail(f.clients("us-east-1"), CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	res, err = ctWalk(t, context.Background(), src)
	if len(res.records) > 0 || len(res.failed) > 0 {
		t.Errorf("inputs %v %v from a denied Region", res.records, res.failed)
	}
	checkDenied(t, err, "us-east-1")
}

func checkDenied(t *testing.T, err error, region string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	var ae smithy.APIError
	if !strings.HasPrefix(msg, "cloudtrail://"+region+": access denied") || !strings.Contains(msg, "needs cloudtrail:LookupEvents in "+region) ||
		strings.Contains(msg, "\n") || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("error %q", msg)
	}
}

func TestCloudTrailEveryRegionFails(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	since, until := ctWindow(time.Hour)
	f.Inject("us-east-1", ctfake.ExpiredToken())
	f.Inject("eu-west-1", ctfake.AccessDenied())
	src, err := NewCloudTrail(f.clients("us-east-1", "eu-west-1"), CloudTrailOptions{Since: since, Until: until, Name: "cloudtrail://all"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ctWalk(t, context.Background(), src)
	if err == nil || len(res.failed) > 0 {
		t.Fatalf("Walk: %v, failed inputs %v; want an error", err, res.failed)
	}
	msg := err.Error()
	for _, s := range []string{"cloudtrail://all: every Region failed: ", "cloudtrail://eu-west-1: access denied", "cloudtrail:LookupEvents",
		"cloudtrail://us-east-1: the AWS credentials have expired"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line", msg)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("error %v does not unwrap to the API error", err)
	}
}

func TestCloudTrailWindow(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	clients := map[string]CloudTrailAPI{"us-east-1": ctfake.Client("http://127.0.0.1:1", "us-east-1")}
	for _, tc := range []struct {
		since, until time.Time
		err          string
	}{
		{since: now.Add(-CloudTrailRetention)},
		{since: now.Add(-CloudTrailRetention - time.Minute)}, // --since 90d computed a moment earlier
		{since: now.Add(-CloudTrailRetention - 24*time.Hour), err: "91 days ago, but LookupEvents keeps only the last 90 days"},
		{since: now.Add(-200 * 24 * time.Hour), until: now.Add(-199 * 24 * time.Hour), err: "only the last 90 days"},
		{err: "no start time"},
		{since: now.Add(-time.Hour), until: now.Add(-2 * time.Hour), err: "invalid time window"},
	} {
		src, err := NewCloudTrail(clients, CloudTrailOptions{Since: tc.since, Until: tc.until, Now: clock})
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("since %v: %v", tc.since, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("since %v until %v: error %v, want %q", tc.since, tc.until, err, tc.err)
		case err == nil && tc.until.IsZero() && !src.opts.Until.Equal(now):
			t.Errorf("zero Until became %v, want now", src.opts.Until)
		}
	}
	if _, err := NewCloudTrail(nil, CloudTrailOptions{Since: now, Now: clock}); err == nil {
		t.Error("no Regions accepted")
	}
}

func TestCloudTrailStopsEarly(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	f.SetRateLimit(100)
	since, until := ctWindow(time.Hour)
	regions := []string{"r-1", "r-2", "r-3"}
	for _, r := range regions {
		f.add(t, r, 500, since, until)
	}
	stop := errors.New("stop")
	for _, tc := range []struct {
		name string
		want error
	}{{"fn error", stop}, {"cancel", context.Canceled}} {
		src, err := NewCloudTrail(f.clients(regions...), CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 10})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err = src.Walk(ctx, func(in Input) error {
			calls++
			if tc.want == stop {
				return stop
			}
			cancel()
			return nil
		})
		cancel()
		if !errors.Is(err, tc.want) || calls != 1 {
			t.Errorf("%s: Walk returned %v after %d calls, want %v after 1", tc.name, err, calls, tc.want)
		}
		// Every Region's goroutine has finished, well before the end.
		for _, p := range src.Progress() {
			if !p.Done || p.Pages >= 10 {
				t.Errorf("%s: progress %+v", tc.name, p)
			}
		}
	}
}

func TestEnabledRegions(t *testing.T) {
	t.Parallel()
	f := ctStart(t)
	status := map[string]string{}
	var want []string
	for i := range 30 {
		r := fmt.Sprintf("xx-test-%d", i+10)
		st := []string{"ENABLED_BY_DEFAULT", "ENABLED", "DISABLED", "ENABLING", "DISABLING"}[i%5]
		status[r] = st
		if i%5 < 2 {
			want = append(want, r)
		}
	}
	f.SetRegions(status)
	got, err := EnabledRegions(context.Background(), ctfake.AccountClient(f.url))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("regions %v, want %v", got, want)
	}
	if n := len(f.Requests()); n < 2 {
		t.Errorf("%d ListRegions requests: pages not followed", n)
	}

	// The statuses are checked here too, whatever the service filtered.
	got, err = EnabledRegions(context.Background(), fixedRegions{"b": "ENABLED", "a": "ENABLED_BY_DEFAULT", "c": "DISABLED", "d": "ENABLING"})
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("regions %v, %v; want [a b]", got, err)
	}
	if _, err := EnabledRegions(context.Background(), fixedRegions{"c": "DISABLED"}); err == nil {
		t.Error("no enabled Region: no error")
	}

	f.InjectListRegions(ctfake.Fault{Status: 403, Type: "AccessDeniedException", Message: "User: arn:aws:iam::111122223333:user/x is not authorized to perform: account:ListRegions"})
	_, err = EnabledRegions(context.Background(), ctfake.AccountClient(f.url))
	if err == nil || !strings.Contains(err.Error(), "needs account:ListRegions") {
		t.Errorf("denied: %v", err)
	}
}

// fixedRegions answers ListRegions with its Regions, ignoring the filter.
type fixedRegions map[string]string

func (m fixedRegions) ListRegions(context.Context, *account.ListRegionsInput, ...func(*account.Options)) (*account.ListRegionsOutput, error) {
	out := &account.ListRegionsOutput{}
	for name, st := range m {
		out.Regions = append(out.Regions, accounttypes.Region{RegionName: aws.String(name), RegionOptStatus: accounttypes.RegionOptStatus(st)})
	}
	return out, nil
}

// BenchmarkLookupEvents reads 2 Regions of 12 pages each at the real
// quota (ctfake throttles on a strict sliding second), with and without a
// 300 ms round trip injected (half before the fake counts the request,
// half before the answer leaves), and reports the request rate reached
// per Region (the quota is 2/s) and the throttles met.
//
//	go test -run '^$' -bench BenchmarkLookupEvents -benchtime 1x ./ingest/
func BenchmarkLookupEvents(b *testing.B) {
	for _, rtt := range []time.Duration{0, 300 * time.Millisecond} {
		b.Run("rtt="+rtt.String(), func(b *testing.B) { benchLookupEvents(b, rtt) })
	}
}

func benchLookupEvents(b *testing.B, rtt time.Duration) {
	const regions, pages = 2, 12
	var rps, throttles float64
	runs := 0
	for b.Loop() {
		fake := ctfake.New()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(rtt / 2)
			rec := httptest.NewRecorder()
			fake.ServeHTTP(rec, r)
			time.Sleep(rtt / 2)
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		}))
		f := &ctFake{fake, srv.URL}
		since, until := ctWindow(time.Hour)
		var names []string
		for i := range regions {
			r := fmt.Sprintf("bench-%d", i)
			names = append(names, r)
			f.add(b, r, pages*pageSize, since, until)
		}
		src, err := NewCloudTrail(f.clients(names...), CloudTrailOptions{Since: since, Until: until})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		err = src.Walk(context.Background(), func(in Input) error {
			rc, err := in.Open(context.Background())
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, rc)
			n++
			return err
		})
		srv.Close()
		if err != nil || n != regions*pages*pageSize {
			b.Fatalf("Walk: %v, %d inputs (want %d: no page lost)", err, n, regions*pages*pageSize)
		}
		for _, reqs := range ctByRegion(f.Requests()) {
			rps += ctRate(reqs)
			for _, r := range reqs {
				if r.Error != "" {
					throttles++
				}
			}
		}
		runs++
	}
	b.ReportMetric(rps/float64(runs*regions), "req/s/region")
	b.ReportMetric(throttles/float64(runs), "throttles/op")
}

// A connection dropped mid-page costs no page, even for a client without
// the SDK's retries: the source retries it as it does a throttle.
func TestCloudTrailRetriesDroppedConnections(t *testing.T) {
	t.Parallel()
	fake := ctfake.New()
	fake.SetRateLimit(100) // the retry, not the quota, is under test
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 2 { // the second page: hang up without an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	f := &ctFake{fake, srv.URL}
	since, until := ctWindow(time.Hour)
	want := f.add(t, "d-1", 120, since, until)
	src, err := NewCloudTrail(map[string]CloudTrailAPI{"d-1": dropOptions{ctfake.Client(srv.URL, "d-1")}},
		CloudTrailOptions{Since: since, Until: until, RequestsPerSecond: 50})
	if err != nil {
		t.Fatal(err)
	}
	src.retries = 3
	src.backoff = func(int) time.Duration { return time.Millisecond }
	res, err := ctWalk(t, context.Background(), src)
	if err != nil || len(res.failed) > 0 {
		t.Fatalf("Walk: %v, failed %+v", err, res.failed)
	}
	ctSameRecords(t, res.records, want)
	if n.Load() < 4 {
		t.Errorf("%d requests: the dropped page was not asked for again", n.Load())
	}
}
