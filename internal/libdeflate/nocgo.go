//go:build libdeflate && !cgo

package libdeflate

// The libdeflate build tag links libdeflate through cgo: without cgo it
// would silently be the default build. This stops the build instead.
var _ int = "the libdeflate build tag needs cgo: CGO_ENABLED=1 and a C compiler"
