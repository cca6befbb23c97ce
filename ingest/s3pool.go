package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// The S3 source's defaults for how much it does at once (S3Options).
const (
	DefaultS3Listings  = 32
	DefaultS3Downloads = 32
	DefaultS3Buffer    = 128 << 20
)

// S3Progress says how far an S3Source has got, summed over its walks.
type S3Progress struct {
	// Listings counts the LIST requests (pages) answered; ListingsInFlight
	// those being made.
	Listings, ListingsInFlight int64
	// Objects counts the log objects the listings found in the window.
	Objects int64
	// Downloads counts the objects downloaded ahead of the readers (or
	// passed on to be streamed); DownloadsInFlight those being downloaded.
	Downloads, DownloadsInFlight int64
	// Bytes counts the bytes downloaded ahead; Held is the part of them
	// held in memory, not yet read through.
	Bytes, Held int64
}

// s3Counters are the live counts behind S3Progress.
type s3Counters struct {
	listed, listing, objects, downloaded, downloading, bytes atomic.Int64
}

// Progress returns the source's counts so far. It is safe to call while
// Walk runs.
func (s *S3Source) Progress() S3Progress {
	c := &s.progress
	return S3Progress{
		Listings: c.listed.Load(), ListingsInFlight: c.listing.Load(),
		Objects:   c.objects.Load(),
		Downloads: c.downloaded.Load(), DownloadsInFlight: c.downloading.Load(),
		Bytes: c.bytes.Load(), Held: s.held.Load(),
	}
}

// download takes listed objects and hands them to fn's goroutine: read
// whole into memory when they fit the budget's share, as they are
// otherwise (opened later, streamed). Listing problems pass through.
func (w *s3Walk) download() {
	for o := range w.objects {
		if w.ctx.Err() != nil {
			continue // drain: the walk is stopping
		}
		in := o.problem
		if in.Err == nil {
			in = w.fetch(o)
		}
		select {
		case w.out <- in:
		case <-w.ctx.Done():
		}
	}
}

// fetch downloads one object ahead of its reader, within the budget; an
// object over an eighth of the budget, or of unknown size, is left to be
// streamed when opened.
func (w *s3Walk) fetch(o s3Object) Input {
	name := s3URL(w.bucket, o.key)
	in := Input{Name: name, Size: o.size, Open: w.opener(o.key)}
	defer w.progress.downloaded.Add(1)
	if o.size < 0 || o.size > w.buffer/8 {
		return in
	}
	if err := w.budget.acquire(w.ctx, o.size); err != nil {
		return in // the walk is stopping; the input is never passed on
	}
	w.held.Add(o.size)
	w.progress.downloading.Add(1)
	data, err := w.get(o.key, o.size)
	w.progress.downloading.Add(-1)
	w.progress.bytes.Add(int64(len(data)))
	h := &heldObject{name: name, data: data, err: err, release: func() {
		w.held.Add(-o.size)
		w.budget.release(o.size)
	}}
	in.Open = h.open
	return in
}

// get reads an object whole: size bytes as listed, fewer or more if it
// changed since. On error it returns what it read before it.
func (w *s3Walk) get(key string, size int64) ([]byte, error) {
	rc, err := w.opener(key)(w.ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data := make([]byte, size)
	n, err := io.ReadFull(rc, data)
	data = data[:n]
	switch err {
	case nil:
		rest, err := io.ReadAll(rc)
		return append(data, rest...), err
	case io.EOF, io.ErrUnexpectedEOF:
		return data, nil // shorter than listed: overwritten since
	}
	return data, err
}

// heldObject is an object in memory, with the error that cut it short,
// if any. Its bytes count against the budget until the reader is closed.
type heldObject struct {
	name    string
	data    []byte
	err     error
	once    sync.Once
	release func()
}

func (h *heldObject) open(ctx context.Context) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		h.close()
		return nil, fmt.Errorf("%s: %w", h.name, err)
	}
	if len(h.data) == 0 && h.err != nil {
		h.close()
		return nil, h.err
	}
	return &heldReader{h: h, r: bytes.NewReader(h.data)}, nil
}

func (h *heldObject) close() {
	h.once.Do(func() {
		h.data = nil
		h.release()
	})
}

// heldReader reads a heldObject, then its error.
type heldReader struct {
	h *heldObject
	r *bytes.Reader
}

func (r *heldReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF && r.h.err != nil {
		return n, r.h.err
	}
	return n, err
}

func (r *heldReader) Close() error {
	r.h.close()
	return nil
}

// budget bounds the bytes held by downloads. Acquire is not first come,
// first served: a small object goes ahead when it fits and a larger one
// waiting does not.
type budget struct {
	mu         sync.Mutex
	cond       sync.Cond
	used, size int64
}

func newBudget(size int64) *budget {
	b := &budget{size: size}
	b.cond.L = &b.mu
	return b
}

// acquire waits until n more bytes fit, or ctx is done.
func (b *budget) acquire(ctx context.Context, n int64) error {
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.cond.Broadcast()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.size {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.cond.Wait()
	}
	b.used += n
	return nil
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.cond.Broadcast()
}

// taskPool runs tasks, which may push more, with a fixed number of
// workers, last in first out (depth first: day folders are listed as
// soon as their account's regions are known). The first error stops it.
type taskPool struct {
	ctx     context.Context
	mu      sync.Mutex
	cond    sync.Cond
	tasks   []func() error
	pending int // queued or running
	err     error
}

func newTaskPool(ctx context.Context) *taskPool {
	p := &taskPool{ctx: ctx}
	p.cond.L = &p.mu
	return p
}

// push queues a task.
func (p *taskPool) push(t func() error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tasks = append(p.tasks, t)
	p.pending++
	p.cond.Signal()
}

// run works through the tasks with n workers until none is left, a task
// fails or ctx is done, and returns the first error.
func (p *taskPool) run(n int) error {
	stop := context.AfterFunc(p.ctx, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.err == nil {
			p.err = p.ctx.Err()
		}
		p.cond.Broadcast()
	})
	defer stop()
	var wg sync.WaitGroup
	for range n {
		wg.Go(p.work)
	}
	wg.Wait()
	return p.err
}

func (p *taskPool) work() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for len(p.tasks) == 0 && p.pending > 0 && p.err == nil {
			p.cond.Wait()
		}
		if p.err != nil || len(p.tasks) == 0 {
			return
		}
		t := p.tasks[len(p.tasks)-1]
		p.tasks[len(p.tasks)-1] = nil
		p.tasks = p.tasks[:len(p.tasks)-1]
		p.mu.Unlock()
		err := t()
		p.mu.Lock()
		p.pending--
		if err != nil && p.err == nil {
			p.err = err
		}
		if p.pending == 0 || p.err != nil {
			p.cond.Broadcast()
		}
	}
}

// checkConcurrency returns n, or def when n is 0.
func checkConcurrency(n int, def int, what string) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 0:
		return 0, fmt.Errorf("%s %d: want at least 1", what, n)
	}
	return n, nil
}
