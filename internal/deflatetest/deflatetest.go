// Package deflatetest writes deflate streams bit by bit and wraps them in
// gzip members, for tests of decoders on streams no encoder writes.
package deflatetest

import (
	"encoding/binary"
	"hash/crc32"
)

// BitWriter packs bits as deflate does: values from their least
// significant bit, Huffman codes from their most significant.
type BitWriter struct {
	b    []byte
	acc  uint64
	bits uint
}

// Val writes the n low bits of v, least significant first.
func (w *BitWriter) Val(v uint64, n uint) {
	w.acc |= v << w.bits
	w.bits += n
	for w.bits >= 8 {
		w.b = append(w.b, byte(w.acc))
		w.acc >>= 8
		w.bits -= 8
	}
}

// Code writes the n-bit Huffman code c, most significant bit first.
func (w *BitWriter) Code(c uint64, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.Val(c>>uint(i)&1, 1)
	}
}

// Align pads with zero bits to the next byte boundary.
func (w *BitWriter) Align() {
	if w.bits > 0 {
		w.Val(0, 8-w.bits)
	}
}

// Bytes returns the stream written, its last byte padded with zeros.
func (w *BitWriter) Bytes() []byte {
	w.Align()
	return w.b
}

// Member wraps the raw deflate stream of data in a bare gzip header and a
// trailer with data's CRC-32 and size.
func Member(deflate, data []byte) []byte {
	z := append([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, deflate...)
	z = binary.LittleEndian.AppendUint32(z, crc32.ChecksumIEEE(data))
	return binary.LittleEndian.AppendUint32(z, uint32(len(data)))
}
