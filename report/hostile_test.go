package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
)

// hostileCore is what an attacker can put into a key, an ARN's session
// name, a user agent or an error message: a screen-clearing and title-setting
// escape sequence, a line break, table and HTML syntax, a spreadsheet
// formula, bidi overrides, C1 controls (NEL, CSI) as UTF-8, a raw CSI byte
// (invalid UTF-8), the Unicode line separator and Markdown block markers.
const hostileCore = "x\x1b[2J\x1b]0;pwned\x07\r\n| <script>alert(1)</script> & `code` **b** [l](http://e) " +
	"=cmd|' /C calc'!A0 \u202egnp.exe\u202c \u2066iso\u2069 \u0085nel\u009bcsi \x9braw\xff \u2028ls\t# - > 1. end"

// hostilePrefixes are the first bytes a spreadsheet treats as a formula
// plus Markdown block markers.
var hostilePrefixes = []string{"=", "+", "-", "@", "\t", "\r", "# ", "> ", "1. ", "|", "\x1b[31m"}

// hostileFinding returns a finding whose every string field, evidence line
// and related ID is hostile, each starting with a different prefix; seed
// varies the prefixes between findings.
func hostileFinding(seed int) classify.Finding {
	f := classify.Finding{EventTime: fixtureTime}
	v := reflect.ValueOf(&f).Elem()
	n := seed
	next := func() string {
		n++
		return hostilePrefixes[n%len(hostilePrefixes)] + hostileCore
	}
	for i := range v.NumField() {
		if fv := v.Field(i); fv.Kind() == reflect.String {
			fv.SetString(next())
		}
	}
	// Layers must group findings; a hostile layer name still gets its own group.
	f.Evidence = []string{next(), next()}
	f.Related = []string{next()}
	f.RecipientAccounts = []string{next()}
	f.Changes = []classify.Change{{EventID: next(), EventTime: fixtureTime, EventSource: next(), EventName: next(),
		Principal: next(), Target: next(), Detail: next(), Relation: classify.ChangeBefore, Lead: next()}}
	f.Commands = []classify.Command{{Kind: classify.Check, Summary: next(), Argv: []string{"aws", next()}, Line: next()}}
	return f
}

// hostileReport has three hostile findings in the same (hostile) layer, and
// hostile sources, skipped inputs and notes.
func hostileReport() *Report {
	fs := []classify.Finding{hostileFinding(0), hostileFinding(1), hostileFinding(2)}
	for i := range fs {
		fs[i].Layer = fs[0].Layer
	}
	st := Stats{
		Sources: []string{"=" + hostileCore},
		Skipped: []Problem{{Input: "- " + hostileCore, Reason: "@" + hostileCore}},
		Notes:   []Problem{{Input: "# " + hostileCore, Reason: "+" + hostileCore}},
	}
	return New(st, fs)
}

// benignReport has the same shape as hostileReport with plain values, so
// that the two renderings must have the same structure.
func benignReport() *Report {
	r := hostileReport()
	n := 0
	plain := func() string { n++; return "v" + strconv.Itoa(n) }
	for i := range r.Findings {
		f := &r.Findings[i]
		v := reflect.ValueOf(f).Elem()
		for j := range v.NumField() {
			if fv := v.Field(j); fv.Kind() == reflect.String {
				fv.SetString(plain())
			}
		}
		f.Layer = r.Findings[0].Layer
		for j := range f.Evidence {
			f.Evidence[j] = plain()
		}
		for j := range f.Related {
			f.Related[j] = plain()
		}
		for j := range f.RecipientAccounts {
			f.RecipientAccounts[j] = plain()
		}
		for j := range f.Commands {
			c := &f.Commands[j]
			c.Summary, c.Argv, c.Line = plain(), []string{"aws", plain()}, plain()
		}
		for j := range f.Changes {
			c := &f.Changes[j]
			c.EventID, c.EventSource, c.EventName, c.Principal, c.Target, c.Detail, c.Lead =
				plain(), plain(), plain(), plain(), plain(), plain(), plain()
		}
	}
	r.Stats.Sources = []string{"v"}
	r.Stats.Skipped = []Problem{{"v", "v"}}
	r.Stats.Notes = []Problem{{"v", "v"}}
	return New(r.Stats, r.Findings)
}

func render(t *testing.T, f Format, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, f, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// assertTerminalSafe fails if out holds anything a terminal would act on
// or that could break or reorder a line: C0 controls other than newline,
// DEL, C1 controls, format characters (bidi), line separators, invalid UTF-8.
func assertTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for i, r := range out {
		bad := r == utf8.RuneError || (r < 0x20 && r != '\n') || r == 0x7f ||
			unicode.Is(unicode.Cc, r) && r != '\n' || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
		if bad {
			t.Fatalf("raw %U at byte %d in output near %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

func TestHostileTable(t *testing.T) {
	got := render(t, Table, hostileReport())
	assertTerminalSafe(t, got)
	if !strings.Contains(got, `\x1b[2J`) || !strings.Contains(got, `\u202e`) || !strings.Contains(got, `\x9b`) {
		t.Errorf("dangerous characters were dropped instead of shown escaped:\n%s", got)
	}
	// Hostile values wrap differently, but break no block: as many
	// patterns, no line wider than the default but a whole command.
	want := render(t, Table, benignReport())
	if g, w := strings.Count(got, "· pattern "), strings.Count(want, "· pattern "); g != w {
		t.Errorf("hostile table has %d pattern blocks, benign one %d:\n%s", g, w, got)
	}
	assertFits(t, got, DefaultWidth, pasteableLines(hostileReport(), nil))
}

// mdFences returns md with the content of every fenced code block replaced
// by one line "(code)", and the blocks' contents. It fails on a fence that
// does not close.
func mdFences(t *testing.T, md string) (prose string, blocks []string) {
	t.Helper()
	var b strings.Builder
	fence := ""
	var block []string
	for line := range strings.Lines(md) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case fence == "" && strings.HasPrefix(line, "```"):
			fence = strings.TrimRight(line, "abcdefghijklmnopqrstuvwxyz")
			block = nil
			b.WriteString(line + "\n(code)\n")
		case fence != "" && line == fence:
			fence = ""
			blocks = append(blocks, strings.Join(block, "\n"))
			b.WriteString(line + "\n")
		case fence != "":
			block = append(block, line)
		default:
			b.WriteString(line + "\n")
		}
	}
	if fence != "" {
		t.Fatalf("code block fenced with %s does not close", fence)
	}
	return b.String(), blocks
}

func TestHostileMarkdown(t *testing.T) {
	raw := render(t, Markdown, hostileReport())
	assertTerminalSafe(t, raw)
	got, blocks := mdFences(t, raw)
	for _, c := range hostileReport().Patterns[0].Commands {
		if !slices.Contains(blocks, termEscape(c.Line)) {
			t.Errorf("the command %q is not a code block of its own", c.Line)
		}
	}
	for _, raw := range []string{"<script>", "</script>", "**b**", "[l](http://e)", "`code`"} {
		if strings.Contains(got, raw) {
			t.Errorf("markdown output contains raw %q", raw)
		}
	}
	if !strings.Contains(got, "&lt;script&gt;") {
		t.Errorf("markdown output lost the escaped <script>:\n%s", got)
	}
	// Only the report's own headings may start a line with '#', and every
	// list item is ours: hostile text never starts a line.
	for line := range strings.Lines(got) {
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "# denytrail report") &&
			!strings.HasPrefix(line, "## ") && !strings.HasPrefix(line, "### What to check next") &&
			!regexp.MustCompile(`^### [0-9]+\. `).MatchString(line) {
			t.Errorf("unexpected heading line %q", line)
		}
	}
	// No list item's text may open a nested block (heading, list, quote).
	nested := regexp.MustCompile(`^ *- +(#|[-+*]\s|>|[0-9]+[.)])`)
	for line := range strings.Lines(got) {
		if nested.MatchString(line) {
			t.Errorf("list item opens a nested block: %q", line)
		}
	}
	want, _ := mdFences(t, render(t, Markdown, benignReport()))
	assertSameShape(t, got, want, "|")
	// Every table row has exactly as many unescaped pipes as its header.
	var cols int
	rows := 0
	for line := range strings.Lines(got) {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := unescapedPipes(line)
		if cols == 0 {
			cols = n
			continue
		}
		rows++
		if n != cols {
			t.Errorf("table row has %d unescaped pipes, header has %d: %q", n, cols, line)
		}
	}
	// 3 pattern rows (each hostile finding is its own pattern), 1 summary
	// row and 3 findings rows, plus the three delimiter rows.
	if rows != 3+1+3+3 {
		t.Errorf("markdown tables have %d rows, want %d", rows, 3+1+3+3)
	}
}

// unescapedPipes counts the pipes that GFM treats as cell delimiters: those
// not preceded by a backslash (the rule of cmark-gfm and markdown-it).
func unescapedPipes(line string) int {
	n := 0
	for i := range len(line) {
		if line[i] == '|' && (i == 0 || line[i-1] != '\\') {
			n++
		}
	}
	return n
}

// assertSameShape checks that got has as many lines as want and, line by
// line, as many occurrences of sep: hostile values broke no line or cell.
func assertSameShape(t *testing.T, got, want, sep string) {
	t.Helper()
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(gl) != len(wl) {
		t.Fatalf("hostile rendering has %d lines, benign one %d:\n%s", len(gl), len(wl), got)
	}
	for i := range gl {
		g, w := strings.Count(gl[i], sep), strings.Count(wl[i], sep)
		if sep == "|" {
			g, w = unescapedPipes(gl[i]), unescapedPipes(wl[i])
		}
		if g != w {
			t.Errorf("line %d has %d %q, want %d: %q", i+1, g, sep, w, gl[i])
		}
	}
}

func TestHostileCSV(t *testing.T) {
	r := hostileReport()
	got := render(t, CSV, r)
	assertTerminalSafe(t, got)
	recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := csvColumns()
	if len(recs) != 1+len(r.Findings) {
		t.Fatalf("csv parses to %d rows, want %d", len(recs), 1+len(r.Findings))
	}
	for i, rec := range recs {
		if len(rec) != len(cols) {
			t.Fatalf("row %d has %d columns, want %d", i, len(rec), len(cols))
		}
		if i == 0 {
			continue
		}
		for j, v := range rec {
			if v != "" && strings.ContainsRune("=+-@\t\r\n", rune(v[0])) {
				t.Errorf("row %d column %s starts with formula character %q", i, cols[j].name, v[0])
			}
			// The value is the original with terminal controls made
			// visible, behind the guard quote.
			orig := termEscape(cols[j].value(&r.Findings[i-1]))
			if v != orig && v != "'"+orig {
				t.Errorf("row %d column %s = %q, want %q behind an optional quote", i, cols[j].name, v, orig)
			}
		}
	}
}

func TestHostileJSON(t *testing.T) {
	r := hostileReport()
	got := render(t, JSON, r)
	assertJSONSafe(t, got)
	assertTerminalSafe(t, got)
	var doc struct {
		Findings []classify.Finding `json:"findings"`
		Stats    Stats              `json:"stats"`
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != len(r.Findings) {
		t.Fatalf("json has %d findings, want %d", len(doc.Findings), len(r.Findings))
	}
	for i := range doc.Findings {
		assertRoundTrip(t, doc.Findings[i], r.Findings[i])
	}
	if got, want := doc.Stats.Skipped[0].Reason, validUTF8(r.Stats.Skipped[0].Reason); got != want {
		t.Errorf("skipped reason = %q, want %q", got, want)
	}
}

func TestHostileNDJSON(t *testing.T) {
	r := hostileReport()
	got := render(t, NDJSON, r)
	assertJSONSafe(t, got)
	assertTerminalSafe(t, got)
	sc := bufio.NewScanner(strings.NewReader(got))
	sc.Buffer(nil, 1<<20)
	var lines int
	for sc.Scan() {
		var f classify.Finding
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		assertRoundTrip(t, f, r.Findings[lines])
		lines++
	}
	if lines != len(r.Findings) {
		t.Errorf("ndjson has %d lines, want one per finding (%d)", lines, len(r.Findings))
	}
}

// assertJSONSafe checks the raw JSON text: no control byte, no raw HTML
// metacharacter from a value, no raw U+2028/U+2029.
func assertJSONSafe(t *testing.T, out string) {
	t.Helper()
	for _, raw := range []string{"\x1b", "\r", "\t", "\u2028", "\u202e", "<script>", "&"} {
		if strings.Contains(out, raw) {
			t.Errorf("json output contains raw %q", raw)
		}
	}
}

// assertRoundTrip compares a decoded finding with the original; invalid
// UTF-8 comes back as U+FFFD, as encoding/json documents.
func assertRoundTrip(t *testing.T, got, orig classify.Finding) {
	t.Helper()
	want := orig
	v := reflect.ValueOf(&want).Elem()
	for i := range v.NumField() {
		if fv := v.Field(i); fv.Kind() == reflect.String {
			fv.SetString(validUTF8(fv.String()))
		}
	}
	want.Evidence = slices.Clone(want.Evidence)
	for i := range want.Evidence {
		want.Evidence[i] = validUTF8(want.Evidence[i])
	}
	want.Related = slices.Clone(want.Related)
	for i := range want.Related {
		want.Related[i] = validUTF8(want.Related[i])
	}
	want.RecipientAccounts = slices.Clone(want.RecipientAccounts)
	for i := range want.RecipientAccounts {
		want.RecipientAccounts[i] = validUTF8(want.RecipientAccounts[i])
	}
	want.Changes = slices.Clone(want.Changes)
	for i := range want.Changes {
		c := reflect.ValueOf(&want.Changes[i]).Elem()
		for j := range c.NumField() {
			if fv := c.Field(j); fv.Kind() == reflect.String {
				fv.SetString(validUTF8(fv.String()))
			}
		}
	}
	want.Commands = slices.Clone(want.Commands)
	for i := range want.Commands {
		c := &want.Commands[i]
		c.Summary, c.Line = validUTF8(c.Summary), validUTF8(c.Line)
		c.Argv = slices.Clone(c.Argv)
		for j := range c.Argv {
			c.Argv[j] = validUTF8(c.Argv[j])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the finding:\n got %+v\nwant %+v", got, want)
	}
}

func validUTF8(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func TestHostileExplain(t *testing.T) {
	fields := []Field{{"userAgent", hostileCore}, {hostileCore, "v"}}
	var got, want bytes.Buffer
	if err := RenderExplain(&got, hostileFinding(0), fields); err != nil {
		t.Fatal(err)
	}
	benign := benignReport().Findings[0]
	benign.EventTime = fixtureTime
	if err := RenderExplain(&want, benign, []Field{{"userAgent", "v"}, {"v", "v"}}); err != nil {
		t.Fatal(err)
	}
	assertTerminalSafe(t, got.String())
	if !strings.Contains(got.String(), `\x1b[2J`) {
		t.Errorf("escape sequence dropped instead of shown escaped")
	}
	if g, w := strings.Count(got.String(), "\n"), strings.Count(want.String(), "\n"); g != w {
		t.Errorf("hostile explanation has %d lines, benign one %d:\n%s", g, w, got.String())
	}
}
