package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTermEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice"},
		{"plain ünïcödé 日本 ✓", "plain ünïcödé 日本 ✓"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"line\r\nnext\ttab", `line\r\nnext\ttab`},
		{"bell\x07nul\x00del\x7f", `bell\x07nul\x00del\x7f`},
		{"c1\u0085\u009b", `c1\u0085\u009b`},
		{"raw\x9bcsi\xff", `raw\x9bcsi\xff`},
		{"bidi\u202a\u202b\u202c\u202d\u202e", `bidi\u202a\u202b\u202c\u202d\u202e`},
		{"iso\u2066\u2067\u2068\u2069", `iso\u2066\u2067\u2068\u2069`},
		{"marks\u200e\u200f\u061c zw\u200b", `marks\u200e\u200f\u061c zw\u200b`},
		{"sep\u2028\u2029", `sep\u2028\u2029`},
		{"real \ufffd stays", "real \ufffd stays"},
	} {
		if got := termEscape(tc.in); got != tc.want {
			t.Errorf("termEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMDEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"reports/q3.csv", "reports/q3.csv"},
		{"a|b", `a\|b`},
		{`a\|b`, `a\\\|b`}, // an attacker's backslash cannot unescape our pipe
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"a&amp;b", "a&amp;amp;b"},
		{"`code` *em* _u_ [l](u) ~s~ $m$", "\\`code\\` \\*em\\* \\_u\\_ \\[l\\](u) \\~s\\~ \\$m\\$"},
		{"two\r\nlines\nthree\rfour\u2028five\u2029six\vseven\feight\u0085nine", `two\\r\\nlines\\nthree\\rfour\\u2028five\\u2029six\\x0bseven\\x0ceight\\u0085nine`},
		{"see http://evil.example/x and www.evil.example or a@evil.example", "see http:<!-- -->//evil.example/x and www.<!-- -->evil.example or a@<!-- -->evil.example"},
		{"HTTPS://E WWW.E ftp://f s3://bucket/key", "HTTPS:<!-- -->//E WWW.<!-- -->E ftp:<!-- -->//f s3://bucket/key"},
		{"# head", `\# head`},
		{"  # head", `  \# head`},
		{"- item", `\- item`},
		{"+ item", `\+ item`},
		{"> quote", "&gt; quote"},
		{"12. ordered", `12\. ordered`},
		{"3) ordered", `3\) ordered`},
		{"10.0.0.1 and a-b#c", `10\.0.0.1 and a-b#c`},
		{"esc\x1b[2J", `esc\\x1b\[2J`},
		{"bidi\u202e", `bidi\\u202e`},
		{"raw\x9b", `raw\\x9b`},
	} {
		if got := mdEscape(tc.in); got != tc.want {
			t.Errorf("mdEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"AccessDenied", "AccessDenied"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", `\t=1`},
		{"\r=1", `\r=1`},
		{"=1\x1b[2J\u202e", `'=1\x1b[2J\u202e`},
		{"a=1", "a=1"},
	} {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJSONSafe(t *testing.T) {
	in := map[string]string{"k": "bidi\u202e c1\u0085 tag\U000E0041 ok ü 日本"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got := jsonSafe(raw)
	want := `{"k":"bidi\u202e c1\u0085 tag\udb40\udc41 ok ü 日本"}`
	if string(got) != want {
		t.Errorf("jsonSafe = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if back["k"] != in["k"] {
		t.Errorf("decoded %q, want %q", back["k"], in["k"])
	}
	plain := []byte(`{"k":"plain"}`)
	if got := jsonSafe(plain); &got[0] != &plain[0] {
		t.Errorf("jsonSafe copied input that needed no change")
	}
}

// FuzzTermEscape checks the terminal escaper's guarantee on any input: the
// output is valid UTF-8, one line, and free of control and format
// characters, and the same as escaping one rune at a time.
func FuzzTermEscape(f *testing.F) {
	for _, s := range []string{"", "a\x1b[2Jb", "\r\n", "\u202e\u2066", "\x9b\xff", hostileCore} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := termEscape(s), termEscapeRef(s); got != want {
			t.Fatalf("termEscape(%q) = %q, one rune at a time %q", s, got, want)
		}
		for _, out := range []string{termEscape(s), mdEscape(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 output %q", out)
			}
			for _, r := range out {
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
					t.Fatalf("output %q keeps %U", out, r)
				}
			}
		}
		md := mdEscape(s)
		if unescapedPipes(md) != 0 || strings.ContainsAny(strings.ReplaceAll(md, mdNoLink, ""), "<>") {
			t.Fatalf("mdEscape(%q) = %q keeps a cell delimiter or HTML", s, md)
		}
		// No autolink survives: every "http://", "https://", "ftp://"
		// "www." and "@" is broken by the empty comment.
		lower := []byte(md) // ASCII case folded, same offsets
		for i, c := range lower {
			if 'A' <= c && c <= 'Z' {
				lower[i] = c + 'a' - 'A'
			}
		}
		for _, scheme := range []string{"http://", "https://", "ftp://"} {
			if bytes.Contains(lower, []byte(scheme)) {
				t.Fatalf("mdEscape(%q) = %q leaves a %q autolink", s, md, scheme)
			}
		}
		for _, mark := range []string{"www.", "@"} {
			for i := 0; ; {
				j := strings.Index(string(lower[i:]), mark)
				if j < 0 {
					break
				}
				i += j + len(mark)
				if !strings.HasPrefix(md[i:], mdNoLink) {
					t.Fatalf("mdEscape(%q) = %q leaves a %q autolink", s, md, mark)
				}
			}
		}
	})
}
