//go:build amd64 && !purego

package ingest

// masksWalk says skipContainer classifies 64 bytes at a time (walkMasks),
// which pays where blockMasks is vectorised.
const masksWalk = true

// blockMasksAsm is blockMasksGo in SSE2 (every amd64 CPU has it).
//
//go:noescape
func blockMasksAsm(p *byte, n int, out *[4]uint64)

// blockMasks fills out[k] with the masks of the k-th 64-byte block of b,
// for as many whole blocks as b and out hold (see blockMasksGo).
func blockMasks(b []byte, out [][4]uint64) int {
	n := min(len(b)/64, len(out))
	if n > 0 {
		blockMasksAsm(&b[0], n, &out[0])
	}
	return n
}

// anchorMasksAsm is anchorMasksGo in SSE2.
//
//go:noescape
func anchorMasksAsm(p *byte, n int, anchors *[8]byte, out *uint64)

// anchorMasks fills out[k] with the mask of the bytes of the k-th 64-byte
// block of b equal to one of anchors (see anchorMasksGo).
func anchorMasks(b []byte, anchors *[8]byte, out []uint64) int {
	n := min(len(b)/64, len(out))
	if n > 0 {
		anchorMasksAsm(&b[0], n, anchors, &out[0])
	}
	return n
}
