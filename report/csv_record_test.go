package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// csvWriterRecord is what appendCSVRecord must write: encoding/csv's
// Writer's record, which renderCSV used until appendCSVRecord.
func csvWriterRecord(t testing.TB, fields []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(fields); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return b.String()
}

// csvFieldCases are fields every rule of the Writer's quoting applies to.
func csvFieldCases() []string {
	return append([]string{
		"", "a", "a,b", `"`, `say "hi"`, `""`, "\r", "\n", "a\r\nb", `\.`, `\.x`, `x\.`, " lead", "\tlead", "\u00a0nbsp",
		"\u0085nel", "\u2028", "\u3000ideographic", "trail ", "'=1+1", "=cmd", "\xff", "\xa0", ",", "\"\",,\r\n",
	}, append(hostileJSONStrings(),
		// Past csvSpecial's byte loop, a special byte at the start, middle and end.
		strings.Repeat("a", 40), strings.Repeat("b", 31)+",", strings.Repeat("c", 32)+`"`, "\n"+strings.Repeat("d", 40),
		strings.Repeat("e", 50)+"\r"+strings.Repeat("f", 50), " "+strings.Repeat("g", 40))...)
}

// TestCSVRecordAsWriter: every field, alone, beside others and as a whole
// row, is written as encoding/csv writes it.
func TestCSVRecordAsWriter(t *testing.T) {
	cases := csvFieldCases()
	for _, f := range cases {
		for _, row := range [][]string{{f}, {f, f}, {"x", f, "y"}} {
			if got, want := string(appendCSVRecord([]byte("x"), row))[1:], csvWriterRecord(t, row); got != want {
				t.Fatalf("%q: %q, want %q", row, got, want)
			}
		}
	}
	if got, want := string(appendCSVRecord(nil, cases)), csvWriterRecord(t, cases); got != want {
		t.Fatalf("all cases: %q, want %q", got, want)
	}
}

// TestRenderCSVAsWriter: the CSV of many findings, past several flushes,
// is what encoding/csv wrote from csvCell's cells.
func TestRenderCSVAsWriter(t *testing.T) {
	fs := manyFindings(1000)
	var got bytes.Buffer
	if err := RenderAll(&got, CSV, fixtureReport(), Options{}, seq(fs, nil)); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	w := csv.NewWriter(&want)
	cols := csvColumns()
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.name
	}
	w.Write(row)
	for _, f := range fs {
		for j, c := range cols {
			row[j] = csvCell(c.value(&f))
		}
		w.Write(row)
	}
	w.Flush()
	if got.String() != want.String() {
		t.Fatalf("csv differs from encoding/csv's: %d bytes, want %d", got.Len(), want.Len())
	}
	if got.Len() < 2*flushAt {
		t.Errorf("%d bytes of csv: too few to flush more than once", got.Len())
	}
}

// FuzzCSVRecord: any fields, cut from the fuzzer's input at NUL bytes, are
// written as encoding/csv writes them.
func FuzzCSVRecord(f *testing.F) {
	f.Add(strings.Join(csvFieldCases(), "\x00"))
	f.Add(" \x00\\.\x00a\"b")
	f.Fuzz(func(t *testing.T, in string) {
		row := strings.Split(in, "\x00")
		if got, want := string(appendCSVRecord(nil, row)), csvWriterRecord(t, row); got != want {
			t.Fatalf("%q: %q, want %q", row, got, want)
		}
	})
}
