package ingest

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestPools checks that Readers sharing pools, one after another and at
// once, read as Readers that allocate their own.
func TestPools(t *testing.T) {
	pools := NewPools()
	data := []byte(`{"Records":[` + strings.Join(testEvents, ",") + `]}`)
	zipped := gzipMembers(t, data, 2)
	want := runBytes(data, "in")
	done := make(chan refResult)
	for i := range 8 {
		go func() {
			in := data
			if i%2 == 1 {
				in = zipped
			}
			done <- runOpts(bytes.NewReader(in), "in", MaxRecordSize, readChunk, ReaderOptions{Pools: pools})
		}()
	}
	for range 8 {
		sameRun(t, "pooled", <-done, want, true)
	}
}

// TestPoolsNeedles checks that Readers sharing pools compile each set of
// needles once and read as Readers that compile their own.
func TestPoolsNeedles(t *testing.T) {
	pools := NewPools()
	a, b := pools.compiled(testNeedles), pools.compiled(slices.Clone(testNeedles))
	if a != b {
		t.Error("the same needles compiled twice")
	}
	// Needles that concatenate to the same bytes are another set.
	if pools.compiled([][]byte{[]byte("ab"), []byte("c")}) == pools.compiled([][]byte{[]byte("a"), []byte("bc")}) {
		t.Error("different needles share a compiled set")
	}
	data := []byte(`{"Records":[` + strings.Join(append(hostileEvents(3), testEvents...), ",") + `]}`)
	keep := needleKeep(t, testNeedles, true)
	want := runOpts(bytes.NewReader(data), "in", MaxRecordSize, readChunk, ReaderOptions{Keep: keep, Needles: testNeedles})
	for range 3 {
		got := runOpts(bytes.NewReader(data), "in", MaxRecordSize, readChunk, ReaderOptions{Keep: keep, Needles: testNeedles, Pools: pools})
		sameRun(t, "pooled needles", got, want, true)
	}
}
