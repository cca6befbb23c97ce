package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/denytrail/denytrail/classify"
)

// jsonHead is the JSON document, {"summary", "patterns", "stats",
// "incidents", "findings"}, without its findings, which follow it. Every list is an
// array, never null, so consumers need no null checks.
type jsonHead struct {
	Summary  Summary            `json:"summary"`
	Patterns []classify.Pattern `json:"patterns"`
	Stats    Stats              `json:"stats"`
	// Incidents are the failed calls that were retried, identical
	// retries collapsed (those of Report.Incidents with a count above 1).
	Incidents []Incident `json:"incidents"`
}

// renderJSON writes one indented document, escaped by encoding/json and
// jsonSafe: the summary, patterns and stats of r, then the findings all
// yields, one at a time (by findingJSON), as encoding the whole document
// at once would.
func renderJSON(w *stickyWriter, r *Report, all iter.Seq2[classify.Finding, error]) error {
	head, err := jsonHeadOf(r)
	if err != nil {
		return err
	}
	fj := findingJSON{b: head, prefix: "    ", indent: "  "}
	n := 0
	for f, err := range all {
		if err != nil {
			w.Write(fj.b)
			return err
		}
		if n > 0 {
			fj.b = append(fj.b, ',')
		}
		fj.b = append(fj.b, "\n    "...)
		if err := fj.appendFinding(normalize(f)); err != nil {
			w.Write(fj.b)
			return fmt.Errorf("finding %q: %w", f.EventID, err)
		}
		fj.b = flushFull(w, fj.b)
		n++
	}
	if n > 0 {
		fj.b = append(fj.b, "\n  "...)
	}
	fj.b = append(fj.b, "]\n}\n"...)
	w.Write(fj.b)
	return nil
}

// jsonHeadOf is the JSON document of r up to its findings: the summary,
// patterns, stats and incidents, then the opening of the findings' list.
func jsonHeadOf(r *Report) ([]byte, error) {
	st := r.Stats
	st.Sources = orEmpty(st.Sources)
	st.Skipped = orEmpty(st.Skipped)
	st.Notes = orEmpty(st.Notes)
	st.Suppressed = orEmpty(st.Suppressed)
	sum := r.Summary
	sum.Layers = orEmpty(sum.Layers)
	sum.Confidence = orEmpty(sum.Confidence)
	patterns := r.Patterns
	if patterns == nil && len(r.Findings) > 0 {
		patterns = classify.Patterns(r.Findings) // built without New
	}
	patterns = slices.Clone(orEmpty(patterns))
	for i := range patterns {
		patterns[i].Examples = orEmpty(patterns[i].Examples)
		patterns[i].Commands = orEmpty(patterns[i].Commands)
	}
	incidents := []Incident{}
	for _, inc := range r.Incidents {
		if inc.Count > 1 { // a call tried once is just its finding
			inc.Finding = normalize(inc.Finding)
			inc.SampleEventIDs = orEmpty(inc.SampleEventIDs)
			incidents = append(incidents, inc)
		}
	}
	var head bytes.Buffer
	if err := writeJSON(&head, jsonHead{Summary: sum, Patterns: patterns, Stats: st, Incidents: incidents}); err != nil {
		return nil, err
	}
	// Open the document's last object again for the findings.
	return append(bytes.TrimSuffix(head.Bytes(), []byte("\n}\n")), ",\n  \"findings\": ["...), nil
}

// writeJSON writes v as one indented JSON document, HTML-escaped and made
// safe for a terminal by jsonSafe.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(buf.Bytes()))
	return err
}

// renderNDJSON writes exactly one finding per line and nothing else; no
// findings is no output. No value holds a raw newline, so lines and
// findings correspond one to one.
func renderNDJSON(w *stickyWriter, all iter.Seq2[classify.Finding, error]) error {
	var fj findingJSON
	for f, err := range all {
		if err != nil {
			w.Write(fj.b)
			return err
		}
		if err := fj.appendFinding(normalize(f)); err != nil {
			w.Write(fj.b)
			return fmt.Errorf("finding %q: %w", f.EventID, err)
		}
		fj.b = append(fj.b, '\n')
		fj.b = flushFull(w, fj.b)
	}
	w.Write(fj.b)
	return nil
}

// normalize returns f with nil lists made empty, so they encode as [].
func normalize(f classify.Finding) classify.Finding {
	f.Evidence = orEmpty(f.Evidence)
	f.Related = orEmpty(f.Related)
	f.RecipientAccounts = orEmpty(f.RecipientAccounts)
	f.Changes = orEmpty(f.Changes)
	f.Commands = orEmpty(f.Commands)
	return f
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
