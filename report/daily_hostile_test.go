package report

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// dailyWith builds a daily report from findings made by mk, with the same
// shape whatever mk puts in the strings: pattern 0 jumped (1 finding the
// day before, 6 today), patterns 1 and 2 new, pattern 3 stopped, plus a
// hostile problem in every list the page shows.
func dailyWith(mk func(seed int) classify.Finding, text func() string) *Daily {
	layer := mk(0).Layer
	f := func(seed int) classify.Finding {
		x := mk(seed)
		x.Layer = layer
		x.EventTime = fixtureTime
		return x
	}
	var today []classify.Finding
	for range 6 {
		today = append(today, f(0))
	}
	today = append(today, f(1), f(2))
	before := []classify.Finding{f(0), f(3)}
	prev := fixtureTime.AddDate(0, 0, -1)
	beforeDay := history.NewDay(prev, before, classify.Patterns(before))
	b := history.Baseline{
		Days:       []*history.Day{beforeDay},
		Missing:    []string{"2024-10-15"},
		Unreadable: []history.Problem{{Date: "2024-10-14", Reason: text()}},
	}
	st := Stats{
		Sources: []string{text()},
		Skipped: []Problem{{Input: text(), Reason: text()}},
		Notes:   []Problem{{Input: text(), Reason: text()}},
	}
	return NewDaily(New(st, today), fixtureTime, b)
}

// hostileDailyFinding returns a finding whose every exported string field
// is hostile, each starting with a different prefix; seed varies them.
func hostileDailyFinding(seed int) classify.Finding {
	f := classify.Finding{EventTime: fixtureTime, Evidence: []string{}, Related: []string{}}
	v := reflect.ValueOf(&f).Elem()
	n := seed
	for i := range v.NumField() {
		if fv := v.Field(i); fv.Kind() == reflect.String && fv.CanSet() {
			n++
			fv.SetString(hostilePrefixes[n%len(hostilePrefixes)] + hostileCore)
		}
	}
	return f
}

func hostileDaily() *Daily {
	n := 0
	return dailyWith(hostileDailyFinding, func() string {
		n++
		return hostilePrefixes[n%len(hostilePrefixes)] + hostileCore
	})
}

func benignDaily() *Daily {
	n := 0
	text := func() string { n++; return "v" + strconv.Itoa(n) }
	return dailyWith(func(seed int) classify.Finding {
		f := hostileDailyFinding(seed)
		f.EventID, f.EventSource, f.EventName = "e"+strconv.Itoa(seed), "svc.example", "Call"
		f.Principal, f.Bucket, f.Key, f.KMSKey = "p"+strconv.Itoa(seed), "b", "k", ""
		f.Layer, f.Control, f.Remediation = "l", "c", "r"+strconv.Itoa(seed)
		return f
	}, text)
}

func TestHostileDailyShape(t *testing.T) {
	c := hostileDaily().Comparison
	if len(c.New) != 2 || len(c.Jumped) != 1 || len(c.Stopped) != 1 {
		t.Fatalf("hostile daily: %d new, %d jumped, %d stopped; want 2, 1, 1", len(c.New), len(c.Jumped), len(c.Stopped))
	}
}

// htmlTags matches every tag, comment and doctype of a page.
var htmlTags = regexp.MustCompile(`<[^>]*>`)

func TestHostileDailyHTML(t *testing.T) {
	got := renderDailyString(t, HTML, hostileDaily())
	assertTerminalSafe(t, got)
	// No log-derived value is ever markup: the pages' tags, attributes
	// included, are exactly those of a page with plain values.
	want := renderDailyString(t, HTML, benignDaily())
	// (<wbr> marks where an ARN may break: after each : and /, so their
	// number follows the values.)
	noWbr := func(s string) string { return strings.ReplaceAll(s, "<wbr>", "") }
	gt, wt := htmlTags.FindAllString(noWbr(got), -1), htmlTags.FindAllString(noWbr(want), -1)
	if !slices.Equal(gt, wt) {
		for i := range min(len(gt), len(wt)) {
			if gt[i] != wt[i] {
				t.Fatalf("tag %d differs: hostile %q, benign %q", i, gt[i], wt[i])
			}
		}
		t.Fatalf("hostile page has %d tags, benign %d", len(gt), len(wt))
	}
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `\x1b[2J`, `\u202e`, `\x9b`, `\xff`} {
		if !strings.Contains(got, esc) {
			t.Errorf("hostile page lost %q: dangerous text must show escaped, not vanish", esc)
		}
	}
	if !strings.Contains(got, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("the page has no content security policy")
	}
}

func TestHostileDailyMarkdown(t *testing.T) {
	raw := renderDailyString(t, Markdown, hostileDaily())
	assertTerminalSafe(t, raw)
	got, _ := mdFences(t, raw)
	for _, raw := range []string{"<script>", "</script>", "**b**", "[l](http://e)", "`code`"} {
		if strings.Contains(got, raw) {
			t.Errorf("markdown daily report contains raw %q", raw)
		}
	}
	for line := range strings.Lines(got) {
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "# denytrail daily report: ") &&
			!strings.HasPrefix(line, "## ") && !regexp.MustCompile(`^### [0-9]+\. `).MatchString(line) {
			t.Errorf("unexpected heading line %q", line)
		}
	}
	want, _ := mdFences(t, renderDailyString(t, Markdown, benignDaily()))
	assertSameShape(t, got, want, "|")
}

func TestHostileDailyJSON(t *testing.T) {
	d := hostileDaily()
	got := renderDailyString(t, JSON, d)
	assertJSONSafe(t, got)
	assertTerminalSafe(t, got)
	var doc struct {
		Comparison history.Comparison
		Stats      Stats
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Comparison.New[0].Pattern.Principal != validUTF8(d.Comparison.New[0].Pattern.Principal) ||
		doc.Stats.Sources[0] != validUTF8(d.Report.Stats.Sources[0]) ||
		doc.Comparison.Unreadable[0].Reason != validUTF8(d.Comparison.Unreadable[0].Reason) {
		t.Error("json daily report does not decode to the original values")
	}
}
