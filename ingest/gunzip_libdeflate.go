//go:build libdeflate

package ingest

import (
	"errors"

	"github.com/denytrail/denytrail/internal/inflate"
	"github.com/denytrail/denytrail/internal/libdeflate"
)

// Gunzip names the gzip decompressor of this build, for `denytrail version`.
const Gunzip = "libdeflate " + libdeflate.Version + " (cgo, -tags libdeflate); klauspost/compress where libdeflate may not"

// inflater is the whole-input decompressor of this build: libdeflate, for
// a member whose header klauspost/compress accepts (inflate.Header), since
// libdeflate does not check a header CRC-16 and takes names and comments
// of any length. One difference from klauspost/compress remains, for
// crafted input only: libdeflate takes a dynamic block declaring more than
// 286 length or 30 distance codes, which the deflate format allows no
// encoder to use and klauspost/compress rejects; such a member whose
// CRC-32 and size check out is read here and reported corrupt by the
// default build.
type inflater struct{ d *libdeflate.Decompressor }

// newInflater returns a decompressor, or nil if libdeflate has no memory.
func newInflater() *inflater {
	d, err := libdeflate.NewDecompressor()
	if err != nil {
		return nil
	}
	return &inflater{d}
}

// Gunzip decompresses the member at the start of in into out, as
// libdeflate.Decompressor.Gunzip does, if inflate.Header accepts its header.
func (f *inflater) Gunzip(in, out []byte) (inN, outN int, err error) {
	if _, ok := inflate.Header(in); !ok {
		return 0, 0, libdeflate.ErrBadData
	}
	return f.d.Gunzip(in, out)
}

// shortBuffer reports whether err says the output did not fit.
func shortBuffer(err error) bool { return errors.Is(err, libdeflate.ErrShortBuffer) }
