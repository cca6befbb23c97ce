package classify

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRecordBinary: a record's binary form gives the record and its
// finding back, and sorts as bytes by event time (the unknown time first),
// then origin.
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
		ev := mustParse(t, b)
		r := NewRecord(ev, Judge(ev), origin)
		bin, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var back Record
		if err := back.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		f, err := back.finding(new([]byte))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f, *r.f) {
			t.Errorf("%s: read back the finding %+v, want %+v", when, f, *r.f)
		}
		keys := r
		keys.f, back.body = nil, ""
		if !reflect.DeepEqual(back, keys) {
			t.Errorf("%s: read back %+v, want %+v", when, back, keys)
		}
		recs, bins = append(recs, r), append(bins, bin)
	}
	order := func(a, b Record) int {
		return cmp.Or(a.t.Compare(b.t), cmp.Compare(len(a.origin()), len(b.origin())), strings.Compare(a.origin(), b.origin()))
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

// TestRecordBinaryEveryField: every field of a record's finding comes back
// from its binary form, so that a field added to Finding cannot be lost
// on its way through the sort unnoticed.
func TestRecordBinaryEveryField(t *testing.T) {
	var f Finding
	v := reflect.ValueOf(&f).Elem()
	for i := range v.NumField() {
		field, sf := v.Field(i), v.Type().Field(i)
		if !sf.IsExported() {
			if sf.Type != reflect.TypeFor[recordInfo]() || sf.Type.NumField() != 2 {
				t.Fatalf("Finding.%s (%s): the record's binary form does not hold it", sf.Name, sf.Type)
			}
			f.rec = recordInfo{sharedEventID: "shared", viaS3: true}
			continue
		}
		switch x := field.Addr().Interface().(type) {
		case *time.Time:
			*x = time.Date(2026, 11, 26, 10, 0, 0, 5, time.UTC)
		case *[]string:
			*x = []string{sf.Name + " 1", "", sf.Name + " 3"}
		case *[]Command:
			*x = []Command{{Kind: Fix, Summary: "s", Argv: []string{"aws", "x y"}, Line: "aws 'x y'"}, {Kind: "other", Argv: []string{}}}
		case *[]Change:
			*x = []Change{} // a record's finding has none yet
		case **Integrity, *[]Finding:
			// nor these
		default:
			if field.Kind() != reflect.String {
				t.Fatalf("Finding.%s (%s): the record's binary form does not hold it", sf.Name, sf.Type)
			}
			field.SetString(sf.Name + " \x00é")
		}
	}
	f.Origin = "a/b.json.gz#12"
	for _, g := range []Finding{f, {EventTime: f.EventTime, Origin: "x"}} {
		r := recordOf(&g)
		r.f = &g
		bin, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		for way := range 2 {
			var back Record
			if way == 0 {
				err = back.UnmarshalBinary(bin)
			} else {
				err = back.UnmarshalBinaryAt(bin, &store{b: bin}, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.finding(new([]byte))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, g) {
				t.Errorf("way %d: read back\n%#v\nwant\n%#v", way, got, g)
			}
		}
		for n := range len(bin) - 4 { // a cut body is an error, not a finding
			cut := append(slices.Clone(bin[:n]), bin[len(bin)-4:]...)
			var back Record
			if back.UnmarshalBinary(cut) == nil {
				if _, err := back.finding(new([]byte)); err == nil {
					t.Errorf("the binary form cut at %d read as a finding", n)
				}
			}
		}
	}
	g := f
	g.Changes = []Change{{EventID: "c"}}
	r := recordOf(&g)
	r.f = &g
	if _, err := r.AppendBinary(nil); err == nil {
		t.Error("a finding with changes has a record's binary form")
	}
}
