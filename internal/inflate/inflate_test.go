package inflate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/deflatetest"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// corpora are plain inputs that reach every decoder path: text like a
// log file's (dynamic blocks, many short matches), random bytes (stored
// blocks), runs (distance 1 and other short distances), and the edges.
func corpora() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	var log strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&log, `{"eventVersion":"1.09","eventID":"%08x-%04x","eventName":"PutObject","errorCode":"AccessDenied","bucket":"b-%d","key":"k/%d/%x"},`, r.Uint32(), i, i%17, i, r.Uint64())
	}
	var runs []byte
	for d := 1; d <= 9; d++ {
		for range 50 {
			unit := make([]byte, d)
			for i := range unit {
				unit[i] = byte(r.IntN(4)) + 'a'
			}
			runs = append(runs, bytes.Repeat(unit, 3+r.IntN(300))...)
			runs = append(runs, byte(r.Uint32()))
		}
	}
	mixed := append(append(append([]byte(nil), log.String()[:50000]...), random[:70000]...), log.String()...)
	return map[string][]byte{
		"empty":  {},
		"one":    {'x'},
		"log":    []byte(log.String()),
		"random": random,
		"runs":   runs,
		"mixed":  mixed,
		"zeros":  make([]byte, 1<<20),
	}
}

// levels are klauspost/compress's levels: stored, Huffman only, the fast
// and the thorough encoders.
var levels = []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, 3, flate.DefaultCompression, flate.BestCompression}

func gz(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// klauspost decompresses one gzip member of z as the Reader's streaming
// path does.
func klauspost(z []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	return io.ReadAll(zr)
}

func TestMatchesKlauspost(t *testing.T) {
	var d Decompressor // one for all: tables left by one member must not matter to the next
	for name, data := range corpora() {
		for _, level := range levels {
			z := gz(t, data, level)
			out := make([]byte, len(data))
			inN, outN, err := d.Gunzip(append(bytes.Clone(z), "after"...), out)
			if err != nil || inN != len(z) || !bytes.Equal(out[:outN], data) {
				t.Errorf("%s, level %d: inN %d of %d, %d of %d bytes, equal %v, %v", name, level, inN, len(z), outN, len(data), bytes.Equal(out[:outN], data), err)
			}
			if len(data) > 0 {
				if _, _, err := d.Gunzip(z, out[:len(data)-1]); !errors.Is(err, ErrShortBuffer) {
					t.Errorf("%s, level %d: one byte short: %v, want ErrShortBuffer", name, level, err)
				}
			}
		}
	}
}

// TestFixedAndStored covers what no encoder above writes in a way we
// control: fixed-code blocks (stdlib's encoder writes them for small
// inputs), stored blocks after compressed ones, and an empty stored block.
func TestFixedAndStored(t *testing.T) {
	var w deflatetest.BitWriter
	// A fixed block: "ab", then a match of length 4 at distance 2.
	w.Val(0, 1)
	w.Val(1, 2)
	w.Code(0x30+'a', 8)
	w.Code(0x30+'b', 8)
	w.Code(0b0000010, 7) // 258: length 4
	w.Code(0b00001, 5)   // distance code 1: distance 2
	w.Code(0, 7)         // end of block
	// A stored block: "cd".
	w.Val(0, 1)
	w.Val(0, 2)
	w.Align()
	w.Val(2, 16)
	w.Val(0xfffd, 16)
	w.Val('c', 8)
	w.Val('d', 8)
	// An empty final stored block.
	w.Val(1, 1)
	w.Val(0, 2)
	w.Align()
	w.Val(0, 16)
	w.Val(0xffff, 16)
	want := []byte("abababcd")
	z := deflatetest.Member(w.Bytes(), want)
	got, err := klauspost(z)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("klauspost/compress reads %q, %v: the test's stream is wrong", got, err)
	}
	var d Decompressor
	out := make([]byte, 64)
	inN, outN, err := d.Gunzip(z, out)
	if err != nil || inN != len(z) || string(out[:outN]) != string(want) {
		t.Fatalf("got %q, inN %d of %d, %v", out[:outN], inN, len(z), err)
	}
}

// TestRejects holds the decoder to klauspost/compress's refusals.
func TestRejects(t *testing.T) {
	plain := corpora()["log"][:5000]
	good := gz(t, plain, flate.DefaultCompression)
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 1
	badSize := bytes.Clone(good)
	badSize[len(badSize)-1] ^= 1
	reserved := bytes.Clone(good)
	reserved[3] |= 1 << 5
	fixed := func(write func(w *deflatetest.BitWriter)) []byte { // one fixed block: "a", then what write writes
		var w deflatetest.BitWriter
		w.Val(1, 1)
		w.Val(1, 2)
		w.Code(0x30+'a', 8)
		write(&w)
		w.Code(0, 7) // end of block
		return deflatetest.Member(w.Bytes(), []byte("a"))
	}
	match := func(distCode uint64) func(w *deflatetest.BitWriter) {
		return func(w *deflatetest.BitWriter) { w.Code(0b0000001, 7); w.Code(distCode, 5) } // length 3
	}
	btype3 := deflatetest.Member([]byte{0b111}, nil)
	stored := func(n, nn uint16) []byte {
		return deflatetest.Member(binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16([]byte{1}, n), nn), nil)
	}
	for name, z := range map[string][]byte{
		"trailer CRC":          badCRC,
		"trailer size":         badSize,
		"reserved flag":        reserved,
		"not gzip":             plain,
		"block type 3":         btype3,
		"stored NLEN":          stored(0, 0),
		"stored past the end":  stored(5, ^uint16(5)),
		"symbol 286":           fixed(func(w *deflatetest.BitWriter) { w.Code(0b11000110, 8) }),
		"symbol 287":           fixed(func(w *deflatetest.BitWriter) { w.Code(0b11000111, 8) }),
		"distance code 30":     fixed(match(30)),
		"distance code 31":     fixed(match(31)),
		"distance before data": fixed(match(2)), // distance 3 after one byte
		"cut":                  good[:len(good)-9],
		"empty":                {},
	} {
		if _, err := klauspost(z); err == nil {
			t.Errorf("%s: klauspost/compress reads it: the test's stream is wrong", name)
		}
		var d Decompressor
		if _, _, err := d.Gunzip(z, make([]byte, 1<<20)); err == nil {
			t.Errorf("%s: decompressed", name)
		}
	}
}

// TestIncompleteCodes: an incomplete or over-subscribed code is refused,
// a single one-bit code is not (zlib's and klauspost/compress's rule).
func TestIncompleteCodes(t *testing.T) {
	for _, c := range []struct {
		lens []uint8
		ok   bool
	}{
		{[]uint8{1, 1}, true},
		{[]uint8{1, 0, 0}, true},
		{[]uint8{0, 0, 0}, true},
		{[]uint8{2, 0, 0}, false},
		{[]uint8{1, 2}, false},
		{[]uint8{1, 1, 1}, false},
		{[]uint8{1, 2, 3, 3}, true},
		{[]uint8{1, 2, 3, 4}, false},
	} {
		var t2 [litEnough]uint32
		if ok := build(t2[:], litBits, c.lens, kindLit); ok != c.ok {
			t.Errorf("lengths %v: built %v, want %v", c.lens, ok, c.ok)
		}
	}
}

// FuzzInflate holds the decoder to klauspost/compress: on a compressed
// input cut short or with a byte changed, or on raw bytes taken as a
// deflate stream, it decompresses exactly when klauspost/compress does,
// to the same bytes, and never panics or reads or writes out of bounds.
func FuzzInflate(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventName":"PutObject","errorCode":"AccessDenied"}]}`), uint8(6), uint16(0), uint16(0), false)
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabababababababab"), uint8(1), uint16(0), uint16(0x1107), false)
	f.Add([]byte{0x05, 0xc0, 0x21, 0x0d, 0x00, 0x00}, uint8(0), uint16(0), uint16(0), true)
	f.Fuzz(func(t *testing.T, data []byte, level uint8, cut, flip uint16, raw bool) {
		var z []byte
		if raw {
			z = deflatetest.Member(data, nil)
		} else {
			z = gz(t, data, levels[int(level)%len(levels)])
		}
		if int(cut) < len(z) {
			z = z[:len(z)-int(cut)]
		}
		if flip != 0 && len(z) > 0 {
			z[int(flip)%len(z)] ^= byte(flip>>8) | 1
		}
		want, werr := klauspost(z)
		var d Decompressor
		out := make([]byte, len(want)+int(level)%3)
		inN, outN, err := d.Gunzip(z, out)
		if err == nil {
			if werr != nil || !bytes.Equal(out[:outN], want) {
				t.Fatalf("decompressed %d bytes where klauspost/compress gives %d bytes, %v", outN, len(want), werr)
			}
			if inN > len(z) {
				t.Fatalf("took %d bytes of %d", inN, len(z))
			}
		} else if werr == nil && z[3]&2 == 0 {
			// klauspost/compress read it all; so must we (a header CRC,
			// FHCRC, excepted: this package leaves it to klauspost/compress).
			t.Fatalf("%v where klauspost/compress reads %d bytes", err, len(want))
		}
	})
}

// BenchmarkGunzip compares the decoder with klauspost/compress's streaming
// reader (as the Reader and bench/floor use it, through a 256 KiB buffer)
// on log-like text at the levels that matter (synth's and most writers'),
// and on the first 20 log files of bench/run.sh's archive where it is.
func BenchmarkGunzip(b *testing.B) {
	data := corpora()["log"]
	for _, level := range []int{flate.BestSpeed, flate.DefaultCompression} {
		z := gz(b, data, level)
		benchBoth(b, fmt.Sprintf("level%d", level), [][]byte{z}, int64(len(data)))
	}
	var files [][]byte
	var plain int64
	archives, _ := filepath.Glob("../../bench/out/archive-*")
	if len(archives) > 0 {
		filepath.WalkDir(archives[0], func(p string, e fs.DirEntry, err error) error {
			if err != nil || len(files) == 20 || !strings.Contains(p, "_CloudTrail_") {
				return err
			}
			z, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data, err := klauspost(z)
			if err != nil {
				return err
			}
			files, plain = append(files, z), plain+int64(len(data))
			return nil
		})
	}
	if len(files) > 0 {
		benchBoth(b, "archive", files, plain)
	}
}

func benchBoth(b *testing.B, name string, files [][]byte, plain int64) {
	b.Run("inflate/"+name, func(b *testing.B) {
		var d Decompressor
		out := make([]byte, 32<<20)
		b.SetBytes(plain)
		for b.Loop() {
			for _, z := range files {
				if _, _, err := d.Gunzip(z, out); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("klauspost/"+name, func(b *testing.B) {
		zr := new(gzip.Reader)
		buf := make([]byte, 256<<10)
		b.SetBytes(plain)
		for b.Loop() {
			for _, z := range files {
				zr.Reset(bytes.NewReader(z))
				for {
					_, err := zr.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	})
}
