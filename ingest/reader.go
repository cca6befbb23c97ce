package ingest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// readChunk is the smallest read the Reader asks of its input; its buffer
// holds one record of MaxRecordSize plus one chunk.
const readChunk = 64 << 10

// Pools keeps the big per-Reader state (the record buffer, the input's
// bufio.Reader and the gzip decompressor) for the next Reader once one is
// closed, so that a scan of many inputs allocates it once per worker, not
// once per input, and the needles compiled, once per scan. It holds no data
// between uses and is safe for concurrent use; create one per scan with
// NewPools and pass it in ReaderOptions.
type Pools struct {
	bufs, bufios, gzips sync.Pool
	needles             sync.Map // needleKey -> *needleSet
	//lint:ignore U1000 the libdeflate build's pools (gunzip_libdeflate.go); empty otherwise
	whole wholePools
}

// NewPools returns empty pools.
func NewPools() *Pools {
	p := new(Pools)
	p.bufs.New = func() any {
		b := make([]byte, MaxRecordSize+readChunk)
		return &b
	}
	p.bufios.New = func() any { return bufio.NewReaderSize(nil, readChunk) }
	p.gzips.New = func() any { return new(gzip.Reader) }
	return p
}

// compiled returns compileNeedles(needles), compiled once per Pools.
func (p *Pools) compiled(needles [][]byte) *needleSet {
	var k []byte
	for _, n := range needles {
		k = binary.AppendUvarint(k, uint64(len(n)))
		k = append(k, n...)
	}
	if set, ok := p.needles.Load(string(k)); ok {
		return set.(*needleSet)
	}
	set, _ := p.needles.LoadOrStore(string(k), compileNeedles(needles))
	return set.(*needleSet)
}

var (
	errEmpty       = errors.New("empty input")
	errTruncated   = fmt.Errorf("truncated JSON: %w", io.ErrUnexpectedEOF)
	errTooLarge    = errors.New("record too large")
	errNotObject   = errors.New("not a JSON object")
	errInvalidUTF8 = errors.New("invalid UTF-8")
	errInvalidJSON = errors.New("invalid JSON")
	errNoEvent     = errors.New("lookup-events entry has no CloudTrailEvent string")
)

// notObject is errNotObject for each kind of value kindOf names, made
// once: an input of millions of numbers costs no formatting per number.
var notObject = func() map[string]error {
	m := make(map[string]error)
	for _, c := range []byte(`["tn0`) {
		what := kindOf(c)
		m[what] = fmt.Errorf("%w: found %s", errNotObject, what)
	}
	return m
}()

// recordError is why one record was skipped. Its message starts with the
// record's origin, formatted only when asked for; Unwrap returns the
// reason alone.
type recordError struct {
	origin Origin
	err    error
}

func recordErr(o Origin, err error) error { return &recordError{o, err} }

func (e *recordError) Error() string { return e.origin.String() + ": " + e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

// syntaxError is malformed JSON at the structural level the Reader parses
// itself (between records, or in a wrapper object).
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return "invalid JSON: " + e.msg }

// quoteByte shows an input byte in a message.
func quoteByte(c byte) string {
	if ' ' <= c && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func syntaxf(format string, args ...any) error {
	return &syntaxError{fmt.Sprintf(format, args...)}
}

// ReaderOptions tune a Reader.
type ReaderOptions struct {
	// Keep, when set, is a cheap test on a record's raw bytes; records it
	// rejects are counted, not returned. It must not retain raw.
	Keep func(raw []byte) bool
	// Needles, when set with Keep, are byte strings of which every record
	// Keep accepts contains at least one (classify.Filter.Needles). The
	// Reader then rejects a record holding none of them without calling
	// Keep; most records hold none, and looking for a few rare strings
	// costs a fraction of what Keep does. Empty: Keep sees every record.
	Needles [][]byte
	// Pools, when set, lends the Reader its buffers and decompressor and
	// takes them back on Close. Nil: the Reader allocates its own.
	Pools *Pools
	// Tee, when set, is written every byte of the decompressed input as
	// the Reader reads it (a hash for --verify): the Reader reads to the
	// end of the input, so after a clean end Tee has seen all of it.
	Tee io.Writer
	// CallerChecksJSON says that the caller parses every kept record with
	// a decoder that checks its JSON syntax as encoding/json does
	// (classify.Parse), so the Reader checks only that a kept record is
	// valid UTF-8. The caller then reports a syntax error with InvalidJSON.
	CallerChecksJSON bool
}

// Reader splits one input into CloudTrail records without decoding them.
// It accepts gzip-compressed or plain input (told apart by magic bytes)
// holding a log file ({"Records":[...]}), a single event object, a JSON
// array of events, NDJSON or concatenated objects, or the output of
// `aws cloudtrail lookup-events` ({"Events":[{"CloudTrailEvent":"..."}]}).
// Memory use is bounded by MaxRecordSize whatever the input's size.
//
// Use it like bufio.Scanner:
//
//	rd := NewReader(f, name, ReaderOptions{})
//	defer rd.Close()
//	for rd.Next() {
//		rec := rd.Record() // rec.Err set: this record was skipped
//	}
//	if err := rd.Err(); err != nil { ... }
type Reader struct {
	name    string
	keep    func([]byte) bool
	needles *needleSet
	pools   *Pools
	tee     io.Writer
	noJSON  bool // CallerChecksJSON
	src     io.Reader
	limit   int // largest record accepted: MaxRecordSize outside tests
	chunk   int // smallest read

	br     *bufio.Reader
	gz     *gzip.Reader
	in     io.Reader // br or gz
	buf    []byte
	pooled *[]byte  // where buf came from in pools, or nil
	ix     index    // where the next brackets, backslash and needles are in buf
	nib    *nibbles // the needles' anchors for walkMasks, or nil
	// an holds the anchor masks of the 64-byte blocks of the container
	// skipContainer skipped last, from its first byte; anOK says they are
	// all there: walkMasks went over it in one call, without a refill.
	an   []uint64
	anOK bool

	// buf[pos:end] is read but not yet scanned. base is the input offset of
	// buf[0]. fill keeps buf[mark:] (mark >= 0) so that a record being
	// scanned stays whole, unless it grows past limit: then it drops the
	// mark and sets overflow.
	pos, end int
	mark     int
	overflow bool
	base     int64
	rerr     error // sticky read error; io.EOF at the end of the input

	state   state
	parent  state // the state an array returns to when it closes
	first   bool  // the next array element is the first
	values  int   // top-level values started
	n       int64 // records completed
	rec     Record
	err     error
	scratch []byte // decoded lookup-events records; the first object's copy
	key     [192]byte

	started, done bool

	whole wholeReader // the libdeflate build's buffers; empty otherwise
}

// state says where between records the Reader is.
type state uint8

const (
	stTop     state = iota // between top-level values
	stRecords              // in an array of records: top level or "Records"
	stEvents               // in the "Events" array of lookup-events output
	stWrapper              // in a wrapper object, after one of its arrays
)

// NewReader returns a Reader over r, which may be gzip-compressed. name
// identifies the input in origins and errors. The Reader does no I/O until
// the first call to Next.
func NewReader(r io.Reader, name string, opts ReaderOptions) *Reader {
	return newReader(r, name, opts, MaxRecordSize, readChunk)
}

// newReader is NewReader with a different record limit and read size, so
// that tests can reach buffer edges with small inputs.
func newReader(r io.Reader, name string, opts ReaderOptions, limit, chunk int) *Reader {
	rd := &Reader{name: name, keep: opts.Keep, pools: opts.Pools, tee: opts.Tee, noJSON: opts.CallerChecksJSON, src: r, limit: limit, chunk: chunk, mark: -1}
	switch {
	case opts.Keep == nil:
	case opts.Pools != nil:
		rd.needles = opts.Pools.compiled(opts.Needles)
	default:
		rd.needles = compileNeedles(opts.Needles)
	}
	rd.nib = rd.needles.anchorTables()
	return rd
}

// Record returns the current record. Its Raw is valid until the next call
// to Next or Close.
func (r *Reader) Record() Record { return r.rec }

// Err returns the error that ended the input early, or nil if Next stopped
// at the clean end of the input. Errors name the input, the index of the
// record being read and the byte offset (in the decompressed stream).
func (r *Reader) Err() error { return r.err }

// Records returns how many records have been seen so far, including those
// Keep rejected and those skipped with an error.
func (r *Reader) Records() int64 { return r.n }

// Close releases the Reader's buffers. It does not close the underlying
// reader. Next returns false after Close.
func (r *Reader) Close() error {
	r.done = true
	r.rec = Record{}
	r.release()
	return nil
}

func (r *Reader) release() {
	if r.pooled != nil {
		r.pools.bufs.Put(r.pooled)
		r.pooled = nil
	}
	r.buf = nil
	r.scratch = nil
	if r.gz != nil {
		if r.pools != nil {
			r.pools.gzips.Put(r.gz)
		}
		r.gz = nil
	}
	if r.br != nil {
		r.br.Reset(nil)
		if r.pools != nil {
			r.pools.bufios.Put(r.br)
		}
		r.br = nil
	}
	r.in = nil
	r.whole.release(r.pools)
}

// Next advances to the next record, which Record returns. It returns false
// at the end of the input or on a fatal error, which Err then returns.
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	r.rec = Record{}
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			r.err = err
			r.Close()
			return false
		}
	}
	for {
		yield, ok := r.step()
		if !ok {
			r.Close()
			return false
		}
		if yield {
			return true
		}
	}
}

// start detects compression and a byte order mark and sets up buffers.
func (r *Reader) start() error {
	if r.pools != nil {
		r.br = r.pools.bufios.Get().(*bufio.Reader)
		r.br.Reset(r.src)
	} else {
		r.br = bufio.NewReaderSize(r.src, readChunk)
	}
	r.in = r.br
	magic, err := r.br.Peek(2)
	switch {
	case len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		if err := r.startGzip(); err != nil {
			return err
		}
	case len(magic) == 0 && err == io.EOF:
		return fmt.Errorf("%s: %w", r.name, errEmpty)
	case err != nil && err != io.EOF:
		return fmt.Errorf("%s: reading: %w", r.name, err)
	}
	if r.buf != nil {
		return nil // startGzip decompressed the whole input into buf
	}
	if r.tee != nil {
		r.in = io.TeeReader(r.in, r.tee)
	}
	if r.pools != nil && r.limit == MaxRecordSize && r.chunk == readChunk {
		r.pooled = r.pools.bufs.Get().(*[]byte)
		r.buf = *r.pooled
	} else {
		// Unpooled buffers start small and grow to fit the largest record
		// seen: a single event need not cost a megabyte.
		r.buf = make([]byte, min(4*r.chunk, r.limit+r.chunk))
	}
	return nil
}

// streamGzip sets r.in to a klauspost/compress gzip reader of src, which
// decompresses as the Reader reads: what startGzip does in the default
// build, and in the libdeflate build where that one cannot or may not.
func (r *Reader) streamGzip(src io.Reader) error {
	if r.pools != nil {
		r.gz = r.pools.gzips.Get().(*gzip.Reader)
	} else {
		r.gz = new(gzip.Reader)
	}
	if err := r.gz.Reset(src); err != nil {
		return fmt.Errorf("%s: reading gzip header: %w", r.name, noEOF(err))
	}
	r.in = r.gz
	return nil
}

// skipBOM consumes a UTF-8 byte order mark at the start of the input.
func (r *Reader) skipBOM() error {
	for _, b := range []byte("\xef\xbb\xbf") {
		if !r.more() {
			return r.readErr()
		}
		if r.buf[r.pos] != b {
			return syntaxf("found %s where a JSON object or array should start", quoteByte(r.buf[r.pos]))
		}
		r.pos++
	}
	return nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// fill reads more input. It must only be called with pos >= end (all read
// bytes scanned); it sets pos to end, and the caller restores any escape
// carry (pos past end) itself.
// It returns false at the end of the input or on a read error (r.rerr).
func (r *Reader) fill() bool {
	r.pos = r.end
	if r.rerr != nil {
		return false
	}
	r.ix.reset()
	keep := r.pos
	if r.mark >= 0 {
		if r.pos-r.mark > r.limit {
			r.mark = -1
			r.overflow = true
		} else {
			keep = r.mark
		}
	}
	if keep == r.end || len(r.buf)-r.end < r.chunk {
		n := copy(r.buf, r.buf[keep:r.end])
		r.base += int64(keep)
		r.pos -= keep
		r.end = n
		if r.mark >= 0 {
			r.mark -= keep
		}
	}
	if len(r.buf)-r.end < r.chunk {
		// What is kept is at most limit bytes: limit+chunk always fits.
		buf := make([]byte, min(max(2*len(r.buf), r.end+r.chunk), r.limit+r.chunk))
		copy(buf, r.buf[:r.end])
		r.buf = buf
	}
	for range 100 {
		n, err := r.in.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			r.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	r.rerr = io.ErrNoProgress
	return false
}

// more makes sure buf[pos] is readable.
func (r *Reader) more() bool { return r.pos < r.end || r.fill() }

// off is the input offset of the next unscanned byte.
func (r *Reader) off() int64 { return r.base + int64(r.pos) }

// readErr explains why fill returned false in the middle of a value.
func (r *Reader) readErr() error {
	switch {
	case r.rerr == io.EOF:
		return errTruncated
	case r.gz != nil:
		return fmt.Errorf("decompressing: %w", noEOF(r.rerr))
	default:
		return fmt.Errorf("reading: %w", r.rerr)
	}
}

// fail records a fatal error at the current position.
func (r *Reader) fail(err error) (yield, ok bool) {
	r.err = fmt.Errorf("%s: record %d, byte %d: %w", r.name, r.n, r.off(), err)
	return false, false
}

// peek skips whitespace and returns the next byte without consuming it.
func (r *Reader) peek() (byte, bool) {
	for {
		for r.pos < r.end {
			switch c := r.buf[r.pos]; c {
			case ' ', '\n', '\r', '\t':
				r.pos++
			default:
				return c, true
			}
		}
		if !r.fill() {
			return 0, false
		}
	}
}

// step moves the parse on by one transition. It returns yield when r.rec
// holds a record to return, and !ok when the input is finished.
func (r *Reader) step() (yield, ok bool) {
	switch r.state {
	case stTop:
		c, ok := r.peek()
		if !ok {
			switch {
			case r.rerr != io.EOF:
				return r.fail(r.readErr())
			case r.values == 0:
				r.err = fmt.Errorf("%s: %w", r.name, errEmpty)
				return false, false
			}
			return false, false
		}
		if c == 0xef && r.off() == 0 {
			if err := r.skipBOM(); err != nil {
				return r.fail(err)
			}
			return false, true
		}
		r.values++
		switch {
		case c == '{':
			return r.object()
		case c == '[':
			r.pos++
			r.state, r.parent, r.first = stRecords, stTop, true
			return false, true
		case r.values == 1:
			return r.fail(syntaxf("found %s where a JSON object or array should start", quoteByte(c)))
		default:
			return r.element(c)
		}

	case stRecords, stEvents:
		c, ok := r.peek()
		if !ok {
			return r.fail(r.readErr())
		}
		if c == ']' {
			r.pos++
			r.state = r.parent
			return false, true
		}
		if !r.first {
			if c != ',' {
				return r.fail(syntaxf("found %s after an array element, want ',' or ']'", quoteByte(c)))
			}
			r.pos++
			if c, ok = r.peek(); !ok {
				return r.fail(r.readErr())
			}
		}
		r.first = false
		if r.state == stEvents {
			return r.event(c)
		}
		return r.element(c)

	default: // stWrapper
		c, ok := r.peek()
		if !ok {
			return r.fail(r.readErr())
		}
		if c == '}' {
			r.pos++
			r.state = stTop
			return false, true
		}
		if c != ',' {
			return r.fail(syntaxf("found %s after an object value, want ',' or '}'", quoteByte(c)))
		}
		r.pos++
		k, c, err := r.member()
		if err != nil {
			return r.fail(err)
		}
		if c == '[' && (k == keyRecords || k == keyEvents) {
			r.enter(k)
			return false, true
		}
		if err := notArray(k, c); err != nil {
			return r.fail(err)
		}
		if err := r.skipValue(c); err != nil {
			return r.fail(err)
		}
		return false, true
	}
}

// notArray is the error for a "Records" or "Events" key whose value (which
// starts with c) is not an array: a log file the reader cannot split into
// records, which would otherwise be read as one record holding no failed
// call, silently losing the ones inside.
func notArray(k keyKind, c byte) error {
	if k != keyRecords && k != keyEvents || c == '[' {
		return nil
	}
	name := "Records"
	if k == keyEvents {
		name = "Events"
	}
	what := kindOf(c)
	if c == '{' {
		what = "an object"
	}
	return fmt.Errorf("%w: %q holds %s, not an array of records", ErrShape, name, what)
}

// enter starts reading the array value of a "Records" or "Events" key.
func (r *Reader) enter(k keyKind) {
	r.pos++
	r.state, r.parent, r.first = stRecords, stWrapper, true
	if k == keyEvents {
		r.state = stEvents
	}
}

// member reads an object key and its colon, and peeks at the value.
func (r *Reader) member() (keyKind, byte, error) {
	c, ok := r.peek()
	if !ok {
		return 0, 0, r.readErr()
	}
	if c != '"' {
		return 0, 0, syntaxf("found %s where an object key should start", quoteByte(c))
	}
	k, err := r.scanKey()
	if err != nil {
		return 0, 0, err
	}
	if c, ok = r.peek(); !ok {
		return 0, 0, r.readErr()
	}
	if c != ':' {
		return 0, 0, syntaxf("found %s after an object key, want ':'", quoteByte(c))
	}
	r.pos++
	if c, ok = r.peek(); !ok {
		return 0, 0, r.readErr()
	}
	return k, c, nil
}

// object reads a top-level object: a wrapper ({"Records":[...]} or
// {"Events":[...]}), a digest file, or one event. It keeps the object's
// bytes until it knows which.
func (r *Reader) object() (yield, ok bool) {
	start := r.off()
	r.mark, r.overflow = r.pos, false
	r.pos++
	digest := false
	c, ok := r.peek()
	if !ok {
		return r.fail(r.readErr())
	}
	if c == '}' {
		r.pos++
	} else {
		for {
			k, c, err := r.member()
			if err != nil {
				return r.fail(err)
			}
			if c == '[' && (k == keyRecords || k == keyEvents) {
				r.mark = -1
				r.enter(k)
				return false, true
			}
			if err := notArray(k, c); err != nil {
				r.mark = -1
				return r.fail(err)
			}
			digest = digest || k == keyDigest
			if err := r.skipValue(c); err != nil {
				return r.fail(err)
			}
			if c, ok = r.peek(); !ok {
				return r.fail(r.readErr())
			}
			r.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				r.pos--
				return r.fail(syntaxf("found %s after an object value, want ',' or '}'", quoteByte(c)))
			}
		}
	}
	size := r.off() - start
	var raw []byte
	if !r.overflow && size <= int64(r.limit) {
		raw = r.buf[r.mark:r.pos]
	}
	r.mark = -1
	if digest {
		err := fmt.Errorf("CloudTrail digest file: %w", ErrNotEventLog)
		if r.values == 1 {
			r.err = fmt.Errorf("%s: %w", r.name, err)
			return false, false
		}
		r.n++
		o := Origin{r.name, int(r.n - 1)}
		r.rec = Record{Origin: o, Err: recordErr(o, err)}
		return true, true
	}
	idx := int(r.n)
	r.n++
	if r.values > 1 {
		return r.emit(raw, nil, size, idx, false), true
	}
	// The first top-level object: it has index -1 if nothing follows it.
	// Looking ahead may move buf, so a kept record is copied first.
	if raw != nil {
		if r.keep != nil && !r.wants(raw, nil) {
			return false, true
		}
		r.scratch = append(r.scratch[:0], raw...)
		raw = r.scratch
	}
	if _, more := r.peek(); !more && r.rerr == io.EOF {
		idx = -1
	}
	return r.emit(raw, nil, size, idx, true), true
}

// element reads a value where a record should be: an element of an array
// of records, or a later top-level value.
func (r *Reader) element(c byte) (yield, ok bool) {
	idx := int(r.n)
	if c != '{' {
		what := kindOf(c)
		if what == "" {
			return r.fail(syntaxf("found %s where a record should start", quoteByte(c)))
		}
		if err := r.skipValue(c); err != nil {
			return r.fail(err)
		}
		r.n++
		o := Origin{r.name, idx}
		r.rec = Record{Origin: o, Err: recordErr(o, notObject[what])}
		return true, true
	}
	start := r.off()
	r.mark, r.overflow = r.pos, false
	if err := r.skipContainer(); err != nil {
		return r.fail(err)
	}
	size := r.off() - start
	var raw []byte
	if !r.overflow && size <= int64(r.limit) {
		raw = r.buf[r.mark:r.pos]
	}
	r.mark = -1
	r.n++
	var an []uint64
	if r.anOK {
		an = r.an
	}
	return r.emit(raw, an, size, idx, false), true
}

// event reads one element of a lookup-events "Events" array and decodes its
// CloudTrailEvent string, which is the record.
func (r *Reader) event(c byte) (yield, ok bool) {
	idx := int(r.n)
	o := Origin{r.name, idx}
	if c != '{' {
		what := kindOf(c)
		if what == "" {
			return r.fail(syntaxf("found %s where a lookup-events entry should start", quoteByte(c)))
		}
		if err := r.skipValue(c); err != nil {
			return r.fail(err)
		}
		r.n++
		r.rec = Record{Origin: o, Err: recordErr(o, fmt.Errorf("lookup-events entry: %w", notObject[what]))}
		return true, true
	}
	r.pos++
	var (
		found, big bool
		size       int64
		recErr     error
	)
	c, ok = r.peek()
	if !ok {
		return r.fail(r.readErr())
	}
	if c == '}' {
		r.pos++
	} else {
		for {
			k, c, err := r.member()
			if err != nil {
				return r.fail(err)
			}
			switch {
			case k == keyCloudTrailEvent && c == '"':
				// The last CloudTrailEvent wins, as in encoding/json.
				found, recErr = true, nil
				start := r.off()
				r.mark, r.overflow = r.pos, false
				if err := r.skipString(); err != nil {
					return r.fail(err)
				}
				size = r.off() - start
				big = r.overflow || size > int64(r.limit)
				if !big {
					s := r.buf[r.mark+1 : r.pos-1]
					var bad bool
					if r.scratch, bad = appendUnquoted(r.scratch[:0], s); bad {
						recErr = fmt.Errorf("%w in CloudTrailEvent string", errInvalidJSON)
						if !utf8.Valid(s) {
							recErr = fmt.Errorf("%w in CloudTrailEvent string", errInvalidUTF8)
						}
					}
				}
				r.mark = -1
			default:
				if k == keyCloudTrailEvent {
					found = false
				}
				if err := r.skipValue(c); err != nil {
					return r.fail(err)
				}
			}
			if c, ok = r.peek(); !ok {
				return r.fail(r.readErr())
			}
			if c == '}' {
				r.pos++
				break
			}
			if c != ',' {
				return r.fail(syntaxf("found %s after an object value, want ',' or '}'", quoteByte(c)))
			}
			r.pos++
		}
	}
	r.n++
	switch {
	case !found:
		recErr = errNoEvent
	case big:
		return r.emit(nil, nil, size, idx, false), true
	}
	if recErr != nil {
		r.rec = Record{Origin: o, Err: recordErr(o, recErr)}
		return true, true
	}
	raw := bytes.Trim(r.scratch, " \t\r\n")
	if len(raw) == 0 || raw[0] != '{' {
		r.rec = Record{Origin: o, Err: recordErr(o, fmt.Errorf("CloudTrailEvent: %w", errNotObject))}
		return true, true
	}
	return r.emit(raw, nil, size, idx, false), true
}

// emit sets r.rec to the record raw, or to an error for a record of size
// bytes that was too large (raw nil). It reports false when Keep rejects
// the record; kept says Keep has already accepted it. an, when not nil,
// holds the anchor masks of raw's blocks.
func (r *Reader) emit(raw []byte, an []uint64, size int64, idx int, kept bool) bool {
	o := Origin{r.name, idx}
	if raw == nil {
		r.rec = Record{Origin: o, Err: recordErr(o, fmt.Errorf("%w: %d bytes, limit %d", errTooLarge, size, r.limit))}
		return true
	}
	if !kept && r.keep != nil && !r.wants(raw, an) {
		return false
	}
	if err := validate(raw, !r.noJSON); err != nil {
		r.rec = Record{Origin: o, Err: recordErr(o, err)}
		return true
	}
	r.rec = Record{Raw: raw, Origin: o}
	return true
}

// validate checks that a kept record is valid UTF-8 and, if syntax is
// set, valid JSON.
func validate(raw []byte, syntax bool) error {
	if !utf8.Valid(raw) {
		i := 0
		for i < len(raw) {
			c, size := utf8.DecodeRune(raw[i:])
			if c == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		return fmt.Errorf("%w at byte %d of the record", errInvalidUTF8, i)
	}
	if syntax && !json.Valid(raw) {
		err := json.Unmarshal(raw, new(struct{}))
		if se, ok := err.(*json.SyntaxError); ok {
			return InvalidJSON(se.Offset, se)
		}
		return fmt.Errorf("%w: %w", errInvalidJSON, err)
	}
	return nil
}

// InvalidJSON is the reason a record with a JSON syntax error is skipped:
// err, found offset bytes into the record. A Reader's record errors word it
// so; a caller that sets ReaderOptions.CallerChecksJSON words its own so.
func InvalidJSON(offset int64, err error) error {
	return fmt.Errorf("%w at byte %d of the record: %w", errInvalidJSON, offset, err)
}

// kindOf names the JSON value starting with c, or "" if none does.
func kindOf(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return ""
}

// skipValue skips the value starting at pos (its first byte is c).
func (r *Reader) skipValue(c byte) error {
	switch c {
	case '{', '[':
		return r.skipContainer()
	case '"':
		return r.skipString()
	}
	switch c {
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return r.number()
	}
	return syntaxf("found %s where a value should start", quoteByte(c))
}

// literal skips the literal s at pos.
func (r *Reader) literal(s string) error {
	for i := range len(s) {
		if !r.more() {
			return r.readErr()
		}
		if c := r.buf[r.pos]; c != s[i] {
			return syntaxf("found %s in literal %s", quoteByte(c), s)
		}
		r.pos++
	}
	return nil
}

// number skips the number at pos, following JSON's grammar exactly so that
// "00" is two values, as encoding/json reads it.
func (r *Reader) number() error {
	accept := func(lo, hi byte) bool {
		if r.more() && lo <= r.buf[r.pos] && r.buf[r.pos] <= hi {
			r.pos++
			return true
		}
		return false
	}
	digits := func() error {
		if !r.more() {
			return r.readErr()
		}
		if !accept('0', '9') {
			return syntaxf("found %s in a number, want a digit", quoteByte(r.buf[r.pos]))
		}
		for accept('0', '9') {
		}
		return nil
	}
	accept('-', '-')
	if !accept('0', '0') {
		if err := digits(); err != nil {
			return err
		}
	}
	if accept('.', '.') {
		if err := digits(); err != nil {
			return err
		}
	}
	if accept('e', 'e') || accept('E', 'E') {
		if !accept('+', '+') {
			accept('-', '-')
		}
		if err := digits(); err != nil {
			return err
		}
	}
	return nil // at the end of the input, a later peek reports any read error
}

// strEnd scans b from i, a position inside a string that is not the second
// byte of an escape, for the string's closing quote. It returns the index
// just past the quote and true; or, if b ends first, len(b) plus 1 when the
// last byte of b starts an escape, and false.
func strEnd(b []byte, i int) (int, bool) {
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			k := len(b)
			for k > i && b[k-1] == '\\' {
				k--
			}
			return len(b) + (len(b)-k)&1, false
		}
		q := i + j
		k := q
		for k > i && b[k-1] == '\\' {
			k--
		}
		if (q-k)&1 == 0 {
			return q + 1, true
		}
		i = q + 1
	}
}

// skipString skips the string starting at pos (an opening quote).
func (r *Reader) skipString() error {
	r.pos++
	for {
		if r.pos >= r.end {
			carry := r.pos - r.end
			if !r.fill() {
				return r.readErr()
			}
			r.pos += carry
			continue
		}
		j, ok := strEnd(r.buf[:r.end], r.pos)
		r.pos = j
		if ok {
			return nil
		}
	}
}

// keyKind classifies the object keys the Reader acts on.
type keyKind uint8

const (
	keyOther keyKind = iota
	keyRecords
	keyEvents
	keyCloudTrailEvent
	keyDigest
)

// scanKey reads the object key starting at pos (an opening quote) and
// classifies it.
func (r *Reader) scanKey() (keyKind, error) {
	r.pos++
	n, long := 0, false
	add := func(b []byte) {
		if n+len(b) > len(r.key) {
			long = true
			return
		}
		n += copy(r.key[n:], b)
	}
	for {
		if r.pos >= r.end {
			carry := r.pos - r.end
			if !r.fill() {
				return 0, r.readErr()
			}
			if carry > 0 {
				add(r.buf[r.pos : r.pos+carry])
				r.pos += carry
			}
			continue
		}
		s := r.pos
		j, ok := strEnd(r.buf[:r.end], s)
		r.pos = j
		if ok {
			add(r.buf[s : j-1])
			break
		}
		add(r.buf[s:r.end])
	}
	if long {
		return keyOther, nil
	}
	k := r.key[:n]
	if bytes.IndexByte(k, '\\') >= 0 {
		var tmp [len(r.key)]byte
		var bad bool
		if k, bad = appendUnquoted(tmp[:0], k); bad {
			return keyOther, nil
		}
	}
	switch string(k) {
	case "Records":
		return keyRecords, nil
	case "Events":
		return keyEvents, nil
	case "CloudTrailEvent":
		return keyCloudTrailEvent, nil
	case "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
		"digestPublicKeyFingerprint", "digestSignatureAlgorithm", "logFiles":
		return keyDigest, nil
	}
	return keyOther, nil
}

// skipContainer skips the object or array starting at pos. It counts depth
// rather than recursing; walkMasks (or, where it is not vectorised, walk)
// tells which brackets are inside strings without a loop over every byte,
// and marks the needles' anchors on the way (r.an, r.anOK).
func (r *Reader) skipContainer() error {
	var st walkState
	r.an, r.anOK = r.an[:0], masksWalk
	for {
		if r.pos >= r.end && !r.fill() {
			return r.readErr()
		}
		if !masksWalk {
			if j, ok := r.ix.walk(r.buf[:r.end], r.pos, &st); ok {
				r.pos = j
				return nil
			}
			r.pos = r.end
			continue
		}
		// Where more input may come and fill keeps what is not walked yet
		// (all of a marked record that fits), walkMasks leaves its last
		// partial block for after the refill.
		hold := r.rerr == nil && r.mark >= 0 && r.end-r.mark <= r.limit
		j, ok, an := walkMasks(r.buf[:r.end], r.pos, &st, r.nib, r.an, hold)
		r.an = an
		if ok {
			r.pos = j
			return nil
		}
		if !hold {
			// The rest of the container is walked from the refill on: its
			// needles are looked for again in its bytes.
			r.pos = r.end
			r.an, r.anOK = r.an[:0], false
			continue
		}
		back := r.end - j
		r.pos = r.end
		r.fill() // at the end of the input, the next walk does what is left
		r.pos -= back
	}
}

// appendUnquoted appends the JSON string content s (without quotes),
// unescaped as encoding/json does, to dst. bad reports an invalid escape,
// a control character, or invalid UTF-8.
func appendUnquoted(dst, s []byte) (_ []byte, bad bool) {
	if !utf8.Valid(s) {
		return dst, true
	}
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			i = len(s)
		}
		for _, c := range s[:i] {
			if c < ' ' {
				return dst, true
			}
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		if len(s) == 0 {
			break
		}
		if len(s) < 2 {
			return dst, true
		}
		switch c := s[1]; c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			c := hex4(s[2:])
			if c < 0 {
				return dst, true
			}
			s = s[6:]
			if utf16.IsSurrogate(c) {
				if len(s) >= 2 && s[0] == '\\' && s[1] == 'u' {
					if c2 := hex4(s[2:]); c2 >= 0 {
						if d := utf16.DecodeRune(c, c2); d != utf8.RuneError {
							dst = utf8.AppendRune(dst, d)
							s = s[6:]
							continue
						}
					}
				}
				c = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, c)
			continue
		default:
			return dst, true
		}
		s = s[2:]
	}
	return dst, false
}

// hex4 decodes four hex digits at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
