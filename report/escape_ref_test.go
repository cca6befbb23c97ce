package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// termEscapeRef is termEscape as it was before it copied runs of plain
// bytes at once: one rune at a time. The tests hold termEscape to it.
func termEscapeRef(s string) string {
	if termSafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
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
		case termUnsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// TestTermEscapeAsReference: every rune, every byte that starts no valid
// UTF-8, and the hostile strings escape as one rune at a time would, at
// the start, middle and end of a line.
func TestTermEscapeAsReference(t *testing.T) {
	var cases []string
	for r := rune(0); r <= utf8.MaxRune; r += 1 + r/64 {
		cases = append(cases, string(r))
	}
	for c := 0x80; c < 0x100; c++ {
		cases = append(cases, string([]byte{byte(c)}), string([]byte{byte(c), byte(c)}))
	}
	cases = append(cases, hostileJSONStrings()...)
	for _, s := range cases {
		for _, line := range []string{s, "a" + s + "b\n", s + s + "ü" + s} {
			if got, want := termEscape(line), termEscapeRef(line); got != want {
				t.Fatalf("termEscape(%q) = %q, want %q", line, got, want)
			}
		}
	}
}
