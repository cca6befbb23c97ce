// Package scan runs the pipeline: it walks sources, reads their inputs in a
// pool of workers, classifies the records that matter, and feeds one engine
// that turns them into findings.
//
// Workers share nothing but counters and a pool of reader buffers: each
// opens an input, streams it through an ingest.Reader whose pre-filter
// drops the records that cannot matter (most on a search for a few rare
// strings, without asking the filter: see ingest.ReaderOptions.Needles),
// parses and judges the rest, and sends them to the single engine
// goroutine. Memory is bounded by the number of workers times the reader
// buffers plus the engine's window and the findings themselves, not by the
// size of the sources.
package scan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/suppress"
)

// Config says what to keep and how to read.
type Config struct {
	// Filter decides which events count.
	Filter classify.Filter
	// Since and Until bound eventTime (inclusive); zero means unbounded.
	Since, Until time.Time
	// Workers is the number of inputs read at once; 0 means GOMAXPROCS.
	Workers int
	// Window is how far apart a denied upload and the KMS call S3 made for
	// it may be to count as one incident; 0 means classify.DefaultWindow.
	Window time.Duration
	// Counters, when set, is updated as the scan goes, for progress display.
	Counters *Counters
	// Observe, when set, sees every event the engine sees, in the engine's
	// goroutine, before the engine does (explain uses it to show the fields
	// each verdict read).
	Observe func(ev *classify.Event, v classify.Verdict, origin string)
	// Suppress, when set, mutes the findings its rules accept: they are
	// counted per rule in Stats.Suppressed (and a note each), not reported.
	Suppress *suppress.Matcher
	// Limit bounds the incidents (identical retries collapsed) the report
	// keeps as a sample (report.NewBuilder); the report counts every
	// finding all the same.
	Limit int
	// KeepAll keeps every finding in a temporary file for Result.All (the
	// formats that list every finding need it); KeepRecords keeps each
	// finding's records there too (explain shows them).
	KeepAll, KeepRecords bool
	// TempDir is where the scan's temporary files go (os.TempDir when
	// empty); SortBudget bounds the bytes of failed records the scan holds
	// before it sorts them on disk (extsort.DefaultBudget when 0).
	TempDir    string
	SortBudget int
	// Verify, when set, hashes every input as it is read and checks the
	// hashes against CloudTrail's digests once all are read
	// (Stats.Integrity, Finding.Integrity).
	Verify *integrity.Verifier

	// everyRecord hands every record to the filter, as the readers did
	// before they searched for needles: the reference the tests hold the
	// fast path to.
	everyRecord bool
}

// Counters are live totals of a running scan, safe to read concurrently.
type Counters struct {
	Listed   atomic.Int64 // inputs the sources have offered so far
	Inputs   atomic.Int64 // inputs read to the end
	Bytes    atomic.Int64 // stored bytes read
	Records  atomic.Int64 // records seen
	Findings atomic.Int64 // failed calls kept
	Skipped  atomic.Int64 // inputs and records that could not be read
}

// Result is what a scan found and what it read. Close it to remove its
// temporary files.
type Result struct {
	Stats report.Stats
	// Report holds the patterns, exact counts and a bounded sample of the
	// findings; All yields every one.
	Report *report.Report
	// Interrupted is set when ctx was canceled before every input was read
	// or every failed record read was reported; a note in Stats.Notes
	// says how far the correlation got when it was cut short.
	Interrupted bool
	// Unreadable is set when no source could be read at all.
	Unreadable bool

	flow *flow
}

// noter is a source with something to say about what it can find, such as
// the LookupEvents source, which never sees S3 data events.
type noter interface {
	Notes() []string
}

// errNotEvent is the problem of a record that holds an errorCode but no
// eventName or eventSource: failed calls in a shape that cannot be read as
// CloudTrail records.
var errNotEvent = errors.New(`holds "errorCode" but has no eventName or eventSource: not a CloudTrail record, and the failed calls in it cannot be read (pass the log file itself, or the "Records" array)`)

// item is one event on its way from a worker to the engine.
type item struct {
	ev      *classify.Event
	verdict classify.Verdict // of a failed record, for Config.Observe
	origin  string
	rec     []byte // a failed record's binary form (classify.Record), for the sort
}

// Run scans sources and returns the report of the findings (see the
// findings flow in findings.go). It returns an error for misuse, and when
// its temporary files cannot be written; unreadable inputs are listed in
// Result.Stats.Skipped.
func Run(ctx context.Context, cfg Config, sources []ingest.Source) (*Result, error) {
	if len(sources) == 0 {
		return nil, errors.New("scan: no sources")
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := cfg.Counters
	if c == nil {
		c = new(Counters)
	}
	s := &scanner{cfg: cfg, c: c, pools: ingest.NewPools(), bufs: make(chan []byte, 256+workers)}
	if n := cfg.Filter.Needles(); len(n) > 0 && !cfg.everyRecord {
		s.needles = n
		// Until a scan has seen an S3 data event it asks about every record
		// that may be one: every S3 data event holds this string.
		s.probe = append(slices.Clip(n), []byte(`"s3.amazonaws.com"`))
	}
	for _, src := range sources {
		s.stats.Sources = append(s.stats.Sources, src.String())
		if n, ok := src.(noter); ok {
			for _, note := range n.Notes() {
				s.stats.Notes = append(s.stats.Notes, report.Problem{Input: src.String(), Reason: note})
			}
		}
	}
	s.stats.Since, s.stats.Until = cfg.Since, cfg.Until

	fl, err := newFlow(&cfg)
	if err != nil {
		return nil, err
	}
	inputs := make(chan ingest.Input, 4*workers)
	items := make(chan item, 256)

	// Walk every source ahead of the workers, one source after another.
	var failedSources atomic.Int64
	go func() {
		defer close(inputs)
		for _, src := range sources {
			err := src.Walk(ctx, func(in ingest.Input) error {
				if in.Err != nil {
					s.problem(in.Name, in.Err)
					return nil
				}
				c.Listed.Add(1)
				select {
				case inputs <- in:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if err != nil && ctx.Err() == nil {
				failedSources.Add(1)
				s.problem(src.String(), err)
			}
			if ctx.Err() != nil {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for in := range inputs {
				if ctx.Err() != nil {
					continue // drain so the walker is not stuck
				}
				s.read(ctx, in, items)
			}
		})
	}
	go func() {
		wg.Wait()
		close(items)
	}()

	for it := range items {
		if err == nil {
			err = fl.add(it)
		}
		s.reuse(it.rec)
	}
	// Every input is read: verify them before the engine emits the
	// findings, so that each carries its evidence's integrity.
	var verified *integrity.Summary
	if cfg.Verify != nil {
		var status map[string]integrity.Status
		status, verified = cfg.Verify.Finish(ctx)
		fl.integrity = integrityOf(status)
	}
	var cut *report.Problem
	if err == nil {
		cut, err = fl.finish(ctx, s.failed.Load())
	}
	if err != nil {
		fl.close()
		return nil, err
	}

	st := s.stats
	s.probs.fill(&st)
	st.Inputs = c.Inputs.Load()
	st.Bytes = c.Bytes.Load()
	st.Records = c.Records.Load()
	st.Failed = s.failed.Load()
	st.S3DataEvents = s.sawData.Load()
	if st.Skipped == nil {
		st.Skipped = []report.Problem{}
	}
	if cfg.Suppress != nil {
		st.Suppressed, st.Notes = suppressions(cfg.Suppress, st.Notes)
	}
	if st.Notes == nil {
		st.Notes = []report.Problem{}
	}
	st.Integrity = verified
	if cut != nil {
		st.Notes = append(st.Notes, *cut)
	}
	return &Result{
		Stats:       st,
		Report:      fl.builder.Report(st),
		flow:        fl,
		Interrupted: ctx.Err() != nil,
		Unreadable:  int(failedSources.Load()) == len(sources) || (!s.readAny.Load() && st.SkippedCount > 0),
	}, nil
}

// suppressions returns what each rule muted, and notes saying so.
func suppressions(m *suppress.Matcher, notes []report.Problem) ([]report.Suppression, []report.Problem) {
	var out []report.Suppression
	for _, c := range m.Counts() {
		out = append(out, report.Suppression{Rule: c.Rule, Reason: c.Reason, Expires: c.Expires, Expired: c.Expired, Count: c.Suppressed})
		input := m.File() + " " + c.Rule
		switch {
		case c.Expired:
			notes = append(notes, report.Problem{Input: input, Reason: "expired on " + c.Expires + ": suppresses nothing (" + c.Reason + ")"})
		case c.Suppressed > 0:
			notes = append(notes, report.Problem{Input: input, Reason: fmt.Sprintf("suppressed %d finding(s) until %s: %s", c.Suppressed, c.Expires, c.Reason)})
		}
	}
	return out, notes
}

type scanner struct {
	cfg     Config
	c       *Counters
	pools   *ingest.Pools
	needles [][]byte // the filter's needles; nil: every record is looked at
	probe   [][]byte // needles and the mark of an S3 data event
	failed  atomic.Int64
	sawData atomic.Bool
	// readAny is set once an input was read: to its end, in part, or far
	// enough to say what is wrong with its shape. Until then a scan whose
	// every input failed could not read anything (exit 1, not 2).
	readAny atomic.Bool
	probs   problems
	stats   report.Stats // sources, window and the sources' notes, set before the scan
	// bufs are buffers for the failed records' binary forms, which the
	// sort copies: back from the engine goroutine, for the workers.
	bufs chan []byte
}

// buffer returns an empty buffer for a failed record's binary form.
func (s *scanner) buffer() []byte {
	select {
	case b := <-s.bufs:
		return b
	default:
		return nil
	}
}

// reuse gives a buffer back once its record is in the sort.
func (s *scanner) reuse(b []byte) {
	if b == nil {
		return
	}
	select {
	case s.bufs <- b[:0]:
	default:
	}
}

// problem records an input that was skipped, or a note when err says it is
// not an event log.
func (s *scanner) problem(name string, err error) {
	if !errors.Is(err, ingest.ErrNotEventLog) {
		s.c.Skipped.Add(1)
	}
	s.probs.add(ingest.Origin{Input: name, Index: -1}, err, nil)
}

// recordProblem records a record that was skipped; why is the reason
// alone, without the origin. named counts the problems named for the
// record's input.
func (s *scanner) recordProblem(o ingest.Origin, why error, named *int) {
	s.c.Skipped.Add(1)
	s.probs.add(o, why, named)
}

// keep is the pre-filter handed to the readers: it notes the first S3 data
// event, then asks the filter whether the record can matter at all. A
// reader with needles calls it only for records holding one.
func (s *scanner) keep(raw []byte) bool {
	if !s.sawData.Load() && classify.IsS3DataEvent(raw) {
		s.sawData.Store(true)
	}
	return s.cfg.Filter.MayMatch(raw)
}

// read streams one input and sends the events that count to items.
func (s *scanner) read(ctx context.Context, in ingest.Input, items chan<- item) {
	rc, err := in.Open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.problem(in.Name, err)
		}
		return
	}
	defer rc.Close()
	cr := &countingReader{ctx: ctx, r: rc, n: &s.c.Bytes}
	// Parse checks each kept record's JSON syntax as it decodes it: the
	// reader need not check it first.
	opts := ingest.ReaderOptions{Keep: s.keep, Needles: s.needles, Pools: s.pools, CallerChecksJSON: true}
	if s.needles != nil && !s.sawData.Load() {
		opts.Needles = s.probe
	}
	var readErr error
	if s.cfg.Verify != nil {
		var done func(error)
		opts.Tee, done = s.cfg.Verify.Hash(in.Name)
		readErr = errors.New("not read to the end")
		defer func() { done(readErr) }()
	}
	r := ingest.NewReader(cr, in.Name, opts)
	defer r.Close()
	var seen int64
	named := 0 // problems named for this input
	for r.Next() {
		if ctx.Err() != nil {
			return
		}
		rec := r.Record()
		if rec.Err != nil {
			s.recordProblem(rec.Origin, cmp.Or(errors.Unwrap(rec.Err), rec.Err), &named)
			continue
		}
		ev, err := classify.Parse(rec.Raw)
		if err != nil {
			if se := (*classify.SyntaxError)(nil); errors.As(err, &se) {
				err = ingest.InvalidJSON(se.Offset, se) // as the reader words it
			}
			s.recordProblem(rec.Origin, err, &named)
			continue
		}
		// Successful changes (the only successes Match takes) are kept
		// outside [Since, Until] too: one made before Since can explain a
		// denial inside it.
		if ev.EventName == "" && ev.EventSource == "" && bytes.Contains(rec.Raw, []byte(`"errorCode"`)) {
			// Failed calls inside something that is not an event (a log
			// file nested in another object, an unknown export): say so
			// rather than read it as one event that failed nothing.
			s.recordProblem(rec.Origin, errNotEvent, &named)
			continue
		}
		if !s.cfg.Filter.Match(ev) || ev.Failed() && !s.inWindow(ev.EventTime) {
			continue
		}
		if ev.EventTime.IsZero() {
			switch {
			case !ev.Failed():
				// A change that cannot be placed in time explains nothing.
				s.recordProblem(rec.Origin, fmt.Errorf("change %s: %w: not used to explain denials", clip(ev.EventName, 64), timeProblem(ev)), &named)
				continue
			case ev.EventTimeRaw != "":
				// Kept, with its time unknown, but named: a window or an
				// incident may have missed it.
				s.recordProblem(rec.Origin, fmt.Errorf("%w: kept with an unknown time", timeProblem(ev)), &named)
			}
		}
		it := item{ev: ev, origin: rec.Origin.String()}
		if ev.Failed() {
			// Judged here, once: the record carries its finding through
			// the sort to the engine.
			it.verdict = classify.Judge(ev)
			r := classify.NewRecord(ev, it.verdict, it.origin)
			var err error
			if it.rec, err = r.AppendBinary(s.buffer()); err != nil {
				s.recordProblem(rec.Origin, err, &named) // cannot happen: a new record has its finding
				continue
			}
			s.failed.Add(1)
			s.c.Findings.Add(1)
		}
		select {
		case items <- it:
		case <-ctx.Done():
			return
		}
		// Publish the record count as we go so progress moves within large inputs.
		if n := r.Records(); n-seen >= 4096 {
			s.c.Records.Add(n - seen)
			seen = n
		}
	}
	s.c.Records.Add(r.Records() - seen)
	if ctx.Err() != nil {
		return // interrupted: the scan says so as a whole
	}
	if err := r.Err(); err != nil {
		if n := r.Records(); n > 0 {
			// What came before the error is kept: say the input was read in
			// part, and where it ended.
			s.probs.partialInput()
			s.readAny.Store(true)
			err = fmt.Errorf("%s: read in part (kept the %s before the error): %s",
				in.Name, plural(n, "record", "records"), strings.TrimPrefix(err.Error(), in.Name+": "))
		}
		if errors.Is(err, ingest.ErrShape) {
			s.readAny.Store(true)
		}
		s.problem(in.Name, err)
		if s.cfg.Verify != nil && ctx.Err() == nil {
			readErr = s.cfg.Verify.Rehash(ctx, in.Name, in.Open)
		}
		return
	}
	readErr = ctx.Err()
	s.readAny.Store(true)
	s.c.Inputs.Add(1)
}

// integrityOf returns what sets a finding's Integrity from the status of
// each input: the worst of its records' log files.
func integrityOf(status map[string]integrity.Status) func(*classify.Finding) {
	of := func(origin string) integrity.Status {
		if i := strings.LastIndexByte(origin, '#'); i >= 0 && strings.Trim(origin[i+1:], "0123456789") == "" {
			origin = origin[:i] // ingest.Origin: input#index
		}
		st, ok := status[origin]
		if !ok {
			return integrity.Status{Status: integrity.Unverified, Reason: "not read from a log file"}
		}
		return st
	}
	rank := map[string]int{integrity.Verified: 0, integrity.Unverified: 1, integrity.Tampered: 2}
	return func(f *classify.Finding) {
		worst := of(f.Origin)
		for _, r := range f.Records {
			if st := of(r.Origin); rank[st.Status] > rank[worst.Status] {
				worst = st
			}
		}
		f.Integrity = &classify.Integrity{Status: worst.Status, Reason: worst.Reason}
	}
}

// timeProblem says what is wrong with ev's eventTime.
func timeProblem(ev *classify.Event) error {
	if ev.EventTimeRaw == "" {
		return errors.New("no eventTime")
	}
	return fmt.Errorf("eventTime %q is unparsable or outside years 0001-9999", clip(ev.EventTimeRaw, 64))
}

// clip shortens s, a value from a record, to at most n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// inWindow reports whether t is inside [Since, Until]. Events without a
// parsable time are kept: dropping them would lose denials silently.
func (s *scanner) inWindow(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	if !s.cfg.Since.IsZero() && t.Before(s.cfg.Since) {
		return false
	}
	if !s.cfg.Until.IsZero() && t.After(s.cfg.Until) {
		return false
	}
	return true
}

// countingReader counts the bytes read through it, and stops at once when
// ctx is done, so that a reader skipping a long run of records that do not
// matter notices cancellation.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
