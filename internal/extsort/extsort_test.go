package extsort

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSortsThroughRuns: records beyond the budget go through runs on disk
// and come back in order, every one, twice; Close leaves no file behind.
func TestSortsThroughRuns(t *testing.T) {
	dir := t.TempDir()
	s := New(dir, 4096, bytes.Compare)
	r := rand.New(rand.NewPCG(1, 2))
	var want [][]byte
	for i := range 5000 {
		rec := fmt.Appendf(nil, "%08d-%s", r.IntN(100000), bytes.Repeat([]byte{'x'}, i%50))
		want = append(want, rec)
		if err := s.Add(rec); err != nil {
			t.Fatal(err)
		}
	}
	if s.Runs() < 10 {
		t.Fatalf("%d runs, want the records spilled", s.Runs())
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 0 {
		t.Errorf("run files visible while open: %v", names)
	}
	slices.SortStableFunc(want, bytes.Compare)
	for range 2 {
		var got [][]byte
		for rec, err := range s.All() {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, slices.Clone(rec))
		}
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("%d records back, want %d in order", len(got), len(want))
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	for _, err := range s.All() {
		if err == nil {
			t.Error("All after Close gave no error")
		}
	}
}

func TestEmptyAndInMemory(t *testing.T) {
	s := New(t.TempDir(), 0, bytes.Compare)
	defer s.Close()
	for range s.All() {
		t.Fatal("records from an empty sorter")
	}
	s.Add([]byte("b"))
	s.Add([]byte("a"))
	var got []string
	for rec, err := range s.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(rec))
	}
	if !slices.Equal(got, []string{"a", "b"}) || s.Runs() != 0 {
		t.Errorf("got %v with %d runs", got, s.Runs())
	}
}

// TestStoredReadsBack: once the sorter has spilled, every record comes
// from a run (the ones held in memory are written as one more) and can be
// read again where Stored says it is; a sorter that never spilled yields
// its records from memory.
func TestStoredReadsBack(t *testing.T) {
	for _, spill := range []bool{true, false} {
		s := New(t.TempDir(), 1<<20, bytes.Compare)
		if spill {
			s.budget = 4096
		}
		for i := range 1000 {
			if err := s.Add(fmt.Appendf(nil, "%05d-%s", (i*7919)%1000, bytes.Repeat([]byte{'y'}, i%300))); err != nil {
				t.Fatal(err)
			}
		}
		n, prev := 0, []byte(nil)
		for st, err := range s.Stored() {
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Compare(prev, st.Rec) > 0 {
				t.Fatalf("%q after %q", st.Rec, prev)
			}
			prev = slices.Clone(st.Rec)
			n++
			if !spill {
				if st.File != nil {
					t.Fatalf("record %q from a file, want memory", st.Rec)
				}
				continue
			}
			if st.File == nil {
				t.Fatalf("record %q from memory after the sorter spilled", st.Rec)
			}
			again := make([]byte, len(st.Rec))
			if _, err := st.File.ReadAt(again, st.Off); err != nil || !bytes.Equal(again, st.Rec) {
				t.Fatalf("read back %q (%v), want %q", again, err, st.Rec)
			}
		}
		if n != 1000 {
			t.Errorf("spill %v: %d records, want 1000", spill, n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
