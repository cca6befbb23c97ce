// Package inflate decompresses a gzip member (RFC 1952, deflate RFC 1951)
// held whole in memory into a buffer, in pure Go, about twice as fast here
// as klauspost/compress's streaming reader, which reads its input a byte at
// a time and its output through a window. It is the default build's
// counterpart of internal/libdeflate and follows libdeflate's design: a
// 64-bit bit buffer refilled a word at a time, decode tables whose entries
// carry a length's or distance's base and extra bits so that one lookup
// and one shift decode them, and match copies a word at a time wherever the
// output has room to spare.
//
// It accepts only what klauspost/compress accepts: the same header rules,
// complete Huffman codes (or zlib's single one-bit code), at most 286
// length and 30 distance codes, no symbol 286, 287, 30 or 31, no distance
// reaching before the member's first byte, and a trailer whose CRC-32 and
// size match. Anything else is an error, and a caller that must report
// klauspost/compress's exact error and position streams the input through
// it instead.
package inflate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math/bits"
)

var (
	// ErrShortBuffer is the error of a member that does not fit out.
	ErrShortBuffer = errors.New("inflate: output buffer too small")
	// ErrBadData is the error of input that is not one valid gzip member.
	ErrBadData = errors.New("inflate: invalid gzip data")
)

// Table sizes. litBits and distBits are the bits the primary tables index
// by (libdeflate's choice); longer codes go on in subtables. The bounds are
// zlib's "enough" for complete codes of those symbol counts and a 15-bit
// longest code; build checks them anyway.
const (
	litBits    = 11
	distBits   = 8
	preBits    = 7
	litEnough  = 2342
	distEnough = 402
)

// Entry layout: bits 0-4 the bits to consume (codeword and extra bits),
// bits 8-11 the codeword's own bits (the extra bits follow them), bits
// 16-31 the value: a literal byte, a length or distance base, or a
// subtable's start. For a subtable pointer, bits 0-4 are the primary
// table's bits and bits 8-11 the subtable's.
const (
	fLiteral  = 1 << 15
	fSubtable = 1 << 14
	fEOB      = 1 << 13
	fInvalid  = 1 << 12
)

// Decompressor holds the decode tables. Its zero value is ready to use; it
// is not safe for concurrent use.
type Decompressor struct {
	lit  [litEnough]uint32
	dist [distEnough]uint32
	pre  [1 << preBits]uint32
	lens [286 + 30]uint8

	fixed bool // lit and dist hold the fixed codes
}

var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	preOrder    = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// kind says what a table decodes, and so what its entries hold.
type kind int

const (
	kindPre kind = iota
	kindLit
	kindDist
)

// entry returns the table entry of symbol s of kind k, whose codeword (or,
// in a subtable, what is left of it) is n bits long.
func entry(k kind, s int, n uint32) uint32 {
	switch k {
	case kindPre:
		return uint32(s)<<16 | n<<8 | n
	case kindLit:
		switch {
		case s < 256:
			return uint32(s)<<16 | fLiteral | n<<8 | n
		case s == 256:
			return fEOB | n<<8 | n
		case s < 286:
			return uint32(lengthBase[s-257])<<16 | n<<8 | (n + uint32(lengthExtra[s-257]))
		}
	case kindDist:
		if s < 30 {
			return uint32(distBase[s])<<16 | n<<8 | (n + uint32(distExtra[s]))
		}
	}
	return fInvalid | n<<8 | n
}

// build fills table t (primary bits pb) for the code lengths lens of kind
// k. It reports false for an over-subscribed or incomplete code, except an
// empty one or a single one-bit code (zlib's and klauspost/compress's
// exceptions), whose unused codewords decode as invalid.
func build(t []uint32, pb uint, lens []uint8, k kind) bool {
	var count [16]int
	for _, n := range lens {
		count[n]++
	}
	count[0] = 0
	maxLen := 0
	for n := 15; n > 0; n-- {
		if count[n] != 0 {
			maxLen = n
			break
		}
	}
	var next [16]int
	code := 0
	for n := 1; n <= 15; n++ {
		code = (code + count[n-1]) << 1
		next[n] = code
	}
	// The Kraft sum, in units of the longest code.
	sum := 0
	for n := 1; n <= maxLen; n++ {
		sum += count[n] << (maxLen - n)
	}
	if maxLen != 0 && sum != 1<<maxLen && !(sum == 1 && maxLen == 1) {
		return false
	}
	primary := t[:1<<pb]
	inv := uint32(fInvalid)
	for i := range primary {
		primary[i] = inv
	}
	if maxLen == 0 {
		return true
	}
	// Subtables: for every primary slot that longer codes share, as many
	// bits as the longest of them needs beyond pb.
	var sub [1 << litBits]uint8
	long := maxLen > int(pb)
	if long {
		c := next
		for _, n := range lens {
			if int(n) > int(pb) {
				rev := reverse(c[n], n)
				c[n]++
				p := rev & (1<<pb - 1)
				sub[p] = max(sub[p], n-uint8(pb))
			} else if n != 0 {
				c[n]++
			}
		}
	}
	var start [1 << litBits]uint32
	end := uint32(1) << pb
	if long {
		for p := range primary {
			if sub[p] != 0 {
				size := uint32(1) << sub[p]
				if int(end+size) > len(t) {
					return false
				}
				start[p] = end
				primary[p] = end<<16 | fSubtable | uint32(sub[p])<<8 | uint32(pb)
				for i := end; i < end+size; i++ {
					t[i] = inv
				}
				end += size
			}
		}
	}
	for s, n := range lens {
		if n == 0 {
			continue
		}
		rev := reverse(next[n], n)
		next[n]++
		if uint(n) <= pb {
			e := entry(k, s, uint32(n))
			for j := rev; j < 1<<pb; j += 1 << n {
				primary[j] = e
			}
			continue
		}
		p := rev & (1<<pb - 1)
		rest := n - uint8(pb)
		e := entry(k, s, uint32(rest))
		st := t[start[p] : start[p]+1<<sub[p]]
		for j := rev >> pb; j < uint32(len(st)); j += 1 << rest {
			st[j] = e
		}
	}
	return true
}

// reverse returns the n-bit code c with its bits reversed: deflate sends
// codes from their most significant bit, the bit buffer holds the first
// bit lowest.
func reverse(c int, n uint8) uint32 {
	return uint32(bits.Reverse16(uint16(c)) >> (16 - n))
}

// Gunzip decompresses the gzip member at the start of in into out, checking
// its CRC-32 and size. It returns how many bytes of in the member took,
// header and trailer included, and how many of out it filled; the error is
// ErrShortBuffer if the member holds more than len(out) bytes, ErrBadData
// if in does not start with one valid member.
func (d *Decompressor) Gunzip(in, out []byte) (inN, outN int, err error) {
	start, ok := Header(in)
	if !ok {
		return 0, 0, ErrBadData
	}
	end, outN, err := d.inflate(in, start, out)
	if err != nil {
		return 0, 0, err
	}
	if end+8 > len(in) {
		return 0, 0, ErrBadData
	}
	crc := binary.LittleEndian.Uint32(in[end:])
	size := binary.LittleEndian.Uint32(in[end+4:])
	if crc != crc32.ChecksumIEEE(out[:outN]) || size != uint32(outN) {
		return 0, 0, ErrBadData
	}
	return end + 8, outN, nil
}

// Header returns where the deflate stream of the gzip member at the start
// of in begins, and whether its header is one klauspost/compress accepts:
// magic, method, no reserved flag, an extra field that fits, a name and a
// comment of at most 511 bytes. A header CRC (FHCRC) is refused too, and
// left to klauspost/compress, which checks it.
func Header(in []byte) (start int, ok bool) {
	const fhcrc, fextra, fname, fcomment = 1 << 1, 1 << 2, 1 << 3, 1 << 4
	if len(in) < 10 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8 {
		return 0, false
	}
	flg := in[3]
	if flg&fhcrc != 0 || flg>>5 != 0 {
		return 0, false
	}
	i := 10
	if flg&fextra != 0 {
		if len(in) < i+2 {
			return 0, false
		}
		i += 2 + int(binary.LittleEndian.Uint16(in[i:]))
		if i > len(in) {
			return 0, false
		}
	}
	for _, f := range [...]byte{fname, fcomment} {
		if flg&f != 0 {
			n := bytes.IndexByte(in[i:], 0)
			if n < 0 || n > 511 {
				return 0, false
			}
			i += n + 1
		}
	}
	return i, true
}

// bitReader reads a deflate stream's bits: bb holds the next nb of them,
// first bit lowest, and its bits above nb are the stream's next bits or
// zero, so that a refill may OR a word over them. Past the end of in it
// adds zero bytes, counted in over: consuming one is an error (checked by
// overread).
type bitReader struct {
	in   []byte
	ip   int // the next byte of in to load
	bb   uint64
	nb   uint
	over int
}

// fill tops bb up to at least 57 bits, a byte at a time.
func (br *bitReader) fill() {
	for br.nb <= 56 {
		if br.ip < len(br.in) {
			br.bb |= uint64(br.in[br.ip]) << br.nb
			br.ip++
		} else {
			br.over++
		}
		br.nb += 8
	}
}

// bits consumes and returns the next n bits (n <= 32).
func (br *bitReader) bits(n uint) uint64 {
	if br.nb < n {
		br.fill()
	}
	v := br.bb & (1<<n - 1)
	br.bb >>= n
	br.nb -= n
	return v
}

// overread reports whether a bit past the end of in was consumed.
func (br *bitReader) overread() bool { return br.over*8 > int(br.nb) }

// align drops the bits up to the next byte boundary and returns the offset
// in in of that byte.
func (br *bitReader) align() int {
	br.bb >>= br.nb & 7
	br.nb -= br.nb & 7
	return br.ip + br.over - int(br.nb/8)
}

// fixedLit and fixedDist are the code lengths of the fixed Huffman codes.
var fixedLit, fixedDist = func() (l [288]uint8, d [32]uint8) {
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	for i := range d {
		d[i] = 5
	}
	return l, d
}()

// inflate decompresses the deflate stream at in[ip:] into out. It returns
// where the stream ends in in (the byte after its last) and how many bytes
// it wrote.
func (d *Decompressor) inflate(in []byte, ip int, out []byte) (end, op int, err error) {
	br := &bitReader{in: in, ip: ip}
	for final := false; !final; {
		final = br.bits(1) == 1
		switch br.bits(2) {
		case 0: // stored
			pos := br.align()
			if br.overread() || pos+4 > len(in) {
				return 0, 0, ErrBadData
			}
			*br = bitReader{in: in}
			n := int(binary.LittleEndian.Uint16(in[pos:]))
			if uint16(n) != ^binary.LittleEndian.Uint16(in[pos+2:]) || pos+4+n > len(in) {
				return 0, 0, ErrBadData
			}
			if op+n > len(out) {
				return 0, 0, ErrShortBuffer
			}
			op += copy(out[op:], in[pos+4:pos+4+n])
			br.ip = pos + 4 + n
			continue
		case 1: // fixed Huffman codes
			if !d.fixed {
				build(d.lit[:], litBits, fixedLit[:], kindLit)
				build(d.dist[:], distBits, fixedDist[:], kindDist)
				d.fixed = true
			}
		case 2: // dynamic Huffman codes
			d.fixed = false
			if err := d.readTables(br); err != nil {
				return 0, 0, err
			}
		default:
			return 0, 0, ErrBadData
		}
		if op, err = d.block(br, out, op); err != nil {
			return 0, 0, err
		}
	}
	// The stream ends at the byte holding its last bit.
	end = br.align()
	if br.overread() {
		return 0, 0, ErrBadData
	}
	return end, op, nil
}

// readTables reads a dynamic block's code lengths and builds its tables.
func (d *Decompressor) readTables(br *bitReader) error {
	nlit := int(br.bits(5)) + 257
	ndist := int(br.bits(5)) + 1
	npre := int(br.bits(4)) + 4
	if nlit > 286 || ndist > 30 {
		return ErrBadData
	}
	var pl [19]uint8
	for i := range npre {
		pl[preOrder[i]] = uint8(br.bits(3))
	}
	if !build(d.pre[:], preBits, pl[:], kindPre) {
		return ErrBadData
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if br.nb < 14 { // a 7-bit codeword and 7 extra bits
			br.fill()
		}
		e := d.pre[br.bb&(1<<preBits-1)]
		if e&fInvalid != 0 {
			return ErrBadData
		}
		br.bits(uint(e & 31))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return ErrBadData
			}
			v = lens[i-1]
			rep = 3 + int(br.bits(2))
		case 17:
			rep = 3 + int(br.bits(3))
		default:
			rep = 11 + int(br.bits(7))
		}
		if i+rep > len(lens) {
			return ErrBadData
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !build(d.lit[:], litBits, lens[:nlit], kindLit) || !build(d.dist[:], distBits, lens[nlit:], kindDist) {
		return ErrBadData
	}
	if br.overread() {
		return ErrBadData
	}
	return nil
}

// block decodes one block's symbols with the tables in d into out from op,
// up to its end-of-block code, and returns where its output ends.
func (d *Decompressor) block(br *bitReader, out []byte, op int) (int, error) {
	in, ip, bb, nb := br.in, br.ip, br.bb, br.nb
	lit, dist := &d.lit, &d.dist
	const litMask, distMask = 1<<litBits - 1, 1<<distBits - 1
	// The fast loop, while in has a word to load for each of two refills
	// and out room for a literal and a match with a word's overrun. At its
	// top bb holds at least 56 bits and e is the table entry they start
	// with, looked up before the last refill, as libdeflate does: each
	// entry's lookup overlaps the work before it. An entry's bits (its
	// codeword and extra bits) are consumed before its kind is known; the
	// extra bits are then read from sb, the bits before.
	if ip+16 <= len(in) {
		bb |= binary.LittleEndian.Uint64(in[ip:]) << nb
		ip += int(63-nb) >> 3
		nb |= 56
	}
	e := lit[bb&litMask]
	for ip+16 <= len(in) && op+272 <= len(out) {
		sb := bb
		bb >>= e & 31
		nb -= uint(e & 31)
		if e&fLiteral != 0 {
			// A second entry on the same bits (each takes at most 20).
			c := byte(e >> 16)
			e = lit[bb&litMask]
			sb = bb
			bb >>= e & 31
			nb -= uint(e & 31)
			out[op] = c
			op++
			if e&fLiteral != 0 {
				c := byte(e >> 16)
				e = lit[bb&litMask]
				bb |= binary.LittleEndian.Uint64(in[ip:]) << nb
				ip += int(63-nb) >> 3
				nb |= 56
				out[op] = c
				op++
				continue
			}
		}
		if e&(fSubtable|fEOB|fInvalid) != 0 {
			if e&fSubtable == 0 {
				if e&fInvalid != 0 {
					return 0, ErrBadData
				}
				br.ip, br.bb, br.nb = ip, bb, nb
				return op, nil
			}
			e = lit[(e>>16)+uint32(bb&(1<<(e>>8&15)-1))]
			sb = bb
			bb >>= e & 31
			nb -= uint(e & 31)
			if e&fLiteral != 0 {
				c := byte(e >> 16)
				e = lit[bb&litMask]
				bb |= binary.LittleEndian.Uint64(in[ip:]) << nb
				ip += int(63-nb) >> 3
				nb |= 56
				out[op] = c
				op++
				continue
			}
			if e&(fEOB|fInvalid) != 0 {
				if e&fInvalid != 0 {
					return 0, ErrBadData
				}
				br.ip, br.bb, br.nb = ip, bb, nb
				return op, nil
			}
		}
		// A length: its base, and its extra bits after the codeword.
		length := int(e>>16) + int((sb&(1<<(e&31)-1))>>(e>>8&15))
		e = dist[bb&distMask]
		if nb < 28 { // a distance's codeword and extra bits
			bb |= binary.LittleEndian.Uint64(in[ip:]) << nb
			ip += int(63-nb) >> 3
			nb |= 56
		}
		if e&fSubtable != 0 {
			bb >>= distBits
			nb -= distBits
			e = dist[(e>>16)+uint32(bb&(1<<(e>>8&15)-1))]
		}
		if e&fInvalid != 0 {
			return 0, ErrBadData
		}
		sb = bb
		bb >>= e & 31
		nb -= uint(e & 31)
		dst := int(e>>16) + int((sb&(1<<(e&31)-1))>>(e>>8&15))
		if dst > op {
			return 0, ErrBadData
		}
		bb |= binary.LittleEndian.Uint64(in[ip:]) << nb
		ip += int(63-nb) >> 3
		nb |= 56
		e = lit[bb&litMask]
		// The copy, a word at a time where the distance allows, into the
		// room out has past the match.
		src := op - dst
		switch {
		case length > 32 && dst >= length:
			copy(out[op:op+length], out[src:src+length])
		case dst >= 8:
			binary.LittleEndian.PutUint64(out[op:], binary.LittleEndian.Uint64(out[src:]))
			binary.LittleEndian.PutUint64(out[op+8:], binary.LittleEndian.Uint64(out[src+8:]))
			for n := 16; n < length; n += 8 {
				binary.LittleEndian.PutUint64(out[op+n:], binary.LittleEndian.Uint64(out[src+n:]))
			}
		case dst == 1:
			v := 0x0101010101010101 * uint64(out[src])
			for n := 0; n < length; n += 8 {
				binary.LittleEndian.PutUint64(out[op+n:], v)
			}
		default:
			for n := range length {
				out[op+n] = out[src+n]
			}
		}
		op += length
	}
	// The careful loop, for the last bytes of in or of out.
	br.ip, br.bb, br.nb = ip, bb, nb
	for {
		br.fill()
		if br.overread() {
			return 0, ErrBadData
		}
		e := lit[br.bb&litMask]
		if e&fSubtable != 0 {
			br.bits(litBits)
			e = lit[(e>>16)+uint32(br.bb&(1<<(e>>8&15)-1))]
		}
		if e&fInvalid != 0 {
			return 0, ErrBadData
		}
		if e&(fLiteral|fEOB) != 0 {
			br.bits(uint(e & 31))
			if e&fEOB != 0 {
				return op, nil // overread checked by the caller
			}
			if op >= len(out) {
				return 0, ErrShortBuffer
			}
			out[op] = byte(e >> 16)
			op++
			continue
		}
		length := int(e>>16) + int(br.bits(uint(e&31))>>(e>>8&15))
		br.fill()
		e = dist[br.bb&distMask]
		if e&fSubtable != 0 {
			br.bits(distBits)
			e = dist[(e>>16)+uint32(br.bb&(1<<(e>>8&15)-1))]
		}
		if e&fInvalid != 0 {
			return 0, ErrBadData
		}
		dst := int(e>>16) + int(br.bits(uint(e&31))>>(e>>8&15))
		if br.overread() || dst > op {
			return 0, ErrBadData
		}
		if op+length > len(out) {
			return 0, ErrShortBuffer
		}
		for n := range length {
			out[op+n] = out[op-dst+n]
		}
		op += length
	}
}
