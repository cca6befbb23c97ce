package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

func renderDailyString(t *testing.T, f Format, d *Daily) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderDaily(&b, f, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDailyGolden renders the two-day-history fixture, which has new,
// jumped, stopped and ongoing patterns, in every daily format.
func TestDailyGolden(t *testing.T) {
	for _, f := range DailyFormats() {
		t.Run(string(f), func(t *testing.T) {
			golden(t, "daily."+string(f)+".golden", []byte(renderDailyString(t, f, dailyFixture())))
		})
	}
}

// TestDailyFixtureShape guards the fixture itself: the golden files are
// only worth reviewing if every kind of change is in them.
func TestDailyFixtureShape(t *testing.T) {
	c := dailyFixture().Comparison
	if len(c.New) != 2 || len(c.Jumped) != 1 || len(c.Stopped) != 1 || len(c.Compared) != 2 ||
		len(c.Missing) != 4 || len(c.Unreadable) != 1 {
		t.Fatalf("fixture comparison: %d new, %d jumped, %d stopped, %d compared, %d missing, %d unreadable",
			len(c.New), len(c.Jumped), len(c.Stopped), len(c.Compared), len(c.Missing), len(c.Unreadable))
	}
	var ongoing int
	for _, s := range c.Status {
		if s == history.StatusOngoing {
			ongoing++
		}
	}
	if ongoing != 1 {
		t.Errorf("%d ongoing patterns, want 1", ongoing)
	}
}

// TestDailyLeadsWithNew: the first section after the headline is what is
// new, in both human formats, and the new patterns are named there.
func TestDailyLeadsWithNew(t *testing.T) {
	d := dailyFixture()
	md := renderDailyString(t, Markdown, d)
	first := strings.Index(md, "\n## ")
	if first < 0 || !strings.HasPrefix(md[first:], "\n## New today (2)") {
		t.Errorf("markdown does not lead with the new patterns:\n%s", md)
	}
	html := strings.ReplaceAll(renderDailyString(t, HTML, d), "<wbr>", "")
	if first := strings.Index(html, "<h2>"); first < 0 || !strings.HasPrefix(html[first:], "<h2>What to do: the new patterns</h2>") {
		t.Errorf("html does not lead with what to do about the new patterns")
	}
	if i, j := strings.Index(html, `<section id="todo">`), strings.Index(html, `<section id="new">`); i < 0 || j < i {
		t.Errorf("html: what to do does not come before the table of new patterns")
	}
	for _, out := range []string{md, html} {
		start, end := strings.Index(out, "New today"), strings.Index(out, "Jumped (1)")
		if start < 0 || end < start {
			t.Fatalf("no new section before the jumped one")
		}
		for _, name := range []string{"role/deployer", "key/abcd-0001"} {
			if !strings.Contains(out[start:end], name) {
				t.Errorf("new pattern %s is not in the new section", name)
			}
		}
	}
}

func TestDailyJSON(t *testing.T) {
	out := renderDailyString(t, JSON, dailyFixture())
	var doc struct {
		Date       string
		Comparison struct {
			New, Jumped, Stopped []struct {
				Pattern struct{ ID, Principal string }
				Today   int
			}
			Missing []string
		}
		Today struct{ Patterns []struct{ ID string } }
		Stats struct{ Inputs int }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Date != "2026-11-26" || len(doc.Comparison.New) != 2 || len(doc.Comparison.Jumped) != 1 ||
		doc.Comparison.Jumped[0].Today != 25 || len(doc.Comparison.Stopped) != 1 || len(doc.Today.Patterns) != 4 ||
		doc.Stats.Inputs != 288 || len(doc.Comparison.Missing) != 4 {
		t.Errorf("json daily report: %+v", doc)
	}
}

func TestParseDailyFormat(t *testing.T) {
	for in, want := range map[string]Format{"": Markdown, "HTML": HTML, " json ": JSON, "markdown": Markdown} {
		if got, err := ParseDailyFormat(in); err != nil || got != want {
			t.Errorf("ParseDailyFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseDailyFormat("csv"); err == nil || !strings.Contains(err.Error(), "markdown, html, json") {
		t.Errorf("csv: %v", err)
	}
	if err := RenderDaily(new(bytes.Buffer), Table, dailyFixture()); err == nil {
		t.Error("RenderDaily accepted the table format")
	}
	if err := Render(new(bytes.Buffer), HTML, dailyFixture().Report); err == nil {
		t.Error("Render accepted html, which only daily reports have")
	}
}

// BenchmarkDaily renders the daily report of 10,000 findings in 1,000
// patterns, half of them new, in each format.
func BenchmarkDaily(b *testing.B) {
	var today, before []classify.Finding
	for i := range 10_000 {
		p := i % 1000
		f := dailyFinding(fmt.Sprintf("e%05d", i), dailyDate.Add(time.Duration(i)*8*time.Second),
			"s3.amazonaws.com", "PutObject", fmt.Sprintf("arn:aws:iam::111122223333:role/r%03d", p), "bucket", "k", "",
			classify.LayerIAM, classify.ControlIdentityPolicy, classify.Low, "Access Denied", "Check the role's policies.")
		today = append(today, f)
		if p%2 == 0 {
			f.EventTime = f.EventTime.AddDate(0, 0, -1)
			before = append(before, f)
		}
	}
	prev := dailyDate.AddDate(0, 0, -1)
	base := history.Baseline{Days: []*history.Day{history.NewDay(prev, before, classify.Patterns(before))}}
	d := NewDaily(New(Stats{}, today), dailyDate, base)
	for _, f := range DailyFormats() {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := RenderDaily(&buf, f, d); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			NewDaily(New(Stats{}, today), dailyDate, base)
		}
	})
}

// TestDailyCapsTables: a day with more patterns than a table shows lists
// the first maxDailyRows and says how many more there are; JSON has all.
func TestDailyCapsTables(t *testing.T) {
	var fs []classify.Finding
	n := maxDailyRows + 5
	for i := range n {
		fs = append(fs, dailyFinding(fmt.Sprintf("e%04d", i), dailyDate.Add(time.Duration(i)*time.Minute),
			"s3.amazonaws.com", "PutObject", fmt.Sprintf("arn:aws:iam::111122223333:role/r%04d", i), "bucket", "k", "",
			classify.LayerIAM, classify.ControlIdentityPolicy, classify.Low, "Access Denied", ""))
	}
	// With no history every pattern is new: one table (all patterns), and
	// the patterns detailed first are counted too.
	d := NewDaily(New(Stats{}, fs), dailyDate, history.Baseline{})
	more := "... and 5 more (all of them are in the JSON report)"
	detailed := fmt.Sprintf("... and %d more new patterns not detailed here", n-maxActions)
	md := renderDailyString(t, Markdown, d)
	if got := strings.Count(md, "| iam/identity-policy |"); got != maxDailyRows {
		t.Errorf("markdown has %d pattern rows, want %d, once", got, maxDailyRows)
	}
	if got := strings.Count(md, mdEscape(more)); got != 1 {
		t.Errorf("markdown says %q %d times, want 1", more, got)
	}
	if got := strings.Count(md, "### "); got != maxActions || !strings.Contains(md, fmt.Sprintf("and %d more patterns not detailed here", n-maxActions)) {
		t.Errorf("markdown details %d patterns, want %d and a count of the rest", got, maxActions)
	}
	page := renderDailyString(t, HTML, d)
	if got := strings.Count(page, "<tr><td"); got != maxDailyRows {
		t.Errorf("html has %d pattern rows, want %d", got, maxDailyRows)
	}
	if got := strings.Count(page, `<p class="muted">`+more+`</p>`); got != 1 {
		t.Errorf("html says %q %d times, want 1", more, got)
	}
	if got := strings.Count(page, `<article class="action">`); got != maxActions || !strings.Contains(page, detailed) {
		t.Errorf("html details %d patterns, want %d and %q", got, maxActions, detailed)
	}
	var doc struct {
		Comparison struct{ New []json.RawMessage }
	}
	if err := json.Unmarshal([]byte(renderDailyString(t, JSON, d)), &doc); err != nil || len(doc.Comparison.New) != n {
		t.Errorf("json has %d new patterns, want all %d (%v)", len(doc.Comparison.New), n, err)
	}
}
