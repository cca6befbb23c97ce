package history

import (
	"bytes"
	"testing"

	"github.com/denytrail/denytrail/classify"
)

// FuzzLoadAndCompare: any file either fails to load with an error naming
// it, or loads as a Day that passes check, encodes and decodes back to
// itself, and compared with itself finds nothing new, jumped or stopped,
// with every mean a count it holds.
func FuzzLoadAndCompare(f *testing.F) {
	good, err := encode(dayOf(day0, append(repeat(3, day0, classify.LayerKMS, "role/a", "b1"), repeat(7, day0, classify.LayerIAM, "role/b", "b2")...)...))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"version":1,"date":"2026-11-26","patterns":[{"id":"x","count":9223372036854775000}]}`))
	f.Add([]byte(`{"version":1,"date":"2026-11-26","findings":-1,"patterns":[{"id":"x","count":1},{"id":"x","count":2}]}`))
	f.Add([]byte(`{"version":1,"date":"2026-11-26","hourly":[{"hour":3,"layer":"iam","findings":1}],"untimed":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "h/2026-11-26.json"
		d, err := decodeMax(bytes.NewReader(data), name, "2026-11-26", 1<<16)
		if err != nil {
			if !bytes.Contains([]byte(err.Error()), []byte(name)) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if err := d.check(); err != nil {
			t.Fatalf("loaded a day that fails check: %v", err)
		}
		b, err := encode(d)
		if err != nil {
			t.Fatalf("a loaded day does not encode: %v", err)
		}
		d2, err := decode(bytes.NewReader(b), name, "2026-11-26")
		if err != nil {
			t.Fatalf("an encoded day does not load: %v\n%s", err, b)
		}
		b2, err := encode(d2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("encoding is not stable: %v\n%s\n%s", err, b, b2)
		}
		c := Compare(d, Baseline{Days: []*Day{d2}})
		if len(c.New)+len(c.Jumped)+len(c.Stopped) != 0 {
			t.Fatalf("a day compared with itself: new %v, jumped %v, stopped %v", ids(c.New), ids(c.Jumped), ids(c.Stopped))
		}
		for _, p := range d.Patterns {
			if c.Status[p.ID] != StatusOngoing {
				t.Fatalf("pattern %q: status %q, want ongoing", p.ID, c.Status[p.ID])
			}
		}
		empty := &Day{Version: Version, Date: d.Date, Patterns: []classify.Pattern{}}
		c = Compare(empty, Baseline{Days: []*Day{d, d2}})
		if len(c.Stopped) != len(d.Patterns) {
			t.Fatalf("stopped %d of %d patterns", len(c.Stopped), len(d.Patterns))
		}
		for _, ch := range c.Stopped {
			if ch.Mean != float64(ch.Pattern.Count) || ch.DaysSeen != 2 {
				t.Fatalf("stopped %+v: want the mean of two equal days, seen on both", ch)
			}
		}
	})
}
