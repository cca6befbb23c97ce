// Package report aggregates findings and renders them as a terminal table,
// JSON, NDJSON, CSV or Markdown. Renderers see findings and scan statistics,
// never raw records, and escape every log-derived string for their format.
package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
	"github.com/denytrail/denytrail/integrity"
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

// ProblemCount is how many skipped inputs and records share a reason.
type ProblemCount struct {
	// Reason is the reason without its position.
	Reason string `json:"reason"`
	// Count is how many.
	Count int64 `json:"count"`
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
	// Skipped names inputs and records that could not be read, or were
	// read only in part: the first of each input's, within a bound, so that
	// bad input cannot make the report grow without limit.
	Skipped []Problem `json:"skipped"`
	// SkippedCount counts every input and record that could not be read or
	// was read only in part, named in Skipped or not.
	SkippedCount int64 `json:"skippedCount,omitzero"`
	// SkippedUnnamed counts, by reason, those Skipped does not name.
	SkippedUnnamed []ProblemCount `json:"skippedUnnamed,omitempty"`
	// PartialInputs counts the inputs an error ended after some records:
	// those records were kept.
	PartialInputs int64 `json:"partialInputs,omitzero"`
	// Notes lists inputs passed over on purpose (digest and Insights files,
	// findings muted by suppression rules).
	Notes []Problem `json:"notes"`
	// Suppressed lists, per suppression rule, how many findings it muted.
	Suppressed []Suppression `json:"suppressed"`
	// Integrity is what --verify found (nil without it).
	Integrity *integrity.Summary `json:"integrity,omitempty"`
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
// the aggregate of it. Build it with New (every finding) or a Builder (a
// bounded sample) so that Summary and Patterns match Findings.
//
// Summary, Patterns and Hourly always count every finding. Findings holds
// every finding, or, for a report too large to hold (see Builder), a
// sample of them: the first finding of every pattern and of the first
// Incidents, in event-time order; Omitted counts the findings it leaves
// out. The formats that list every finding (NDJSON, CSV and JSON) stream
// them instead: see RenderAll.
type Report struct {
	Stats    Stats
	Findings []classify.Finding
	Summary  Summary
	// Patterns groups the findings by layer, control, role, action and
	// resource, the largest first (classify.Patterns).
	Patterns []classify.Pattern
	// Incidents collapse identical retries (see Incident), in event-time
	// order of their first finding; at most the Builder's limit of them.
	Incidents []Incident
	// Omitted counts the findings of Summary and Patterns that Findings
	// leaves out.
	Omitted int
	// Hourly counts the findings per hour of event time and layer.
	Hourly []history.TimeCount
}

// Incident is one failed call retried: the findings of the same pattern,
// principal, action, resource and error message, counted once. Finding is
// the first of them; the JSON keys are the finding's, and count,
// firstSeen, lastSeen and sampleEventIDs.
type Incident struct {
	classify.Finding
	// Count is the number of findings collapsed into the incident.
	Count int `json:"count"`
	// FirstSeen and LastSeen bound their event times.
	FirstSeen time.Time `json:"firstSeen,omitzero"`
	LastSeen  time.Time `json:"lastSeen,omitzero"`
	// SampleEventIDs are the event IDs of the first few of them.
	SampleEventIDs []string `json:"sampleEventIDs"`
}

// maxSampleEventIDs is how many event IDs an Incident lists.
const maxSampleEventIDs = 5

// DefaultLimit is the number of incidents a Builder keeps by default.
const DefaultLimit = 200

// incidentKey is what identical retries share.
func incidentKey(f *classify.Finding) string {
	pattern := f.Pattern
	if pattern == "" {
		pattern = classify.PatternKey(*f)
	}
	return strings.Join([]string{pattern, f.Principal, f.Action, resourceText(*f), f.ErrorMessage}, "\x00")
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
	b := NewBuilder(-1)
	for i := range sorted {
		b.Add(sorted[i])
	}
	return b.Report(stats)
}

// Builder builds a Report from findings handed over one at a time, in
// event-time order (then event ID), holding the aggregates, the first
// finding of each pattern and the first limit incidents: memory bounded
// by the patterns and the limit, not by the findings.
type Builder struct {
	limit     int
	n         int
	sum       summarizer
	patterns  classify.PatternSet
	first     map[string]int // pattern ID → index in kept
	kept      []classify.Finding
	incidents map[string]int // incident key → index in incs
	incs      []Incident
	hourly    map[history.TimeCount]int
}

// NewBuilder returns a builder that keeps at most limit incidents (every
// finding when limit is negative; DefaultLimit when 0).
func NewBuilder(limit int) *Builder {
	if limit == 0 {
		limit = DefaultLimit
	}
	return &Builder{limit: limit, first: map[string]int{}, incidents: map[string]int{}, hourly: map[history.TimeCount]int{}}
}

// Add counts a finding, setting its pattern ID when missing.
func (b *Builder) Add(f classify.Finding) {
	if f.Pattern == "" {
		f.Pattern = classify.PatternKey(f)
	}
	if b.limit >= 0 {
		f.Records = nil // a sample names its records in related, which is all renderers read
	}
	b.n++
	b.sum.add(&f)
	b.patterns.Add(&f)
	b.hourly[history.TimeCount{Hour: f.EventTime.UTC().Truncate(time.Hour), Layer: f.Layer}]++

	keep := b.limit < 0
	if _, ok := b.first[f.Pattern]; !ok {
		b.first[f.Pattern] = len(b.kept)
		keep = true
	}
	key := incidentKey(&f)
	if i, ok := b.incidents[key]; ok {
		inc := &b.incs[i]
		inc.Count++
		inc.SampleEventIDs = classify.Observe(&inc.FirstSeen, &inc.LastSeen, inc.SampleEventIDs, f.EventTime, f.EventID, maxSampleEventIDs)
	} else if b.limit < 0 || len(b.incs) < b.limit {
		b.incidents[key] = len(b.incs)
		b.incs = append(b.incs, Incident{Finding: f, Count: 1, FirstSeen: f.EventTime, LastSeen: f.EventTime,
			SampleEventIDs: []string{f.EventID}})
		keep = true
	}
	if keep {
		b.kept = append(b.kept, f)
	}
}

// Report returns the report of what was added. The builder may go on.
func (b *Builder) Report(stats Stats) *Report {
	r := &Report{
		Stats:     stats,
		Findings:  slices.Clone(b.kept),
		Summary:   b.sum.summary(),
		Patterns:  b.patterns.Patterns(),
		Incidents: slices.Clone(b.incs),
		Omitted:   b.n - len(b.kept),
		Hourly:    make([]history.TimeCount, 0, len(b.hourly)),
	}
	for i := range r.Incidents {
		r.Incidents[i].SampleEventIDs = slices.Clone(r.Incidents[i].SampleEventIDs)
	}
	for tc, n := range b.hourly {
		tc.Findings = n
		r.Hourly = append(r.Hourly, tc)
	}
	slices.SortFunc(r.Hourly, func(a, b history.TimeCount) int {
		return cmp.Or(a.Hour.Compare(b.Hour), cmp.Compare(a.Layer, b.Layer))
	})
	return r
}

// Each calls fn on every finding the builder keeps (those of Findings and
// Incidents), to complete them before Report (a scan attaches the changes
// found once every record is read).
func (b *Builder) Each(fn func(*classify.Finding)) {
	for i := range b.kept {
		fn(&b.kept[i])
	}
	for i := range b.incs {
		fn(&b.incs[i].Finding)
	}
}
