package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Every string a renderer prints may come from a log field an attacker
// chose (object keys, ARNs, user agents, error messages). Each output format
// has exactly one helper here, and every code path of that format goes
// through it: termEscape (table, explain), mdEscape (markdown) and csvCell
// (csv), jsonSafe (json, ndjson).

// Terminal returns s made safe to print on a terminal as one line, for
// diagnostics outside a report (skipped inputs, notes on stderr).
func Terminal(s string) string { return termEscape(s) }

// termEscape returns s made safe to print on a terminal as part of one line.
// Characters that a terminal would act on, or that would break or reorder
// the line, are replaced by a visible Go-style escape:
//   - C0 controls (including ESC, CR, LF, TAB) and DEL as \xNN, or \n, \r, \t;
//   - C1 controls U+0080–U+009F, Unicode format characters (bidi overrides
//     and isolates U+202A–U+202E, U+2066–U+2069, marks, zero-width
//     characters) and the line and paragraph separators as \uNNNN;
//   - bytes that are not valid UTF-8 (a lone 0x9b is CSI to some terminals)
//     as \xNN.
//
// Backslashes are left alone, so a literal "\x1b" in a key looks like an
// escaped ESC: the JSON output is the unambiguous record.
func termEscape(s string) string {
	if termSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	start := 0 // s[start:i] is written as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != 0x7f {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			if r, size = utf8.DecodeRuneInString(s[i:]); !(r == utf8.RuneError && size == 1) && !termUnsafe(r) {
				i += size
				continue
			}
		}
		b.WriteString(s[start:i])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default: // termUnsafe
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
		start = i
	}
	b.WriteString(s[start:])
	return b.String()
}

// termSafe reports whether s needs no escaping, without allocating.
func termSafe(s string) bool {
	// Eight bytes at a time while they are all printable ASCII: no byte
	// below 0x20, none with the high bit, none equal to DEL.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		del := x ^ 0x7f*ones
		if x&highs != 0 || (x-0x20*ones)&^x&highs != 0 || (del-ones)&^del&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			// Slow path for the rest: decode runes.
			for _, r := range s[i:] {
				if r == utf8.RuneError || r < 0x20 || r == 0x7f || termUnsafe(r) {
					return false // RuneError may be a valid U+FFFD; the escaper keeps those
				}
			}
			return true
		}
	}
	return true
}

// termUnsafe reports whether a non-ASCII rune must not reach a terminal raw:
// C1 controls, format characters (bidi controls, zero-width characters,
// tags) and line or paragraph separators.
func termUnsafe(r rune) bool {
	return r >= 0x80 && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r))
}

// mdEscape returns s as inline GitHub-flavoured Markdown text that renders
// as exactly s (modulo the visible escapes of termEscape) inside a table
// cell, a list item or a paragraph:
//   - line breaks of every kind (LF, CR, VT, FF, NEL, U+2028, U+2029) and
//     other terminal control and bidi characters are shown escaped as by
//     termEscape (\n, \u2028, ...), so a value stays on its line and cannot
//     start a block of its own;
//   - <, > and & become entities, so no HTML is ever injected;
//   - | becomes \|, so a table row keeps its cells;
//   - backslash, backtick and the emphasis, link, strikethrough and math
//     characters are backslash-escaped;
//   - a leading block marker (#, +, -, =, or a digit run then . or ),
//     after any spaces) is escaped so the text cannot become a heading or
//     list;
//   - nothing becomes a link: GFM's autolinks (http://, https://, ftp://,
//     www., an e-mail address) are broken with an empty HTML comment, which renders as
//     nothing and splits the text the autolinker reads (character escapes
//     and references do not stop its e-mail rule).
func mdEscape(s string) string {
	s = termEscape(s)

	start := len(s) - len(strings.TrimLeft(s, " "))
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '[', ']', '~', '|', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '#', '+', '-', '=':
			if i == start {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '.', ')':
			if leadingDigits(s[start:i]) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			if c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www") {
				b.WriteString(mdNoLink)
			}
		case ':':
			b.WriteByte(c)
			if strings.HasPrefix(s[i+1:], "//") && linkScheme(s[:i]) {
				b.WriteString(mdNoLink)
			}
		case '@':
			b.WriteByte(c)
			b.WriteString(mdNoLink)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// linkScheme reports whether the letters that end s end in a scheme GFM
// autolinks (http, https, ftp), in any case.
func linkScheme(s string) bool {
	i := len(s)
	for i > 0 && (s[i-1]|0x20 >= 'a' && s[i-1]|0x20 <= 'z') {
		i--
	}
	w := strings.ToLower(s[i:])
	return strings.HasSuffix(w, "http") || strings.HasSuffix(w, "https") || strings.HasSuffix(w, "ftp")
}

// mdNoLink is what mdEscape puts where GFM would start an autolink.
const mdNoLink = "<!-- -->"

// leadingDigits reports whether s is all ASCII digits (and not empty).
func leadingDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// csvCell returns s as a CSV cell value that is safe both in a spreadsheet
// and on a terminal (CSV is read with cat and less too): characters that
// termEscape neutralises are escaped the same way, and a value starting
// with =, +, -, @, TAB, CR or LF gets a leading single quote (the OWASP
// CSV-injection rule). Quoting is left to encoding/csv.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	s = termEscape(s)
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}

// jsonSafe rewrites JSON text produced by encoding/json so that it is also
// safe to show on a terminal (ndjson is often read with less or tail). The
// encoder already escapes C0 controls, U+2028/U+2029 and, with
// SetEscapeHTML, <, > and &, and turns invalid UTF-8 into U+FFFD; jsonSafe
// additionally escapes the characters termUnsafe names (C1 controls, bidi
// overrides and other format characters) as \uXXXX, surrogate pairs
// beyond the BMP. Such characters occur only inside JSON strings, so the
// document decodes to exactly the same values.
func jsonSafe(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if jsonUnsafe(r) {
			break
		}
		i += size
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case jsonUnsafe(r) && r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		case jsonUnsafe(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// jsonUnsafe reports whether jsonSafe escapes r: what a terminal would act
// on beyond ASCII, and DEL, which encoding/json leaves raw.
func jsonUnsafe(r rune) bool {
	return r == 0x7f || (r >= utf8.RuneSelf && termUnsafe(r))
}
