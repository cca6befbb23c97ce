package report

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// HTML is a daily report as one self-contained web page. It is a format of
// RenderDaily only; Render does not know it.
const HTML Format = "html"

// DailyFormats lists the formats of daily reports, the default first.
func DailyFormats() []Format {
	return []Format{Markdown, HTML, JSON}
}

// ParseDailyFormat returns the daily report format named s
// (case-insensitive; empty means Markdown), or an error listing the valid
// names.
func ParseDailyFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" {
		return Markdown, nil
	}
	var names []string
	for _, f := range DailyFormats() {
		if string(f) == name {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown daily report format %q (valid: %s)", s, strings.Join(names, ", "))
}

// Daily is the report of one UTC day for people who read it once a day:
// what is new, what jumped and what stopped compared with the days before,
// then everything the day's scan found.
type Daily struct {
	// Report is the scan of the day.
	Report *Report
	// Today is the summary of the day, as the history keeps it.
	Today *history.Day
	// Comparison sets Today against the previous days' summaries.
	Comparison history.Comparison
}

// NewDaily builds the daily report of the UTC day that holds date from the
// scan of that day and the summaries of the days before it.
func NewDaily(r *Report, date time.Time, b history.Baseline) *Daily {
	patterns := r.Patterns
	if patterns == nil {
		patterns = classify.Patterns(r.Findings) // built without New
	}
	var today *history.Day
	if r.Hourly != nil {
		today = history.NewDayCounts(date, r.Hourly, patterns)
	} else {
		today = history.NewDay(date, r.Findings, patterns) // built without New
	}
	today.Sources = orEmpty(r.Stats.Sources)
	today.Skipped = int(skippedCount(r.Stats))
	for _, sp := range r.Stats.Suppressed {
		if sp.Count > 0 {
			today.Suppressed = append(today.Suppressed, history.Suppressed{Rule: sp.Rule, Reason: sp.Reason, Count: sp.Count})
		}
	}
	return &Daily{Report: r, Today: today, Comparison: history.Compare(today, b)}
}

// RenderDaily writes d to w in format f: Markdown (the empty Format), HTML
// or JSON. It returns the first write error, naming the format.
func RenderDaily(w io.Writer, f Format, d *Daily) error {
	if d == nil || d.Report == nil || d.Today == nil {
		return errors.New("render daily report: incomplete report")
	}
	sw := &stickyWriter{w: w}
	var err error
	switch f {
	case Markdown, "":
		f = Markdown
		renderDailyMarkdown(sw, d)
	case HTML:
		err = renderDailyHTML(sw, d)
	case JSON:
		err = renderDailyJSON(sw, d)
	default:
		_, perr := ParseDailyFormat(string(f))
		return fmt.Errorf("render daily report: %w", perr)
	}
	if sw.err != nil {
		err = sw.err
	}
	if err != nil {
		return fmt.Errorf("render %s daily report: %w", f, err)
	}
	return nil
}

// dailyDocument is the shape of the JSON daily report. Every list is an
// array, never null.
type dailyDocument struct {
	Date       string             `json:"date"`
	Comparison history.Comparison `json:"comparison"`
	Today      *history.Day       `json:"today"`
	Summary    Summary            `json:"summary"`
	Stats      Stats              `json:"stats"`
}

// renderDailyJSON writes one indented document, escaped by encoding/json
// and jsonSafe.
func renderDailyJSON(w *stickyWriter, d *Daily) error {
	st := d.Report.Stats
	st.Sources = orEmpty(st.Sources)
	st.Skipped = orEmpty(st.Skipped)
	st.Notes = orEmpty(st.Notes)
	st.Suppressed = orEmpty(st.Suppressed)
	sum := d.Report.Summary
	sum.Layers = orEmpty(sum.Layers)
	sum.Confidence = orEmpty(sum.Confidence)
	doc := dailyDocument{Date: d.Today.Date, Comparison: d.Comparison, Today: d.Today, Summary: sum, Stats: st}
	return writeJSON(w, doc)
}

// The helpers below compute the text the human daily formats share; they
// return raw strings that the caller escapes for its format.

// maxDailyRows bounds each table of the human daily formats, so that a day
// with thousands of patterns still gives a page a browser, a wiki or a chat
// renders; the JSON format has them all.
const maxDailyRows = 200

// capRows returns the rows a table shows and how many it leaves out.
func capRows[T any](rows []T) ([]T, int) {
	if len(rows) <= maxDailyRows {
		return rows, 0
	}
	return rows[:maxDailyRows], len(rows) - maxDailyRows
}

// moreText is the line under a table that left out n rows.
func moreText(n int) string {
	return fmt.Sprintf("... and %d more (all of them are in the JSON report)", n)
}

// dailyHeadline is the first sentence of a daily report: what is new.
func dailyHeadline(d *Daily) string {
	c := &d.Comparison
	s := fmt.Sprintf("%s, %d jumped, %d stopped. ",
		plural(int64(len(c.New)), "new pattern", "new patterns"), len(c.Jumped), len(c.Stopped))
	s += fmt.Sprintf("%s in %s on %s",
		plural(int64(d.Today.Findings), "finding", "findings"),
		plural(int64(len(d.Today.Patterns)), "pattern", "patterns"), d.Today.Date)
	switch {
	case c.Requested == 0:
		s += ", not compared with any previous day."
	case c.NoHistory():
		s += fmt.Sprintf(", with no history for the previous %s: every pattern counts as new.", plural(int64(c.Requested), "day", "days"))
	default:
		s += fmt.Sprintf(", compared with %d of the previous %s.", len(c.Compared), plural(int64(c.Requested), "day", "days"))
	}
	return s
}

// dailyNotes lists what a reader must know about the coverage of the
// report and its history, most important first.
func dailyNotes(d *Daily) []string {
	c := &d.Comparison
	var notes []string
	if n := d.Today.Skipped; n > 0 {
		notes = append(notes, fmt.Sprintf("%s could not be read today: counts may be short, and a stopped pattern may only be unread.",
			plural(int64(n), "input or record", "inputs or records")))
	}
	notes = append(notes, warnings(d.Report)...)
	if len(c.Missing) > 0 && !c.NoHistory() {
		notes = append(notes, fmt.Sprintf("No history for %s of the previous %d: %s (days the job did not run or did not finish).",
			plural(int64(len(c.Missing)), "day", "days"), c.Requested, strings.Join(c.Missing, ", ")))
	}
	for _, p := range c.Unreadable {
		notes = append(notes, "Unreadable history, skipped: "+p.Reason)
	}
	if len(c.Incomplete) > 0 {
		notes = append(notes, fmt.Sprintf("Inputs were skipped on %s: the counts of those days may be short.", strings.Join(c.Incomplete, ", ")))
	}
	if d.Today.Untimed > 0 {
		notes = append(notes, fmt.Sprintf("%s without an event time on this day: not in the hourly chart.",
			plural(int64(d.Today.Untimed), "finding", "findings")))
	}
	return notes
}

// dayClock is t as a time of day when it falls on date, else in full.
func dayClock(t time.Time, date string) string {
	if t.IsZero() {
		return "-"
	}
	if t.UTC().Format(history.DateLayout) == date {
		return t.UTC().Format("15:04:05")
	}
	return timeText(t)
}

// patternLayer is layer/control of a pattern.
func patternLayer(p classify.Pattern) string {
	return layerText(classify.Finding{Layer: p.Layer, Control: p.Control})
}

// meanText is a mean daily count, to one decimal when it is not whole.
func meanText(m float64) string {
	if m == float64(int64(m)) {
		return fmt.Sprintf("%d", int64(m))
	}
	return fmt.Sprintf("%.1f", m)
}

// hourly returns the findings per hour and layer, and the layers present
// in report order.
func hourly(day *history.Day) (counts [24]map[classify.Layer]int, totals [24]int, layers []classify.Layer) {
	seen := map[classify.Layer]bool{}
	for _, h := range day.Hourly {
		if h.Hour < 0 || h.Hour > 23 {
			continue
		}
		if counts[h.Hour] == nil {
			counts[h.Hour] = map[classify.Layer]int{}
		}
		counts[h.Hour][h.Layer] += h.Findings
		totals[h.Hour] += h.Findings
		seen[h.Layer] = true
	}
	for _, l := range day.Layers { // already in report order
		if seen[l.Layer] {
			layers = append(layers, l.Layer)
			delete(seen, l.Layer)
		}
	}
	for _, h := range day.Hourly { // layers missing from Layers, in first-hour order
		if seen[h.Layer] {
			layers = append(layers, h.Layer)
			delete(seen, h.Layer)
		}
	}
	return counts, totals, layers
}
