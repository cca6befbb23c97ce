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
// yields, one at a time, as encoding the whole document at once would.
func renderJSON(w *stickyWriter, r *Report, all iter.Seq2[classify.Finding, error]) error {
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
		return err
	}
	// Open the document's last object again for the findings.
	w.Write(bytes.TrimSuffix(head.Bytes(), []byte("\n}\n")))
	w.printf(",\n  \"findings\": [")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	enc.SetIndent("    ", "  ")
	n := 0
	for f, err := range all {
		if err != nil {
			return err
		}
		buf.Reset()
		if err := enc.Encode(normalize(f)); err != nil {
			return fmt.Errorf("finding %q: %w", f.EventID, err)
		}
		if n > 0 {
			w.printf(",")
		}
		w.printf("\n    ")
		w.Write(jsonSafe(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
		n++
	}
	if n > 0 {
		w.printf("\n  ")
	}
	w.printf("]\n}\n")
	return nil
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
// findings is no output. The encoder never emits a raw newline inside a
// value, so lines and findings correspond one to one.
func renderNDJSON(w *stickyWriter, all iter.Seq2[classify.Finding, error]) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	for f, err := range all {
		if err != nil {
			return err
		}
		buf.Reset()
		if err := enc.Encode(normalize(f)); err != nil {
			return fmt.Errorf("finding %q: %w", f.EventID, err)
		}
		if _, err := w.Write(jsonSafe(buf.Bytes())); err != nil {
			return err
		}
	}
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
