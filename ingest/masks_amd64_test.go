//go:build amd64 && !purego

package ingest

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMasksAssembly holds both assembly versions, SSE2 and (where the CPU
// has it) AVX2, to the Go ones on random blocks of the bytes that matter.
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
		for _, v := range []struct {
			name   string
			ok     bool
			masks  func(*byte, int, *[4]uint64)
			anchor func(*byte, int, *[8]byte, *uint64)
		}{{"SSE2", true, blockMasksSSE2, anchorMasksSSE2}, {"AVX2", avx2, blockMasksAVX2, anchorMasksAVX2}} {
			if !v.ok {
				continue
			}
			got, gotA := make([][4]uint64, n), make([]uint64, n)
			v.masks(&b[0], n, &got[0])
			v.anchor(&b[0], n, &anchors, &gotA[0])
			if !slices.Equal(got, want) || !slices.Equal(gotA, wantA) {
				t.Fatalf("%s on %q, anchors %q: masks %x %x, want %x %x", v.name, b, anchors, got, gotA, want, wantA)
			}
		}
	}
}
