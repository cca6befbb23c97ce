//go:build unix

package ingest

import (
	"os"
	"syscall"
)

// fileID identifies the file fi describes by device and inode, so that a
// walk reaching it again through other links can tell.
func fileID(fi os.FileInfo) (id [2]uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return id, false
	}
	// The conversions are needed where Dev or Ino is not a uint64.
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, true
}
