package ingest

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
)

// streamChunk is the read size of a cancelable stream.
const streamChunk = 64 << 10

// cancelable returns a reader of r whose Read returns ctx's error as soon
// as ctx is done, even while r blocks (a pipe with a silent writer, a
// terminal, a FIFO). It reads r in its own goroutine, into its own buffer,
// one chunk ahead of the caller. A read of r still blocked when ctx ends
// or the reader is closed is left to return on its own; its goroutine
// then exits without touching the caller's memory. Closing the returned
// reader does not close r.
func cancelable(ctx context.Context, r io.Reader) io.ReadCloser {
	ctx, cancel := context.WithCancel(ctx)
	c := &cancelReader{ctx: ctx, cancel: cancel, chunks: make(chan chunk), free: make(chan []byte, 1)}
	c.free <- make([]byte, streamChunk)
	go c.pump(r)
	return c
}

type chunk struct {
	b   []byte
	err error
}

type cancelReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	chunks chan chunk  // from pump: data read, or the error that ended r
	free   chan []byte // to pump: the buffer, once the caller has copied it all
	cur    []byte      // unread rest of the current chunk
	buf    []byte      // the buffer cur is in, to hand back
	err    error       // sticky
}

// pump reads r until it fails or ctx ends.
func (c *cancelReader) pump(r io.Reader) {
	for {
		var buf []byte
		select {
		case buf = <-c.free:
		case <-c.ctx.Done():
			return
		}
		n, err := r.Read(buf[:cap(buf)])
		select {
		case c.chunks <- chunk{buf[:n], err}:
		case <-c.ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *cancelReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.buf != nil {
			c.free <- c.buf // pump waits on free: there is room
			c.buf = nil
		}
		select {
		case ch := <-c.chunks:
			c.cur, c.buf, c.err = ch.b, ch.b, ch.err
			if len(ch.b) == 0 && ch.err == nil {
				c.buf = ch.b // a read of nothing: ask again
			}
		case <-c.ctx.Done():
			c.err = c.ctx.Err()
			return 0, c.err
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *cancelReader) Close() error {
	c.cancel()
	if c.err == nil {
		c.err = errors.New("read after close")
	}
	return nil
}

// openStream opens the local non-regular file name (a FIFO, a device) for
// reading. Opening a FIFO blocks until a writer opens it: when ctx ends
// first, openStream returns ctx's error and releases the blocked open by
// opening the FIFO for writing itself.
func openStream(ctx context.Context, name string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(name)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-ctx.Done():
	}
	// A writer that opens and closes at once lets the blocked open return;
	// without a blocked reader this fails (ENXIO), which is fine too.
	if w, err := os.OpenFile(name, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
	go func() {
		if o := <-done; o.f != nil {
			o.f.Close()
		}
	}()
	return nil, ctx.Err()
}
