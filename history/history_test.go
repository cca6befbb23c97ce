package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

var day0 = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// finding returns a finding of layer at the given time, for principal and
// bucket; id is its event ID.
func finding(id string, at time.Time, layer classify.Layer, principal, bucket string) classify.Finding {
	return classify.Finding{
		EventID: id, EventTime: at, EventSource: "s3.amazonaws.com", EventName: "PutObject",
		ErrorCode: "AccessDenied", Principal: principal, Bucket: bucket, Key: "k",
		Layer: layer, Control: classify.ControlIdentityPolicy, Confidence: classify.Low,
	}
}

// dayOf summarizes findings as a run of the day of date would.
func dayOf(date time.Time, fs ...classify.Finding) *Day {
	return NewDay(date, fs, classify.Patterns(fs))
}

// repeat returns n findings of the same pattern on date, an hour apart from 01:00.
func repeat(n int, date time.Time, layer classify.Layer, principal, bucket string) []classify.Finding {
	var out []classify.Finding
	for i := range n {
		at := date.Add(time.Hour + time.Duration(i)*time.Minute)
		out = append(out, finding(principal+bucket+at.Format(time.RFC3339), at, layer, principal, bucket))
	}
	return out
}

func TestNewDay(t *testing.T) {
	at := func(h, m int) time.Time { return day0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	fs := []classify.Finding{
		finding("a", at(5, 10), classify.LayerKMS, "role/a", "b1"),
		finding("b", at(5, 59), classify.LayerIAM, "role/a", "b1"),
		finding("c", at(5, 30), classify.LayerKMS, "role/a", "b1"),
		finding("d", at(23, 59), classify.Layer("future-layer"), "role/b", "b2"),
		finding("e", time.Time{}, classify.LayerIAM, "role/b", "b2"),            // no event time
		finding("f", day0.Add(-time.Second), classify.LayerIAM, "role/b", "b2"), // the day before
	}
	// Any time of the day, in any zone, names the same day.
	d := NewDay(at(13, 0).In(time.FixedZone("x", -11*3600)), fs, classify.Patterns(fs))
	if d.Date != "2026-11-26" || d.Version != Version || d.Findings != 6 || d.Untimed != 2 {
		t.Errorf("date %q version %d findings %d untimed %d", d.Date, d.Version, d.Findings, d.Untimed)
	}
	wantLayers := []LayerCount{{classify.LayerIAM, 3}, {classify.LayerKMS, 2}, {"future-layer", 1}}
	if !reflect.DeepEqual(d.Layers, wantLayers) {
		t.Errorf("layers %v, want %v", d.Layers, wantLayers)
	}
	wantHours := []HourCount{{5, classify.LayerIAM, 1}, {5, classify.LayerKMS, 2}, {23, "future-layer", 1}}
	if !reflect.DeepEqual(d.Hourly, wantHours) {
		t.Errorf("hourly %v, want %v", d.Hourly, wantHours)
	}
	if len(d.Patterns) != len(classify.Patterns(fs)) {
		t.Errorf("%d patterns, want %d", len(d.Patterns), len(classify.Patterns(fs)))
	}

	empty := NewDay(day0, nil, nil)
	b, err := json.Marshal(empty)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"patterns":[]`)) || !bytes.Contains(b, []byte(`"hourly":[]`)) {
		t.Errorf("an empty day must encode empty lists, not null: %s", b)
	}
}

func TestDirRoundTripAndReplace(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	s := NewDir(dir)
	d := dayOf(day0, repeat(3, day0, classify.LayerKMS, "role/a", "b1")...)
	d.Sources = []string{"s3://trail/AWSLogs/"}
	d.Skipped = 1
	if err := s.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, day0.Add(17*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip changed the day:\n got %+v\nwant %+v", got, d)
	}
	first, err := os.ReadFile(s.Path(day0))
	if err != nil {
		t.Fatal(err)
	}

	// Saving the same day again gives the same bytes (a re-run is
	// idempotent); saving other content replaces the file.
	if err := s.Save(ctx, d); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(s.Path(day0))
	if !bytes.Equal(first, again) {
		t.Errorf("re-saving the same day changed the file")
	}
	d2 := dayOf(day0, repeat(1, day0, classify.LayerIAM, "role/z", "b9")...)
	if err := s.Save(ctx, d2); err != nil {
		t.Fatal(err)
	}
	got, err = s.Load(ctx, day0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d2) {
		t.Errorf("the second save did not replace the first: %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "2026-11-26.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only 2026-11-26.json (no temporary files left)", names)
	}
	if fi, _ := os.Stat(s.Path(day0)); fi.Mode().Perm() != 0o600 { // 0600 less the umask
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestDirMissing(t *testing.T) {
	_, err := NewDir(t.TempDir()).Load(context.Background(), day0)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing day: %v, want fs.ErrNotExist", err)
	}
}

func TestSaveRejectsBadDay(t *testing.T) {
	s := NewDir(t.TempDir())
	for _, d := range []*Day{
		{Version: Version, Date: "26/11/2026"},
		{Version: Version, Date: "2026-11-26", Patterns: []classify.Pattern{{ID: "", Count: 1}}},
	} {
		if err := s.Save(context.Background(), d); err == nil {
			t.Errorf("saved %+v", d)
		}
	}
}

// TestCorrupt: every damaged file is an error that names the file and
// says what is wrong; none panics or reads as a day.
func TestCorrupt(t *testing.T) {
	good, err := encode(dayOf(day0, repeat(2, day0, classify.LayerKMS, "role/a", "b1")...))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, data, want string
	}{
		{"empty", "", "empty file"},
		{"not json", "this is not JSON", "invalid JSON at offset 2"},
		{"truncated", string(good[:len(good)/2]), "truncated"},
		{"trailing data", string(good) + "{}", "unexpected data after the summary"},
		{"array", "[1,2]", "unexpected array"},
		{"wrong type", `{"version":1,"date":"2026-11-26","findings":"many"}`, "unexpected string for findings"},
		{"no version", `{"date":"2026-11-26"}`, "no version"},
		{"newer version", `{"version":99,"date":"2026-11-26"}`, "format version 99 is newer"},
		{"other day", strings.Replace(string(good), "2026-11-26", "2026-11-25", 1), `holds the summary of "2026-11-25"`},
		{"bad pattern", `{"version":1,"date":"2026-11-26","patterns":[{"id":"x","count":0}]}`, "pattern 0"},
		{"bad hour", `{"version":1,"date":"2026-11-26","hourly":[{"hour":24,"layer":"iam","findings":1}]}`, "hourly entry 0"},
		{"pattern count near 2^63", `{"version":1,"date":"2026-11-26","patterns":[{"id":"x","count":9223372036854775000}]}`, "pattern 0: no id or a count of 9223372036854775000"},
		{"absurd pattern count", `{"version":1,"date":"2026-11-26","patterns":[{"id":"x","count":1099511627777}]}`, "pattern 0"},
		{"negative findings", `{"version":1,"date":"2026-11-26","findings":-1}`, "findings count -1 is out of range"},
		{"negative skipped", `{"version":1,"date":"2026-11-26","skipped":-5}`, "skipped count -5 is out of range"},
		{"huge untimed", `{"version":1,"date":"2026-11-26","untimed":9223372036854775807}`, "untimed count 9223372036854775807 is out of range"},
		{"negative layer", `{"version":1,"date":"2026-11-26","layers":[{"layer":"iam","findings":-3}]}`, "layer entry 0: count -3"},
		{"negative hour count", `{"version":1,"date":"2026-11-26","hourly":[{"hour":3,"layer":"iam","findings":-1}]}`, "hourly entry 0"},
	}
	dir := t.TempDir()
	s := NewDir(dir)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(s.Path(day0), []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := s.Load(context.Background(), day0)
			if err == nil {
				t.Fatalf("loaded %+v", d)
			}
			if errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a damaged file must not read as missing: %v", err)
			}
			if !strings.Contains(err.Error(), s.Path(day0)) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name the file and %q", err, c.want)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	const limit = 1 << 10
	good, err := encode(dayOf(day0, repeat(2, day0, classify.LayerKMS, "role/a", "b1")...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeMax(bytes.NewReader(good), "ok.json", "2026-11-26", int64(len(good))); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	// Too large, whether the excess is inside the document or after it.
	inside := io.MultiReader(strings.NewReader(`{"version":1,"date":"2026-11-26","sources":["`),
		io.LimitReader(repeatReader('a'), limit), strings.NewReader(`"]}`))
	after := io.MultiReader(bytes.NewReader(good), io.LimitReader(repeatReader(' '), limit))
	for name, r := range map[string]io.Reader{"inside": inside, "after": after} {
		_, err := decodeMax(r, "big.json", "2026-11-26", max(limit, int64(len(good))))
		if err == nil || !strings.Contains(err.Error(), "big.json: larger than") {
			t.Errorf("%s: oversized file: %v", name, err)
		}
	}
}

type repeatReader byte

func (c repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}
