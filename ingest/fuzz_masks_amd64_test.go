//go:build amd64 && !purego

package ingest

import (
	"slices"
	"testing"
)

// FuzzWalkBlocks holds the walk kernels (AVX2, AVX-512 where the CPU has
// them) to walkBlocksGo on any bytes, from any state, with needles made
// of the input's own bytes: the blocks walked, where and why the walk
// stopped, the state, and the anchor pair masks.
func FuzzWalkBlocks(f *testing.F) {
	f.Add([]byte(`{"a":"}\"{","b":[{"c":"errorCode"}]}`+"\x00"), 0, false, false, []byte("Co"))
	f.Add([]byte(`"]]]]\\"`+`{"eventVersion":"1.09","k":"\\\\\"]"}`), 3, true, false, []byte(`"]`))
	f.Add(make([]byte, 200), -1, false, true, []byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte, depth int, inStr, esc bool, needles []byte) {
		n := (len(b) - 1) / 64
		if n <= 0 {
			return
		}
		var nib *nibbles
		if len(needles) > 0 {
			var nd [][]byte
			for i := 0; i < len(needles); i += 3 {
				nd = append(nd, needles[i:min(i+3, len(needles))])
			}
			nib = compileNeedles(nd).anchorTables()
		}
		st := walkState{depth: depth % 100, inStr: inStr, esc: esc}
		wst, wan := st, make([]uint64, n)
		wk, wend := walkBlocksGo(b, n, nib, &wst, wan)
		kernels := map[string]func(*byte, int, *nibbles, *walkState, *uint64) (int, int){}
		if avx2 {
			kernels["walkBlocksAVX2"] = walkBlocksAVX2
		}
		if avx512 {
			kernels["walkBlocksAVX512"] = walkBlocksAVX512
		}
		for name, walk := range kernels {
			gst, gan := st, make([]uint64, n)
			gk, gend := walk(&b[0], n, orNone(nib), &gst, &gan[0])
			if gk != wk || gend != wend || gst != wst || !slices.Equal(gan[:min(gk+1, n)], wan[:min(wk+1, n)]) {
				t.Fatalf("from %+v over %q: %s %d, %d, %+v, anchors %x; walkBlocksGo %d, %d, %+v, %x",
					st, b, name, gk, gend, gst, gan, wk, wend, wst, wan)
			}
		}
	})
}
