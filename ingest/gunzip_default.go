//go:build !libdeflate

package ingest

import (
	"errors"

	"github.com/denytrail/denytrail/internal/inflate"
)

// Gunzip names the gzip decompressor of this build, for `denytrail version`.
const Gunzip = "internal/inflate (pure Go); klauspost/compress where it may not"

// inflater is the whole-input decompressor of this build: it accepts only
// what klauspost/compress accepts.
type inflater = inflate.Decompressor

// newInflater returns a decompressor.
func newInflater() *inflater { return new(inflate.Decompressor) }

// shortBuffer reports whether err says the output did not fit.
func shortBuffer(err error) bool { return errors.Is(err, inflate.ErrShortBuffer) }
