package report

import (
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// maxListed is how many skipped inputs, notes or remediations a human
// format lists before "and N more".
const maxListed = 20

// The terminal report leads with the answer. Its layout, at any width:
//
//	denytrail: 80 findings in 59 patterns, 2026-11-26 13:45:42Z to 15:12:51Z
//	Blocked by: kms 25, org-controls 18, bucket-policy 12, iam 10, …
//
//	kms: 25 findings in 12 patterns
//	  5× kms-key-state · high · 14:27:48Z to 15:04:24Z · pattern 1d6fd955d28e
//	     app-uploader (role, 444455556666) · s3:PutObject · key/a1f1… (eu-west-1)
//	     cause    Key …/a1f1… is disabled (DisableKey by alice, 1m47s before)
//	     before   DisableKey at 14:26:01Z by alice, 1m47s before the first denial
//	     check    aws kms describe-key --key-id '…'
//	     explain  denytrail explain --pattern 1d6fd955d28e …
//
// then the findings (with Options.Findings or Wide), a short summary and
// the skipped inputs. Every log-derived string passes through termEscape
// before it is measured, so no control byte reaches the terminal and
// widths are those of what is printed. Values are elided from the left
// (…role/etl-batch), prose is wrapped at spaces, and a command is never
// cut: when it does not fit after its label it is printed whole on a line
// of its own, the only kind of line that may be wider than the width.

// termWriter lays out the terminal report.
type termWriter struct {
	*stickyWriter
	width int // columns; 0 means no limit (Wide)
	color bool
	opts  Options
}

func newTermWriter(w *stickyWriter, o Options) *termWriter {
	t := &termWriter{stickyWriter: w, color: o.Color, opts: o}
	if !o.Wide {
		t.width = max(cmp.Or(o.Width, DefaultWidth), MinWidth)
	}
	return t
}

// avail is the room left on a line after indent columns.
func (t *termWriter) avail(indent int) int {
	if t.width == 0 {
		return 1 << 30
	}
	return max(t.width-indent, 8)
}

// seg is one piece of a packed line: escaped text and its colour. A
// segment is set off from the one before by " · ", or by a space when
// tight (after a label such as "kms:").
type seg struct {
	text, sgr string
	tight     bool
}

// pack writes segments joined by " · " on lines indented by indent,
// starting a new line when the next one does not fit; a segment wider
// than a whole line is elided from the left.
func (t *termWriter) pack(indent int, segs ...seg) {
	pad := strings.Repeat(" ", indent)
	room := t.avail(indent)
	var line strings.Builder
	w := 0
	for _, s := range segs {
		if s.text == "" {
			continue
		}
		text := elideLeft(s.text, room)
		tw := textWidth(text)
		sep := " · "
		if s.tight {
			sep = " "
		}
		if w > 0 && w+textWidth(sep)+tw > room {
			t.printf("%s%s\n", pad, line.String())
			line.Reset()
			w = 0
		}
		if w > 0 {
			line.WriteString(sep)
			w += textWidth(sep)
		}
		line.WriteString(t.paint(s.sgr, text))
		w += tw
	}
	if w > 0 {
		t.printf("%s%s\n", pad, line.String())
	}
}

// labelWidth is the column of a labelled value inside a pattern block.
const labelWidth = 9

// prose writes escaped text under a label ("cause", "before"), wrapped;
// without a label it is wrapped at indent.
func (t *termWriter) prose(indent int, label, text string) {
	if text == "" {
		return
	}
	pad := strings.Repeat(" ", indent)
	lw := labelWidth
	if label == "" {
		lw = 0
	}
	lines := wrapWords(text, t.avail(indent+lw), maxProseLines)
	for i, l := range lines {
		head := strings.Repeat(" ", lw)
		if i == 0 {
			head = padRight(label, lw)
		}
		t.printf("%s%s%s\n", pad, head, l)
	}
}

// command writes a pasteable command line under a label. It is never
// elided or wrapped: when it does not fit after the label it goes whole
// on the next line, at column 0.
func (t *termWriter) command(indent int, label, line string) {
	if line == "" {
		return
	}
	pad := strings.Repeat(" ", indent)
	if textWidth(line) <= t.avail(indent+labelWidth) {
		t.printf("%s%s%s\n", pad, padRight(label, labelWidth), line)
		return
	}
	t.printf("%s%s\n%s\n", pad, strings.TrimRight(label, " "), line)
}

// padRight pads s with spaces to width columns.
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-textWidth(s)))
}

// renderTable writes the terminal report (see the comment above).
func renderTable(w *stickyWriter, r *Report, o Options) {
	t := newTermWriter(w, o)
	st, sum := r.Stats, r.Summary
	ps := patternsOf(r)

	if sum.Findings == 0 && len(ps) == 0 {
		t.pack(0, seg{text: "No findings: no failed call matched in what was read."})
	} else {
		t.pack(0, seg{text: "denytrail: " + plural(int64(patternTotal(ps, sum)), "finding", "findings") +
			" in " + plural(int64(len(ps)), "pattern", "patterns") + ","}, seg{text: spanText(sum.FirstSeen, sum.LastSeen, ""), tight: true})
	}
	if n := skippedCount(st); n > 0 {
		t.prose(0, "warning:", plural(n, "input or record", "inputs or records")+
			" could not be read: the counts may be short ("+termEscape(skippedDetail(st))+").")
	}
	for _, m := range warnings(r) {
		t.prose(0, "warning:", termEscape(m))
	}

	groups := layerGroups(ps)
	if len(groups) > 0 {
		parts := make([]seg, 0, len(groups)+1)
		parts = append(parts, seg{text: "Blocked by:"})
		for _, g := range groups {
			parts = append(parts, seg{text: termEscape(layerName(g.layer)) + " " + strconv.Itoa(g.findings), sgr: layerSGR(string(g.layer)), tight: len(parts) == 1})
		}
		t.pack(0, parts...)
	}

	notes := patternNotes(r)
	day := "" // the one day every finding falls on, which blocks then leave out
	if a, b := sum.FirstSeen.UTC().Format(time.DateOnly), sum.LastSeen.UTC().Format(time.DateOnly); a == b && !sum.FirstSeen.IsZero() {
		day = a
	}
	for _, g := range groups {
		t.printf("\n")
		t.pack(0, seg{text: termEscape(layerName(g.layer)) + ":", sgr: layerSGR(string(g.layer))},
			seg{text: plural(int64(g.findings), "finding", "findings") + " in " + plural(int64(len(g.patterns)), "pattern", "patterns"), tight: true})
		for i, p := range g.patterns {
			if i == maxBlocksPerLayer && !o.Wide {
				rest := g.patterns[i:]
				n := 0
				for _, p := range rest {
					n += p.Count
				}
				t.prose(2, "", "… and "+plural(int64(len(rest)), "more pattern", "more patterns")+" ("+
					plural(int64(n), "finding", "findings")+"; --wide lists them all)")
				break
			}
			t.patternBlock(p, notes[p.ID], day)
		}
	}

	if o.Findings || o.Wide {
		t.findings(r)
	}

	if sum.Findings > 0 || len(ps) > 0 {
		t.printf("\nSummary\n")
		t.pack(2, seg{text: plural(int64(sum.Findings), "finding", "findings") + ","},
			seg{text: plural(int64(sum.Principals), "principal", "principals") + ",", tight: true},
			seg{text: plural(int64(sum.Buckets), "bucket", "buckets") + ";", tight: true},
			seg{text: "confidence " + confidenceText(sum), tight: true})
	} else {
		t.printf("\n")
	}
	t.pack(2, seg{text: "read " + plural(int64(len(st.Sources)), "source", "sources") + ","},
		seg{text: plural(st.Inputs, "input", "inputs") + " (" + HumanBytes(st.Bytes) + "),", tight: true},
		seg{text: plural(st.Records, "record", "records") + ",", tight: true},
		seg{text: plural(st.Failed, "failed call", "failed calls") + " kept;", tight: true},
		seg{text: "time range " + windowText(st), tight: true})
	if len(st.Sources) > 0 {
		srcs := make([]string, len(st.Sources))
		for i, s := range st.Sources {
			srcs[i] = termEscape(s)
		}
		t.prose(2, "sources", elideRight(strings.Join(srcs, ", "), 3*t.avail(2+labelWidth)))
	}
	if sum.Findings > 0 && !o.Findings && !o.Wide {
		t.prose(2, "", "Every finding: --findings (a table), or --format csv, json or markdown.")
	}

	t.prose(2, "integrity", termEscape(IntegrityText(st.Integrity)))

	t.problems("Integrity problems", integrityProblems(st.Integrity))
	t.problems("Skipped", st.Skipped)
	t.problems("Notes", st.Notes)
}

// patternTotal is the number of findings the patterns stand for: their
// counts, which stay exact when the report holds only a sample of the
// findings.
func patternTotal(ps []classify.Pattern, sum Summary) int {
	n := 0
	for _, p := range ps {
		n += p.Count
	}
	return max(n, sum.Findings)
}

// patternBlock writes one pattern: counts, who did what on what, the
// cause, the change before it, the first next command and the pointer to
// explain.
func (t *termWriter) patternBlock(p classify.Pattern, n patternNote, day string) {
	const indent = 5
	head := []seg{{text: strconv.Itoa(p.Count) + "× " + termEscape(orDash(string(p.Control)))}}
	if n.confidence != "" {
		head = append(head, seg{text: termEscape(string(n.confidence)), sgr: confidenceSGR(string(n.confidence))})
	}
	head = append(head, seg{text: spanText(p.FirstSeen, p.LastSeen, day)}, seg{text: "pattern " + termEscape(p.ID)})
	t.pack(2, head...)
	t.pack(indent, seg{text: termEscape(principalName(p.Principal))}, seg{text: termEscape(p.Action)},
		seg{text: termEscape(resourceName(p.Resource))})
	cause := p.Cause
	if cause == "" {
		cause = n.cause
	}
	t.prose(indent, "cause", termEscape(cause))
	t.prose(indent, "before", changeShort(n.beforeChange, day))
	t.prose(indent, "stopped", changeShort(n.stoppedChange, day))
	if c, ok := nextCommand(p.Commands); ok {
		t.command(indent, string(c.Kind), termEscape(c.Line))
	}
	if t.opts.Explain != nil {
		t.command(indent, "explain", termEscape(t.opts.Explain(p.ID)))
	}
}

// nextCommand is the first check command, else the first command.
func nextCommand(cs []classify.Command) (classify.Command, bool) {
	for _, c := range cs {
		if c.Kind == classify.Check && c.Line != "" {
			return c, true
		}
	}
	for _, c := range cs {
		if c.Line != "" {
			return c, true
		}
	}
	return classify.Command{}, false
}

// layerGroup is the patterns of one layer.
type layerGroup struct {
	layer    classify.Layer
	findings int
	patterns []classify.Pattern
}

// layerGroups groups patterns (already largest first) by layer, the layer
// with the most findings first (ties in classify.Layers() order).
func layerGroups(ps []classify.Pattern) []layerGroup {
	var gs []layerGroup
	idx := map[classify.Layer]int{}
	for _, p := range ps {
		i, ok := idx[p.Layer]
		if !ok {
			i = len(gs)
			idx[p.Layer] = i
			gs = append(gs, layerGroup{layer: p.Layer})
		}
		gs[i].findings += p.Count
		gs[i].patterns = append(gs[i].patterns, p)
	}
	rank := func(l classify.Layer) int {
		if i := slices.Index(classify.Layers(), l); i >= 0 {
			return i
		}
		return len(classify.Layers())
	}
	slices.SortStableFunc(gs, func(a, b layerGroup) int {
		return cmp.Or(cmp.Compare(b.findings, a.findings), cmp.Compare(rank(a.layer), rank(b.layer)), strings.Compare(string(a.layer), string(b.layer)))
	})
	return gs
}

// findings writes the findings, at most MaxFindingRows of them: two
// packed lines each, or with Wide one line of aligned columns in full.
func (t *termWriter) findings(r *Report) {
	fs := r.Findings
	total := max(r.Summary.Findings, len(fs))
	t.printf("\nFindings (%d)\n", total)
	shown := fs[:min(len(fs), MaxFindingRows)]
	if t.width == 0 {
		rows := [][]string{{"TIME", "LAYER/CONTROL", "CONF", "PRINCIPAL", "ACTION", "RESOURCE", "ERROR CODE", "PATTERN"}}
		for _, f := range shown {
			rows = append(rows, []string{timeText(f.EventTime), termEscape(orDash(layerText(f))), termEscape(orDash(string(f.Confidence))),
				termEscape(orDash(f.Principal)), termEscape(orDash(actionText(f))), termEscape(orDash(resourceText(f))),
				termEscape(orDash(f.ErrorCode)), termEscape(orDash(f.Pattern))})
		}
		t.columns(rows)
	} else {
		for _, f := range shown {
			t.pack(2, seg{text: timeText(f.EventTime)}, seg{text: termEscape(orDash(layerText(f))), sgr: layerSGR(string(f.Layer))},
				seg{text: termEscape(orDash(string(f.Confidence))), sgr: confidenceSGR(string(f.Confidence))},
				seg{text: termEscape(orDash(f.ErrorCode))})
			t.pack(4, seg{text: termEscape(principalName(f.Principal))}, seg{text: termEscape(actionText(f))},
				seg{text: termEscape(resourceName(resourceText(f)))})
		}
	}
	if left := total - len(shown); left > 0 {
		t.prose(2, "", "… and "+plural(int64(left), "more finding", "more findings")+": all of them are in --format csv or json.")
	}
}

// columns writes rows (the first is the header) as a table in full,
// with tablewriter: with --wide nothing is cut, so its box-drawn columns
// are what a wide terminal or a pager shows best. Cells are escaped
// already.
func (t *termWriter) columns(rows [][]string) {
	tb := tablewriter.NewTable(t.stickyWriter,
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	header := make([]any, len(rows[0]))
	for i, h := range rows[0] {
		header[i] = h
	}
	tb.Header(header...)
	for _, row := range rows[1:] {
		if err := tb.Append(row); err != nil {
			t.printf("%v\n", err)
			return
		}
	}
	if err := tb.Render(); err != nil {
		t.printf("%v\n", err)
	}
}

// problems writes a list of skipped inputs or notes, at most maxListed.
func (t *termWriter) problems(title string, ps []Problem) {
	if len(ps) == 0 {
		return
	}
	t.printf("\n%s (%d):\n", title, len(ps))
	for i, p := range ps {
		if i == maxListed {
			t.prose(2, "", "... and "+strconv.Itoa(len(ps)-maxListed)+" more (all of them are in --format json)")
			break
		}
		t.prose(2, "", termEscape(p.Input)+": "+termEscape(p.Reason))
	}
}

func confidenceText(sum Summary) string {
	parts := make([]string, 0, len(sum.Confidence))
	for _, c := range sum.Confidence {
		name := string(c.Confidence)
		if name == "" {
			name = "unset"
		}
		parts = append(parts, strconv.Itoa(c.Findings)+" "+termEscape(name))
	}
	return strings.Join(parts, ", ")
}

// spanText is a time range, the second time without its date when both
// fall on the same day ("2026-11-26 13:45:42Z to 15:12:51Z"), and neither
// with a date when that day is day.
func spanText(first, last time.Time, day string) string {
	a, b := first.UTC(), last.UTC()
	date := "2006-01-02 "
	if a.Format(time.DateOnly) == day && b.Format(time.DateOnly) == day {
		date = ""
	}
	switch {
	case first.IsZero() && last.IsZero():
		return ""
	case first.Equal(last) || last.IsZero():
		return a.Format(date + "15:04:05Z")
	case first.IsZero():
		return "until " + timeText(last)
	case a.Format(time.DateOnly) == b.Format(time.DateOnly):
		return a.Format(date+"15:04:05Z") + " to " + b.Format("15:04:05Z")
	}
	return timeText(a) + " to " + timeText(b)
}

// principalName is a principal ARN as a readable name with its account:
// "etl-batch (role, 111122223333)", "alice (user, 111122223333)". Other
// strings are returned as they are.
func principalName(s string) string {
	rest, ok := strings.CutPrefix(s, "arn:")
	parts := strings.SplitN(rest, ":", 5) // partition, service, region, account, resource
	if !ok || len(parts) < 5 || (parts[1] != "iam" && parts[1] != "sts") {
		return orDash(s)
	}
	acct, res := parts[3], parts[4]
	kind, path, _ := strings.Cut(res, "/")
	switch kind {
	case "root":
		return "root (account " + acct + ")"
	case "assumed-role":
		role, session, _ := strings.Cut(path, "/")
		if session != "" {
			return role + " (role, " + acct + ", session " + session + ")"
		}
		return role + " (role, " + acct + ")"
	case "role", "user", "federated-user", "group":
		name := path
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			name = path[i+1:]
		}
		if name == "" {
			break
		}
		return name + " (" + strings.ReplaceAll(kind, "-", " ") + ", " + acct + ")"
	}
	return orDash(s)
}

// resourceName is a resource for a line: a KMS key or alias ARN as
// "key/ID (region, account)", anything else as it is.
func resourceName(s string) string {
	rest, ok := strings.CutPrefix(s, "arn:")
	parts := strings.SplitN(rest, ":", 5)
	if !ok || len(parts) < 5 || parts[1] != "kms" {
		return orDash(s)
	}
	return parts[4] + " (" + parts[2] + ", " + parts[3] + ")"
}
