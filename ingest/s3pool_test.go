package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// poolArchive stores a small archive with both layouts under one prefix:
// an organization trail (three accounts under o-…) and the account
// folders of a trail from before AWS Control Tower (no o-… folder), three
// regions each, two files per day folder. It returns the object keys,
// sorted, and the day folders.
func poolArchive(t *testing.T, s *s3Server) (keys, days []string) {
	accounts := map[string]string{
		"111111111111": s3Org + "/", "222222222222": s3Org + "/", "333333333333": s3Org + "/",
		"444444444444": "", "555555555555": "",
	}
	for acct, org := range accounts {
		for _, region := range []string{"us-east-1", "eu-west-1", "ap-south-1"} {
			day := "trail/AWSLogs/" + org + acct + "/CloudTrail/" + region + "/2026/02/28/"
			days = append(days, day)
			for _, hhmm := range []string{"0905", "1710"} {
				k := day + acct + "_CloudTrail_" + region + "_20260228T" + hhmm + "Z_u.json.gz"
				s.put(k, gzipLog(t, k, 3))
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	slices.Sort(days)
	return keys, days
}

var poolDay = S3Options{Since: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 2, 28, 22, 0, 0, 0, time.UTC)}

// TestS3ParallelListing reads the archive with a delay before every answer
// and checks that listings and downloads each overlap within their limits,
// and that every folder is listed and every object fetched exactly once:
// the root, the organization, each account's CloudTrail/ folder, and the
// day folders of the window.
func TestS3ParallelListing(t *testing.T) {
	t.Parallel()
	s := newS3Server(t)
	keys, days := poolArchive(t, s)
	s.delay = func(s3Req) time.Duration { return 20 * time.Millisecond }
	opts := poolDay
	opts.Listings, opts.Downloads = 4, 3
	src, err := NewS3(s.client(), s3Bucket, "trail", opts)
	if err != nil {
		t.Fatal(err)
	}
	got := readSource(context.Background(), src, 2, s3KeyOf)
	if got.walkErr != nil || len(got.problems) > 0 {
		t.Fatalf("walk: %v, problems %v", got.walkErr, got.problems)
	}
	if inputs := slices.Sorted(slices.Values(got.inputs)); !slices.Equal(inputs, keys) {
		t.Errorf("inputs differ from the archive:\n%s", diffList(inputs, keys))
	}
	if len(got.records) != 3*len(keys) {
		t.Errorf("%d records, want %d", len(got.records), 3*len(keys))
	}

	wantLists := []string{"trail/AWSLogs/", "trail/AWSLogs/" + s3Org + "/"}
	for _, d := range days {
		wantLists = append(wantLists, d[:strings.Index(d, "/CloudTrail/")+len("/CloudTrail/")])
	}
	wantLists = append(slices.Compact(slices.Sorted(slices.Values(wantLists))), days...)
	slices.Sort(wantLists)
	var lists, gets []string
	for _, r := range s.requests() {
		switch {
		case r.List && r.Token == "":
			lists = append(lists, r.Prefix)
		case !r.List:
			gets = append(gets, r.Key)
		}
	}
	slices.Sort(lists)
	slices.Sort(gets)
	if !slices.Equal(lists, wantLists) {
		t.Errorf("listings (%d) differ from the %d folders to list, each once:\n%s", len(lists), len(wantLists), diffList(lists, wantLists))
	}
	if !slices.Equal(gets, keys) {
		t.Errorf("GETs (%d) differ from the %d objects, each once:\n%s", len(gets), len(keys), diffList(gets, keys))
	}

	s.mu.Lock()
	maxLists, maxGets := s.maxInFlight[true], s.maxInFlight[false]
	s.mu.Unlock()
	if maxLists < 2 || maxLists > opts.Listings {
		t.Errorf("%d listings in flight at most, want 2 to %d", maxLists, opts.Listings)
	}
	if maxGets < 2 || maxGets > opts.Downloads {
		t.Errorf("%d downloads in flight at most, want 2 to %d", maxGets, opts.Downloads)
	}
	p := src.Progress()
	if p.Objects != int64(len(keys)) || p.Downloads != int64(len(keys)) || p.Listings != int64(len(lists)) ||
		p.ListingsInFlight != 0 || p.DownloadsInFlight != 0 || p.Held != 0 || p.Bytes == 0 {
		t.Errorf("progress %+v after the walk, want %d objects downloaded, %d listings, nothing in flight or held", p, len(keys), len(lists))
	}
}

// TestS3ListingRunsAhead makes every GET slow and allows one at a time,
// with a day folder that takes three listing pages: every page is listed
// before the second download is done, because the listing never waits for
// downloads.
func TestS3ListingRunsAhead(t *testing.T) {
	t.Parallel()
	s := newS3Server(t)
	day := "trail/AWSLogs/111111111111/CloudTrail/us-east-1/2026/02/28/"
	for i := range 15 {
		s.put(fmt.Sprintf("%s111111111111_CloudTrail_us-east-1_20260228T10%02dZ_u.json.gz", day, i), gzipLog(t, "x", 1))
	}
	s.delay = func(r s3Req) time.Duration {
		if r.List {
			return 0
		}
		return 250 * time.Millisecond
	}
	opts := poolDay
	opts.Downloads = 1
	src, err := NewS3(s.client(), s3Bucket, day, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := readSource(context.Background(), src, 1, s3KeyOf)
	if got.walkErr != nil || len(got.inputs) != 15 {
		t.Fatalf("walk: %v, %d inputs, want 15", got.walkErr, len(got.inputs))
	}
	var lastList time.Time
	var getEnds []time.Time
	pages := 0
	for _, r := range s.requests() {
		if r.List {
			lastList = later(lastList, r.End)
			pages++
		} else {
			getEnds = append(getEnds, r.End)
		}
	}
	slices.SortFunc(getEnds, time.Time.Compare)
	if pages < 3 {
		t.Fatalf("%d listing pages, want 3: the test checks nothing", pages)
	}
	if !lastList.Before(getEnds[1]) {
		t.Errorf("the last listing page ended %v after the second download: the listing waited for downloads", lastList.Sub(getEnds[1]))
	}
}

// TestS3DownloadBudget holds every input unread: downloads stop once the
// budget is full, an object over an eighth of it is passed on without
// being downloaded, and reading the inputs lets the rest through.
func TestS3DownloadBudget(t *testing.T) {
	t.Parallel()
	s := newS3Server(t)
	keys, _ := poolArchive(t, s)
	var small int64
	for _, k := range keys {
		out, err := s.Backend.HeadObject(s3Bucket, k)
		if err != nil {
			t.Fatal(err)
		}
		small = max(small, out.Size)
	}
	bigKey := "trail/AWSLogs/444444444444/CloudTrail/us-east-1/2026/02/28/444444444444_CloudTrail_us-east-1_20260228T1200Z_big.json.gz"
	big := gzipLog(t, "big", 400)
	s.put(bigKey, big)
	opts := poolDay
	opts.Buffer = 8 * small
	if int64(len(big)) <= opts.Buffer/8 {
		t.Fatalf("the big object (%d bytes) fits an eighth of the buffer (%d)", len(big), opts.Buffer)
	}
	const fit = 8 // objects of at most small bytes that fit the budget
	src, err := NewS3(s.client(), s3Bucket, "trail", opts)
	if err != nil {
		t.Fatal(err)
	}
	inputs := make(chan Input)
	walked := make(chan error, 1)
	go func() {
		walked <- src.Walk(context.Background(), func(in Input) error {
			inputs <- in
			return nil
		})
		close(inputs)
	}()
	var held []Input
	gets := func() (n int, bigGot bool) {
		for _, r := range s.requests() {
			if !r.List {
				n++
				bigGot = bigGot || r.Key == bigKey
			}
		}
		return n, bigGot
	}
	// Collect until the budget is full, and a little longer to see that
	// nothing more is downloaded.
	deadline := time.After(30 * time.Second)
	var settle <-chan time.Time
collect:
	for {
		if n, _ := gets(); n >= fit && settle == nil {
			settle = time.After(300 * time.Millisecond)
		}
		select {
		case in := <-inputs:
			held = append(held, in)
		case <-time.After(10 * time.Millisecond):
		case <-settle:
			break collect
		case <-deadline:
			t.Fatal("the budget never filled")
		}
	}
	n, bigGot := gets()
	if n < fit || n > fit+opts.Downloads {
		t.Errorf("%d GETs with every input held, want the %d that fit the budget", n, fit)
	}
	if p := src.Progress(); p.Held > opts.Buffer {
		t.Errorf("%d bytes held, over the budget of %d", p.Held, opts.Buffer)
	}
	if bigGot {
		t.Error("the big object was downloaded ahead; want it streamed when opened")
	}
	if !slices.ContainsFunc(held, func(in Input) bool { return in.Name == "s3://"+s3Bucket+"/"+bigKey }) {
		t.Error("the big object was not passed on while the budget was full")
	}

	read := func(in Input) int {
		rc, err := in.Open(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		defer rc.Close()
		rd := NewReader(rc, in.Name, ReaderOptions{})
		defer rd.Close()
		for rd.Next() {
		}
		if err := rd.Err(); err != nil {
			t.Errorf("%s: %v", in.Name, err)
		}
		return int(rd.Records())
	}
	records := 0
	for _, in := range held {
		records += read(in)
	}
	for in := range inputs {
		records += read(in)
	}
	if err := <-walked; err != nil {
		t.Fatal(err)
	}
	if want := 3*len(keys) + 400; records != want {
		t.Errorf("%d records read, want %d", records, want)
	}
	if n, _ := gets(); n != len(keys)+1 {
		t.Errorf("%d GETs in all, want one per object (%d)", n, len(keys)+1)
	}
	if p := src.Progress(); p.Held != 0 {
		t.Errorf("%d bytes still held after every input was closed", p.Held)
	}
}

// TestS3HeldObjectError checks that an object whose download fails half
// way gives its reader what was read, then the error naming it.
func TestS3HeldObjectError(t *testing.T) {
	t.Parallel()
	s := newS3Server(t)
	keys, _ := poolArchive(t, s)
	cut := keys[3]
	s.fault(&s3Fault{Match: func(r s3Req) bool { return !r.List && r.Key == cut }, Times: -1, CutBody: true})
	src, err := NewS3(s.client(), s3Bucket, "trail", poolDay)
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	err = src.Walk(context.Background(), func(i Input) error {
		if i.Name == "s3://"+s3Bucket+"/"+cut {
			in = i
		}
		return nil
	})
	if err != nil || in.Open == nil {
		t.Fatalf("walk: %v; input %+v", err, in)
	}
	rc, err := in.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if len(data) == 0 || err == nil || !strings.Contains(err.Error(), in.Name) || !strings.Contains(err.Error(), fmt.Sprintf("gave up after resuming %d times", maxResumes)) {
		t.Errorf("read %d bytes, err %v; want the bytes before the cut, then an error naming %s", len(data), err, in.Name)
	}
	var gets int
	for _, r := range s.requests() {
		if !r.List && r.Key == cut && r.Method == http.MethodGet {
			gets++
		}
	}
	if gets != 1+maxResumes {
		t.Errorf("%d GETs of the cut object, want %d", gets, 1+maxResumes)
	}
}
