//go:build !amd64 || purego

package ingest

// masksWalk is false where blockMasks is plain Go: the bracket-to-bracket
// walk, built on the runtime's vectorised IndexByte, is faster there.
const masksWalk = false

// blockMasks is blockMasksGo.
func blockMasks(b []byte, out [][4]uint64) int { return blockMasksGo(b, out) }

// anchorMasks is anchorMasksGo.
func anchorMasks(b []byte, anchors *[8]byte, out []uint64) int { return anchorMasksGo(b, anchors, out) }

// walkBlocks is walkBlocksGo.
func walkBlocks(b []byte, n int, nib *nibbles, st *walkState, an []uint64) (k, end int) {
	return walkBlocksGo(b, n, nib, st, an)
}
