package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// fuzzFindings builds findings whose every string (fields, evidence,
// changes, commands) is cut from the fuzzer's input; layers stay among a
// few real ones so that findings group, and there is always at least one
// finding per piece.
func fuzzFindings(in string, n uint8) []classify.Finding {
	parts := strings.Split(in, "\x00")
	k := 0
	next := func() string {
		k++
		return parts[k%len(parts)]
	}
	layers := []classify.Layer{classify.LayerKMS, classify.LayerIAM, classify.LayerOrgControls}
	var fs []classify.Finding
	for i := range int(n%6) + 1 {
		f := classify.Finding{EventTime: fixtureTime.Add(time.Duration(i) * time.Minute)}
		v := reflect.ValueOf(&f).Elem()
		for j := range v.NumField() {
			if fv := v.Field(j); fv.Kind() == reflect.String {
				fv.SetString(next())
			}
		}
		f.Layer = layers[i%len(layers)]
		f.Confidence = classify.High
		f.Evidence = []string{next()}
		f.Changes = []classify.Change{{EventName: next(), EventTime: fixtureTime, Principal: next(), Target: next(),
			Relation: classify.ChangeBefore, Lead: next()}}
		f.Commands = []classify.Command{{Kind: classify.Check, Summary: next(), Argv: []string{"aws", next()}, Line: next()}}
		fs = append(fs, f)
	}
	return fs
}

// rawControl returns the first character of s a terminal would act on or
// that breaks a line (other than the newline), or -1; a byte that is not
// UTF-8 is returned as utf8.RuneError (a U+FFFD itself is harmless).
func rawControl(s string) rune {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return r
			}
			continue
		}
		if (r != '\n' && unicode.IsControl(r)) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return r
		}
	}
	return -1
}

// htmlVoid are the elements of the daily page that have no end tag.
var htmlVoid = map[string]bool{"meta": true, "wbr": true, "line": true, "rect": true}

// htmlElem matches a start or end tag of the page, capturing / and the name.
var htmlElem = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)[^<>]*?(/?)>`)

// FuzzRender renders hostile findings end to end in every format and
// checks each format's promise: no raw control, bidi or separator
// character anywhere; JSON that decodes, one NDJSON line and one CSV row
// per finding; one Markdown table row per finding with intact cells; a
// daily page whose every tag is the template's and balanced; a terminal
// report no wider than its width but for whole commands.
func FuzzRender(f *testing.F) {
	f.Add("a\x00b\x00c", uint8(2))
	f.Add(hostileCore+"\x00"+"arn:aws:iam::111122223333:role/x\x00http://evil/x www.e a@b.c\x00`x`\x00|", uint8(5))
	f.Add("\u2028\x00\r\n\x00\x1b[31m\x00\xff\x00<script>\x00# h", uint8(3))
	f.Fuzz(func(t *testing.T, in string, n uint8) {
		fs := fuzzFindings(in, n)
		r := New(Stats{Sources: []string{in}, S3DataEvents: true}, fs)
		for _, format := range Formats() {
			var b bytes.Buffer
			o := Options{Width: 80, Findings: true, Explain: func(id string) string { return "denytrail explain --pattern " + id + " x" }}
			if err := RenderOptions(&b, format, r, o); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			out := b.String()
			if c := rawControl(out); c >= 0 {
				t.Fatalf("%s: raw %U in the output", format, c)
			}
			switch format {
			case JSON, ASFF:
				if !json.Valid(b.Bytes()) {
					t.Fatalf("%s: invalid JSON", format)
				}
			case OCSF: // one document per pattern and line
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if len(lines) != len(r.Patterns) {
					t.Fatalf("ocsf: %d lines for %d patterns", len(lines), len(r.Patterns))
				}
				for _, l := range lines {
					if !json.Valid([]byte(l)) {
						t.Fatalf("ocsf: invalid line %q", l)
					}
				}
			case NDJSON:
				lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if len(lines) != len(fs) {
					t.Fatalf("ndjson: %d lines for %d findings", len(lines), len(fs))
				}
				for _, l := range lines {
					if !json.Valid([]byte(l)) {
						t.Fatalf("ndjson: invalid line %q", l)
					}
				}
			case CSV:
				rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
				if err != nil || len(rows) != len(fs)+1 {
					t.Fatalf("csv: %d rows for %d findings (%v)", len(rows), len(fs), err)
				}
			case Markdown:
				checkMarkdownRows(t, out, len(fs))
			case Table:
				assertFits(t, out, 80, pasteableLines(r, o.Explain))
			}
		}
		d := NewDaily(r, fixtureTime, history.Baseline{})
		for _, format := range DailyFormats() {
			var b bytes.Buffer
			if err := RenderDaily(&b, format, d); err != nil {
				t.Fatalf("daily %s: %v", format, err)
			}
			if c := rawControl(b.String()); c >= 0 {
				t.Fatalf("daily %s: raw %U in the output", format, c)
			}
			switch format {
			case JSON:
				if !json.Valid(b.Bytes()) {
					t.Fatal("daily json: invalid JSON")
				}
			case HTML:
				checkHTMLTags(t, b.String())
			case Markdown: // every new pattern is detailed: a block per command
				want := 0
				for _, p := range r.Patterns {
					for _, c := range p.Commands {
						if c.Line != "" {
							want++
						}
					}
				}
				if _, blocks := mdFences(t, b.String()); len(blocks) != want {
					t.Fatalf("daily markdown: %d command blocks, want %d", len(blocks), want)
				}
			}
		}
	})
}

// checkMarkdownRows checks that every table row has its header's cells and
// that the findings tables have one row per finding.
func checkMarkdownRows(t *testing.T, md string, findings int) {
	t.Helper()
	prose, _ := mdFences(t, md)
	cols, rows, inFindings := 0, 0, false
	for line := range strings.Lines(prose) {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := unescapedPipes(line)
		if cols == 0 {
			cols, inFindings = n, strings.HasPrefix(line, "| Time | Control |")
			continue
		}
		if n != cols {
			t.Fatalf("markdown: row with %d cells delimiters, header %d: %q", n, cols, line)
		}
		if inFindings && !strings.HasPrefix(line, "|---") {
			rows++
		}
	}
	if rows != findings {
		t.Fatalf("markdown: %d finding rows for %d findings", rows, findings)
	}
}

// checkHTMLTags checks that the page's start and end tags balance: no
// value opened or closed an element (every < of a value is &lt;).
func checkHTMLTags(t *testing.T, page string) {
	t.Helper()
	body := page[strings.Index(page, "<html"):]
	var stack []string
	for _, m := range htmlElem.FindAllStringSubmatch(body, -1) {
		closing, name, self := m[1] == "/", strings.ToLower(m[2]), m[3] == "/"
		switch {
		case htmlVoid[name] || self:
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				t.Fatalf("html: </%s> closes %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, name)
		}
	}
	if len(stack) != 0 {
		t.Fatalf("html: unclosed %v", stack)
	}
}
