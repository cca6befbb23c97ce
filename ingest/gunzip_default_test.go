//go:build !libdeflate

package ingest

// wholeHeld is what a Reader of the libdeflate build may hold beyond the
// default build's: nothing here.
const wholeHeld = 0
