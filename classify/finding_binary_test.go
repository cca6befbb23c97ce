package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/internal/fill"
)

// filled is a finding whose every exported field is set (fill.Filler).
func filled(t testing.TB) Finding {
	t.Helper()
	var f Finding
	if err := (fill.Filler{}).Fill(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// filledWith is a finding whose every string is s.
func filledWith(t testing.TB, s string) Finding {
	t.Helper()
	var f Finding
	if err := (fill.Filler{String: func() string { return s }}).Fill(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

// zeroFields names the exported fields of v (a struct) that are zero,
// recursively through lists and pointers, but for the Records of records,
// which fill.Filler leaves alone.
func zeroFields(v reflect.Value, path string) []string {
	var out []string
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			break
		}
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				p := path + "." + sf.Name
				if v.Field(i).IsZero() && !(sf.Name == "Records" && strings.Contains(path, ".Records[")) {
					out = append(out, p)
				}
				out = append(out, zeroFields(v.Field(i), p)...)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			out = append(out, zeroFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			out = append(out, zeroFields(v.Elem(), path)...)
		}
	}
	return out
}

// roundTrip is f through its binary form.
func roundTrip(t testing.TB, f Finding) Finding {
	t.Helper()
	b, err := f.AppendBinary([]byte("prefix"))
	if err != nil {
		t.Fatalf("AppendBinary: %v", err)
	}
	if string(b[:6]) != "prefix" {
		t.Fatalf("AppendBinary did not append: %q", b[:6])
	}
	var back Finding
	if err := back.UnmarshalBinary(b[6:]); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	return back
}

// exported is f without what only the engine reads, which the binary form
// (like the JSON) leaves out.
func exported(f Finding) Finding {
	f.rec = recordInfo{}
	for i := range f.Records {
		f.Records[i] = exported(f.Records[i])
	}
	return f
}

// TestFindingBinaryEveryField: a finding whose every exported field is set
// (one level of records included) comes back equal, field for field; so
// does one with nothing set. A field added to Finding (or Command, Change,
// Integrity) that Finding.fields does not visit comes back zero and fails
// this test.
func TestFindingBinaryEveryField(t *testing.T) {
	f := filled(t)
	if z := zeroFields(reflect.ValueOf(f), "Finding"); len(z) > 0 {
		t.Fatalf("fill left fields zero: %v", z)
	}
	if back := roundTrip(t, f); !reflect.DeepEqual(back, f) {
		t.Errorf("read back\n%+v\nwant\n%+v\nzero after: %v", back, f, zeroFields(reflect.ValueOf(back), "Finding"))
	}
	if back := roundTrip(t, Finding{}); !reflect.DeepEqual(back, Finding{}) {
		t.Errorf("zero finding read back as %+v", back)
	}
}

// TestFindingBinaryLists: nil and empty lists stay apart, at every level,
// and so do a nil and a set Integrity with an empty reason.
func TestFindingBinaryLists(t *testing.T) {
	for _, f := range []Finding{
		{Evidence: []string{}, Commands: []Command{{Argv: []string{}}, {}}, Related: nil, Changes: []Change{}, RecipientAccounts: []string{""}},
		{Records: []Finding{}, Integrity: &Integrity{Status: "verified"}},
		{Records: []Finding{{Evidence: []string{}}, {Commands: []Command{{Argv: nil}}}}},
		{Integrity: &Integrity{}},
	} {
		if back := roundTrip(t, f); !reflect.DeepEqual(back, f) {
			t.Errorf("read back %#v\nwant %#v", back, f)
		}
	}
}

// TestFindingBinaryTimes: event times come back as the same instant in the
// same zone, at the edges of what JSON can write and beyond.
func TestFindingBinaryTimes(t *testing.T) {
	for _, at := range []time.Time{
		{},
		time.Date(2026, 11, 26, 10, 0, 0, 1, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", 5*3600+30*60)),
		time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", -7*3600-15)), // LMT-like: time.Time's own binary form gets it wrong
		time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", 23*3600+59*60+59)),
		time.Unix(1764151200, 0).UTC(),
	} {
		f := Finding{EventTime: at, Changes: []Change{{EventTime: at}}}
		back := roundTrip(t, f)
		for i, got := range []time.Time{back.EventTime, back.Changes[0].EventTime} {
			_, off := got.Zone()
			_, want := at.Zone()
			if !got.Equal(at) || off != want || got.IsZero() != at.IsZero() || (at.Location() == time.UTC) != (got.Location() == time.UTC) {
				t.Errorf("time %d: %v read back as %v", i, at, got)
			}
		}
		if at.Location() == time.UTC && !reflect.DeepEqual(back, f) {
			t.Errorf("%v: read back %#v", at, back)
		}
	}
}

// judgedFindings are the findings of the message corpus's records, judged.
func judgedFindings(t testing.TB) []Finding {
	t.Helper()
	files, err := filepath.Glob("testdata/messages/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no records in testdata/messages: %v", err)
	}
	var out []Finding
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, NewFinding(ev, Judge(ev), file+"#1"))
	}
	return out
}

// TestFindingBinaryJudged: the findings the judge makes of real messages
// come back equal, alone and as the records of an incident.
func TestFindingBinaryJudged(t *testing.T) {
	fs := judgedFindings(t)
	for _, f := range fs {
		want := exported(f)
		if back := roundTrip(t, f); !reflect.DeepEqual(back, want) {
			t.Errorf("%s: read back\n%#v\nwant\n%#v", f.Origin, back, want)
		}
	}
	inc := fs[0]
	inc.Records = fs
	if back, want := roundTrip(t, inc), exported(inc); !reflect.DeepEqual(back, want) {
		t.Errorf("incident read back with other records")
	}
}

// jsonRoundTrip is s through encoding/json and back.
func jsonRoundTrip(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back string
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// hostileStrings are strings with every kind of byte a string can hold.
var hostileStrings = []string{
	"", "plain", "\xff", "a\xffb", "\xed\xa0\x80", "\xf0\x9f\x98", "\xc0\xaf", "\x80\x80\x80", "€\xe2\x82",
	"\u2028\u2029", "\ufffd", "\x00\x1b[31m\x7f", "<>&\"\\", "\u202e\u200b", "😀", strings.Repeat("\xfe", 300),
}

// TestFindingBinaryInvalidUTF8: strings that are not valid UTF-8 come back
// as from a JSON round trip, in every string of the finding.
func TestFindingBinaryInvalidUTF8(t *testing.T) {
	for _, s := range hostileStrings {
		back := roundTrip(t, filledWith(t, s))
		want := filledWith(t, jsonRoundTrip(t, s))
		if !reflect.DeepEqual(back, want) {
			t.Errorf("%q read back as %q (JSON gives %q)", s, back.EventID, want.EventID)
		}
	}
}

// TestFindingBinaryBad: every cut of a finding's binary form, and bytes
// that are not one, are an error, not a panic or a huge allocation.
func TestFindingBinaryBad(t *testing.T) {
	inc := judgedFindings(t)[0]
	inc.Records = judgedFindings(t)[:3]
	b, err := inc.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var f Finding
		if err := f.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes read as a finding", n, len(b))
		}
		if !reflect.DeepEqual(f, Finding{}) {
			t.Fatalf("a failed read left %+v", f)
		}
	}
	for _, bad := range []string{"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "\x00\x10", "\x00\xff\xff\xff\xff\x0f",
		string(b) + "x"} {
		var f Finding
		if err := f.UnmarshalBinary([]byte(bad)); err == nil {
			t.Errorf("%q read as a finding", bad)
		}
	}
}

// FuzzFindingBinary: a finding made of the fuzzer's strings, lists (nil,
// empty or not) and times comes back through its binary form with its
// strings as through a JSON round trip;
// any bytes either are read as a finding that writes back as the same
// bytes' finding, or are an error.
func FuzzFindingBinary(f *testing.F) {
	f.Add("a\x00b\x00\xff\x00\u2028", uint64(0), []byte{})
	f.Add("", uint64(1<<40), []byte{0, 1, 2})
	inc := judgedFindings(f)[0]
	inc.Records = judgedFindings(f)[:2]
	b, err := inc.AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("x", uint64(7), b)
	f.Fuzz(func(t *testing.T, in string, shape uint64, raw []byte) {
		// Two findings from the same strings and list lengths, the second's
		// strings through JSON.
		filler := func(str func(string) string) Finding {
			parts := strings.Split(in, "\x00")
			k, bits := 0, shape
			var f Finding
			err := (fill.Filler{
				String: func() string { k++; return str(parts[k%len(parts)]) },
				Time:   func() time.Time { k++; return time.Unix(int64(shape>>(k%24)), int64(k)).UTC() },
				Len:    func() int { bits = bits>>2 | bits<<62; return int(bits&3) - 1 },
			}).Fill(&f)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		fin := filler(func(s string) string { return s })
		want := filler(func(s string) string { return jsonRoundTrip(t, s) })
		if back := roundTrip(t, fin); !reflect.DeepEqual(back, want) {
			t.Fatalf("read back\n%#v\nwant\n%#v", back, want)
		}

		var got Finding
		if err := got.UnmarshalBinary(raw); err != nil {
			return
		}
		b, err := got.AppendBinary(nil)
		if err != nil {
			return // a time whose zone the time package writes no binary form of
		}
		var again Finding
		if err := again.UnmarshalBinary(b); err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("read %#v, wrote it, read back %#v (%v)", got, again, err)
		}
	})
}
