//go:build libdeflate

package libdeflate

// libdeflate is linked statically on Linux (Debian's libdeflate-dev ships
// libdeflate.a), so a binary needs no libdeflate at run time.

/*
#cgo linux LDFLAGS: -l:libdeflate.a
#cgo !linux LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// Version is the version of the libdeflate linked in.
const Version = C.LIBDEFLATE_VERSION_STRING

var (
	// ErrShortBuffer is the error of a member that does not fit out.
	ErrShortBuffer = errors.New("libdeflate: output buffer too small")
	// ErrBadData is the error of input that is not a valid gzip member.
	ErrBadData = errors.New("libdeflate: invalid or unsupported gzip data")
	// ErrNoMemory is the error of NewDecompressor when libdeflate has none.
	ErrNoMemory = errors.New("libdeflate: out of memory")
)

// Decompressor is a libdeflate decompressor. It is not safe for concurrent
// use; its C memory is freed when it is garbage-collected.
type Decompressor struct {
	d *C.struct_libdeflate_decompressor
}

// NewDecompressor returns a decompressor.
func NewDecompressor() (*Decompressor, error) {
	d := C.libdeflate_alloc_decompressor()
	if d == nil {
		return nil, ErrNoMemory
	}
	f := &Decompressor{d}
	runtime.AddCleanup(f, func(d *C.struct_libdeflate_decompressor) { C.libdeflate_free_decompressor(d) }, d)
	return f, nil
}

// Gunzip decompresses the gzip member (RFC 1952) at the start of in into
// out, checking its CRC-32 and size. It returns how many bytes of in the
// member took, header and trailer included, and how many of out it filled;
// the error is ErrShortBuffer if the member holds more than len(out)
// bytes, ErrBadData if in does not start with a valid member. libdeflate
// does not check a header CRC-16 and takes names and comments of any length.
func (f *Decompressor) Gunzip(in, out []byte) (inN, outN int, err error) {
	// A cgo call keeps its P for as long as it runs (a few milliseconds for
	// a log file), and a goroutine this one has just made runnable, such as
	// a scan's consumer of the records it sent, waits in that P's queue
	// until the call returns. Yielding first lets it run now.
	runtime.Gosched()
	var inUsed, outUsed C.size_t
	res := C.libdeflate_gzip_decompress_ex(f.d,
		unsafe.Pointer(unsafe.SliceData(in)), C.size_t(len(in)),
		unsafe.Pointer(unsafe.SliceData(out)), C.size_t(len(out)),
		&inUsed, &outUsed)
	runtime.KeepAlive(f) // its cleanup frees f.d
	switch res {
	case C.LIBDEFLATE_SUCCESS:
		return int(inUsed), int(outUsed), nil
	case C.LIBDEFLATE_INSUFFICIENT_SPACE:
		return 0, 0, ErrShortBuffer
	default:
		return 0, 0, ErrBadData
	}
}
