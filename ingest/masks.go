package ingest

import (
	"math/bits"
	"slices"
)

// walkMasks is walk computed 64 bytes at a time, the way simdjson finds a
// document's structure: walkBlocks marks each block's quotes, backslashes
// and brackets in 64-bit masks, the string state follows from the quotes
// by a prefix XOR, and the brackets outside strings change the depth by
// their popcount; only a block that may close the container has its
// brackets visited one by one. A block with a backslash in it, or starting
// after one, is walked byte by byte here: escapes count only inside
// strings, which the masks cannot tell without the sequential state.
//
// The same pass marks the needle set's anchors (nib): walkMasks appends to
// an the anchor mask of every 64-byte block it reads from i, the last one
// cut at len(b), so that a record's needle check reads these instead of
// its bytes again (needleSet.inAnchors). It takes and returns what walk
// does, and an; but with hold, it leaves the bytes after the last whole
// block that has a byte after it (1 to 64) for the next call, which starts
// there with more bytes: the blocks stay aligned on the container's start
// across a refill, and its anchor masks one run. It then returns where it
// stopped and false.
func walkMasks(b []byte, i int, st *walkState, nib *nibbles, an []uint64, hold bool) (int, bool, []uint64) {
	var tail [2 * 64]byte
	for i < len(b) {
		// Whole blocks with a byte after them (for the anchor pairs).
		g, n := b[i:], min(walkRun, (len(b)-i-1)/64)
		if n == 0 && hold {
			return i, false, an
		}
		if n == 0 {
			// At most a block left: the same on a zero-padded copy (zero
			// bytes are none of the bytes that matter).
			copy(tail[:], b[i:])
			g, n = tail[:], 1
		}
		base := len(an)
		an = slices.Grow(an, n)[:base+n]
		for k := 0; k < n; {
			d, end := walkBlocks(g[64*k:], n-k, nib, st, an[base+k:])
			if k += d; end > 0 {
				return i + 64*k + end, true, cutAnchors(an[:base+k+1], i+64*k, len(b))
			}
			if k == n {
				break
			}
			// A backslash, or an escape pending: byte by byte.
			if j, ok := stepBytes(b[i+64*k:min(i+64*k+64, len(b))], st); ok {
				return i + 64*k + j, true, cutAnchors(an[:base+k+1], i+64*k, len(b))
			}
			k++
		}
		i += 64 * n
	}
	return len(b), false, cutAnchors(an, i-64, len(b))
}

// walkRun is how many blocks walkMasks hands walkBlocks at a time: the
// anchor masks grow by a run, not by the rest of the buffer, at once.
const walkRun = 64

// cutAnchors clears the bits of an's last mask, that of the block at b[at],
// for bytes at or past end: the zero padding of a last partial block.
func cutAnchors(an []uint64, at, end int) []uint64 {
	if n := end - at; n < 64 && len(an) > 0 {
		an[len(an)-1] &= 1<<n - 1
	}
	return an
}

// walkBlocksGo moves st over the first n 64-byte blocks of b (which holds
// at least one byte more), with walk's rules, storing in an[k] the anchor
// mask of block k: bit j is set when byte j is the anchor of a group of
// nib's needles and the byte after it may follow that anchor in one of the
// group's needles (nibbles.pair; no bits if nib is nil). It stops at the
// first block with a backslash or that starts with st.esc, leaving st as
// at the block's start (k is then less than n and end 0), or when the
// container closes in block k (end is then the index just past the
// closing bracket, from the block's start, 1 to 64). It returns the number
// of blocks walked before the stop, or n and 0. walkBlocksAVX2 does the
// same.
func walkBlocksGo(b []byte, n int, nib *nibbles, st *walkState, an []uint64) (k, end int) {
	var m [8][4]uint64
	for k0 := 0; k0 < n; k0 += 8 {
		c := blockMasks(b[64*k0:64*n], m[:])
		nib.pairs(b[64*k0:], an[k0:k0+c])
		for j := range c {
			q, bs, op, cl := m[j][0], m[j][1], m[j][2], m[j][3]
			if bs != 0 || st.esc {
				return k0 + j, 0
			}
			in := prefixXor(q) // bit k: an odd number of quotes at or before k
			if st.inStr {
				in = ^in
			}
			st.inStr = in>>63 == 1
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
					return k0 + j, t + 1
				}
			}
		}
	}
	return n, 0
}

// pairs fills an[k] with the anchor pair mask of the k-th 64-byte block of
// b (see walkBlocksGo), which holds a byte more than those blocks: the
// anchors by anchorMasks, then each kept if the byte after it may follow.
func (nib *nibbles) pairs(b []byte, an []uint64) {
	if nib == nil {
		clear(an)
		return
	}
	anchorMasks(b, &nib.anchors, an)
	for k := range an {
		for m := an[k]; m != 0; m &= m - 1 {
			j := 64*k + bits.TrailingZeros64(m)
			if !nib.pair(b[j], b[j+1]) {
				an[k] &^= 1 << (j - 64*k)
			}
		}
	}
}

// pair says c is an anchor that next may follow.
func (nib *nibbles) pair(c, next byte) bool {
	return nib.lo[c&15]&nib.hi[c>>4]&nib.nextLo[next&15]&nib.nextHi[next>>4] != 0
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
