package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// maxPatterns is how many patterns the Markdown tables list.
const maxPatterns = 50

// patternNote is what the human formats say about a pattern beyond its
// counts: the change before its first denial, and the change after which
// its denials stopped, each as raw text (the caller escapes it).
type patternNote struct {
	before, stopped string
	// the changes themselves, for the terminal's short form (changeShort)
	beforeChange, stoppedChange *classify.Change
	remediation                 string              // of the pattern's first finding
	confidence                  classify.Confidence // of the pattern's first finding
	cause                       string              // of the first finding that has one
}

// patternNotes collects, per pattern ID, the changes its findings carry
// and the remediation and confidence of its first finding.
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
			n.confidence = f.Confidence
			for _, c := range f.Changes {
				if c.Relation == classify.ChangeBefore {
					n.before = changeText(c)
					n.beforeChange = &c
				}
			}
		}
		if n.cause == "" {
			n.cause = f.Cause
		}
		for _, c := range f.Changes {
			if c.Relation == classify.ChangeStopped {
				n.stopped = changeText(c)
				n.stoppedChange = &c
			}
		}
		notes[id] = n
	}
	return notes
}

// changeShort is a change for a terminal line, escaped: without its
// target (the pattern's block names the resource), how long before the
// first denial (or after the last) first, the principal by name.
// Its time has no date when it falls on day.
func changeShort(c *classify.Change, day string) string {
	if c == nil {
		return ""
	}
	s := termEscape(orDash(c.EventName))
	if c.Relation == classify.ChangeBefore && c.Lead != "" {
		s += " " + termEscape(c.Lead) + " before the first denial"
	}
	at := timeText(c.EventTime)
	if day != "" && c.EventTime.UTC().Format(time.DateOnly) == day {
		at = c.EventTime.UTC().Format("15:04:05Z")
	}
	s += ", at " + at
	if c.Principal != "" {
		s += ", by " + termEscape(actorName(c.Principal))
	}
	if c.Relation == classify.ChangeStopped && c.Lead != "" {
		s += "; the last denial " + termEscape(c.Lead) + " later"
	}
	return s
}

// actorName is who made a change, for a short line: the session of an
// assumed role (usually the person, with SSO) and the role, or the
// readable principal name.
func actorName(arn string) string {
	if _, res, ok := strings.Cut(arn, ":assumed-role/"); ok && strings.HasPrefix(arn, "arn:") {
		if role, session, ok := strings.Cut(res, "/"); ok && session != "" {
			return session + " (role " + role + ")"
		}
	}
	return principalName(arn)
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
