package ingest

// A gzip input that fits a budget is decompressed whole, in one call, into
// one buffer, and the Reader splits the output where it is, without copying
// it into its record buffer: with internal/inflate in the default build,
// with libdeflate in the libdeflate build (go build -tags libdeflate, cgo).
// Both are about twice as fast here as klauspost/compress's streaming
// reader. Wherever the whole-input decompressor fails, or may accept what
// klauspost/compress refuses, or the input is too big, the Reader streams
// it through klauspost/compress from the first byte: the records, errors
// and positions are then klauspost/compress's by construction.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"io"
	"math/bits"
	"sync"
)

// The whole-input budget per Reader: a larger input is streamed. Most
// CloudTrail log files are a few MiB decompressed; a Reader holds at most
// this much more than a streaming one (which holds a 1.1 MiB buffer; an
// input read whole needs none).
const (
	wholeMaxIn  = 4 << 20  // compressed bytes
	wholeMaxOut = 16 << 20 // decompressed bytes
)

// maxRatio bounds what a deflate stream can expand to (258 bytes from 2 bits
// at best, about 1032:1): a trailer claiming more lies.
const maxRatio = 1032

// wholePools lends whole-input buffers and decompressors.
type wholePools struct{ ins, outs, inflaters sync.Pool }

// wholeReader is one Reader's whole-input state.
type wholeReader struct {
	f       *inflater
	in, out *[]byte // pooled buffers: the compressed input, its decompression

	// For tests: budgets (0: wholeMaxIn, wholeMaxOut), streaming every
	// input through klauspost/compress, and whether the input was read whole.
	maxIn, maxOut int
	stream, used  bool
}

// startGzip decompresses r.br whole into r.buf when the inflater can and may
// (and sets r.in to read the result if a Tee must see it), else sets r.in to
// a klauspost/compress stream of it.
func (r *Reader) startGzip() error {
	w := &r.whole
	if w.stream {
		return r.streamGzip(r.br)
	}
	maxIn, maxOut := cmp.Or(w.maxIn, wholeMaxIn), cmp.Or(w.maxOut, wholeMaxOut)
	w.in = get(r.pools, false)
	in, err := readAtMost(r.br, (*w.in)[:0], maxIn+1)
	*w.in = in
	switch {
	case err != nil:
		// What came before the error, then the error, as if streamed.
		return r.streamGzip(io.MultiReader(bytes.NewReader(in), errorReader{err}))
	case len(in) > maxIn:
		return r.streamGzip(io.MultiReader(bytes.NewReader(in), r.br))
	}
	out, ok := w.gunzip(r.pools, in, maxOut)
	if !ok {
		return r.streamGzip(bytes.NewReader(in))
	}
	w.used = true
	if r.tee != nil {
		r.in = bytes.NewReader(out)
		return nil
	}
	r.buf, r.end, r.rerr = out, len(out), io.EOF
	return nil
}

// gunzip decompresses every gzip member of in into one buffer of at most
// maxOut bytes. It returns false if in is not a gzip stream the inflater
// decompresses whole, or one whose header klauspost/compress checks more
// strictly, or if it holds more than maxOut bytes.
func (w *wholeReader) gunzip(p *Pools, in []byte, maxOut int) ([]byte, bool) {
	if w.f == nil {
		if w.f = w.inflater(p); w.f == nil {
			return nil, false
		}
	}
	if w.out == nil {
		w.out = get(p, true)
	}
	out := (*w.out)[:0]
	// The last member's size, mod 2^32 as the trailer has it: exact for a
	// single member, a first guess otherwise. Past the budget, or past what
	// in can hold (a lie: klauspost/compress will say what is wrong), there
	// is no point in trying.
	need := 0
	if len(in) >= 4 {
		need = int(binary.LittleEndian.Uint32(in[len(in)-4:]))
	}
	if need > maxOut || need > maxRatio*len(in) {
		return nil, false
	}
	for len(in) > 0 {
		for {
			room := min(cap(out), maxOut) - len(out) // a pooled buffer may be bigger
			if room < max(need, 1) {
				if len(out)+room >= maxOut {
					return nil, false
				}
				grown := make([]byte, len(out), min(roundUp(max(len(out)+need, 2*cap(out), readChunk)), maxOut))
				copy(grown, out)
				out = grown
				*w.out = out
				room = cap(out) - len(out)
			}
			inN, outN, err := w.f.Gunzip(in, out[len(out):len(out)+room])
			if err == nil {
				out = out[:len(out)+outN]
				in = in[inN:]
				break
			}
			if !shortBuffer(err) {
				return nil, false
			}
			need = 2 * room // what is there now does not do
		}
		*w.out = out
		need = 0 // unknown: what is left of the buffer, then twice that
	}
	return out, true
}

// roundUp returns the power of two at or above n: a buffer sized so keeps
// fitting inputs of about the same size, rather than growing again.
func roundUp(n int) int { return 1 << bits.Len(uint(n-1)) }

// get returns an input or output buffer from p, or a new one if p is nil.
func get(p *Pools, out bool) *[]byte {
	if p != nil {
		pool := &p.whole.ins
		if out {
			pool = &p.whole.outs
		}
		if b, ok := pool.Get().(*[]byte); ok {
			return b
		}
	}
	return new([]byte)
}

// inflater returns a decompressor, or nil if there is no memory for one.
func (w *wholeReader) inflater(p *Pools) *inflater {
	if p != nil {
		if f, ok := p.whole.inflaters.Get().(*inflater); ok {
			return f
		}
	}
	return newInflater()
}

// release hands the buffers and the decompressor back to p.
func (w *wholeReader) release(p *Pools) {
	if p != nil {
		if w.in != nil {
			p.whole.ins.Put(w.in)
		}
		if w.out != nil {
			p.whole.outs.Put(w.out)
		}
		if w.f != nil {
			p.whole.inflaters.Put(w.f)
		}
	}
	w.f, w.in, w.out = nil, nil, nil
}

// readAtMost appends what r holds to buf, up to n bytes in all. Its error
// is nil at the end of r.
func readAtMost(r io.Reader, buf []byte, n int) ([]byte, error) {
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(max(cap(buf), readChunk), n-len(buf)))...)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), n)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// errorReader returns err from every Read.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
