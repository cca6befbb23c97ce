package report

import (
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/denytrail/denytrail/classify"
)

// Widths of the patterns table's free-text columns.
const (
	maxPatterns  = 50 // patterns listed in the table and Markdown formats
	widthPattern = 12
)

// patternNote is what the human formats say about a pattern beyond its
// counts: the change before its first denial, and the change after which
// its denials stopped, each as raw text (the caller escapes it).
type patternNote struct {
	before, stopped string
	// short forms for the terminal, already escaped (see changeShort)
	beforeShort, stoppedShort string
	remediation               string // of the pattern's first finding
}

// patternNotes collects, per pattern ID, the changes its findings carry
// and the remediation of its first finding.
func patternNotes(r *Report) map[string]patternNote {
	notes := map[string]patternNote{}
	first := map[string]time.Time{}
	for _, f := range r.Findings {
		id := f.Pattern
		if id == "" {
			id = classify.PatternKey(f)
		}
		n, seen := notes[id]
		if !seen || f.EventTime.Before(first[id]) {
			first[id] = f.EventTime
			n.remediation = f.Remediation
			for _, c := range f.Changes {
				if c.Relation == classify.ChangeBefore {
					n.before = changeText(c)
					n.beforeShort = changeShort(c)
				}
			}
		}
		for _, c := range f.Changes {
			if c.Relation == classify.ChangeStopped {
				n.stopped = changeText(c)
				n.stoppedShort = changeShort(c)
			}
		}
		notes[id] = n
	}
	return notes
}

// changeShort is a change for a terminal line, escaped: without its
// target (the pattern's row names the resource), the principal clipped.
func changeShort(c classify.Change) string {
	s := cell(c.EventName, widthAction) + " at " + timeText(c.EventTime) + " by " + cellARN(c.Principal, widthPrincipal)
	switch c.Relation {
	case classify.ChangeBefore:
		if c.Lead != "" {
			s += ", " + cell(c.Lead, 16) + " before the first denial"
		}
	case classify.ChangeStopped:
		if c.Lead != "" {
			s += "; the last denial " + cell(c.Lead, 16) + " later"
		}
	}
	return s
}

// changesCell is the "what changed" cell of a pattern: the change before
// its first denial, else the change after which it stopped.
func (n patternNote) changesCell() string {
	switch {
	case n.before != "" && n.stopped != "":
		return "before: " + n.before + "; stopped after: " + n.stopped
	case n.before != "":
		return "before: " + n.before
	case n.stopped != "":
		return "stopped after: " + n.stopped
	}
	return ""
}

// patternsOf returns the report's patterns, computed when the report was
// built without New.
func patternsOf(r *Report) []classify.Pattern {
	if r.Patterns == nil && len(r.Findings) > 0 {
		return classify.Patterns(r.Findings)
	}
	return r.Patterns
}

// patternsTable writes the patterns of a terminal report, the largest
// first; every log-derived value passes through termEscape (cell).
func patternsTable(w *stickyWriter, r *Report) error {
	ps := patternsOf(r)
	notes := patternNotes(r)
	w.printf("%s, the largest first:\n", plural(int64(len(ps)), "pattern", "patterns"))
	t := newTable(w, []tw.Align{tw.AlignRight})
	t.Header("COUNT", "LAYER/CONTROL", "ROLE", "ACTION", "RESOURCE", "FIRST SEEN", "LAST SEEN", "PATTERN")
	var changed []string
	for i, p := range ps {
		if i == maxPatterns {
			break
		}
		if err := t.Append([]string{
			strconv.Itoa(p.Count),
			cell(layerText(classify.Finding{Layer: p.Layer, Control: p.Control}), widthLayer),
			cellARN(p.Principal, widthPrincipal),
			cell(p.Action, widthAction),
			cellARN(p.Resource, widthResource),
			timeText(p.FirstSeen), timeText(p.LastSeen),
			cell(p.ID, widthPattern),
		}); err != nil {
			return err
		}
		n := notes[p.ID]
		if n.beforeShort != "" {
			changed = append(changed, termEscape(p.ID)+" before: "+n.beforeShort)
		}
		if n.stoppedShort != "" {
			changed = append(changed, termEscape(p.ID)+" stopped after: "+n.stoppedShort)
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(ps) > maxPatterns {
		w.printf("... and %d more patterns (all of them are in --format json)\n", len(ps)-maxPatterns)
	}
	if len(changed) > 0 {
		w.printf("What changed:\n")
		for _, c := range changed {
			w.printf("  %s\n", c)
		}
	}
	return nil
}

// markdownPatterns writes the patterns section of the Markdown report:
// a table, then what changed and what to do for each pattern.
func markdownPatterns(w *stickyWriter, r *Report) {
	ps := patternsOf(r)
	notes := patternNotes(r)
	w.printf("\n## Patterns (%d)\n\n", len(ps))
	w.printf("Findings with the same layer, control, role, action and resource, the largest first.\n\n")
	w.printf("| Count | Layer/control | Role | Action | Resource | First seen | Last seen | What changed | Pattern |\n")
	w.printf("|--:|---|---|---|---|---|---|---|---|\n")
	for i, p := range ps {
		if i == maxPatterns {
			w.printf("\n... and %d more patterns (all of them are in the JSON output)\n", len(ps)-maxPatterns)
			break
		}
		mdRow(w, strconv.Itoa(p.Count), layerText(classify.Finding{Layer: p.Layer, Control: p.Control}), p.Principal,
			p.Action, p.Resource, timeText(p.FirstSeen), timeText(p.LastSeen), notes[p.ID].changesCell(), p.ID)
	}
}
