//go:build libdeflate

package ingest

import (
	"bytes"
	"strings"
	"testing"
)

// TestWholeDifference pins the one difference the libdeflate build keeps:
// a block declaring 31 or 32 distance codes, which klauspost/compress
// refuses and libdeflate takes. With 30, both read the same record.
func TestWholeDifference(t *testing.T) {
	res, whole := bothPaths(t, "30 distance codes", bytesSrc(declaring(30)), wholeBudget{}, ReaderOptions{})
	if !whole || len(res.Items) != 1 || res.Items[0].Raw != "{}" || res.Err != nil {
		t.Fatalf("30 distance codes: read whole %v, %v, Err() %v", whole, res.Items, res.Err)
	}
	for _, n := range []int{31, 32} {
		rd := NewReader(bytes.NewReader(declaring(n)), "in", ReaderOptions{})
		got := runRd(rd)
		rs := NewReader(bytes.NewReader(declaring(n)), "in", ReaderOptions{})
		rs.whole.stream = true
		want := runRd(rs)
		if len(got.Items) != 1 || got.Err != nil || len(want.Items) != 0 || want.Err == nil || !strings.Contains(want.Err.Error(), "corrupt input") {
			t.Fatalf("%d distance codes: libdeflate %v, %v; streamed %v, %v", n, got.Items, got.Err, want.Items, want.Err)
		}
	}
}
