//go:build libdeflate

package ingest

import (
	"errors"

	"github.com/denytrail/denytrail/internal/libdeflate"
)

// Gunzip names the gzip decompressor of this build, for `denytrail version`.
const Gunzip = "libdeflate " + libdeflate.Version + " (cgo, -tags libdeflate); klauspost/compress where libdeflate may not"

// inflater is the whole-input decompressor of this build. One difference
// from klauspost/compress remains, for crafted input only: libdeflate takes
// a dynamic block declaring more than 286 length or 30 distance codes,
// which the deflate format allows no encoder to use and klauspost/compress
// rejects; such a member whose CRC-32 and size check out is read here and
// reported corrupt by the default build.
type inflater = libdeflate.Decompressor

// newInflater returns a decompressor, or nil if libdeflate has no memory.
func newInflater() *inflater {
	f, _ := libdeflate.NewDecompressor()
	return f
}

// shortBuffer reports whether err says the output did not fit.
func shortBuffer(err error) bool { return errors.Is(err, libdeflate.ErrShortBuffer) }
