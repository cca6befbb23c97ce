package classify

import (
	"fmt"
	"strconv"
	"strings"
)

// sprintf is fmt.Sprintf for the verdicts' and remediations' sentences,
// which are most of the work of judging a record: it writes %s and %q of
// strings (and of the layer, control, confidence and policy types) and %d
// of ints itself, quoting printable ASCII without escaping rune by rune,
// and hands any other format or argument to fmt.Sprintf, so that what it
// returns is always what fmt.Sprintf does (TestSprintf, FuzzSprintf).
func sprintf(format string, args ...any) string {
	var b strings.Builder
	n := len(format)
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s) + 2
		} else {
			n += 24
		}
	}
	b.Grow(n)
	next := 0
	for i := 0; i < len(format); {
		j := strings.IndexByte(format[i:], '%')
		if j < 0 {
			b.WriteString(format[i:])
			break
		}
		b.WriteString(format[i : i+j])
		i += j + 1
		if i == len(format) {
			return fmt.Sprintf(format, args...)
		}
		verb := format[i]
		i++
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if next == len(args) {
			return fmt.Sprintf(format, args...)
		}
		a := args[next]
		next++
		switch verb {
		case 's', 'q':
			s, ok := stringArg(a)
			if !ok {
				return fmt.Sprintf(format, args...)
			}
			if verb == 'q' {
				writeQuoted(&b, s)
			} else {
				b.WriteString(s)
			}
		case 'd':
			d, ok := a.(int)
			if !ok {
				return fmt.Sprintf(format, args...)
			}
			b.WriteString(strconv.Itoa(d))
		default:
			return fmt.Sprintf(format, args...)
		}
	}
	if next != len(args) {
		return fmt.Sprintf(format, args...)
	}
	return b.String()
}

// stringArg is what %s prints of a, for the types sprintf prints itself.
func stringArg(a any) (string, bool) {
	switch v := a.(type) {
	case string:
		return v, true
	case Layer:
		return string(v), true
	case Control:
		return string(v), true
	case Confidence:
		return string(v), true
	case policyType:
		return v.String(), true
	}
	return "", false
}

// writeQuoted writes strconv.Quote(s), without its rune-by-rune escaping
// for a string of printable ASCII with no quote or backslash in it.
func writeQuoted(b *strings.Builder, s string) {
	for i := range len(s) {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			b.WriteString(strconv.Quote(s))
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
