package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
)

// event is a minimal CloudTrail record; failed when code is non-empty.
func event(id string, t time.Time, source, name, code, msg string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},`+
		`"eventTime":%q,"eventSource":%q,"eventName":%q,"awsRegion":"us-east-1","errorCode":%q,"errorMessage":%q,`+
		`"requestParameters":{"bucketName":"b","key":"k"},"eventID":%q,"recipientAccountId":"111122223333","eventCategory":"Data"}`,
		t.Format(time.RFC3339), source, name, code, msg, id)
}

func logFile(records ...string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(`{"Records":[` + strings.Join(records, ",") + `]}`)}
}

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

const deny = "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a service control policy"

// archive has failures spread over files in no particular order, one
// successful call, one unreadable file and one digest.
func archive() fstest.MapFS {
	return fstest.MapFS{
		"a.json": logFile(
			event("e3", t0.Add(3*time.Minute), "s3.amazonaws.com", "PutObject", "AccessDenied", deny),
			event("ok", t0.Add(4*time.Minute), "s3.amazonaws.com", "PutObject", "", ""),
			event("e1", t0.Add(1*time.Minute), "s3.amazonaws.com", "PutObject", "AccessDenied", deny)),
		"b.json": logFile(
			event("e2", t0.Add(2*time.Minute), "kms.amazonaws.com", "GenerateDataKey", "AccessDeniedException", ""),
			event("e0", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny)),
		"c.json": logFile(
			event("e4", t0.Add(4*time.Minute), "s3.amazonaws.com", "GetObject", "AccessDenied", "Access Denied")),
		"broken.json":              {Data: []byte("not json")},
		"CloudTrail-Digest/d.json": {Data: []byte(`{"digestStartTime":"x","logFiles":[]}`)},
	}
}

func ids(fs []classify.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.EventID)
	}
	return strings.Join(s, ",")
}

func TestRunFindsSortsAndCounts(t *testing.T) {
	res, err := run(t, context.Background(), Config{Workers: 3}, []ingest.Source{ingest.FS(archive(), "arc")})
	if err != nil {
		t.Fatal(err)
	}
	// The default filter keeps the PutObject family and KMS: not GetObject.
	if got, want := ids(found(t, res)), "e0,e1,e2,e3"; got != want {
		t.Errorf("findings = %s, want %s (sorted by time)", got, want)
	}
	st := res.Stats
	if st.Inputs != 3 || st.Records != 6 || st.Failed != 4 {
		t.Errorf("inputs, records, failed = %d, %d, %d; want 3, 6, 4", st.Inputs, st.Records, st.Failed)
	}
	if len(st.Skipped) != 1 || !strings.Contains(st.Skipped[0].Input, "broken.json") {
		t.Errorf("skipped = %+v, want broken.json", st.Skipped)
	}
	if len(st.Notes) != 1 || !strings.Contains(st.Notes[0].Input, "Digest") {
		t.Errorf("notes = %+v, want the digest", st.Notes)
	}
	if !st.S3DataEvents {
		t.Error("S3 data events not noticed")
	}
	if res.Unreadable || res.Interrupted {
		t.Errorf("unreadable=%v interrupted=%v", res.Unreadable, res.Interrupted)
	}
	for _, f := range found(t, res) {
		if !strings.HasPrefix(f.Origin, "arc/") || !strings.Contains(f.Origin, ".json#") {
			t.Errorf("origin %q does not name the file and record", f.Origin)
		}
	}
}

func TestRunAllFailuresAndWindow(t *testing.T) {
	cfg := Config{
		Filter: classify.Filter{AllFailures: true},
		Since:  t0.Add(time.Minute),
		Until:  t0.Add(3 * time.Minute),
	}
	res, err := run(t, context.Background(), cfg, []ingest.Source{ingest.FS(archive(), "arc")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(found(t, res)), "e1,e2,e3"; got != want {
		t.Errorf("findings = %s, want %s", got, want)
	}
	cfg.Since, cfg.Until = time.Time{}, time.Time{}
	res, _ = run(t, context.Background(), cfg, []ingest.Source{ingest.FS(archive(), "arc")})
	if got, want := ids(found(t, res)), "e0,e1,e2,e3,e4"; got != want {
		t.Errorf("all failures = %s, want %s", got, want)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	var first string
	for _, w := range []int{1, 2, 8} {
		res, err := run(t, context.Background(), Config{Workers: w}, []ingest.Source{ingest.FS(archive(), "arc")})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, f := range found(t, res) {
			fmt.Fprintf(&b, "%s %s %s %s\n", f.EventID, f.Layer, f.Control, f.Origin)
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Errorf("workers=%d gave\n%s\nwant\n%s", w, b.String(), first)
		}
	}
}

// endless is a source that never runs out of inputs.
type endless struct{}

func (endless) String() string { return "endless" }
func (endless) Walk(ctx context.Context, fn func(ingest.Input) error) error {
	for i := 0; ; i++ {
		body := `{"Records":[` + event(fmt.Sprint(i), t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny) + `]}`
		in := ingest.Input{Name: fmt.Sprintf("in%d", i), Size: -1, Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(body)), nil
		}}
		if err := fn(in); err != nil {
			return err
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := new(Counters)
	go func() {
		for c.Inputs.Load() < 100 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res, err := run(t, ctx, Config{Counters: c}, []ingest.Source{endless{}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Error("not marked interrupted")
	}
	if len(found(t, res)) < 100 {
		t.Errorf("findings read before the cancel were lost: %d", len(found(t, res)))
	}
}

// broken is a source that cannot be read at all.
type broken struct{}

func (broken) String() string { return "s3://nope" }
func (broken) Walk(context.Context, func(ingest.Input) error) error {
	return errors.New("s3://nope: NoSuchBucket")
}

func TestRunUnreadableSources(t *testing.T) {
	res, err := run(t, context.Background(), Config{}, []ingest.Source{broken{}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unreadable || len(res.Stats.Skipped) != 1 || res.Stats.Skipped[0].Reason != "NoSuchBucket" {
		t.Errorf("unreadable=%v skipped=%+v", res.Unreadable, res.Stats.Skipped)
	}
	// One readable source is enough to run; the broken one is reported.
	res, _ = run(t, context.Background(), Config{}, []ingest.Source{broken{}, ingest.FS(archive(), "arc")})
	if res.Unreadable || len(found(t, res)) != 4 || len(res.Stats.Skipped) != 2 {
		t.Errorf("unreadable=%v findings=%d skipped=%+v", res.Unreadable, len(found(t, res)), res.Stats.Skipped)
	}
}

// noting is a readable source that has a note about itself.
type noting struct{ ingest.Source }

func (noting) Notes() []string { return []string{"finds KMS denials, never uploads"} }

func TestRunCarriesSourceNotes(t *testing.T) {
	res, err := run(t, context.Background(), Config{}, []ingest.Source{noting{ingest.FS(archive(), "arc")}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range res.Stats.Notes {
		found = found || (n.Input == "arc" && n.Reason == "finds KMS denials, never uploads")
	}
	if !found {
		t.Errorf("notes = %+v, want the source's own note", res.Stats.Notes)
	}
}

// run is Run keeping every finding, closed when the test ends.
func run(t testing.TB, ctx context.Context, cfg Config, sources []ingest.Source) (*Result, error) {
	t.Helper()
	cfg.KeepAll = true
	res, err := Run(ctx, cfg, sources)
	if res != nil {
		t.Cleanup(func() { res.Close() })
	}
	return res, err
}

// found is every finding of a scan.
func found(t testing.TB, res *Result) []classify.Finding {
	t.Helper()
	fs, err := res.Collect()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
