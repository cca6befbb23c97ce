package report

import (
	"cmp"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// The HTML daily report is one self-contained page: styles inline in a
// <style> block, the chart as inline SVG, no scripts, fonts or any other
// external resource, and a Content-Security-Policy that forbids loading or
// running anything should a value ever slip through.
//
// Escaping is one mechanism: html/template escapes every value for its
// context (text, attribute). Log-derived strings reach the template only
// through htmlText (or htmlARN), which first makes line breaks, terminal
// control and bidi characters visible as termEscape does, so a hostile key
// can neither reorder what the reader sees nor start a line of its own.

// htmlText returns a log-derived string for one line of the page.
func htmlText(s string) string { return termEscape(s) }

// htmlARN returns a log-derived ARN, key or name as htmlText, HTML-escaped,
// with a line-break opportunity (<wbr>) after every ":" and "/", so that a
// narrow column breaks it there rather than mid-word.
func htmlARN(s string) template.HTML {
	s = termEscape(s)
	var b strings.Builder
	for {
		i := strings.IndexAny(s, ":/")
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(s))
			return template.HTML(b.String()) //nolint:gosec // every piece is escaped
		}
		b.WriteString(template.HTMLEscapeString(s[:i+1]))
		b.WriteString("<wbr>")
		s = s[i+1:]
	}
}

// htmlPage is everything the template prints; every string in it is
// already passed through htmlText or htmlBlock, or is the report's own.
type htmlPage struct {
	Date       string
	Headline   string
	Cards      []htmlCard
	Notes      []string
	New        []htmlRow
	NewMore    string
	NewCount   int
	Fresh      bool // no earlier day: every pattern is new, the table of all says it once
	Actions    []htmlAction
	ActMore    string
	JumpRule   string
	Jumped     []htmlRow
	JumpedMore string
	StoppedDay string
	Stopped    []htmlRow
	StopMore   string
	Patterns   []htmlRow
	AllMore    string
	Chart      htmlChart
	Sources    []string
	ReadLine   string
	Window     string
	Compared   string
	Missing    string
	Unreadable []string
	Skipped    htmlProblems
	ScanNotes  htmlProblems
}

type htmlCard struct {
	Value int
	Label string
	Class string
}

// htmlRow is one pattern in one of the tables.
type htmlRow struct {
	Status, StatusClass string
	Count, Today, Mean  string
	Layer, LayerClass   string
	Principal           template.HTML
	Action              string
	Resource            template.HTML
	First, Last         string
	Example             string
}

// htmlAction is what to do about one new pattern.
type htmlAction struct {
	Head, LayerClass string
	Who              template.HTML
	Cause, Before    string
	Commands         []htmlCommand
}

// htmlCommand is one suggested command: a label and the line, shown
// whole (a log-derived line passes through htmlText only).
type htmlCommand struct {
	Label, Line string
}

type htmlProblems struct {
	Items []string
	More  int
}

// htmlChart is the inline SVG chart of findings per hour by layer.
type htmlChart struct {
	Width, Height int
	Empty         bool
	Bars          []htmlSegment
	Grid          []htmlTick
	Hours         []htmlTick
	Legend        []htmlLegend
	PlotLeft      int
	PlotRight     int
	Baseline      int
}

type htmlSegment struct {
	X, Y, W, H string
	Class      string
	Title      string
}

type htmlTick struct {
	X, Y  int
	Label string
}

type htmlLegend struct {
	Class string
	Label string
	Count int
}

// renderDailyHTML writes the page.
func renderDailyHTML(w *stickyWriter, d *Daily) error {
	return dailyPage.Execute(w, newHTMLPage(d))
}

func newHTMLPage(d *Daily) htmlPage {
	c, date := &d.Comparison, d.Today.Date
	p := htmlPage{
		Date:     htmlText(date),
		Headline: htmlText(dailyHeadline(d)),
		Cards: []htmlCard{
			{len(c.New), "new", "new"},
			{len(c.Jumped), "jumped", "jumped"},
			{len(c.Stopped), "stopped", "stopped"},
			{len(d.Today.Patterns), "patterns today", ""},
			{d.Today.Findings, "findings today", ""},
		},
		JumpRule: fmt.Sprintf("At least %d times the daily mean of the compared days, and %d more.", history.JumpFactor, history.JumpMinIncrease),
		Chart:    newHTMLChart(d.Today),
		ReadLine: fmt.Sprintf("%s (%s), %s, %s kept",
			plural(d.Report.Stats.Inputs, "input", "inputs"), HumanBytes(d.Report.Stats.Bytes),
			plural(d.Report.Stats.Records, "record", "records"),
			plural(d.Report.Stats.Failed, "failed call", "failed calls")),
		Window:    htmlText(windowText(d.Report.Stats)),
		Compared:  htmlText(listOr(c.Compared, "none")),
		Missing:   htmlText(listOr(c.Missing, "none")),
		Skipped:   newHTMLProblems(d.Report.Stats.Skipped),
		ScanNotes: newHTMLProblems(d.Report.Stats.Notes),
	}
	for _, n := range dailyNotes(d) {
		p.Notes = append(p.Notes, htmlText(n))
	}
	p.Fresh, p.NewCount = c.NoHistory() || c.Requested == 0, len(c.New)
	notes := patternNotes(d.Report)
	for i, ch := range c.New {
		if i == maxActions {
			where := "the table below lists them"
			if p.Fresh {
				where = "the table of all patterns lists them"
			}
			p.ActMore = fmt.Sprintf("... and %s not detailed here: %s, the JSON report has every one.",
				plural(int64(len(c.New)-maxActions), "more new pattern", "more new patterns"), where)
			break
		}
		p.Actions = append(p.Actions, newHTMLAction(ch.Pattern, notes[ch.Pattern.ID]))
	}
	if !p.Fresh {
		newRows, more := capRows(c.New)
		p.NewMore = htmlMore(more)
		for _, ch := range newRows {
			p.New = append(p.New, newHTMLRow(ch.Pattern, "", date))
		}
	}
	jumped, more := capRows(c.Jumped)
	p.JumpedMore = htmlMore(more)
	for _, ch := range jumped {
		r := newHTMLRow(ch.Pattern, "", date)
		r.Today, r.Mean = strconv.Itoa(ch.Today), meanText(ch.Mean)
		p.Jumped = append(p.Jumped, r)
	}
	if len(c.Stopped) > 0 {
		p.StoppedDay = htmlText(c.Compared[0])
	}
	stopped, more := capRows(c.Stopped)
	p.StopMore = htmlMore(more)
	for _, ch := range stopped {
		r := newHTMLRow(ch.Pattern, "", date)
		r.Last = htmlText(timeText(ch.Pattern.LastSeen))
		p.Stopped = append(p.Stopped, r)
	}
	all, more := capRows(d.Today.Patterns)
	p.AllMore = htmlMore(more)
	for _, pt := range all {
		p.Patterns = append(p.Patterns, newHTMLRow(pt, c.Status[pt.ID], date))
	}
	for _, s := range d.Report.Stats.Sources {
		p.Sources = append(p.Sources, htmlText(s))
	}
	for _, u := range c.Unreadable {
		p.Unreadable = append(p.Unreadable, htmlText(u.Reason))
	}
	return p
}

func newHTMLAction(p classify.Pattern, n patternNote) htmlAction {
	a := htmlAction{
		Head:       htmlText(patternLayer(p) + ": " + plural(int64(p.Count), "finding", "findings")),
		LayerClass: layerClass(p.Layer),
		Who: htmlARN(principalName(p.Principal)) + " · " + template.HTML(template.HTMLEscapeString(termEscape(orDash(p.Action)))) +
			" · " + htmlARN(resourceName(p.Resource)),
		Cause:  htmlText(cmp.Or(p.Cause, n.cause)),
		Before: htmlText(n.before),
	}
	for _, c := range p.Commands {
		if c.Line == "" {
			continue
		}
		a.Commands = append(a.Commands, htmlCommand{Label: htmlText(commandLabel(c, nil)), Line: htmlText(c.Line)})
	}
	return a
}

// htmlMore is the line under a table that left out n rows, or "".
func htmlMore(n int) string {
	if n == 0 {
		return ""
	}
	return moreText(n)
}

func newHTMLRow(p classify.Pattern, status history.Status, date string) htmlRow {
	r := htmlRow{
		Status:    htmlText(string(status)),
		Count:     strconv.Itoa(p.Count),
		Layer:     htmlText(patternLayer(p)),
		Principal: htmlARN(p.Principal),
		Action:    htmlText(p.Action),
		Resource:  htmlARN(p.Resource),
		First:     htmlText(dayClock(p.FirstSeen, date)),
		Last:      htmlText(dayClock(p.LastSeen, date)),
		Example:   htmlText(firstExample(p)),
	}
	switch status {
	case history.StatusNew, history.StatusJumped, history.StatusOngoing:
		r.StatusClass = "s-" + string(status)
	}
	r.LayerClass = layerClass(p.Layer)
	return r
}

func newHTMLProblems(ps []Problem) htmlProblems {
	var out htmlProblems
	for i, p := range ps {
		if i == maxListed {
			out.More = len(ps) - maxListed
			break
		}
		out.Items = append(out.Items, htmlText(p.Input+": "+p.Reason))
	}
	return out
}

// layerClass is the CSS class that colours a layer: l0 to l8 in
// classify.Layers() order, lx for a layer this version does not know.
func layerClass(l classify.Layer) string {
	for i, k := range classify.Layers() {
		if k == l {
			return "l" + strconv.Itoa(i)
		}
	}
	return "lx"
}

// Chart geometry, in SVG user units.
const (
	chartLeft   = 44  // room for the count labels
	chartTop    = 12  //
	chartSlot   = 29  // width per hour
	chartBar    = 21  // bar width
	chartHeight = 190 // plot height
)

// newHTMLChart lays out the stacked bars: one per hour, a segment per
// layer in report order from the bottom, and a y axis of round numbers.
func newHTMLChart(day *history.Day) htmlChart {
	counts, totals, layers := hourly(day)
	ch := htmlChart{
		Width:     chartLeft + 24*chartSlot + 16,
		Height:    chartTop + chartHeight + 30,
		PlotLeft:  chartLeft,
		PlotRight: chartLeft + 24*chartSlot,
		Baseline:  chartTop + chartHeight,
	}
	top := 0
	for _, t := range totals {
		top = max(top, t)
	}
	ch.Empty = top == 0
	step, top := niceScale(top)
	scale := float64(chartHeight) / float64(top)
	for v := 0; v <= top; v += step {
		ch.Grid = append(ch.Grid, htmlTick{X: chartLeft - 6, Y: chartTop + chartHeight - int(float64(v)*scale+0.5), Label: strconv.Itoa(v)})
	}
	for h := 0; h < 24; h += 3 {
		ch.Hours = append(ch.Hours, htmlTick{X: chartLeft + h*chartSlot + chartSlot/2, Y: chartTop + chartHeight + 18, Label: fmt.Sprintf("%02d", h)})
	}
	perLayer := map[classify.Layer]int{}
	for h := range 24 {
		y := float64(chartTop + chartHeight)
		x := chartLeft + h*chartSlot + (chartSlot-chartBar)/2
		for _, l := range layers {
			n := counts[h][l]
			if n == 0 {
				continue
			}
			perLayer[l] += n
			hgt := float64(n) * scale
			y -= hgt
			ch.Bars = append(ch.Bars, htmlSegment{
				X: strconv.Itoa(x), Y: strconv.FormatFloat(y, 'f', 1, 64),
				W: strconv.Itoa(chartBar), H: strconv.FormatFloat(max(hgt, 1), 'f', 1, 64),
				Class: layerClass(l),
				Title: htmlText(fmt.Sprintf("%02d:00-%02d:00 UTC, %s: %s", h, h+1, layerName(l), plural(int64(n), "finding", "findings"))),
			})
		}
	}
	for _, l := range layers {
		ch.Legend = append(ch.Legend, htmlLegend{Class: layerClass(l), Label: htmlText(layerName(l)), Count: perLayer[l]})
	}
	return ch
}

// niceScale returns a step of 1, 2 or 5 times a power of ten and the
// smallest multiple of it at or above top, with at most five steps.
func niceScale(top int) (step, ceil int) {
	if top <= 0 {
		return 1, 1
	}
	for pow := 1; ; pow *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * pow
			if (top+step-1)/step <= 5 {
				return step, (top + step - 1) / step * step
			}
		}
	}
}

// dailyPage is the page template; html/template escapes every value for
// its context.
var dailyPage = template.Must(template.New("daily").Parse(dailyPageHTML))

const dailyPageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>denytrail daily report: {{.Date}}</title>
<style>
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 24px; margin: 0 0 6px; }
h1 .date { color: var(--muted); font-weight: 400; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 6px 0; }
.headline { font-size: 16px; font-weight: 600; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; padding: 0; margin: 14px 0; list-style: none; }
.cards li { min-width: 130px; padding: 10px 14px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg2); }
.cards b { display: block; font-size: 26px; line-height: 1.1; }
.cards .new { border-color: #cf222e; background: #ffebe9; }
.cards .jumped { border-color: #bc4c00; background: #fff1e5; }
.cards .stopped { border-color: #1a7f37; background: #dafbe1; }
.notes { margin: 12px 0; padding: 8px 14px; border-left: 4px solid #d4a72c; background: #fff8c5; }
.notes p { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg2); font-weight: 600; white-space: nowrap; }
td.layer { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.id, td.time, td.arn { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.time { white-space: nowrap; }
td.id { word-break: break-all; min-width: 8em; }
td.arn { overflow-wrap: anywhere; min-width: 13em; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.s-new { background: #ffebe9; color: #a40e26; }
.s-jumped { background: #fff1e5; color: #953800; }
.s-ongoing { background: #eaeef2; color: #424a53; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
pre.cmd { white-space: pre-wrap; word-break: break-all; margin: 2px 0 10px; padding: 8px 10px; background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; font-size: 12px; }
article.action { margin: 8px 0 16px; padding: 4px 14px 2px; border-left: 4px solid #cf222e; }
article.action h3 { margin-top: 6px; }
p.who { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
p.cmdlabel { margin: 8px 0 2px; font-weight: 600; }
svg.chart { width: 100%; height: auto; max-width: 900px; display: block; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #59636e; }
svg.chart .grid { stroke: #e6e9ed; }
svg.chart .axis { stroke: #8c959f; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 0; margin: 6px 0; list-style: none; }
.l0 { fill: #4e79a7; background: #4e79a7; } .l1 { fill: #f28e2b; background: #f28e2b; }
.l2 { fill: #e15759; background: #e15759; } .l3 { fill: #76b7b2; background: #76b7b2; }
.l4 { fill: #59a14f; background: #59a14f; } .l5 { fill: #edc948; background: #edc948; }
.l6 { fill: #b07aa1; background: #b07aa1; } .l7 { fill: #9c755f; background: #9c755f; }
.l8 { fill: #bab0ac; background: #bab0ac; } .lx { fill: #57606a; background: #57606a; }
ul.plain { margin: 4px 0; padding-left: 20px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { body { padding: 0; } .cards li { break-inside: avoid; } }
</style>
</head>
<body>
<header>
<h1>denytrail daily report <span class="date">{{.Date}}</span></h1>
<p class="headline">{{.Headline}}</p>
<ul class="cards">{{range .Cards}}
<li{{if .Class}} class="{{.Class}}"{{end}}><b>{{.Value}}</b>{{.Label}}</li>{{end}}
</ul>
{{- if .Notes}}
<div class="notes" role="note">{{range .Notes}}
<p>{{.}}</p>{{end}}
</div>
{{- end}}
</header>

{{- if .Actions}}

<section id="todo">
<h2>What to do: the new patterns</h2>{{range .Actions}}
<article class="action">
<h3><span class="sw {{.LayerClass}}"></span>{{.Head}}</h3>
<p class="who">{{.Who}}</p>
{{- if .Cause}}
<p><b>Cause:</b> {{.Cause}}</p>
{{- end}}
{{- if .Before}}
<p><b>Changed before:</b> {{.Before}}</p>
{{- end}}
{{- range .Commands}}
<p class="cmdlabel">{{.Label}}</p>
<pre class="cmd"><code>{{.Line}}</code></pre>
{{- end}}
</article>{{end}}
{{- if .ActMore}}
<p class="muted">{{.ActMore}}</p>
{{- end}}
</section>
{{- end}}

<section id="new">
<h2>New today ({{.NewCount}})</h2>
{{- if and .Fresh .Actions}}
<p class="muted">No earlier day to compare with: every pattern today counts as new. They are all in the table of all patterns below.</p>
{{- else if .New}}
<table>
<thead><tr><th class="num">Findings</th><th>Layer</th><th>Principal</th><th>Action</th><th>Resource</th><th>First seen</th><th>Last seen</th><th>Example event</th></tr></thead>
<tbody>{{range .New}}
<tr><td class="num">{{.Count}}</td><td class="layer"><span class="sw {{.LayerClass}}"></span>{{.Layer}}</td><td class="arn">{{.Principal}}</td><td>{{.Action}}</td><td class="arn">{{.Resource}}</td><td class="time">{{.First}}</td><td class="time">{{.Last}}</td><td class="id">{{.Example}}</td></tr>{{end}}
</tbody>
</table>
{{- if .NewMore}}
<p class="muted">{{.NewMore}}</p>
{{- end}}
{{- else}}
<p class="muted">No new patterns: every pattern today was seen on a compared day.</p>
{{- end}}
</section>
{{- if .Jumped}}

<section id="jumped">
<h2>Jumped ({{len .Jumped}})</h2>
<p class="muted">{{.JumpRule}}</p>
<table>
<thead><tr><th class="num">Today</th><th class="num">Daily mean before</th><th>Layer</th><th>Principal</th><th>Action</th><th>Resource</th><th>Last seen</th></tr></thead>
<tbody>{{range .Jumped}}
<tr><td class="num">{{.Today}}</td><td class="num">{{.Mean}}</td><td class="layer"><span class="sw {{.LayerClass}}"></span>{{.Layer}}</td><td class="arn">{{.Principal}}</td><td>{{.Action}}</td><td class="arn">{{.Resource}}</td><td class="time">{{.Last}}</td></tr>{{end}}
</tbody>
</table>
{{- if .JumpedMore}}
<p class="muted">{{.JumpedMore}}</p>
{{- end}}
</section>
{{- end}}
{{- if .Stopped}}

<section id="stopped">
<h2>Stopped ({{len .Stopped}})</h2>
<p class="muted">Seen on {{.StoppedDay}}, not today.</p>
<table>
<thead><tr><th class="num">Findings then</th><th>Layer</th><th>Principal</th><th>Action</th><th>Resource</th><th>Last seen</th></tr></thead>
<tbody>{{range .Stopped}}
<tr><td class="num">{{.Count}}</td><td class="layer"><span class="sw {{.LayerClass}}"></span>{{.Layer}}</td><td class="arn">{{.Principal}}</td><td>{{.Action}}</td><td class="arn">{{.Resource}}</td><td class="time">{{.Last}}</td></tr>{{end}}
</tbody>
</table>
{{- if .StopMore}}
<p class="muted">{{.StopMore}}</p>
{{- end}}
</section>
{{- end}}

<section id="chart">
<h2>Denials per hour (UTC)</h2>
<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" role="img" aria-label="Denials per hour by layer">
{{- range .Chart.Grid}}
<line class="grid" x1="{{$.Chart.PlotLeft}}" x2="{{$.Chart.PlotRight}}" y1="{{.Y}}" y2="{{.Y}}"/><text x="{{.X}}" y="{{.Y}}" dy="4" text-anchor="end">{{.Label}}</text>
{{- end}}
{{- range .Chart.Bars}}
<rect class="{{.Class}}" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Title}}</title></rect>
{{- end}}
<line class="axis" x1="{{.Chart.PlotLeft}}" x2="{{.Chart.PlotRight}}" y1="{{.Chart.Baseline}}" y2="{{.Chart.Baseline}}"/>
{{- range .Chart.Hours}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="middle">{{.Label}}:00</text>
{{- end}}
{{- if .Chart.Empty}}
<text x="{{.Chart.PlotLeft}}" y="{{.Chart.Baseline}}" dx="12" dy="-12">No findings this day</text>
{{- end}}
</svg>
{{- if .Chart.Legend}}
<ul class="legend">{{range .Chart.Legend}}
<li><span class="sw {{.Class}}"></span>{{.Label}} ({{.Count}})</li>{{end}}
</ul>
{{- end}}
</section>

<section id="patterns">
<h2>All patterns today ({{len .Patterns}})</h2>
{{- if .Patterns}}
<table>
<thead><tr><th>Status</th><th class="num">Findings</th><th>Layer</th><th>Principal</th><th>Action</th><th>Resource</th><th>First seen</th><th>Last seen</th></tr></thead>
<tbody>{{range .Patterns}}
<tr><td><span class="badge {{.StatusClass}}">{{.Status}}</span></td><td class="num">{{.Count}}</td><td class="layer"><span class="sw {{.LayerClass}}"></span>{{.Layer}}</td><td class="arn">{{.Principal}}</td><td>{{.Action}}</td><td class="arn">{{.Resource}}</td><td class="time">{{.First}}</td><td class="time">{{.Last}}</td></tr>{{end}}
</tbody>
</table>
{{- if .AllMore}}
<p class="muted">{{.AllMore}}</p>
{{- end}}
{{- else}}
<p class="muted">No findings: no failed call matched in what was read.</p>
{{- end}}
</section>

<section id="read">
<h2>What was read</h2>
<ul class="plain">{{range .Sources}}
<li>Source: <code>{{.}}</code></li>{{end}}
<li>Read: {{.ReadLine}}</li>
<li>Time range: {{.Window}}</li>
</ul>
</section>

<section id="history">
<h2>History</h2>
<ul class="plain">
<li>Compared: {{.Compared}}</li>
<li>Missing: {{.Missing}}</li>{{range .Unreadable}}
<li>Unreadable: {{.}}</li>{{end}}
</ul>
</section>
{{- with .Skipped}}{{if .Items}}

<section id="skipped">
<h2>Skipped inputs</h2>
<ul class="plain">{{range .Items}}
<li>{{.}}</li>{{end}}{{if .More}}
<li>... and {{.More}} more (all of them are in the JSON report)</li>{{end}}
</ul>
</section>
{{- end}}{{end}}
{{- with .ScanNotes}}{{if .Items}}

<section id="scan-notes">
<h2>Notes</h2>
<ul class="plain">{{range .Items}}
<li>{{.}}</li>{{end}}{{if .More}}
<li>... and {{.More}} more (all of them are in the JSON report)</li>{{end}}
</ul>
</section>
{{- end}}{{end}}

<footer>Generated by denytrail from CloudTrail records. Every value on this page comes from the logs and is shown escaped.</footer>
</body>
</html>
`
