package scan

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/internal/extsort"
	"github.com/denytrail/denytrail/report"
)

// The findings flow. While the workers read, the engine goroutine indexes
// the changes and puts every failed record (a classify.Record: the keys
// correlation reads, its origin and finding, which the workers judged) into
// an external sort, which spills sorted runs to temporary files beyond its
// budget. Once everything is read, the records come back in event-time
// order and go through the engine's window, which holds their keys and
// reads their findings back when it emits (in parallel), and which therefore sees every
// delivery of a call and every S3/KMS pair together however far apart the
// inputs held them (another account's folder of an organization trail is
// read much later), and emits incidents in event-time order, a batch at a
// time to a goroutine that keeps them while the engine goes on: in the
// report's Builder (patterns, counts and a bounded sample), and, when the
// caller wants every finding (Config.KeepAll), in their binary form
// (classify.Finding.AppendBinary, each after its length) into a temporary
// file that Result.All reads back, attaching the changes then: reading
// that back costs a fraction of decoding JSON, and the renderers write the
// findings as they wrote them before.
// So memory is bounded by the sort's budget, the engine's window and the
// patterns, never by the number of findings, and the result does not
// depend on the order the inputs were read in.

// flow holds the state of the findings flow of one scan.
type flow struct {
	cfg      *Config
	engine   *classify.Engine
	sorter   *extsort.Sorter
	builder  *report.Builder
	grace    time.Duration // see cancelGrace
	last     time.Time     // the event time of the last finding emitted
	reported int64         // the records of the findings emitted

	// integrity, with Config.Verify, sets each finding's Integrity.
	integrity func(*classify.Finding)

	// While finish runs, emit hands the findings over, a batch at a time,
	// to a goroutine that keeps them (keep), so that adding them to the
	// builder and writing them overlaps the engine's work on the next.
	batch   []classify.Finding      // emitted, not handed over yet
	batches chan []classify.Finding // to the keeping goroutine; nil when none runs
	free    chan []classify.Finding // batches it is done with
	kept    chan struct{}           // closed when it is done

	// The keeping goroutine's, while it runs:
	all     *os.File // Config.KeepAll: the findings, each its length and binary form
	w       *bufio.Writer
	buf     []byte // the binary form of the finding being written
	written int    // the findings written to all
	err     error  // the first error writing all

	// ctx is the scan's: Result.All stops grace after it sees it canceled.
	ctx context.Context
}

func newFlow(cfg *Config) (*flow, error) {
	fl := &flow{
		cfg:     cfg,
		sorter:  extsort.New(cfg.TempDir, cfg.SortBudget, bytes.Compare),
		builder: report.NewBuilder(cfg.Limit),
		grace:   cancelGrace,
		ctx:     context.Background(),
	}
	fl.engine = classify.NewEngine(classify.EngineConfig{Window: cfg.Window, Lateness: time.Second, Workers: cfg.Workers}, fl.emit)
	if cfg.KeepAll {
		f, err := os.CreateTemp(cfg.TempDir, "denytrail-findings-*")
		if err != nil {
			return nil, fmt.Errorf("scan: keep findings: %w", err)
		}
		os.Remove(f.Name()) // lives on until Result.Close
		fl.all, fl.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	return fl, nil
}

// add takes one event from the workers, in the engine goroutine.
func (fl *flow) add(it item) error {
	if fl.cfg.Observe != nil {
		fl.cfg.Observe(it.ev, it.verdict, it.origin)
	}
	if !it.ev.Failed() {
		fl.engine.AddChange(it.ev)
		return nil
	}
	return fl.sorter.Add(it.rec)
}

// cancelGrace is how long the correlation of what was read goes on once
// the scan is canceled: long enough to finish a small scan, short enough
// that an interrupted large one stops within a second.
const cancelGrace = 300 * time.Millisecond

// finish runs the sorted records through the engine; afterwards the
// builder holds the report and fl.all every finding. When ctx is canceled
// it goes on for fl.grace at most (emitting what the window holds at the
// end included, its first batch of incidents at least), then stops where it
// is and drops what the engine holds: the findings are those up to some
// event time, each complete, and it returns a note saying how many of the
// failed records it reported.
func (fl *flow) finish(ctx context.Context, failed int64) (*report.Problem, error) {
	defer fl.sorter.Close()
	fl.ctx = ctx
	fl.startKeeping()
	defer fl.stopKeeping()
	var n int
	var stop time.Time // when a canceled scan stops correlating
	cut := false
	for st, err := range fl.sorter.Stored() {
		if err != nil {
			return nil, fmt.Errorf("scan: sort failed records: %w", err)
		}
		if n%64 == 0 && ctx.Err() != nil {
			if stop.IsZero() {
				stop = time.Now().Add(fl.grace)
			}
			if !time.Now().Before(stop) {
				cut = true
				break
			}
		}
		// A record on disk is read from there again when it is emitted;
		// the window holds only its keys.
		var r classify.Record
		if st.File != nil {
			err = r.UnmarshalBinaryAt(st.Rec, st.File, st.Off)
		} else {
			err = r.UnmarshalBinary(st.Rec)
		}
		if err != nil {
			return nil, fmt.Errorf("scan: sort failed records: %w", err)
		}
		fl.engine.AddRecord(r)
		n++
	}
	if ctx.Err() != nil {
		// Emitting all the window holds could take seconds: the engine
		// emits its first batch, and more only within the grace.
		if stop.IsZero() {
			stop = time.Now().Add(fl.grace)
		}
		cut = !fl.engine.CloseBy(stop) || cut
	} else {
		fl.engine.Close()
	}
	fl.stopKeeping()
	if err := fl.engine.Err(); err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	var note *report.Problem
	if cut {
		note = &report.Problem{Input: "scan", Reason: fmt.Sprintf(
			"interrupted while correlating the failed records in event-time order: reported %d of the %d read",
			fl.reported, failed)}
		if t := fl.last; !t.IsZero() {
			note.Reason += ", those up to " + t.UTC().Format(time.RFC3339)
		}
	}
	fl.builder.Each(fl.engine.Attach)
	if fl.w != nil {
		if err := cmp.Or(fl.err, fl.w.Flush()); err != nil {
			return nil, fmt.Errorf("scan: keep findings: %w", err)
		}
	}
	return note, nil
}

// emit takes a finding from the engine, in event-time order.
func (fl *flow) emit(f classify.Finding) {
	fl.last = f.EventTime
	fl.reported += int64(max(1, len(f.Records)))
	if fl.batches == nil {
		fl.keep(&f)
		return
	}
	fl.batch = append(fl.batch, f)
	if len(fl.batch) == keepBatch {
		fl.handOver()
	}
}

// keepBatch is how many findings emit hands over at once: the flow holds
// three batches at most (one being filled, one handed over, one being
// kept), so its memory is bounded by them.
const keepBatch = 256

// startKeeping starts the goroutine that keeps the findings emit hands
// over, in order.
func (fl *flow) startKeeping() {
	fl.batches = make(chan []classify.Finding, 1)
	fl.free = make(chan []classify.Finding, 2)
	fl.kept = make(chan struct{})
	go func() {
		defer close(fl.kept)
		for batch := range fl.batches {
			for i := range batch {
				fl.keep(&batch[i])
			}
			clear(batch)
			select {
			case fl.free <- batch[:0]:
			default:
			}
		}
	}()
}

// handOver hands the findings emitted since the last call to the keeping
// goroutine, waiting while it is two batches behind.
func (fl *flow) handOver() {
	if len(fl.batch) == 0 {
		return
	}
	fl.batches <- fl.batch
	select {
	case fl.batch = <-fl.free:
	default:
		fl.batch = make([]classify.Finding, 0, keepBatch)
	}
}

// stopKeeping hands over what is left and waits until every finding is
// kept; it may be called again.
func (fl *flow) stopKeeping() {
	if fl.batches == nil {
		return
	}
	fl.handOver()
	close(fl.batches)
	<-fl.kept
	fl.batches, fl.free, fl.batch = nil, nil, nil
}

// keep adds an emitted finding to the report and, with Config.KeepAll,
// writes it to fl.all.
func (fl *flow) keep(f *classify.Finding) {
	if fl.cfg.Suppress != nil && fl.cfg.Suppress.Suppress(f) {
		return // counted per rule, not reported
	}
	if fl.integrity != nil {
		fl.integrity(f)
	}
	fl.builder.Add(*f)
	if fl.w == nil || fl.err != nil {
		return
	}
	if !fl.cfg.KeepRecords {
		f.Records = nil
	}
	b, err := f.AppendBinary(fl.buf[:0])
	if err != nil {
		fl.err = err
		return
	}
	fl.buf = b
	var n [binary.MaxVarintLen64]byte
	fl.w.Write(binary.AppendUvarint(n[:0], uint64(len(b))))
	_, fl.err = fl.w.Write(b)
	fl.written++
}

// close releases the temporary files.
func (fl *flow) close() error {
	err := fl.sorter.Close()
	if fl.all != nil {
		err = cmp.Or(err, fl.all.Close())
		fl.all = nil
	}
	return err
}

// All yields every finding of the scan in event-time order, then event ID
// and origin, with the changes that explain it (classify.Engine.Attach)
// and, with Config.KeepRecords, its records. It reads them back from a
// temporary file, so it needs Config.KeepAll; it may be ranged over again
// until Close, but not twice at once. A goroutine reads, decodes and
// attaches a few batches ahead of the caller, who meanwhile renders.
// Once the scan's context is canceled, All goes on for a moment
// (cancelGrace), so that a short report is still written whole, then
// stops and sets r.Interrupted: the findings yielded are then the first
// ones, in order.
func (r *Result) All() iter.Seq2[classify.Finding, error] {
	return func(yield func(classify.Finding, error) bool) {
		fl := r.flow
		if fl == nil || fl.all == nil {
			yield(classify.Finding{}, errors.New("scan: every finding was not kept (Config.KeepAll), or the result is closed"))
			return
		}
		if _, err := fl.all.Seek(0, io.SeekStart); err != nil {
			yield(classify.Finding{}, fmt.Errorf("scan: read kept findings: %w", err))
			return
		}
		batches := make(chan readBatch, 2)
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			defer close(batches)
			fl.readBack(batches, stop)
		}()
		defer func() {
			close(stop)
			<-done
		}()
		var until time.Time
		for batch := range batches {
			for _, f := range batch.fs {
				if !yield(f, nil) {
					return
				}
			}
			if batch.err != nil {
				yield(classify.Finding{}, fmt.Errorf("scan: read kept findings: %w", batch.err))
				return
			}
			if fl.ctx.Err() != nil {
				if until.IsZero() {
					until = time.Now().Add(fl.grace)
				}
				if !time.Now().Before(until) {
					r.Interrupted = true
					return
				}
			}
		}
	}
}

// readBatch is a batch of findings read back, and the error that ended
// them.
type readBatch struct {
	fs  []classify.Finding
	err error
}

// readBatchSize is how many findings a readBatch holds at most: All holds
// four batches at most, so its memory is bounded by them.
const readBatchSize = 64

// readBack reads the kept findings from fl.all, attaches their changes
// and sends them to out in batches, until they end, an error, or stop.
func (fl *flow) readBack(out chan<- readBatch, stop <-chan struct{}) {
	in := bufio.NewReaderSize(fl.all, 256<<10)
	var b []byte
	send := func(batch readBatch) bool {
		select {
		case out <- batch:
			return true
		case <-stop:
			return false
		}
	}
	batch := make([]classify.Finding, 0, readBatchSize)
	for n := 0; ; n++ {
		size, err := binary.ReadUvarint(in)
		switch {
		case err == io.EOF && n == fl.written:
			send(readBatch{fs: batch})
			return
		case err == io.EOF:
			err = fmt.Errorf("%d findings of the %d kept", n, fl.written)
		}
		if err == nil && size > maxStored {
			err = fmt.Errorf("a finding of %d bytes", size)
		}
		if err == nil {
			b = slices.Grow(b[:0], int(size))[:size]
			_, err = io.ReadFull(in, b)
		}
		batch = append(batch, classify.Finding{})
		f := &batch[len(batch)-1]
		if err == nil {
			err = f.UnmarshalBinary(b)
		}
		if err != nil {
			send(readBatch{fs: batch[:len(batch)-1], err: err})
			return
		}
		fl.engine.Attach(f)
		if len(batch) == readBatchSize {
			if !send(readBatch{fs: batch}) {
				return
			}
			batch = make([]classify.Finding, 0, readBatchSize)
		}
	}
}

// maxStored bounds the length of a kept finding that All believes.
const maxStored = 1 << 30

// Collect returns every finding of the scan (see All), for scans small
// enough to hold them.
func (r *Result) Collect() ([]classify.Finding, error) {
	var out []classify.Finding
	for f, err := range r.All() {
		if err != nil {
			return out, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Close removes the temporary files of the scan.
func (r *Result) Close() error {
	if r.flow == nil {
		return nil
	}
	return r.flow.close()
}
