package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// storm is n retries of each fixture finding, a second apart, with their
// own event IDs and origins: identical retries of a few failed calls.
func storm(n int) []classify.Finding {
	var out []classify.Finding
	for _, f := range fixtureReport().Findings {
		for i := range n {
			g := f
			g.EventID = fmt.Sprintf("%s-%04d", f.EventID, i)
			g.EventTime = f.EventTime.Add(time.Duration(i) * time.Second)
			g.Origin = fmt.Sprintf("%s-%d", f.Origin, i)
			out = append(out, g)
		}
	}
	slices.SortStableFunc(out, func(a, b classify.Finding) int {
		return a.EventTime.Compare(b.EventTime)
	})
	return out
}

// TestBuilderBoundsTheSample: a Builder keeps the first finding of each
// retried call and pattern, counts every finding exactly (summary,
// patterns, hours) as New does, and collapses the retries into incidents.
func TestBuilderBoundsTheSample(t *testing.T) {
	fs := storm(300)
	all := New(Stats{}, fs)
	b := NewBuilder(2)
	for _, f := range fs {
		b.Add(f)
	}
	r := b.Report(Stats{})
	if fmt.Sprint(r.Summary) != fmt.Sprint(all.Summary) || fmt.Sprint(r.Patterns) != fmt.Sprint(all.Patterns) ||
		fmt.Sprint(r.Hourly) != fmt.Sprint(all.Hourly) {
		t.Errorf("the bounded report counts otherwise:\n%v\n%v\nwant\n%v\n%v", r.Summary, r.Patterns, all.Summary, all.Patterns)
	}
	patterns := len(all.Patterns)
	if len(r.Findings) != patterns || r.Omitted != len(fs)-patterns || len(r.Incidents) != 2 {
		t.Errorf("%d findings kept, %d omitted, %d incidents; want one per pattern (%d), the rest omitted, 2 incidents",
			len(r.Findings), r.Omitted, len(r.Incidents), patterns)
	}
	if len(all.Findings) != len(fs) || all.Omitted != 0 || len(all.Incidents) != len(fixtureReport().Findings) {
		t.Errorf("New kept %d findings, omitted %d, %d incidents; want all, none, one per retried call", len(all.Findings), all.Omitted, len(all.Incidents))
	}
	for _, inc := range all.Incidents {
		if inc.Count != 300 || inc.LastSeen.Sub(inc.FirstSeen) != 299*time.Second || len(inc.SampleEventIDs) != maxSampleEventIDs ||
			!strings.HasSuffix(inc.SampleEventIDs[0], "-0000") {
			t.Errorf("incident %s: count %d, %s to %s, samples %v", inc.EventID, inc.Count, inc.FirstSeen, inc.LastSeen, inc.SampleEventIDs)
		}
	}
	// Markdown says that it lists a sample.
	for _, f := range []Format{Markdown} {
		var out bytes.Buffer
		if err := Render(&out, f, r); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("Listed: %d of the %d findings", len(r.Findings), len(fs))) {
			t.Errorf("%s does not say it lists a sample", f)
		}
	}
}

// TestRenderAllStreams: the streaming formats write what the iterator
// yields, byte for byte as Render writes the same findings held in a
// report, and stop at its error.
func TestRenderAllStreams(t *testing.T) {
	fs := storm(3)
	full := New(Stats{Sources: []string{"x"}}, fs)
	b := NewBuilder(10) // every incident, a sample of the findings
	for _, f := range full.Findings {
		b.Add(f)
	}
	bounded := b.Report(full.Stats)
	if bounded.Omitted == 0 {
		t.Fatal("the bounded report holds every finding")
	}
	seq := func(yield func(classify.Finding, error) bool) {
		for _, f := range full.Findings {
			if !yield(f, nil) {
				return
			}
		}
	}
	for _, f := range []Format{JSON, NDJSON, CSV} {
		var want, got bytes.Buffer
		if err := Render(&want, f, full); err != nil {
			t.Fatal(err)
		}
		if err := RenderAll(&got, f, bounded, Options{}, seq); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: streamed output differs:\n%s\nwant\n%s", f, got.String(), want.String())
		}
		failing := func(yield func(classify.Finding, error) bool) {
			if yield(fs[0], nil) {
				yield(classify.Finding{}, fmt.Errorf("disk gone"))
			}
		}
		if err := RenderAll(&got, f, bounded, Options{}, failing); err == nil || !strings.Contains(err.Error(), "disk gone") {
			t.Errorf("%s: error %v, want the iterator's", f, err)
		}
	}
}
