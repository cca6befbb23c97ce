//go:build !unix

package ingest

import "os"

// fileID reports that files cannot be told apart here; walks then rely on
// the folder stack alone to avoid loops.
func fileID(os.FileInfo) (id [2]uint64, ok bool) { return id, false }
