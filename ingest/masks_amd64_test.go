//go:build amd64 && !purego

package ingest

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMasksAssembly holds the assembly mask functions, SSE2 and (where
// the CPU has it) AVX2, to the Go ones on random blocks of the bytes that
// matter.
func TestMasksAssembly(t *testing.T) {
	t.Logf("AVX2: %v", avx2)
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("\"\\{}[]\x02\x22\x23\x3b\x5a\x5c\x5e\x7a\x7c\x7e\xdb\xfb\xfd\x00a")
	for range 1000 {
		n := 1 + r.IntN(9)
		b := make([]byte, 64*n)
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		var anchors [8]byte
		for i := range anchors {
			anchors[i] = alphabet[r.IntN(len(alphabet))]
		}
		want, wantA := make([][4]uint64, n), make([]uint64, n)
		blockMasksGo(b, want)
		anchorMasksGo(b, &anchors, wantA)
		got := make([][4]uint64, n)
		blockMasksSSE2(&b[0], n, &got[0])
		if !slices.Equal(got, want) {
			t.Fatalf("SSE2 on %q: masks %x, want %x", b, got, want)
		}
		for _, v := range []struct {
			name   string
			ok     bool
			anchor func(*byte, int, *[8]byte, *uint64)
		}{{"SSE2", true, anchorMasksSSE2}, {"AVX2", avx2, anchorMasksAVX2}} {
			if !v.ok {
				continue
			}
			gotA := make([]uint64, n)
			v.anchor(&b[0], n, &anchors, &gotA[0])
			if !slices.Equal(gotA, wantA) {
				t.Fatalf("%s on %q, anchors %q: masks %x, want %x", v.name, b, anchors, gotA, wantA)
			}
		}
	}
}

// TestWalkBlocksAssembly holds walkBlocksAVX2 and walkBlocksAVX512 (where
// the CPU has them) to walkBlocksGo (on SSE2
// masks) from random states over random blocks of the bytes that matter,
// with random needles: the blocks walked, where it stopped and why, the
// state, and every anchor pair mask stored.
func TestWalkBlocksAssembly(t *testing.T) {
	type kernel struct {
		name string
		walk func(*byte, int, *nibbles, *walkState, *uint64) (int, int)
	}
	var kernels []kernel
	if avx2 {
		kernels = append(kernels, kernel{"walkBlocksAVX2", walkBlocksAVX2})
	}
	if avx512 {
		kernels = append(kernels, kernel{"walkBlocksAVX512", walkBlocksAVX512})
	}
	t.Logf("AVX2 %v, AVX-512 %v", avx2, avx512)
	if len(kernels) == 0 {
		t.Skip("no AVX2: walkBlocks runs walkBlocksGo")
	}
	r := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("\"\"\"\\{}[]{}\x02\x22\x23\x3b\x5a\x5c\x5e\x7a\x7c\x7e\xdb\xfb\xfd\x00a")
	stops := map[string]int{}
	for range 20000 {
		n := 1 + r.IntN(12)
		b := make([]byte, 64*n+1) // and the byte after the blocks
		for i := range b {
			switch {
			case r.IntN(4) == 0:
				b[i] = byte(r.IntN(256))
			case r.IntN(3) == 0 && b[max(i-1, 0)] == '\\':
				b[i] = 'x' // fewer backslash blocks: the walk goes on
			default:
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			if r.IntN(8) != 0 && b[i] == '\\' {
				b[i] = 'y'
			}
		}
		var nib *nibbles
		if r.IntN(5) != 0 {
			var needles [][]byte
			for range 1 + r.IntN(10) {
				needles = append(needles, []byte{alphabet[r.IntN(len(alphabet))], alphabet[r.IntN(len(alphabet))]})
			}
			nib = compileNeedles(needles).anchorTables()
		}
		st := walkState{depth: r.IntN(6) - 1, inStr: r.IntN(2) == 0, esc: r.IntN(8) == 0}
		wst := st
		wan := make([]uint64, n)
		wk, wend := walkBlocksGo(b, n, nib, &wst, wan)
		for _, v := range kernels {
			gst := st
			gan := make([]uint64, n)
			gk, gend := v.walk(&b[0], n, orNone(nib), &gst, &gan[0])
			if gk != wk || gend != wend || gst != wst || !slices.Equal(gan[:min(gk+1, n)], wan[:min(wk+1, n)]) {
				t.Fatalf("from %+v over %q: %s %d, %d, %+v, anchors %x; walkBlocksGo %d, %d, %+v, %x",
					st, b, v.name, gk, gend, gst, gan, wk, wend, wst, wan)
			}
		}
		switch {
		case wend > 0:
			stops["closed"]++
		case wk < n:
			stops["backslash"]++
		default:
			stops["walked all"]++
		}
	}
	t.Logf("stops: %v", stops)
	for _, s := range []string{"closed", "backslash", "walked all"} {
		if stops[s] < 1000 {
			t.Errorf("only %d cases %s: %v", stops[s], s, stops)
		}
	}
}

func orNone(nib *nibbles) *nibbles {
	if nib == nil {
		return new(nibbles)
	}
	return nib
}
