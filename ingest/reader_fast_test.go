package ingest

import (
	"strings"
	"testing"
)

// skipRef is walk written the obvious way: it skips the container starting
// at b[i] byte by byte, with the splitter's rules (outside strings '"'
// opens one and brackets of any kind count; inside, '\\' escapes the next
// byte and '"' closes it). It returns the index past the container, or
// false when b ends first.
func skipRef(b []byte, i int) (int, bool) {
	depth, inStr, esc := 0, false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case esc:
			esc = false
		case inStr:
			esc = c == '\\'
			inStr = c != '"'
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

// checkWalk compares walk with skipRef for containers starting at the
// first few brackets of data, reading data whole and in pieces cut at
// the given points, as a Reader whose buffer fills up would.
func checkWalk(t *testing.T, data []byte, cuts []int) {
	t.Helper()
	starts := 0
	for i, c := range data {
		if c != '{' && c != '[' {
			continue
		}
		if starts++; starts > 8 {
			break
		}
		want, wantOK := skipRef(data, i)
		var x index
		var st walkState
		got, ok, from := 0, false, i
		for _, cut := range append(cuts, len(data)) {
			if cut <= from || cut > len(data) {
				continue
			}
			x.reset() // the buffer grew
			if got, ok = x.walk(data[:cut], from, &st); ok {
				break
			}
			from = cut
		}
		if !ok {
			got = len(data)
		}
		if got != want || ok != wantOK {
			t.Fatalf("container at %d, cut at %v: walk = %d, %v; skipping every byte: %d, %v\ninput %q",
				i, cuts, got, ok, want, wantOK, shortInput(data))
		}
	}
}

func TestWalk(t *testing.T) {
	inputs := []string{
		`{}`, `[]`, `{"a":"}"}`, `{"a":"\"}"}`, `{"a":"\\"}`, `{"a":"\\\"}"}`, `{"a":"x\\\\\\"}]"}`,
		`[{"a":[1,2,{"b":"]"}]},"}"]`, `{"a":"\{"}`, `{"a":"\}"}x}`, `{\"a":1}}`, `{"a` + "\\",
		`{"ua":"[aws-cli/2 os/linux]","k":{"x":"{\"p\":[\"a\"]}"},"l":[[],[{}]]}`,
		strings.Repeat(`{"a":"`+strings.Repeat(`\\`, 7)+`\"`, 3) + `"}}}`,
		"{" + strings.Repeat(`"k":"v",`, 40) + `"z":"` + strings.Repeat("]", 20) + `"}`,
	}
	inputs = append(inputs, testEvents...)
	for _, in := range inputs {
		data := []byte(in)
		checkWalk(t, data, nil)
		for cut := 1; cut < len(data); cut++ {
			checkWalk(t, data, []int{cut})
		}
		checkWalk(t, data, []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144})
	}
}
