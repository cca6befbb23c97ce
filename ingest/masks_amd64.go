//go:build amd64 && !purego

package ingest

// masksWalk says skipContainer classifies 64 bytes at a time (walkMasks),
// which pays where blockMasks is vectorised.
const masksWalk = true

// avx2 says the CPU runs the AVX2 versions (32 bytes per compare, with
// POPCNT and PCLMULQDQ); every amd64 CPU runs the SSE2 ones (16).
// Read-only after initialisation.
var avx2 = cpuAVX2()

func cpuAVX2() bool

// avx512 says the CPU runs walkBlocksAVX512 (AVX-512 F and BW: 64 bytes
// per compare, into a mask register). Read-only after initialisation.
var avx512 = avx2 && cpuAVX512()

func cpuAVX512() bool

// blockMasksSSE2 is blockMasksGo in assembly.
//
//go:noescape
func blockMasksSSE2(p *byte, n int, out *[4]uint64)

// blockMasks fills out[k] with the masks of the k-th 64-byte block of b,
// for as many whole blocks as b and out hold (see blockMasksGo).
func blockMasks(b []byte, out [][4]uint64) int {
	n := min(len(b)/64, len(out))
	if n > 0 {
		blockMasksSSE2(&b[0], n, &out[0])
	}
	return n
}

// anchorMasksSSE2 and anchorMasksAVX2 are anchorMasksGo in assembly.
//
//go:noescape
func anchorMasksSSE2(p *byte, n int, anchors *[8]byte, out *uint64)

//go:noescape
func anchorMasksAVX2(p *byte, n int, anchors *[8]byte, out *uint64)

// anchorMasks fills out[k] with the mask of the bytes of the k-th 64-byte
// block of b equal to one of anchors (see anchorMasksGo).
func anchorMasks(b []byte, anchors *[8]byte, out []uint64) int {
	n := min(len(b)/64, len(out))
	switch {
	case n == 0:
	case avx2:
		anchorMasksAVX2(&b[0], n, anchors, &out[0])
	default:
		anchorMasksSSE2(&b[0], n, anchors, &out[0])
	}
	return n
}

// walkBlocksAVX2 and walkBlocksAVX512 are walkBlocksGo in assembly.
//
//go:noescape
func walkBlocksAVX2(p *byte, n int, nib *nibbles, st *walkState, an *uint64) (k, end int)

//go:noescape
func walkBlocksAVX512(p *byte, n int, nib *nibbles, st *walkState, an *uint64) (k, end int)

// walkBlocks is walkBlocksGo, in one AVX-512 or AVX2 pass where the CPU
// has it.
func walkBlocks(b []byte, n int, nib *nibbles, st *walkState, an []uint64) (k, end int) {
	_ = b[64*n] // the byte after the blocks
	_ = an[:n]
	if !avx2 {
		return walkBlocksGo(b, n, nib, st, an)
	}
	if n == 0 {
		return 0, 0
	}
	var none nibbles // no byte is an anchor
	if nib == nil {
		nib = &none
	}
	if avx512 {
		return walkBlocksAVX512(&b[0], n, nib, st, &an[0])
	}
	return walkBlocksAVX2(&b[0], n, nib, st, &an[0])
}
