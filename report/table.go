package report

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// Column widths of the findings table, in characters: wide enough for the
// usual values (a 12-digit account ARN with a role name, s3:PutObject,
// AccessDenied), narrow enough that a row fits a wide terminal.
const (
	widthLayer      = 34
	widthConfidence = 8
	widthPrincipal  = 46
	widthAction     = 28
	widthResource   = 48
	widthError      = 26
	widthList       = 160 // a line of the skipped and notes lists
	maxListed       = 20  // skipped inputs or notes listed before "and N more"
)

// renderTable writes the terminal report: what was read, the patterns
// (largest first), the summary per layer, then every finding. Every log-derived string passes
// through termEscape before clip, so no control byte reaches the terminal
// and no value can break a row.
func renderTable(w *stickyWriter, r *Report) error {
	st, sum := r.Stats, r.Summary

	w.printf("denytrail report\n")
	w.printf("read:     %s, %s (%s), %s, %s kept\n",
		plural(int64(len(st.Sources)), "source", "sources"),
		plural(st.Inputs, "input", "inputs"), humanBytes(st.Bytes),
		plural(st.Records, "record", "records"),
		plural(st.Failed, "failed call", "failed calls"))
	if len(st.Sources) > 0 {
		srcs := make([]string, len(st.Sources))
		for i, s := range st.Sources {
			srcs[i] = termEscape(s)
		}
		w.printf("sources:  %s\n", clip(strings.Join(srcs, ", "), widthList))
	}
	w.printf("time range: %s\n", windowText(st))
	if n := len(st.Skipped); n > 0 {
		w.printf("skipped:  %s (listed below)\n", plural(int64(n), "input or record", "inputs or records"))
	}
	w.printf("\n")

	if sum.Findings == 0 {
		w.printf("No findings: no failed call matched in what was read.\n")
	} else {
		w.printf("%s, %s, %s, %s to %s; confidence: %s\n",
			plural(int64(sum.Findings), "finding", "findings"),
			plural(int64(sum.Principals), "principal", "principals"),
			plural(int64(sum.Buckets), "bucket", "buckets"),
			timeText(sum.FirstSeen), timeText(sum.LastSeen), confidenceText(sum))
		if err := patternsTable(w, r); err != nil {
			return err
		}
		w.printf("\n")
		if err := summaryTable(w, sum); err != nil {
			return err
		}
		w.printf("\n")
		if err := findingsTable(w, r); err != nil {
			return err
		}
	}

	problemList(w, "Skipped", st.Skipped)
	problemList(w, "Notes", st.Notes)
	for _, m := range warnings(r) {
		w.printf("\nwarning: %s\n", termEscape(m))
	}
	return nil
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

func newTable(w *stickyWriter, align []tw.Align) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignLeft, PerColumn: align}),
	)
}

func summaryTable(w *stickyWriter, sum Summary) error {
	t := newTable(w, []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft})
	t.Header("LAYER", "FINDINGS", "PRINCIPALS", "BUCKETS", "FIRST SEEN", "LAST SEEN")
	for _, l := range sum.Layers {
		name := termEscape(string(l.Layer))
		if name == "" {
			name = "-"
		}
		if err := t.Append([]string{
			clip(name, widthLayer),
			strconv.Itoa(l.Findings), strconv.Itoa(l.Principals), strconv.Itoa(l.Buckets),
			timeText(l.FirstSeen), timeText(l.LastSeen),
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

func findingsTable(w *stickyWriter, r *Report) error {
	t := newTable(w, nil)
	t.Header("TIME", "LAYER/CONTROL", "CONF", "PRINCIPAL", "ACTION", "BUCKET/KEY OR KMS KEY", "ERROR CODE")
	for _, f := range r.Findings {
		if err := t.Append([]string{
			timeText(f.EventTime),
			cell(layerText(f), widthLayer),
			cell(string(f.Confidence), widthConfidence),
			cellARN(f.Principal, widthPrincipal),
			cell(actionText(f), widthAction),
			cellARN(resourceText(f), widthResource),
			cell(f.ErrorCode, widthError),
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

// cell is s escaped for the terminal and clipped to width, or "-" if empty.
func cell(s string, width int) string {
	if s == "" {
		return "-"
	}
	return clip(termEscape(s), width)
}

// cellARN is like cell for values that may be ARNs (see clipARN).
func cellARN(s string, width int) string {
	if s == "" {
		return "-"
	}
	return clipARN(termEscape(s), width)
}

func problemList(w *stickyWriter, title string, ps []Problem) {
	if len(ps) == 0 {
		return
	}
	w.printf("\n%s (%d):\n", title, len(ps))
	for i, p := range ps {
		if i == maxListed {
			w.printf("  ... and %d more (all of them are in --format json)\n", len(ps)-maxListed)
			break
		}
		w.printf("  %s\n", clip(termEscape(p.Input)+": "+termEscape(p.Reason), widthList))
	}
}

// clipARN shortens an ARN to at most width characters for a column: it
// drops the constant "arn:aws:" first, then clips the middle of the resource
// part, keeping service, Region and account whole. Other strings are
// clipped as by clip.
func clipARN(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	rest, ok := strings.CutPrefix(s, "arn:")
	parts := strings.SplitN(rest, ":", 5) // partition, service, region, account, resource
	if !ok || len(parts) < 5 {
		return clip(s, width)
	}
	prefix := parts[1] + ":" + parts[2] + ":" + parts[3] + ":"
	if parts[0] != "aws" {
		prefix = "arn:" + parts[0] + ":" + prefix
	}
	short := prefix + parts[4]
	switch n := utf8.RuneCountInString(prefix); {
	case utf8.RuneCountInString(short) <= width:
		return short
	case n > width*2/3:
		return clip(short, width)
	default:
		return prefix + clip(parts[4], width-n)
	}
}

// clip shortens s to at most width characters by replacing its middle with
// "…", keeping the start and the (usually more telling) end of ARNs and keys.
func clip(s string, width int) string {
	n := utf8.RuneCountInString(s)
	if n <= width || width < 5 {
		return s
	}
	r := []rune(s)
	head := (width - 1) * 2 / 5
	tail := width - 1 - head
	return string(r[:head]) + "…" + string(r[n-tail:])
}
