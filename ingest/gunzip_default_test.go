//go:build !libdeflate

package ingest

import (
	"fmt"
	"testing"
)

// TestWholeNoDifference: a block declaring 31 or 32 distance codes, which
// libdeflate takes (TestWholeDifference), is refused by internal/inflate as
// by klauspost/compress, so the Reader streams it and reports it corrupt.
func TestWholeNoDifference(t *testing.T) {
	for _, n := range []int{30, 31, 32} {
		res, whole := bothPaths(t, fmt.Sprintf("%d distance codes", n), bytesSrc(declaring(n)), wholeBudget{}, ReaderOptions{})
		if ok := n == 30; whole != ok || (res.Err == nil) != ok {
			t.Errorf("%d distance codes: read whole %v, Err() %v", n, whole, res.Err)
		}
	}
}
