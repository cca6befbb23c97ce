package classify

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestRecordBinary: a record's binary form gives the record back, and
// sorts as bytes by event time (the unknown time first), then origin and
// raw JSON.
func TestRecordBinary(t *testing.T) {
	var recs []Record
	var bins [][]byte
	for i, when := range []string{at(3, 0), "", at(1, 30), at(1, 30), "2026-11-26T10:00:00.5Z", "9999-12-31T23:59:59Z", "0001-01-02T00:00:00Z"} {
		m := upload("u", when)
		if when == "" {
			delete(m, "eventTime")
		}
		b := raw(t, m)
		origin := []string{"b.json#1", "a.json#2"}[i%2]
		r := NewRecord(mustParse(t, b), b, origin)
		bin, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back Record
		if err := back.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, r) {
			t.Errorf("%s: read back %+v, want %+v", when, back, r)
		}
		recs, bins = append(recs, r), append(bins, bin)
	}
	order := func(a, b Record) int {
		return cmp.Or(a.t.Compare(b.t), cmp.Compare(len(a.origin()), len(b.origin())), strings.Compare(a.origin(), b.origin()), bytes.Compare(a.raw, b.raw))
	}
	byBytes := slices.Clone(bins)
	slices.SortFunc(byBytes, bytes.Compare)
	slices.SortFunc(recs, order)
	for i := range recs {
		var r Record
		if err := r.UnmarshalBinary(byBytes[i]); err != nil {
			t.Fatal(err)
		}
		if !r.t.Equal(recs[i].t) || r.origin() != recs[i].origin() {
			t.Errorf("record %d by bytes: %v %s, want %v %s", i, r.t, r.origin(), recs[i].t, recs[i].origin())
		}
	}
	if !recs[0].t.IsZero() {
		t.Errorf("first record at %v, want the unknown time first", recs[0].t)
	}
	for _, bad := range [][]byte{nil, []byte("short"), bins[0][:len(bins[0])-1], append(slices.Clone(bins[0][:20]), bins[0][len(bins[0])-4:]...)} {
		var r Record
		if err := r.UnmarshalBinary(bad); err == nil {
			t.Errorf("%q read as a record", bad)
		}
	}
}

// TestSplitOrigin checks that a split origin joins back byte for byte,
// compares as the whole string, and shares the file of a log's records.
func TestSplitOrigin(t *testing.T) {
	origins := []string{"a.json.gz#1533", "a.json.gz#2", "a.json.gz#10", "a.json.gz", "a.json.gz#", "a.json.gz#007",
		"a.json.gz#-1", "a.json.gz#+5", "a.json.gz#99999999999", "s3://b/k#1#2", "#0", "", "a.json.gz#0", "a.json.gzz#1",
		"a", "a#1", "a#12345678901", "a#12345", "a#12346x", "a#1234567890", "a#1234567890x", "a#1234567891", "a.json.gz#1x", "a.json.gz#1/more/of/a/longer/path.json.gz#3"}
	for _, o := range origins {
		file, pos := splitOrigin(o)
		if got := joinOrigin(file, pos); got != o {
			t.Errorf("splitOrigin(%q) = %q, %d: joins to %q", o, file, pos, got)
		}
		if got := string(appendOrigin(nil, file, pos)); got != string(appendString(nil, o)) {
			t.Errorf("appendOrigin(%q, %d) = %q, want %q", file, pos, got, appendString(nil, o))
		}
		for _, p := range origins {
			pfile, ppos := splitOrigin(p)
			if got, want := compareOrigins(file, pos, pfile, ppos), strings.Compare(o, p); got != want {
				t.Errorf("compareOrigins(%q, %q) = %d, want %d", o, p, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { compareOrigins("a.json.gz", 1533, "a.json.gz", 2) }); n != 0 {
		t.Errorf("compareOrigins allocates %v times", n)
	}
	if f1, _ := splitOrigin("x/y.json.gz#1"); f1 != "x/y.json.gz" {
		t.Errorf("splitOrigin kept %q as the file", f1)
	}
}
