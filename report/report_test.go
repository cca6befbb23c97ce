package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

func TestSummarize(t *testing.T) {
	at := func(h int) time.Time { return fixtureTime.Add(time.Duration(h) * time.Hour) }
	fs := []classify.Finding{
		{Layer: classify.LayerKMS, Principal: "p1", Bucket: "b1", EventTime: at(5), Confidence: classify.High},
		{Layer: classify.LayerIAM, Principal: "p1", Bucket: "b1", EventTime: at(2), Confidence: classify.Low},
		{Layer: classify.LayerKMS, Principal: "p2", Bucket: "b1", EventTime: at(1), Confidence: classify.High},
		{Layer: classify.LayerKMS, Principal: "p2", Bucket: "", EventTime: at(9), Confidence: classify.Medium},
		{Layer: classify.LayerKMS, Principal: "", Bucket: "b2", Confidence: classify.High}, // no time
		{Layer: "zz-future", Principal: "p3", Bucket: "b3", EventTime: at(3), Confidence: "certain"},
		{Layer: "", Principal: "p1", EventTime: at(4)},
	}
	got := Summarize(fs)
	want := Summary{
		Findings: 7, Principals: 3, Buckets: 3, FirstSeen: at(1), LastSeen: at(9),
		Layers: []LayerSummary{
			{Layer: classify.LayerIAM, Findings: 1, Principals: 1, Buckets: 1, FirstSeen: at(2), LastSeen: at(2)},
			{Layer: classify.LayerKMS, Findings: 4, Principals: 2, Buckets: 2, FirstSeen: at(1), LastSeen: at(9)},
			// Layers outside classify.Layers() follow, by name; none vanishes.
			{Layer: "", Findings: 1, Principals: 1, Buckets: 0, FirstSeen: at(4), LastSeen: at(4)},
			{Layer: "zz-future", Findings: 1, Principals: 1, Buckets: 1, FirstSeen: at(3), LastSeen: at(3)},
		},
		Confidence: []ConfidenceCount{
			{classify.High, 3}, {classify.Medium, 1}, {classify.Low, 1}, {"", 1}, {"certain", 1},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize:\n got %+v\nwant %+v", got, want)
	}
	var sum int
	for _, l := range got.Layers {
		sum += l.Findings
	}
	if sum != got.Findings {
		t.Errorf("layer counts add up to %d, total is %d", sum, got.Findings)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	got := Summarize(nil)
	if got.Findings != 0 || len(got.Layers) != 0 || !got.FirstSeen.IsZero() || !got.LastSeen.IsZero() {
		t.Errorf("Summarize(nil) = %+v", got)
	}
	if len(got.Confidence) != 3 {
		t.Errorf("confidence levels = %+v, want high, medium, low with zero counts", got.Confidence)
	}
}

func TestNewSortsWithoutTouchingInput(t *testing.T) {
	at := func(m int) time.Time { return fixtureTime.Add(time.Duration(m) * time.Minute) }
	in := []classify.Finding{
		{EventID: "c", EventTime: at(2)}, {EventID: "b", EventTime: at(1)}, {EventID: "a", EventTime: at(2)},
	}
	orig := slices.Clone(in)
	r := New(Stats{}, in)
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.EventID)
	}
	if want := []string{"b", "a", "c"}; !slices.Equal(ids, want) {
		t.Errorf("order = %v, want %v (time, then event ID)", ids, want)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Errorf("New reordered the caller's slice")
	}
	if r.Summary.Findings != 3 {
		t.Errorf("Summary.Findings = %d", r.Summary.Findings)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{
		"": Table, "table": Table, "JSON": JSON, " ndjson ": NDJSON, "csv": CSV, "Markdown": Markdown,
	} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseFormat("yaml")
	if err == nil {
		t.Fatal("ParseFormat(yaml) succeeded")
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), string(f)) {
			t.Errorf("error %q does not list %q", err, f)
		}
	}
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("Formats() lists %q but ParseFormat gives %q, %v", f, got, err)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	if err := Render(&bytes.Buffer{}, "yaml", fixtureReport()); err == nil || !strings.Contains(err.Error(), "markdown") {
		t.Errorf("unknown format: err = %v, want one listing the valid names", err)
	}
	if err := Render(&bytes.Buffer{}, Table, nil); err == nil {
		t.Error("nil report rendered without error")
	}
	boom := errors.New("disk full")
	for _, f := range Formats() {
		err := Render(failingWriter{boom}, f, fixtureReport())
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), string(f)) {
			t.Errorf("%s: err = %v, want the write error, naming the format", f, err)
		}
	}
	if err := RenderExplain(failingWriter{boom}, fixtureReport().Findings[0], nil); !errors.Is(err, boom) {
		t.Errorf("explain: err = %v, want the write error", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestRenderDefaultFormatIsTable(t *testing.T) {
	var a, b bytes.Buffer
	if err := Render(&a, "", fixtureReport()); err != nil {
		t.Fatal(err)
	}
	if err := Render(&b, Table, fixtureReport()); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("the empty format does not render as table")
	}
}

// A Report assembled by hand (not by New) must not print a summary that
// contradicts its rows.
func TestRenderRecomputesStaleSummary(t *testing.T) {
	r := fixtureReport()
	stale := &Report{Stats: r.Stats, Findings: r.Findings}
	var b bytes.Buffer
	if err := Render(&b, JSON, stale); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Summary Summary }
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary.Findings != len(r.Findings) || len(doc.Summary.Layers) != len(r.Summary.Layers) {
		t.Errorf("summary of a hand-built report = %+v", doc.Summary)
	}
}

// The CSV columns are the Finding's JSON keys in declaration order, and
// each column reads the field of that key.
func TestCSVColumnsAreFindingKeys(t *testing.T) {
	typ := reflect.TypeFor[classify.Finding]()
	var keys []string
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if !typ.Field(i).IsExported() || name == "-" {
			continue // not in the JSON either
		}
		keys = append(keys, name)
	}
	var cols []string
	for _, c := range csvColumns() {
		cols = append(cols, c.name)
	}
	if !slices.Equal(cols, keys) {
		t.Fatalf("csv columns %v, Finding keys %v", cols, keys)
	}

	f := benignReport().Findings[0] // distinct plain values in every string field
	f.EventTime = fixtureTime
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range csvColumns() {
		want := m[c.name]
		if c.name == "changes" {
			// Changes are objects; a column shows each in one line.
			var parts []string
			for _, ch := range f.Changes {
				parts = append(parts, changeText(ch))
			}
			want = strings.Join(parts, "; ")
		} else if c.name == "commands" {
			// A command is an object; a column shows each command line.
			var lines []string
			for _, cmd := range f.Commands {
				lines = append(lines, cmd.Line)
			}
			want = strings.Join(lines, "\n")
		} else if c.name == "integrity" {
			// Absent without --verify; else "status: reason".
			want = ""
			if f.Integrity != nil {
				want = strings.TrimSuffix(f.Integrity.Status+": "+f.Integrity.Reason, ": ")
			}
		} else if list, ok := want.([]any); ok {
			var parts []string
			for _, p := range list {
				parts = append(parts, p.(string))
			}
			want = strings.Join(parts, "; ")
		}
		if got := c.value(&f); got != want {
			t.Errorf("column %s reads %q, the JSON key holds %q", c.name, got, want)
		}
	}
}

func TestS3DataEventsWarning(t *testing.T) {
	const w = "no S3 data events seen"
	s3 := classify.Finding{EventSource: "s3.amazonaws.com", Layer: classify.LayerIAM}
	kms := classify.Finding{EventSource: "kms.amazonaws.com", Layer: classify.LayerKMS}
	for _, tc := range []struct {
		name     string
		seen     bool
		findings []classify.Finding
		want     bool
	}{
		{"no data events, only kms findings", false, []classify.Finding{kms}, true},
		{"no data events, no findings", false, nil, true},
		{"data events seen", true, []classify.Finding{kms}, false},
		{"an s3 finding proves data events", false, []classify.Finding{s3}, false},
	} {
		r := New(Stats{S3DataEvents: tc.seen}, tc.findings)
		for _, f := range []Format{Table, Markdown} {
			if got := strings.Contains(render(t, f, r), w); got != tc.want {
				t.Errorf("%s, %s: warning shown = %v, want %v", tc.name, f, got, tc.want)
			}
		}
	}
}

func TestEmptyReportSaysSo(t *testing.T) {
	r := New(Stats{}, nil)
	for _, f := range []Format{Table, Markdown} {
		if out := render(t, f, r); !strings.Contains(out, "No findings") {
			t.Errorf("%s: empty report does not say there are no findings:\n%s", f, out)
		}
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(render(t, JSON, r)), &doc); err != nil {
		t.Fatal(err)
	}
	if string(doc["findings"]) != "[]" {
		t.Errorf(`findings = %s, want []`, doc["findings"])
	}
	if !strings.Contains(string(doc["stats"]), `"skipped": []`) {
		t.Errorf("stats lists are not empty arrays: %s", doc["stats"])
	}
	if out := render(t, NDJSON, r); out != "" {
		t.Errorf("ndjson of no findings = %q, want nothing", out)
	}
	if out := render(t, CSV, r); strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "eventID,") {
		t.Errorf("csv of no findings = %q, want the header row only", out)
	}
}

func TestNilListsEncodeAsArrays(t *testing.T) {
	r := New(Stats{}, []classify.Finding{{EventID: "e"}})
	for _, f := range []Format{JSON, NDJSON} {
		out := render(t, f, r)
		if strings.Contains(out, "null") {
			t.Errorf("%s output has null: %s", f, out)
		}
	}
}

func TestLongListsAreCountedNotDropped(t *testing.T) {
	var st Stats
	for range maxListed + 7 {
		st.Skipped = append(st.Skipped, Problem{Input: "f.json", Reason: "bad"})
	}
	for _, f := range []Format{Table, Markdown} {
		out := render(t, f, New(st, nil))
		if !strings.Contains(out, "and 7 more") {
			t.Errorf("%s: no count of the unlisted skipped inputs:\n%s", f, out)
		}
		if got := strings.Count(out, "f.json: bad"); got != maxListed {
			t.Errorf("%s: listed %d skipped inputs, want %d", f, got, maxListed)
		}
	}
}
