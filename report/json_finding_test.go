package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/internal/fill"
)

// encoderJSON is what findingJSON must write: the finding through
// encoding/json (HTML-escaped, indented as asked) and jsonSafe, without the
// encoder's newline. The renderers wrote this until findingJSON.
func encoderJSON(f classify.Finding, prefix, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	enc.SetIndent(prefix, indent)
	if err := enc.Encode(normalize(f)); err != nil {
		return nil, err
	}
	return jsonSafe(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// indents are the indentations findingJSON is checked with: compact, the
// JSON document's, and one without a prefix.
var indents = [][2]string{{"", ""}, {"    ", "  "}, {"", "\t"}}

// checkFindingJSON fails t unless findingJSON writes f, compact and as the
// JSON document indents it, as encoderJSON does, errors included.
func checkFindingJSON(t testing.TB, f classify.Finding) {
	t.Helper()
	checkFindingJSONIndents(t, f, indents)
}

// checkFindingJSONIndents is checkFindingJSON with the given indentations.
func checkFindingJSONIndents(t testing.TB, f classify.Finding, indents [][2]string) {
	t.Helper()
	for _, ind := range indents {
		want, werr := encoderJSON(f, ind[0], ind[1])
		fj := findingJSON{b: []byte("x"), prefix: ind[0], indent: ind[1]}
		err := fj.appendFinding(normalize(f))
		switch {
		case werr != nil || err != nil:
			if werr == nil || err == nil || err.Error() != werr.Error() {
				t.Fatalf("indent %q: error %v, want encoding/json's %v", ind, err, werr)
			}
		case string(fj.b[1:]) != string(want):
			got := string(fj.b[1:])
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Fatalf("indent %q: differs from encoding/json at byte %d:\n got %q\nwant %q", ind, i, got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
		}
	}
}

// TestFindingJSONFixture: the fixture's findings, and the shapes a
// finding's optional parts take (integrity with and without a reason, nil
// and empty lists at every level), come out as encoding/json writes them.
func TestFindingJSONFixture(t *testing.T) {
	fs := fixtureReport().Findings
	if len(fs) < 3 {
		t.Fatalf("%d fixture findings", len(fs))
	}
	for _, f := range fs {
		checkFindingJSON(t, f)
	}
	f := fs[0]
	for _, in := range []*classify.Integrity{nil, {Status: "verified"}, {Status: "tampered", Reason: "hash differs"}, {}} {
		f.Integrity = in
		checkFindingJSON(t, f)
	}
	checkFindingJSON(t, classify.Finding{})
	checkFindingJSON(t, classify.Finding{Evidence: []string{}, Commands: []classify.Command{{}, {Argv: []string{}}}, Changes: []classify.Change{{}}})
	var every classify.Finding
	if err := (fill.Filler{}).Fill(&every); err != nil {
		t.Fatal(err)
	}
	checkFindingJSON(t, every) // a field added to Finding and not to findingJSON fails here
}

// hostileJSONStrings hold every class of character the two escapers
// treat apart.
func hostileJSONStrings() []string {
	var ascii, high strings.Builder
	for c := range 0x80 {
		ascii.WriteByte(byte(c))
	}
	for c := 0x80; c < 0x100; c++ {
		high.WriteByte(byte(c))
		high.WriteString("a")
	}
	return []string{
		"", "plain text", ascii.String(), high.String(),
		`"quoted" \back\slash\`, "<script>&amp;</script>", "\b\f\n\r\t\v\x00\x1f\x7f",
		"\x1b[31mred\x1b[0m\x1b]8;;http://x\x07", "\u0085\u008f\u009b[2J", "\u2028\u2029",
		"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", "\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad",
		"\U000e0001\U000e0041\U000e007f", "\U0001d173\U0001f600\U0010ffff", "\ufffd\uffff\ufffe",
		"\xff", "a\xffb", "\xed\xa0\x80\xed\xbf\xbf", "\xf0\x9f\x98", "\xc0\xaf\xe0\x80\xaf", "\xf4\x90\x80\x80",
		"€\xe2\x82", "\xe2\x80\xa8\xe2\x80", "日本語のキー/ファイル.txt",
	}
}

// TestFindingJSONHostile: hostile strings in every string of a finding come
// out as encoding/json and jsonSafe write them.
func TestFindingJSONHostile(t *testing.T) {
	for _, s := range hostileJSONStrings() {
		var f classify.Finding
		if err := (fill.Filler{String: func() string { return s }}).Fill(&f); err != nil {
			t.Fatal(err)
		}
		checkFindingJSON(t, f)
	}
}

// TestFindingJSONEveryRune: every rune, and every byte that starts no
// valid UTF-8, escapes as encoding/json and jsonSafe escape it.
func TestFindingJSONEveryRune(t *testing.T) {
	var b []byte
	for r := rune(0); r <= utf8.MaxRune; r++ {
		b = utf8.AppendRune(b, r)                // surrogates come out as U+FFFD
		if len(b) > 1<<16 || r == utf8.MaxRune { // compact only: indenting escapes nothing
			checkFindingJSONIndents(t, classify.Finding{EventID: string(b)}, indents[:1])
			b = b[:0]
		}
	}
	for c := 0x80; c < 0x100; c++ {
		checkFindingJSON(t, classify.Finding{EventID: string([]byte{byte(c), 'x', byte(c)})})
	}
}

// TestFindingJSONTimes: times with nanoseconds and zones come out as
// MarshalJSON writes them, and those RFC 3339 cannot hold fail as
// encoding/json fails.
func TestFindingJSONTimes(t *testing.T) {
	for _, at := range []time.Time{
		{}, fixtureTime, fixtureTime.Add(123456789), fixtureTime.Add(100),
		time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", 5*3600+30*60)),
		time.Date(2026, 3, 1, 2, 3, 4, 0, time.FixedZone("X", -7*3600)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 1, 2, 3, 4, 0, time.FixedZone("", 24*3600)),
	} {
		checkFindingJSON(t, classify.Finding{EventTime: at})
		checkFindingJSON(t, classify.Finding{Changes: []classify.Change{{EventTime: at}}})
	}
}

// encoderNDJSON and encoderJSONDoc render as renderNDJSON and renderJSON
// did with encoding/json, for whole outputs.
func encoderNDJSON(t testing.TB, fs []classify.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		line, err := encoderJSON(f, "", "")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func encoderJSONDoc(t testing.TB, r *Report, fs []classify.Finding) string {
	head, err := jsonHeadOf(r)
	if err != nil {
		t.Fatal(err)
	}
	b := bytes.NewBuffer(head)
	for i, f := range fs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n    ")
		line, err := encoderJSON(f, "    ", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
	}
	if len(fs) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.String()
}

// manyFindings are n copies of the fixture's findings, hostile strings
// among their keys.
func manyFindings(n int) []classify.Finding {
	base := fixtureReport().Findings
	hostile := hostileJSONStrings()
	fs := make([]classify.Finding, n)
	for i := range fs {
		fs[i] = base[i%len(base)]
		fs[i].EventID = fmt.Sprintf("e%06d", i)
		fs[i].Key = hostile[i%len(hostile)]
	}
	return fs
}

// TestRenderFindingsJSONAsEncoder: the NDJSON and JSON renderers write the
// bytes encoding/json gave, for no findings, one, and more than one
// flush's worth; an error from the findings stops them after what came
// before it.
func TestRenderFindingsJSONAsEncoder(t *testing.T) {
	r := fixtureReport()
	for _, n := range []int{0, 1, 3, 1000} {
		fs := manyFindings(n)
		var nd, doc bytes.Buffer
		if err := RenderAll(&nd, NDJSON, r, Options{}, seq(fs, nil)); err != nil {
			t.Fatal(err)
		}
		if err := RenderAll(&doc, JSON, r, Options{}, seq(fs, nil)); err != nil {
			t.Fatal(err)
		}
		if want := encoderNDJSON(t, fs); nd.String() != want {
			t.Errorf("%d findings: ndjson differs from encoding/json's (%d bytes, want %d)", n, nd.Len(), len(want))
		}
		if want := encoderJSONDoc(t, r, fs); doc.String() != want {
			t.Errorf("%d findings: json differs from encoding/json's (%d bytes, want %d)", n, doc.Len(), len(want))
		}
		if n == 1000 && nd.Len() < 2*flushAt {
			t.Errorf("%d bytes of ndjson: too few to flush more than once", nd.Len())
		}
	}
	fs := manyFindings(500)
	boom := fmt.Errorf("boom")
	var nd bytes.Buffer
	if err := RenderAll(&nd, NDJSON, r, Options{}, seq(fs[:400], boom)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("error from the findings: %v", err)
	}
	if want := encoderNDJSON(t, fs[:400]); nd.String() != want {
		t.Errorf("before the error: %d bytes of ndjson, want the %d of the findings before it", nd.Len(), len(want))
	}
	bad := fs[:3]
	bad[2].EventTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, format := range []Format{NDJSON, JSON} {
		if err := RenderAll(&bytes.Buffer{}, format, r, Options{}, seq(bad, nil)); err == nil || !strings.Contains(err.Error(), `finding "e000002"`) {
			t.Errorf("%s: a year RFC 3339 cannot hold: %v", format, err)
		}
	}
}

// seq yields fs, then err if not nil.
func seq(fs []classify.Finding, err error) iter.Seq2[classify.Finding, error] {
	return func(yield func(classify.Finding, error) bool) {
		for _, f := range fs {
			if !yield(f, nil) {
				return
			}
		}
		if err != nil {
			yield(classify.Finding{}, err)
		}
	}
}

// FuzzFindingJSON: findings made of the fuzzer's strings, lists (nil, empty
// or not), integrity and times come out of findingJSON as out of
// encoding/json and jsonSafe, compact and indented.
func FuzzFindingJSON(f *testing.F) {
	for _, s := range hostileJSONStrings() {
		f.Add(s+"\x00"+s[len(s)/2:], uint64(len(s)*0x9e3779b9))
	}
	f.Fuzz(func(t *testing.T, in string, shape uint64) {
		parts := strings.Split(in, "\x00")
		k, bits := 0, shape
		var fin classify.Finding
		err := (fill.Filler{
			String: func() string { k++; return parts[k%len(parts)] },
			Time: func() time.Time {
				k++
				return time.Unix(int64(shape>>(k%40))-1<<35, int64(k*7919)).In(time.FixedZone("", int(shape%(48*3600))-24*3600))
			},
			Len: func() int { bits = bits>>2 | bits<<62; return int(bits&3) - 1 },
		}).Fill(&fin)
		if err != nil {
			t.Fatal(err)
		}
		checkFindingJSON(t, fin)
	})
}
