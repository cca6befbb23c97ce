package ingest

import "bytes"

// The Reader's fast path (DESIGN.md §4): it uses only bytes.IndexByte and
// bytes.Count, which the runtime vectorises, and does not change what the
// Reader returns; the tests hold it to the straightforward version.
//
// walk finds where a record ends by visiting its brackets, not its bytes:
// a bracket counts unless it is inside a string, and between two brackets
// the string state changes with the parity of the quotes, counted in one
// call, unless a backslash is among them. A compact CloudTrail record has
// about 20 brackets and 300 quotes.

// walkState is where a walk stopped when the buffer ran out.
type walkState struct {
	depth int
	inStr bool // inside a string
	esc   bool // inside a string, after an odd run of backslashes
}

// index caches, for the Reader's buffer, the next position of each bracket
// and of a backslash at or after the last place it was asked about, so that
// each is searched for once per buffer, not once per record. It is reset
// whenever the buffer's contents change.
type index struct {
	ok                                  bool
	open, close, openSq, closeSq, slash int // len(buf) when there is none
}

func (x *index) reset() { x.ok = false }

// next returns the position of c in b at or after from, or len(b).
func next(b []byte, from int, c byte) int {
	if i := bytes.IndexByte(b[from:], c); i >= 0 {
		return from + i
	}
	return len(b)
}

// walk continues skipping a container in b from i, with the state st left
// by the previous call (zero at the container's opening bracket). It
// returns the index just past the container's closing bracket and true, or
// false when b ends first; st then holds the state at len(b). It reads b as
// skipping every byte would: outside strings, '"' opens a string and
// brackets count, whatever their kind; inside, '\\' escapes the next byte
// and an unescaped '"' closes it.
func (x *index) walk(b []byte, i int, st *walkState) (int, bool) {
	if !x.ok {
		x.ok = true
		x.open, x.close, x.openSq, x.closeSq, x.slash = -1, -1, -1, -1, -1
	}
	for {
		if x.open < i {
			x.open = next(b, i, '{')
		}
		if x.close < i {
			x.close = next(b, i, '}')
		}
		if x.openSq < i {
			x.openSq = next(b, i, '[')
		}
		if x.closeSq < i {
			x.closeSq = next(b, i, ']')
		}
		p := min(x.open, x.close, x.openSq, x.closeSq)
		if x.slash < i {
			x.slash = next(b, i, '\\')
		}
		if x.slash < p || st.esc {
			strState(b[i:p], st)
		} else if gap := b[i:p]; len(gap) < 16 {
			for _, c := range gap {
				if c == '"' {
					st.inStr = !st.inStr
				}
			}
		} else if bytes.Count(gap, quote)&1 == 1 {
			st.inStr = !st.inStr
		}
		if p == len(b) {
			return p, false
		}
		switch {
		case st.esc:
			st.esc = false // an escaped bracket, inside a string
		case st.inStr:
		case b[p] == '{' || b[p] == '[':
			st.depth++
		default:
			st.depth--
			if st.depth == 0 {
				return p + 1, true
			}
		}
		i = p + 1
	}
}

var quote = []byte{'"'}

// strState moves st over g, which holds no bracket, byte by byte.
func strState(g []byte, st *walkState) {
	for _, c := range g {
		switch {
		case st.esc:
			st.esc = false
		case !st.inStr:
			st.inStr = c == '"'
		case c == '\\':
			st.esc = true
		case c == '"':
			st.inStr = false
		}
	}
}
