package classify

import (
	"fmt"
	"testing"
)

// sprintfCases are formats and arguments as the verdicts use them, and
// some they never do (which sprintf hands to fmt).
var sprintfCases = []struct {
	format string
	args   []any
}{
	{"errorCode: %q", []any{"AccessDenied"}},
	{"errorMessage: %q: %s", []any{"User: arn:aws:sts::1:assumed-role/R/s is not \"authorized\" \\ é \x00 \xff", "no allow"}},
	{"%s %s %s %s %s", []any{LayerKMS, ControlSCP, High, policySCP, policyType(99)}},
	{"%d KMS events: %s (100%%)", []any{3, "a, b"}},
	{"plain", nil},
	{"", nil},
	{"%", nil},
	{"trailing %", []any{"x"}},
	{"%s", nil},
	{"%s", []any{"a", "extra"}},
	{"%v %x %5s %-3q %02d", []any{"v", "x", "w", "q", 7}},
	{"%d", []any{int64(5)}},
	{"%s", []any{42}},
	{"%q", []any{Command{}}},
	{"%s", []any{fmt.Errorf("an error")}},
	{"%s", []any{nil}},
	{"%q", []any{"\u202e \t\n"}},
	{"%q%q", []any{"", `"`}},
}

// TestSprintf: sprintf says what fmt.Sprintf says.
func TestSprintf(t *testing.T) {
	for _, c := range sprintfCases {
		if got, want := sprintf(c.format, c.args...), fmt.Sprintf(c.format, c.args...); got != want {
			t.Errorf("sprintf(%q, %v) = %q, want %q", c.format, c.args, got, want)
		}
	}
}

// FuzzSprintf: sprintf says what fmt.Sprintf says of any format and
// strings.
func FuzzSprintf(f *testing.F) {
	for _, c := range sprintfCases {
		a, b := "", ""
		if len(c.args) > 0 {
			a, _ = c.args[0].(string)
		}
		if len(c.args) > 1 {
			b, _ = c.args[1].(string)
		}
		f.Add(c.format, a, b, 7)
	}
	f.Fuzz(func(t *testing.T, format, a, b string, n int) {
		for _, args := range [][]any{{a, b}, {a, n, b}, {Layer(a), Confidence(b)}, {a}} {
			if got, want := sprintf(format, args...), fmt.Sprintf(format, args...); got != want {
				t.Errorf("sprintf(%q, %q) = %q, want %q", format, args, got, want)
			}
		}
	})
}
