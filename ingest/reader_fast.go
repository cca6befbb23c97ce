package ingest

import (
	"bytes"
	"math/bits"
	"strings"
)

// The Reader's two fast paths (DESIGN.md §4). Neither changes what the
// Reader returns; the tests hold them to the straightforward versions.
// On amd64 both classify 64 bytes at a time with vector compares, in one
// pass over each record (masks.go: walkMasks marks the needles' anchors as
// it finds where the record ends; needleSet.inAnchors); elsewhere they use only
// bytes.IndexByte and bytes.Count, which the runtime vectorises (this
// file: walk, needleSet.inFind).
//
// walk finds where a record ends by visiting its brackets, not its bytes:
// a bracket counts unless it is inside a string, and between two brackets
// the string state changes with the parity of the quotes, counted in one
// call, unless a backslash is among them. A compact CloudTrail record has
// about 20 brackets and 300 quotes.
//
// needleSet decides whether a record can matter before Keep is asked:
// every record Keep accepts holds one of a few rare strings.

// walkState is where a walk stopped when the buffer ran out.
type walkState struct {
	depth int
	inStr bool // inside a string
	esc   bool // inside a string, after an odd run of backslashes
}

// index caches, for the Reader's buffer, the next position of each bracket
// and of a backslash at or after the last place walk asked about, so that
// each is searched for once per buffer, not once per record. It is reset
// whenever the buffer's contents change.
type index struct {
	ok                                  bool
	open, close, openSq, closeSq, slash int // len(buf) when there is none
}

// match is where a needle was found: buf[start:end].
type match struct{ start, end int }

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

// needleSet finds whether a record holds any of a set of byte strings. It
// looks for one rare byte (the anchor) shared by a group of needles and
// compares the needles around each hit, so that a dozen needles cost a few
// anchors rather than a dozen searches. Where anchorMasks is vectorised and
// there are at most eight anchors, one pass over the record marks every
// anchor at once (in); elsewhere each group is searched for with
// bytes.IndexByte (find).
type needleSet struct {
	groups []needleGroup
	nib    nibbles   // the groups' anchors, when there are at most eight
	group  [256]int8 // the group of the needles anchored on a byte, or -1
}

// nibbles describes up to eight anchor bytes for the vector code: bit g is
// set in lo[a&15] and hi[a>>4] for the anchor a of group g, so that a byte
// c is an anchor exactly when lo[c&15]&hi[c>>4] is not zero (two table
// lookups, PSHUFB, rather than a compare per anchor). nextLo and nextHi
// are the same for the bytes that follow g's anchor in g's needles (every
// byte if one ends with it): their AND holds bit g for each of those
// bytes, and for a few others. So an anchor followed by a byte that cannot
// follow it is dropped before any needle is compared: "Pr" (Principal)
// for the 'P' of Policy", PutBucketAcl" and PermissionsBoundary". anchors
// lists the anchor bytes, the first repeated to fill, for the compares of
// anchorMasks. The assembly reads the four tables at offsets 0 to 48.
type nibbles struct {
	lo, hi, nextLo, nextHi [16]byte
	anchors                [8]byte
}

type needleGroup struct {
	anchor  byte
	needles []anchored
	// next holds the bytes that follow the anchor in the needles, as a
	// bitset: most hits are rejected on it alone. last says a needle ends
	// with the anchor: then every hit is compared.
	next [4]uint64
	last bool
}

// anchored is a needle and the offset of its group's anchor in it; a
// needle holding the anchor twice appears twice.
type anchored struct {
	b   []byte
	off int
}

// byteFreq sorts bytes by how often they occur in CloudTrail JSON (measured
// on generated and published events): bytes in byteFreq[k] occur about
// once every 10·4^k bytes; bytes not listed are rarer still.
var byteFreq = [...]string{
	`"e`,
	`a:ts12n3ro-ci,dumpl`,
	`A.y06S/w4Ib5v897fgT{}RDh `,
	`_ECHOMVNPkzxGL#ZKWBUqFJXjQ`,
	`Y][+=`,
	`@()`,
	`;\`,
}

// hitCost weighs a hit of bytes.IndexByte, which costs a call and a
// comparison, against a pass over the input: a pass costs 1, a hit about
// as much as a pass over 250 bytes.
const hitCost = 250.0

// cost estimates searching for c: a pass plus the hits.
func cost(c byte) float64 {
	period := 10.0
	for _, f := range byteFreq {
		if strings.IndexByte(f, c) >= 0 {
			break
		}
		period *= 4
	}
	return 1 + hitCost/period
}

// compileNeedles groups needles by anchor: it picks anchors greedily, the
// byte covering the most needles per unit of search cost first. An empty
// needle matches everything: the set is then nil, and so is the set of no
// needles; a nil set lets every record through.
func compileNeedles(needles [][]byte) *needleSet {
	left := make([][]byte, 0, len(needles))
	for _, n := range needles {
		if len(n) == 0 {
			return nil
		}
		left = append(left, bytes.Clone(n))
	}
	if len(left) == 0 {
		return nil
	}
	set := new(needleSet)
	for len(left) > 0 {
		best, bestScore := byte(0), -1.0
		for _, n := range left {
			for _, c := range n {
				covered := 0
				for _, m := range left {
					if bytes.IndexByte(m, c) >= 0 {
						covered++
					}
				}
				if score := float64(covered) / cost(c); score > bestScore {
					best, bestScore = c, score
				}
			}
		}
		g := needleGroup{anchor: best}
		rest := left[:0]
		for _, n := range left {
			if bytes.IndexByte(n, best) < 0 {
				rest = append(rest, n)
				continue
			}
			for off, c := range n {
				if c != best {
					continue
				}
				g.needles = append(g.needles, anchored{n, off})
				if off+1 < len(n) {
					g.next[n[off+1]>>6] |= 1 << (n[off+1] & 63)
				} else {
					g.last = true
				}
			}
		}
		set.groups = append(set.groups, g)
		left = rest
	}
	for c := range set.group {
		set.group[c] = -1
	}
	for i, g := range set.groups {
		set.group[g.anchor] = int8(min(i, 127))
	}
	for i := range set.nib.anchors {
		set.nib.anchors[i] = set.groups[i%len(set.groups)].anchor
	}
	if set.masked() {
		nib := &set.nib
		for i, g := range set.groups {
			bit := byte(1) << i
			nib.lo[g.anchor&15] |= bit
			nib.hi[g.anchor>>4] |= bit
			for _, a := range g.needles {
				if a.off+1 == len(a.b) {
					for c := range nib.nextLo {
						nib.nextLo[c] |= bit
						nib.nextHi[c] |= bit
					}
					continue
				}
				c := a.b[a.off+1]
				nib.nextLo[c&15] |= bit
				nib.nextHi[c>>4] |= bit
			}
		}
	}
	return set
}

// find returns the first match of a needle of g in b[from:], the one whose
// anchor comes first, or a match at len(b) when there is none.
func (g *needleGroup) find(b []byte, from int) match {
	for i := from; ; {
		j := bytes.IndexByte(b[i:], g.anchor)
		if j < 0 {
			return match{len(b), len(b)}
		}
		if m, ok := g.at(b, from, i+j); ok {
			return m
		}
		i += j + 1
	}
}

// at returns the match in b[from:] of a needle of g whose anchor is at p.
func (g *needleGroup) at(b []byte, from, p int) (match, bool) {
	if i := p + 1; !g.last && (i == len(b) || g.next[b[i]>>6]&(1<<(b[i]&63)) == 0) {
		return match{}, false
	}
	for _, a := range g.needles {
		// The needle's first and last bytes before all of them: most
		// hits are words that only begin like a needle (accessKeyId).
		s, e := p-a.off, p-a.off+len(a.b)
		if s >= from && e <= len(b) && b[s] == a.b[0] && b[e-1] == a.b[len(a.b)-1] && bytes.Equal(b[s:e], a.b) {
			return match{s, e}, true
		}
	}
	return match{}, false
}

// masked says the set's anchors are marked 64 bytes at a time (nib):
// there are at most eight, and blocks are classified with vector code.
func (set *needleSet) masked() bool { return masksWalk && len(set.groups) <= len(set.nib.anchors) }

// anchorTables returns the set's nibbles for walkMasks, or nil when the
// set has none to mark.
func (set *needleSet) anchorTables() *nibbles {
	if set == nil || !set.masked() {
		return nil
	}
	return &set.nib
}

// in reports whether raw holds any needle of the set.
func (set *needleSet) in(raw []byte) bool {
	if !set.masked() {
		return set.inFind(raw)
	}
	return set.inMasks(raw)
}

// inFind is in with one bytes.IndexByte search per group.
func (set *needleSet) inFind(raw []byte) bool {
	for i := range set.groups {
		if set.groups[i].find(raw, 0).start < len(raw) {
			return true
		}
	}
	return false
}

// inMasks is in with one pass of anchorMasks; it needs at most
// len(set.nib.anchors) groups.
func (set *needleSet) inMasks(raw []byte) bool {
	var m [8]uint64
	for i := 0; i < len(raw); {
		n := anchorMasks(raw[i:], &set.nib.anchors, m[:])
		if n == 0 {
			var tail [64]byte
			copy(tail[:], raw[i:])
			anchorMasks(tail[:], &set.nib.anchors, m[:1])
			m[0] &= 1<<(len(raw)-i) - 1
			n = 1
		}
		for k := range n {
			for bm := m[k]; bm != 0; bm &= bm - 1 {
				p := i + 64*k + bits.TrailingZeros64(bm)
				if _, ok := set.groups[set.group[raw[p]]].at(raw, 0, p); ok {
					return true
				}
			}
		}
		i += 64 * n
	}
	return false
}

// inAnchors is in for a set that is masked, given the anchor masks of
// raw's 64-byte blocks, as walkMasks gathered them while finding raw's end:
// only the anchors are read again, not every byte.
func (set *needleSet) inAnchors(raw []byte, an []uint64) bool {
	for k, m := range an {
		for ; m != 0; m &= m - 1 {
			p := 64*k + bits.TrailingZeros64(m)
			if p >= len(raw) {
				return false
			}
			if _, ok := set.groups[set.group[raw[p]]].at(raw, 0, p); ok {
				return true
			}
		}
	}
	return false
}

// wants asks Keep about raw, unless raw holds none of the needles. an, when
// not nil, holds the anchor masks of raw's blocks (Reader.an).
func (r *Reader) wants(raw []byte, an []uint64) bool {
	switch {
	case r.needles == nil:
	case an != nil && r.needles.masked():
		if !r.needles.inAnchors(raw, an) {
			return false
		}
	case !r.needles.in(raw):
		return false
	}
	return r.keep(raw)
}
