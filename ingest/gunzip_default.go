//go:build !libdeflate

package ingest

// Gunzip names the gzip decompressor of this build, for `denytrail version`.
const Gunzip = "klauspost/compress (pure Go)"

// wholePools and wholeReader hold nothing in the default build: it
// decompresses every gzip input as it reads, with klauspost/compress.
type (
	wholePools  struct{}
	wholeReader struct{}
)

func (*wholeReader) release(*Pools) {}

// startGzip sets r.in to a decompressor of r.br.
func (r *Reader) startGzip() error { return r.streamGzip(r.br) }
