// Package libdeflate decompresses gzip members with libdeflate through cgo.
// Its code is built only with the libdeflate build tag (and cgo); the
// default build has nothing here but this comment.
package libdeflate
