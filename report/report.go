// Package report aggregates findings and renders them as a terminal table,
// JSON, NDJSON, CSV or Markdown. Renderers see findings and scan statistics,
// never raw records, and escape every log-derived string for their format.
package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// Problem is an input or record that could not be read, or a note about one
// that was deliberately passed over.
type Problem struct {
	// Input names what was skipped: a path, s3:// URL or cloudtrail:// URL,
	// with "#index" when a single record was skipped.
	Input string `json:"input"`
	// Reason says why, in one line.
	Reason string `json:"reason"`
}

// Stats describes what a scan read.
type Stats struct {
	Sources []string  `json:"sources"`
	Since   time.Time `json:"since,omitzero"`
	Until   time.Time `json:"until,omitzero"`
	// Inputs counts the inputs (files, objects, pages) read to the end.
	Inputs int64 `json:"inputs"`
	// Bytes counts the stored (possibly compressed) bytes read.
	Bytes int64 `json:"bytes"`
	// Records counts every record seen, matching or not.
	Records int64 `json:"records"`
	// Failed counts records with an errorCode that the filter kept.
	Failed int64 `json:"failed"`
	// S3DataEvents says whether any S3 data event (object-level call) was
	// seen; false over a large scan means the trail does not log them, so
	// PutObject denials cannot appear.
	S3DataEvents bool `json:"s3DataEventsSeen"`
	// Skipped lists inputs and records that could not be read.
	Skipped []Problem `json:"skipped"`
	// Notes lists inputs passed over on purpose (digest and Insights files,
	// findings muted by suppression rules).
	Notes []Problem `json:"notes"`
	// Suppressed lists, per suppression rule, how many findings it muted.
	Suppressed []Suppression `json:"suppressed"`
}

// Suppression is what one suppression rule muted in a scan.
type Suppression struct {
	Rule    string `json:"rule"`    // the rule's line and what it matches
	Reason  string `json:"reason"`  // why the denials are accepted
	Expires string `json:"expires"` // the rule's last day, YYYY-MM-DD
	Expired bool   `json:"expired"` // past its date: it muted nothing
	Count   int    `json:"count"`   // findings muted
}

// Report is everything a renderer needs: what was read, what was found and
// the aggregate of it. Build it with New so that Summary and Patterns match
// Findings.
type Report struct {
	Stats    Stats
	Findings []classify.Finding
	Summary  Summary
	// Patterns groups the findings by layer, control, role, action and
	// resource, the largest first (classify.Patterns).
	Patterns []classify.Pattern
}

// New returns the report of a scan: the findings, ordered by event time
// (then event ID) so that every rendering is deterministic whatever order
// the workers produced them in, each with its pattern ID (set when
// missing), their Summary and their Patterns. findings is not modified.
func New(stats Stats, findings []classify.Finding) *Report {
	sorted := slices.Clone(findings)
	slices.SortStableFunc(sorted, func(a, b classify.Finding) int {
		return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.EventID, b.EventID))
	})
	for i := range sorted {
		if sorted[i].Pattern == "" {
			sorted[i].Pattern = classify.PatternKey(sorted[i])
		}
	}
	return &Report{Stats: stats, Findings: sorted, Summary: Summarize(sorted), Patterns: classify.Patterns(sorted)}
}
