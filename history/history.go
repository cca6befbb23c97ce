// Package history keeps what daily reports found, one small JSON file per
// UTC day, so that a report can say what is new today without a database:
// a directory on disk or a prefix in S3 is enough.
//
// A Day is the summary of one day's scan: its denial patterns with counts
// and first and last seen, findings per layer and per hour. A Store saves
// and loads Days, one file per date, replacing the file of a date that is
// saved again (re-running a day is idempotent). LoadBaseline reads the days
// before a date, reporting missing and unreadable files instead of failing,
// and Compare says which patterns are new, which stopped and which jumped.
package history

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// Version is the format version of the Day files this package writes. Load
// reads files of this version and below; a file from a newer denytrail is
// reported as unreadable rather than misread.
const Version = 1

// MaxFileSize bounds the size of a Day file that Load reads. Patterns are
// grouped by principal, action and bucket or key, so a day's file is
// usually a few kilobytes; a larger file is not one this package wrote.
const MaxFileSize = 32 << 20

// DateLayout is the layout of dates in file names and in Day.Date.
const DateLayout = time.DateOnly

// Day is the summary of one UTC day's denials.
type Day struct {
	// Version is the file format version (see Version).
	Version int `json:"version"`
	// Date is the day, YYYY-MM-DD in UTC.
	Date string `json:"date"`
	// Sources are the sources the day was scanned from.
	Sources []string `json:"sources"`
	// Findings counts the day's findings.
	Findings int `json:"findings"`
	// Skipped counts the inputs and records that could not be read: when it
	// is not zero, the counts may be short and a "stopped" pattern may just
	// be unread.
	Skipped int `json:"skipped"`
	// Layers counts the findings per layer, in classify.Layers() order
	// (layers outside that list follow in name order).
	Layers []LayerCount `json:"layers"`
	// Hourly counts the findings per hour of the day and layer: only
	// non-zero counts, by hour, then in Layers order.
	Hourly []HourCount `json:"hourly"`
	// Untimed counts the findings without an event time on this day (no
	// parsable eventTime), which Hourly leaves out.
	Untimed int `json:"untimed,omitempty"`
	// Patterns are the day's patterns, by count (highest first), then ID.
	Patterns []classify.Pattern `json:"patterns"`
	// Suppressed counts, per suppression rule that muted any, the
	// findings it muted (which Findings and Patterns leave out).
	Suppressed []Suppressed `json:"suppressed,omitempty"`
}

// Suppressed is what one suppression rule muted on a day.
type Suppressed struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// LayerCount is the number of findings in one layer.
type LayerCount struct {
	Layer    classify.Layer `json:"layer"`
	Findings int            `json:"findings"`
}

// HourCount is the number of findings in one layer during one hour.
type HourCount struct {
	// Hour is the hour of the day, 0 to 23 (UTC).
	Hour     int            `json:"hour"`
	Layer    classify.Layer `json:"layer"`
	Findings int            `json:"findings"`
}

// Midnight returns the start (00:00 UTC) of the UTC day that holds t.
func Midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NewDay summarizes the findings of the UTC day that holds date. patterns
// are the findings' patterns (classify.Patterns of findings), passed in so
// that a caller that already grouped them does not group them twice.
// Sources and Skipped are left for the caller to fill.
func NewDay(date time.Time, findings []classify.Finding, patterns []classify.Pattern) *Day {
	counts := map[TimeCount]int{}
	for _, f := range findings {
		counts[TimeCount{Hour: f.EventTime.UTC().Truncate(time.Hour), Layer: f.Layer}]++
	}
	tcs := make([]TimeCount, 0, len(counts))
	for tc, n := range counts {
		tc.Findings = n
		tcs = append(tcs, tc)
	}
	return NewDayCounts(date, tcs, patterns)
}

// TimeCount is the number of findings of one layer in one hour of event
// time: what NewDayCounts needs of them, for callers that do not hold the
// findings.
type TimeCount struct {
	// Hour is the start of the hour in UTC, the zero Time for findings
	// without an event time.
	Hour     time.Time
	Layer    classify.Layer
	Findings int
}

// NewDayCounts is NewDay from the findings' counts per hour and layer.
func NewDayCounts(date time.Time, counts []TimeCount, patterns []classify.Pattern) *Day {
	start := Midnight(date)
	d := &Day{
		Version:  Version,
		Date:     start.Format(DateLayout),
		Sources:  []string{},
		Layers:   []LayerCount{},
		Hourly:   []HourCount{},
		Patterns: slices.Clone(patterns),
	}
	if d.Patterns == nil {
		d.Patterns = []classify.Pattern{}
	}
	layers := map[classify.Layer]int{}
	hours := map[HourCount]int{} // keyed with Findings zero
	for _, c := range counts {
		d.Findings += c.Findings
		layers[c.Layer] += c.Findings
		t := c.Hour.UTC()
		if t.IsZero() || t.Before(start) || !t.Before(start.AddDate(0, 0, 1)) {
			d.Untimed += c.Findings
			continue
		}
		hours[HourCount{Hour: t.Hour(), Layer: c.Layer}] += c.Findings
	}
	rank := layerRank()
	for l, n := range layers {
		d.Layers = append(d.Layers, LayerCount{Layer: l, Findings: n})
	}
	slices.SortFunc(d.Layers, func(a, b LayerCount) int { return compareLayers(rank, a.Layer, b.Layer) })
	for h, n := range hours {
		h.Findings = n
		d.Hourly = append(d.Hourly, h)
	}
	slices.SortFunc(d.Hourly, func(a, b HourCount) int {
		return cmp.Or(cmp.Compare(a.Hour, b.Hour), compareLayers(rank, a.Layer, b.Layer))
	})
	return d
}

// layerRank maps each known layer to its report position.
func layerRank() map[classify.Layer]int {
	rank := map[classify.Layer]int{}
	for i, l := range classify.Layers() {
		rank[l] = i
	}
	return rank
}

// compareLayers orders known layers as classify.Layers() does, then
// unknown ones by name.
func compareLayers(rank map[classify.Layer]int, a, b classify.Layer) int {
	ra, okA := rank[a]
	rb, okB := rank[b]
	switch {
	case okA && okB:
		return cmp.Compare(ra, rb)
	case okA:
		return -1
	case okB:
		return 1
	}
	return cmp.Compare(a, b)
}

// encode returns the file contents for d: indented JSON and a newline.
func encode(d *Day) ([]byte, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the summary of %s: %w", d.Date, err)
	}
	return append(b, '\n'), nil
}

// decode reads a Day file of date from r, which name identifies in errors.
func decode(r io.Reader, name, date string) (*Day, error) {
	return decodeMax(r, name, date, MaxFileSize)
}

// decodeMax is decode with a size limit of limit bytes.
func decodeMax(r io.Reader, name, date string, limit int64) (*Day, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	var d Day
	if err := dec.Decode(&d); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("%s: larger than %d bytes: not a history file", name, limit)
		}
		return nil, fmt.Errorf("%s: %w", name, describeJSONError(err, dec.InputOffset()))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: unexpected data after the summary at offset %d", name, dec.InputOffset())
	}
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a history file", name, limit)
	}
	switch {
	case d.Version == 0:
		return nil, fmt.Errorf("%s: no version: not a denytrail history file", name)
	case d.Version > Version:
		return nil, fmt.Errorf("%s: format version %d is newer than this denytrail reads (%d): upgrade denytrail", name, d.Version, Version)
	case d.Date != date:
		return nil, fmt.Errorf("%s: holds the summary of %q, not of %s", name, d.Date, date)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &d, nil
}

// MaxCount bounds every count a Day file may hold. No day of CloudTrail
// holds a trillion denials: a larger (or negative) count is damage or
// tampering, and would distort every comparison made with it.
const MaxCount = 1 << 40

// check rejects summaries that no run could have produced, so that a
// damaged file is reported rather than compared.
func (d *Day) check() error {
	if _, err := time.Parse(DateLayout, d.Date); err != nil {
		return fmt.Errorf("date %q is not YYYY-MM-DD", d.Date)
	}
	bad := func(n int) bool { return n < 0 || n > MaxCount }
	switch {
	case bad(d.Findings):
		return fmt.Errorf("findings count %d is out of range (0 to %d)", d.Findings, MaxCount)
	case bad(d.Skipped):
		return fmt.Errorf("skipped count %d is out of range (0 to %d)", d.Skipped, MaxCount)
	case bad(d.Untimed):
		return fmt.Errorf("untimed count %d is out of range (0 to %d)", d.Untimed, MaxCount)
	}
	for i, l := range d.Layers {
		if bad(l.Findings) {
			return fmt.Errorf("layer entry %d: count %d is out of range (0 to %d)", i, l.Findings, MaxCount)
		}
	}
	ids := make(map[string]bool, len(d.Patterns))
	for i, p := range d.Patterns {
		if p.ID == "" || p.Count <= 0 || p.Count > MaxCount {
			return fmt.Errorf("pattern %d: no id or a count of %d (want 1 to %d)", i, p.Count, MaxCount)
		}
		if ids[p.ID] {
			return fmt.Errorf("pattern %d: id %q appears twice", i, p.ID)
		}
		ids[p.ID] = true
	}
	for i, sp := range d.Suppressed {
		if bad(sp.Count) {
			return fmt.Errorf("suppressed entry %d: count %d is out of range (0 to %d)", i, sp.Count, MaxCount)
		}
	}
	for i, h := range d.Hourly {
		if h.Hour < 0 || h.Hour > 23 || bad(h.Findings) {
			return fmt.Errorf("hourly entry %d: hour %d, %d findings", i, h.Hour, h.Findings)
		}
	}
	return nil
}

// describeJSONError says what is wrong with a file that did not decode,
// naming the offset: invalid JSON, or a read that failed.
func describeJSONError(err error, offset int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at offset %d: %w", se.Offset, err)
	case errors.As(err, &te):
		return fmt.Errorf("unexpected %s for %s at offset %d", te.Value, strings.TrimPrefix(te.Field, "."), te.Offset)
	case errors.Is(err, io.EOF):
		return errors.New("empty file")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated at offset %d", offset)
	}
	return fmt.Errorf("reading failed at offset %d: %w", offset, err)
}
