package ingest

import "math/bits"

// walkMasks is walk computed 64 bytes at a time, the way simdjson finds a
// document's structure: blockMasks marks the block's quotes, backslashes
// and brackets in four 64-bit masks (one vector compare per kind and 16
// bytes), the string state follows from the quotes by a prefix XOR, and
// the brackets outside strings change the depth by their popcount. Only a
// block that may close the container has its brackets visited one by one.
// A block with a backslash in it, or starting after one, is walked byte by
// byte: escapes count only inside strings, which the masks cannot tell
// without the sequential state. It takes and returns what walk does.
func walkMasks(b []byte, i int, st *walkState) (int, bool) {
	var m [8][4]uint64
	for i < len(b) {
		n := blockMasks(b[i:], m[:])
		if n == 0 {
			// Less than a block left: the same on a zero-padded copy (zero
			// bytes are none of the bytes that matter).
			var tail [64]byte
			copy(tail[:], b[i:])
			blockMasks(tail[:], m[:1])
			n = 1
		}
		for k := range n {
			at := i + 64*k
			q, bs, op, cl := m[k][0], m[k][1], m[k][2], m[k][3]
			if bs != 0 || st.esc {
				g := b[at:min(at+64, len(b))]
				if j, ok := stepBytes(g, st); ok {
					return at + j, true
				}
				continue
			}
			in := prefixXor(q) // bit k: an odd number of quotes at or before k
			if st.inStr {
				in = ^in
			}
			if bits.OnesCount64(q)&1 == 1 {
				st.inStr = !st.inStr
			}
			op &^= in
			cl &^= in
			if nc := bits.OnesCount64(cl); nc < st.depth {
				st.depth += bits.OnesCount64(op) - nc
				continue
			}
			for all := op | cl; all != 0; all &= all - 1 {
				t := bits.TrailingZeros64(all)
				if op>>t&1 == 1 {
					st.depth++
					continue
				}
				if st.depth--; st.depth == 0 {
					return at + t + 1, true
				}
			}
		}
		i += 64 * n
	}
	return len(b), false
}

// prefixXor returns the mask whose bit k is the XOR of bits 0..k of x.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// stepBytes moves st over g byte by byte, with walk's rules, and returns
// the index just past the container's closing bracket and true, or len(g)
// and false.
func stepBytes(g []byte, st *walkState) (int, bool) {
	for k, c := range g {
		switch {
		case st.esc:
			st.esc = false
		case st.inStr:
			st.esc = c == '\\'
			st.inStr = c != '"'
		case c == '"':
			st.inStr = true
		case c == '{' || c == '[':
			st.depth++
		case c == '}' || c == ']':
			if st.depth--; st.depth == 0 {
				return k + 1, true
			}
		}
	}
	return len(g), false
}

// blockMasksGo fills out[k] with four masks of the k-th 64-byte block of
// b, bit j for byte j: quotes, backslashes, opening brackets ('{' and
// '['), closing brackets ('}' and ']'). It does as many whole blocks as b
// and out hold and returns how many.
func blockMasksGo(b []byte, out [][4]uint64) int {
	n := min(len(b)/64, len(out))
	for k := range n {
		var m [4]uint64
		for j, c := range b[64*k : 64*k+64] {
			bit := uint64(1) << j
			switch c {
			case '"':
				m[0] |= bit
			case '\\':
				m[1] |= bit
			case '{', '[':
				m[2] |= bit
			case '}', ']':
				m[3] |= bit
			}
		}
		out[k] = m
	}
	return n
}

// anchorMasksGo fills out[k] with the mask of the bytes of the k-th
// 64-byte block of b equal to one of anchors, for as many whole blocks as
// b and out hold, and returns how many.
func anchorMasksGo(b []byte, anchors *[8]byte, out []uint64) int {
	n := min(len(b)/64, len(out))
	for k := range n {
		var m uint64
		for j, c := range b[64*k : 64*k+64] {
			for _, a := range anchors {
				if c == a {
					m |= 1 << j
					break
				}
			}
		}
		out[k] = m
	}
	return n
}
