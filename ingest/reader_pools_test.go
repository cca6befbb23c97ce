package ingest

import (
	"bytes"
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
