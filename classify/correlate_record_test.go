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
		return cmp.Or(a.t.Compare(b.t), cmp.Compare(len(a.origin), len(b.origin)), strings.Compare(a.origin, b.origin), bytes.Compare(a.raw, b.raw))
	}
	byBytes := slices.Clone(bins)
	slices.SortFunc(byBytes, bytes.Compare)
	slices.SortFunc(recs, order)
	for i := range recs {
		var r Record
		if err := r.UnmarshalBinary(byBytes[i]); err != nil {
			t.Fatal(err)
		}
		if !r.t.Equal(recs[i].t) || r.origin != recs[i].origin {
			t.Errorf("record %d by bytes: %v %s, want %v %s", i, r.t, r.origin, recs[i].t, recs[i].origin)
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
