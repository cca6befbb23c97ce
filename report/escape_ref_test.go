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
	check := func(line string) {
		t.Helper()
		if got, want := termEscape(line), termEscapeRef(line); got != want {
			t.Fatalf("termEscape(%q) = %q, want %q", line, got, want)
		}
	}
	var words []string // at every offset in a word
	for c := range 0x100 {
		words = append(words, string(rune(c)), string([]byte{byte(c)}), string([]byte{byte(c), byte(c)}))
	}
	words = append(words, hostileJSONStrings()...)
	for _, s := range words {
		for k := range 17 {
			check(strings.Repeat("x", k) + s)
			check(strings.Repeat("y", k) + s + strings.Repeat("z", 9))
		}
	}
	for r := rune(0x100); r <= utf8.MaxRune; r += 1 + r/0x1000 {
		s := string(r)
		for _, line := range []string{s, "a" + s + "b\n", s + s + "ü" + s} {
			check(line)
		}
	}
}
