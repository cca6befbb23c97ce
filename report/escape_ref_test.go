package report

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// termEscapeRef is termEscape as it was before it copied runs of plain
// bytes at once (and without termSafe): one rune at a time. The tests hold
// termEscape to it.
func termEscapeRef(s string) string {
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
// the start, middle and end of a line, at every offset from the start of
// termSafe's eight-byte words.
func TestTermEscapeAsReference(t *testing.T) {
	var cases []string
	for r := rune(0); r <= utf8.MaxRune; r += 1 + r/0x1000 {
		cases = append(cases, string(r))
	}
	for c := 0x80; c < 0x100; c++ {
		cases = append(cases, string([]byte{byte(c)}), string([]byte{byte(c), byte(c)}))
	}
	cases = append(cases, hostileJSONStrings()...)
	for _, s := range cases {
		lines := []string{s, "a" + s + "b\n", s + s + "ü" + s}
		for k := range 17 {
			lines = append(lines, strings.Repeat("x", k)+s, strings.Repeat("y", k)+s+strings.Repeat("z", 9))
		}
		for _, line := range lines {
			if got, want := termEscape(line), termEscapeRef(line); got != want {
				t.Fatalf("termEscape(%q) = %q, want %q", line, got, want)
			}
		}
	}
}
