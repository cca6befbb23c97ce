package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/s3test"
	"github.com/denytrail/denytrail/report"
)

// TestProblemsAreBounded: many bad records in many inputs are counted
// exactly, the first MaxNamedPerInput of each input named (MaxNamed in
// all), the rest counted by reason.
func TestProblemsAreBounded(t *testing.T) {
	fsys := fstest.MapFS{}
	const inputs, perInput = 60, 100
	for i := range inputs {
		var recs []string
		for j := range perInput {
			if j%2 == 0 {
				recs = append(recs, "1")
			} else {
				recs = append(recs, `"x"`)
			}
		}
		fsys[fmt.Sprintf("f%02d.json", i)] = &fstest.MapFile{Data: []byte("[" + strings.Join(recs, ",") + "]")}
	}
	res, err := run(t, context.Background(), Config{Workers: 3}, []ingest.Source{ingest.FS(fsys, "arc")})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stats
	if st.SkippedCount != inputs*perInput {
		t.Errorf("skipped count %d, want %d", st.SkippedCount, inputs*perInput)
	}
	if len(st.Skipped) != min(inputs*MaxNamedPerInput, MaxNamed) {
		t.Errorf("%d named, want %d", len(st.Skipped), min(inputs*MaxNamedPerInput, MaxNamed))
	}
	perName := map[string]int{}
	for _, p := range st.Skipped {
		in, _, _ := strings.Cut(p.Input, "#")
		perName[in]++
		if !strings.Contains(p.Input, "#") || !strings.HasPrefix(p.Reason, "not a JSON object: found a") {
			t.Errorf("named problem %+v: want the record's position and reason", p)
		}
	}
	for in, n := range perName {
		if n > MaxNamedPerInput {
			t.Errorf("%s: %d named, want at most %d", in, n, MaxNamedPerInput)
		}
	}
	var unnamed int64
	for _, c := range st.SkippedUnnamed {
		unnamed += c.Count
		if c.Reason != "not a JSON object" {
			t.Errorf("unnamed reason %q, want the reason without detail", c.Reason)
		}
	}
	if unnamed+int64(len(st.Skipped)) != st.SkippedCount {
		t.Errorf("named %d + unnamed %d != %d", len(st.Skipped), unnamed, st.SkippedCount)
	}
	if res.Unreadable || st.Inputs != inputs {
		t.Errorf("unreadable %v, inputs %d", res.Unreadable, st.Inputs)
	}
}

func TestReasonKind(t *testing.T) {
	for in, want := range map[string]string{
		"not a JSON object: found a number":                       "not a JSON object",
		"record 5, byte 1234: truncated JSON: unexpected EOF":     "truncated JSON",
		"record too large: 2000000 bytes, limit 1048576":          "record too large",
		"invalid JSON at byte 12 of the record: invalid char 'x'": "invalid JSON at byte N of the record",
		strings.Repeat("7x", 200):                                 strings.Repeat("Nx", 60) + "…",
	} {
		if got := reasonKind(in); got != want {
			t.Errorf("reasonKind(%q) = %q, want %q", in, got, want)
		}
	}
}

// gzipped compresses data.
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// TestKeepWhatWasRead: records before a late error are kept when the input
// is the only one, and the input is named as read in part, with where it
// ended; the scan is not "unreadable" (exit 2, not 1).
func TestKeepWhatWasRead(t *testing.T) {
	e1 := event("e1", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	e2 := event("e2", t0.Add(time.Minute), "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	logGz := gzipped([]byte(`{"Records":[` + e1 + "," + e2 + `]}`))
	badCRC := bytes.Clone(logGz)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in the gzip trailer

	s3 := s3test.New(t, nil, "trail")
	const prefix = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/26/"
	for i, data := range [][]byte{[]byte(`{"Records":[` + e1 + ",{\"eventVersion\""), []byte(`{"Records":[` + e2 + ",")} {
		key := fmt.Sprintf("%s111122223333_CloudTrail_us-east-1_20261126T10%02dZ_abc%d.json", prefix, i*5, i)
		if _, err := s3.Backend.PutObject("trail", key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
			t.Fatal(err)
		}
	}
	s3src, err := ingest.NewS3(s3.Client(), "trail", "", ingest.S3Options{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name    string
		src     ingest.Source
		partial int64
		where   string
	}{
		{"truncated NDJSON on stdin", ingest.Stdin(strings.NewReader(e1 + "\n" + e2 + "\n" + `{"eventVersion":"1.09","eventTi`)), 1, "read in part (kept the 2 records before the error): record 2, byte "},
		{"bad gzip CRC at the end", ingest.FS(fstest.MapFS{"log.json.gz": {Data: badCRC}}, "arc"), 1, "read in part (kept the 2 records before the error): record 2, byte "},
		{"S3 objects all cut after their denials", s3src, 2, "read in part (kept the 1 record before the error): record 1, byte "},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := run(t, context.Background(), Config{}, []ingest.Source{c.src})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(found(t, res)); got != "e1,e2" {
				t.Errorf("findings %q, want e1,e2: what was read before the error is kept", got)
			}
			st := res.Stats
			if res.Unreadable || st.PartialInputs != c.partial || st.SkippedCount != c.partial || len(st.Skipped) != int(c.partial) {
				t.Fatalf("unreadable %v, partial %d, skipped %d %+v; want readable, %d partial", res.Unreadable, st.PartialInputs, st.SkippedCount, st.Skipped, c.partial)
			}
			if !strings.HasPrefix(st.Skipped[0].Reason, c.where) {
				t.Errorf("skipped %+v, want it to say %q", st.Skipped[0], c.where)
			}
		})
	}
}

// TestShapesThatHoldFailedCalls: a log whose "Records" is not an array, or
// failed calls nested where no record is, are named errors and the scan
// counts as having read the input (exit 2), never 0 records and exit 0.
func TestShapesThatHoldFailedCalls(t *testing.T) {
	e1 := event("e1", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	for _, c := range []struct{ body, want string }{
		{`{"Records":` + e1 + `}`, `record 0, byte 11: not a CloudTrail log: "Records" holds an object, not an array of records`},
		{`{"Records":"` + strings.ReplaceAll(e1, `"`, `\"`) + `"}`, `"Records" holds a string, not an array of records`},
		{`{"Events":{"CloudTrailEvent":"{}"}}`, `"Events" holds an object, not an array of records`},
		{`{"eventVersion":"1.09","Records":null}`, `"Records" holds null, not an array of records`},
		{`{"data":{"Records":[` + e1 + `]}}`, `holds "errorCode" but has no eventName or eventSource`},
		{`[{"export":` + e1 + `}]`, `holds "errorCode" but has no eventName or eventSource`},
	} {
		res, err := run(t, context.Background(), Config{}, []ingest.Source{ingest.FS(fstest.MapFS{"x.json": {Data: []byte(c.body)}}, "arc")})
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stats
		if res.Unreadable || st.SkippedCount != 1 || len(st.Skipped) != 1 || !strings.Contains(st.Skipped[0].Reason, c.want) {
			t.Errorf("%s:\nunreadable %v, skipped %d %+v; want one problem saying %q", c.body, res.Unreadable, st.SkippedCount, st.Skipped, c.want)
		}
	}
}

// eventAt is event with eventTime written as the JSON value tm, as is.
func eventAt(id, tm, name, code, msg string) string {
	e := event(id, t0, "s3.amazonaws.com", name, code, msg)
	return strings.Replace(e, `"eventTime":"`+t0.Format(time.RFC3339)+`"`, `"eventTime":`+tm, 1)
}

// TestTimesOutOfRange: event times outside years 0001-9999 or unparsable
// are named record problems; the denials are kept with an unknown time,
// changes that cannot be placed in time are set aside, every format
// renders, and a change centuries before a denial prints a sane lead.
func TestTimesOutOfRange(t *testing.T) {
	recs := []string{
		eventAt("late", `"9999-12-31T23:59:59-01:00"`, "PutObject", "AccessDenied", deny),
		eventAt("early", `"0000-01-01T00:00:00+01:00"`, "PutObject", "AccessDenied", deny),
		eventAt("huge", `1e308`, "PutObject", "AccessDenied", deny),
		eventAt("junk", `"yesterday"`, "PutObject", "AccessDenied", deny),
		eventAt("change-1", `"0000-01-01T00:00:00+01:00"`, "PutBucketPolicy", "", ""),
		eventAt("change1", `"0001-01-01T00:00:01Z"`, "PutBucketPolicy", "", ""),
		event("ok", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", strings.Replace(deny, "a service control policy", "a resource-based policy", 1)),
	}
	fsys := fstest.MapFS{"t.json": logFile(recs...)}
	for _, cfg := range []Config{{}, {Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)}} {
		res, err := run(t, context.Background(), cfg, []ingest.Source{ingest.FS(fsys, "arc")})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(found(t, res)); !strings.Contains(got, "early") || !strings.Contains(got, "huge") ||
			!strings.Contains(got, "late") || !strings.Contains(got, "junk") || !strings.Contains(got, "ok") {
			t.Errorf("findings %s: denials with bad times must be kept", got)
		}
		st := res.Stats
		want := map[string]string{
			"arc/t.json#0": `eventTime "9999-12-31T23:59:59-01:00" is unparsable or outside years 0001-9999: kept with an unknown time`,
			"arc/t.json#1": `eventTime "0000-01-01T00:00:00+01:00" is unparsable or outside years 0001-9999`,
			"arc/t.json#2": `eventTime "1e308" is unparsable`,
			"arc/t.json#3": `eventTime "yesterday" is unparsable`,
			"arc/t.json#4": `change PutBucketPolicy: eventTime "0000-01-01T00:00:00+01:00" is unparsable or outside years 0001-9999: not used to explain denials`,
		}
		if st.SkippedCount != int64(len(want)) {
			t.Errorf("skipped %d %+v, want %d", st.SkippedCount, st.Skipped, len(want))
		}
		for _, p := range st.Skipped {
			if w, ok := want[p.Input]; !ok || !strings.Contains(p.Reason, w) {
				t.Errorf("problem %s: %q, want %q", p.Input, p.Reason, w)
			}
		}
		for _, f := range report.Formats() {
			if err := report.Render(io.Discard, f, res.Report); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		lead := ""
		for _, f := range found(t, res) {
			for _, c := range f.Changes {
				if c.EventID == "change1" {
					lead = c.Lead
				}
			}
		}
		if lead != "about 2025 years" {
			t.Errorf("lead of the change in year 1: %q, want about 2025 years", lead)
		}
	}
}

// spaces is an endless stream of JSON whitespace: a reader of it finds no
// record, ever.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// hugeGzip is a source with one endless gzip input: "[" and whitespace.
type hugeGzip struct{}

func (hugeGzip) String() string { return "huge.json.gz" }
func (hugeGzip) Walk(ctx context.Context, fn func(ingest.Input) error) error {
	return fn(ingest.Input{Name: "huge.json.gz", Size: -1, Open: func(ctx context.Context) (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			zw := gzip.NewWriter(pw)
			zw.Write([]byte("["))
			_, err := io.Copy(zw, spaces{})
			pw.CloseWithError(err)
		}()
		return pr, nil
	}})
}

// TestCancelInsideOneInput: canceling stops a scan inside one endless
// gzip input that yields no record, with the partial result.
func TestCancelInsideOneInput(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := new(Counters)
	var canceled time.Time
	go func() {
		for c.Bytes.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // well inside the input
		canceled = time.Now()
		cancel()
	}()
	done := make(chan *Result, 1)
	go func() {
		res, err := Run(ctx, Config{Counters: c}, []ingest.Source{hugeGzip{}})
		if res != nil {
			defer res.Close()
		}
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		if res == nil || !res.Interrupted || res.Stats.SkippedCount != 0 {
			t.Errorf("result %+v: want interrupted, with nothing named as skipped", res)
		}
		t.Logf("stopped %v after the cancel", time.Since(canceled))
	case <-time.After(10 * time.Second): // a stuck read never returns; a working one in well under a second
		t.Fatal("the scan did not stop when canceled")
	}
}

// TestBadRecordsNamedAsReaderWouldName: the scan leaves the JSON syntax
// check of the records it keeps to classify.Parse, yet names each bad
// record exactly as a Reader checking them itself does: the reason and the
// byte of the record where encoding/json stops.
func TestBadRecordsNamedAsReaderWouldName(t *testing.T) {
	e1 := event("e1", t0, "s3.amazonaws.com", "PutObject", "AccessDenied", deny)
	bad := []string{
		strings.Replace(e1, `"awsRegion":`, `"awsRegion"::`, 1),
		strings.Replace(e1, `"eventCategory":"Data"`, `"eventCategory":Data`, 1),
		strings.Replace(e1, `"key":"k"`, `"key":"k\x"`, 1),
		strings.Replace(e1, `"key":"k"`, "\"key\":\"k\x01\"", 1),
		strings.Replace(e1, `"key":"k"`, `"key":01`, 1),
		strings.Replace(e1, `"key":"k"`, `"key":tru`, 1),
		strings.Replace(e1, `"key":"k"`, `"key":[1,]`, 1),
		strings.Replace(e1, `"key":"k"`, `"key":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001), 1),
		strings.Replace(e1, `"key":"k"`, "\"key\":\"caf\xe9\"", 1), // invalid UTF-8: the reader's own check
	}
	for i, rec := range bad {
		data := []byte(`{"Records":[` + rec + `,` + e1 + `]}`)
		rd := ingest.NewReader(bytes.NewReader(data), "x.json", ingest.ReaderOptions{})
		var want string
		for rd.Next() {
			if err := rd.Record().Err; err != nil && want == "" {
				want = errors.Unwrap(err).Error()
			}
		}
		rd.Close()
		if !strings.Contains(want, " at byte ") {
			t.Fatalf("case %d: the reader says %q, want a position", i, want)
		}
		res, err := run(t, context.Background(), Config{}, []ingest.Source{ingest.FS(fstest.MapFS{"x.json": {Data: data}}, "arc")})
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stats
		if st.SkippedCount != 1 || len(st.Skipped) != 1 || st.Skipped[0].Input != "arc/x.json#0" || st.Skipped[0].Reason != want {
			t.Errorf("case %d: skipped %d %+v; want record 0 named with %q", i, st.SkippedCount, st.Skipped, want)
		}
		if n := len(found(t, res)); n != 1 {
			t.Errorf("case %d: %d findings, want the good record's", i, n)
		}
	}
	// One position spelled out, so that both cannot drift together.
	rec := strings.Replace(e1, `"key":"k"`, `"key":tru`, 1)
	res, err := run(t, context.Background(), Config{}, []ingest.Source{ingest.FS(fstest.MapFS{"x.json": logFile(rec)}, "arc")})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("invalid JSON at byte %d of the record: invalid character '}' in literal true (expecting 'e')", strings.Index(rec, "tru")+4)
	if st := res.Stats; len(st.Skipped) != 1 || st.Skipped[0].Reason != want {
		t.Errorf("skipped %+v, want %q", st.Skipped, want)
	}
}
