package report

import (
	"strconv"
	"strings"

	"github.com/denytrail/denytrail/classify"
)

// renderMarkdown writes a GitHub-flavoured Markdown report that leads with
// what to do: the layers that blocked calls, then the largest patterns
// with their cause and commands (in code blocks), then what was read, the
// patterns table (with what changed before them), a summary table, one
// section per layer with its findings and what to check next, and skipped
// inputs and notes. Every value in a table cell or list item passes
// through mdEscape (via mdRow and mdItem); commands go unescaped into code
// blocks (mdCodeBlock).
func renderMarkdown(w *stickyWriter, r *Report, o Options) {
	st, sum := r.Stats, r.Summary

	w.printf("# denytrail report\n\n")
	if ps := patternsOf(r); len(ps) > 0 {
		w.printf("**%s in %s**, %s. Blocked by: %s.\n\n", plural(int64(patternTotal(ps, sum)), "finding", "findings"),
			plural(int64(len(ps)), "pattern", "patterns"), mdEscape(spanText(sum.FirstSeen, sum.LastSeen, "")), mdEscape(blockedBy(ps)))
		w.printf("## What to do (the largest patterns first)\n\n")
		markdownActions(w, ps, patternNotes(r), o, "the patterns table below lists the first 50, the JSON output every one.")
	}
	w.printf("## What was read\n\n")
	if len(st.Sources) > 0 {
		w.printf("- Sources:\n")
		for _, s := range st.Sources {
			w.printf("  - %s\n", mdEscape(s))
		}
	}
	w.printf("- Read: %s (%s), %s, %s kept\n",
		plural(st.Inputs, "input", "inputs"), HumanBytes(st.Bytes),
		plural(st.Records, "record", "records"),
		plural(st.Failed, "failed call", "failed calls"))
	w.printf("- Time range: %s\n", mdEscape(windowText(st)))
	if t := skippedText(st); t != "" {
		w.printf("- Skipped: %s\n", mdEscape(t))
	}
	if t := IntegrityText(st.Integrity); t != "" {
		w.printf("- Integrity: %s\n", mdEscape(t))
	}
	for _, m := range warnings(r) {
		w.printf("\n> **Warning:** %s\n", mdEscape(m))
	}

	if sum.Findings > 0 {
		markdownPatterns(w, r)
	}
	w.printf("\n## Summary\n\n")
	if sum.Findings == 0 {
		w.printf("No findings: no failed call matched in what was read.\n")
	} else {
		w.printf("%s, %s, %s, from %s to %s. Confidence: %s.\n\n",
			plural(int64(sum.Findings), "finding", "findings"),
			plural(int64(sum.Principals), "principal", "principals"),
			plural(int64(sum.Buckets), "bucket", "buckets"),
			timeText(sum.FirstSeen), timeText(sum.LastSeen), mdEscape(confidenceText(sum)))
		w.printf("| Layer | Findings | Principals | Buckets | First seen | Last seen |\n")
		w.printf("|---|--:|--:|--:|---|---|\n")
		for _, l := range sum.Layers {
			mdRow(w, layerName(l.Layer), strconv.Itoa(l.Findings), strconv.Itoa(l.Principals),
				strconv.Itoa(l.Buckets), timeText(l.FirstSeen), timeText(l.LastSeen))
		}
		if r.Omitted > 0 {
			w.printf("\n%s\n", sampleText(r))
		}
		for _, l := range sum.Layers {
			markdownLayer(w, l, r.Findings)
		}
	}

	mdProblems(w, "Integrity problems", integrityProblems(st.Integrity))
	mdProblems(w, "Skipped inputs", st.Skipped)
	mdProblems(w, "Notes", st.Notes)
}

// markdownLayer writes the section of one layer.
func markdownLayer(w *stickyWriter, l LayerSummary, all []classify.Finding) {
	w.printf("\n## Layer: %s (%s)\n\n%s\n\n", mdEscape(layerName(l.Layer)),
		plural(int64(l.Findings), "finding", "findings"), layerAbout(l.Layer))
	w.printf("| Time | Control | Confidence | Principal | Action | Bucket/key | KMS key | Error code | Event ID |\n")
	w.printf("|---|---|---|---|---|---|---|---|---|\n")
	var remedies []string
	seen := map[string]bool{}
	for _, f := range all {
		if f.Layer != l.Layer {
			continue
		}
		mdRow(w, timeText(f.EventTime), string(f.Control), string(f.Confidence), f.Principal,
			actionText(f), objectText(f), f.KMSKey, f.ErrorCode, f.EventID)
		if f.Remediation != "" && !seen[f.Remediation] {
			seen[f.Remediation] = true
			remedies = append(remedies, f.Remediation)
		}
	}
	if len(remedies) == 0 {
		return
	}
	w.printf("\n### What to check next\n\n")
	for i, m := range remedies {
		if i == maxListed {
			w.printf("- ... and %d more (every finding's remediation is in the JSON output)\n", len(remedies)-maxListed)
			break
		}
		mdItem(w, m)
	}
}

func mdProblems(w *stickyWriter, title string, ps []Problem) {
	if len(ps) == 0 {
		return
	}
	w.printf("\n## %s (%d)\n\n", title, len(ps))
	for i, p := range ps {
		if i == maxListed {
			w.printf("- ... and %d more (all of them are in the JSON output)\n", len(ps)-maxListed)
			break
		}
		mdItem(w, p.Input+": "+p.Reason)
	}
}

// mdRow writes one table row; cells are raw values, escaped here.
func mdRow(w *stickyWriter, cells ...string) {
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" ")
		b.WriteString(mdEscape(c))
		b.WriteString(" |")
	}
	b.WriteString("\n")
	w.printf("%s", b.String())
}

// mdItem writes one list item of raw text, escaped here.
func mdItem(w *stickyWriter, s string) {
	w.printf("- %s\n", mdEscape(s))
}

// layerName is the layer's name, or "-" when a finding has none.
func layerName(l classify.Layer) string {
	if l == "" {
		return "-"
	}
	return string(l)
}
