// Package extsort sorts more records than fit in memory: it holds records
// up to a byte budget, writes each full batch sorted to a temporary file
// (a run), and merges the runs when read. Memory stays within the budget
// plus one buffered reader per run, however many records there are.
//
// Run files are created in a directory (os.TempDir by default) and
// removed as soon as they are open, so nothing is left behind even if the
// process dies; Close releases them.
package extsort

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
)

// DefaultBudget is the bytes of records held before a run is written.
const DefaultBudget = 32 << 20

// Sorter sorts byte records by a comparison function. Add records, then
// range over All; a Sorter is for one goroutine.
type Sorter struct {
	compare func(a, b []byte) int
	dir     string
	budget  int
	recs    [][]byte
	held    int
	runs    []*os.File
	closed  bool
}

// New returns a sorter that orders records by compare, holding about
// budget bytes (DefaultBudget when 0) and writing runs into dir
// (os.TempDir when "").
func New(dir string, budget int, compare func(a, b []byte) int) *Sorter {
	if budget <= 0 {
		budget = DefaultBudget
	}
	if dir == "" {
		dir = os.TempDir()
	}
	return &Sorter{compare: compare, dir: dir, budget: budget}
}

// Add adds a copy of rec.
func (s *Sorter) Add(rec []byte) error {
	if s.closed {
		return errors.New("extsort: add after close")
	}
	s.recs = append(s.recs, slices.Clone(rec))
	s.held += len(rec) + 24
	if s.held >= s.budget {
		return s.spill()
	}
	return nil
}

// Runs returns the number of runs written to disk so far.
func (s *Sorter) Runs() int { return len(s.runs) }

// spill writes the records held as one sorted run.
func (s *Sorter) spill() error {
	slices.SortStableFunc(s.recs, s.compare)
	f, err := os.CreateTemp(s.dir, "denytrail-sort-*")
	if err != nil {
		return fmt.Errorf("extsort: %w", err)
	}
	os.Remove(f.Name()) // the open file lives on until Close
	s.runs = append(s.runs, f)
	w := bufio.NewWriterSize(f, 256<<10)
	var n [binary.MaxVarintLen64]byte
	for _, r := range s.recs {
		w.Write(n[:binary.PutUvarint(n[:], uint64(len(r)))])
		w.Write(r)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("extsort: write run: %w", err)
	}
	clear(s.recs)
	s.recs, s.held = s.recs[:0], 0
	return nil
}

// All yields the records in order. Each record is valid until the next;
// All may be ranged over again.
func (s *Sorter) All() iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for st, err := range s.Stored() {
			if !yield(st.Rec, err) {
				return
			}
		}
	}
}

// Stored is a record as Stored yields it: its bytes, valid until the
// next record, and where they stay until Close: File at Off (File is nil
// for a record held in memory). A caller may let go of the bytes of a
// record on disk and read them again.
type Stored struct {
	Rec  []byte
	File io.ReaderAt
	Off  int64
}

// Stored yields the records in order, as All does, with where each is
// stored. When the sorter has written runs it first writes the records it
// holds as one more, so that the merge holds a buffered reader per run and
// no record.
func (s *Sorter) Stored() iter.Seq2[Stored, error] {
	return func(yield func(Stored, error) bool) {
		if s.closed {
			yield(Stored{}, errors.New("extsort: read after close"))
			return
		}
		if len(s.runs) > 0 && len(s.recs) > 0 {
			if err := s.spill(); err != nil {
				yield(Stored{}, err)
				return
			}
		}
		slices.SortStableFunc(s.recs, s.compare)
		m := &merge{compare: s.compare}
		for i, f := range s.runs {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				yield(Stored{}, fmt.Errorf("extsort: rewind run: %w", err))
				return
			}
			src := &source{f: f, r: bufio.NewReaderSize(f, 64<<10), order: i}
			if err := src.next(); err != nil {
				yield(Stored{}, err)
				return
			}
			if src.rec != nil {
				m.srcs = append(m.srcs, src)
			}
		}
		if len(s.recs) > 0 {
			mem := &source{mem: s.recs, order: len(s.runs)}
			mem.next()
			m.srcs = append(m.srcs, mem)
		}
		heap.Init(m)
		for len(m.srcs) > 0 {
			top := m.srcs[0]
			st := Stored{Rec: top.rec}
			if top.f != nil {
				st.File, st.Off = top.f, top.off
			}
			if !yield(st, nil) {
				return
			}
			if err := top.next(); err != nil {
				yield(Stored{}, err)
				return
			}
			if top.rec == nil {
				heap.Pop(m)
			} else {
				heap.Fix(m, 0)
			}
		}
	}
}

// Close removes the runs and drops the records.
func (s *Sorter) Close() error {
	var errs []error
	for _, f := range s.runs {
		errs = append(errs, f.Close())
	}
	s.runs, s.recs, s.closed = nil, nil, true
	return errors.Join(errs...)
}

// source is a run on disk, or the records still in memory.
type source struct {
	f     *os.File // the run; nil for the records in memory
	pos   int64    // the offset in f of what r reads next
	off   int64    // the offset in f of rec
	r     *bufio.Reader
	mem   [][]byte
	rec   []byte // the current record; nil at the end
	buf   []byte
	order int // ties go to the earlier run, so the sort is stable
}

func (s *source) next() error {
	if s.r == nil {
		s.rec = nil
		if len(s.mem) > 0 {
			s.rec, s.mem = s.mem[0], s.mem[1:]
		}
		return nil
	}
	n, err := binary.ReadUvarint(s.r)
	if err == io.EOF {
		s.rec = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("extsort: read run: %w", err)
	}
	s.off = s.pos + int64(uvarintLen(n))
	s.pos = s.off + int64(n)
	if uint64(cap(s.buf)) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	if _, err := io.ReadFull(s.r, s.buf); err != nil {
		return fmt.Errorf("extsort: read run: %w", err)
	}
	s.rec = s.buf
	return nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}

// merge is a heap of sources by their current record.
type merge struct {
	srcs    []*source
	compare func(a, b []byte) int
}

func (m *merge) Len() int { return len(m.srcs) }
func (m *merge) Less(i, j int) bool {
	return cmp.Or(m.compare(m.srcs[i].rec, m.srcs[j].rec), cmp.Compare(m.srcs[i].order, m.srcs[j].order)) < 0
}
func (m *merge) Swap(i, j int) { m.srcs[i], m.srcs[j] = m.srcs[j], m.srcs[i] }
func (m *merge) Push(x any)    { m.srcs = append(m.srcs, x.(*source)) }
func (m *merge) Pop() any {
	x := m.srcs[len(m.srcs)-1]
	m.srcs = m.srcs[:len(m.srcs)-1]
	return x
}
