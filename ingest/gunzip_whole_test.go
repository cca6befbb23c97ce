package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/denytrail/denytrail/internal/deflatetest"
	"github.com/klauspost/compress/gzip"
)

// wholeHeld is the most a Reader holds for a whole input, beyond what a
// streaming Reader holds: the input, and its output as it last grows.
const wholeHeld = wholeMaxIn + wholeMaxOut/2 + wholeMaxOut

// wholeBudget is a whole-input budget for a test run (0: the real one).
type wholeBudget struct{ in, out int }

// bothPaths reads src() with the whole-input path under wholeBudget b, and
// streamed through klauspost/compress, and fails t
// unless the two agree record for record, error for error, positions
// included. It returns the run and whether the whole-input path served it.
func bothPaths(t *testing.T, what string, src func() io.Reader, b wholeBudget, opts ReaderOptions) (res refResult, whole bool) {
	t.Helper()
	rd := newReader(src(), "trail.json.gz", opts, MaxRecordSize, readChunk)
	rd.whole.maxIn, rd.whole.maxOut = b.in, b.out
	got := runRd(rd)
	rs := newReader(src(), "trail.json.gz", opts, MaxRecordSize, readChunk)
	rs.whole.stream = true
	want := runRd(rs)
	sameRun(t, what, got, want, true)
	return got, rd.whole.used
}

func bytesSrc(b []byte) func() io.Reader { return func() io.Reader { return bytes.NewReader(b) } }

// trail is a log file of n records.
func trail(n int) []byte {
	var events []string
	for i := range n {
		events = append(events, fmt.Sprintf(`{"eventID":"%d","eventName":"PutObject","errorCode":"AccessDenied","pad":"%x"}`, i, i*7919))
	}
	return []byte(`{"Records":[` + strings.Join(events, ",") + `]}`)
}

// gzipHeader compresses data as one member with header h.
func gzipHeader(t *testing.T, data []byte, h gzip.Header) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Header = h
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withHeaderCRC adds a header CRC-16 (FHCRC) to a member with a bare
// 10-byte header, right or wrong.
func withHeaderCRC(z []byte, right bool) []byte {
	h := append([]byte(nil), z[:10]...)
	h[3] |= 1 << 1
	crc := uint16(crc32.ChecksumIEEE(h))
	if !right {
		crc++
	}
	return append(binary.LittleEndian.AppendUint16(h, crc), z[10:]...)
}

func TestWholeMatchesStream(t *testing.T) {
	plain := trail(3000)
	one := gzipMembers(t, plain, 1)
	// A big first member and a tiny last one: the trailer's size is the
	// last member's, so the output must grow.
	cut := len(plain) - 10
	skewed := append(gzipMembers(t, plain[:cut], 1), gzipMembers(t, plain[cut:], 1)...)
	lying := bytes.Clone(one)
	binary.LittleEndian.PutUint32(lying[len(lying)-4:], 0xffffffff)
	short := bytes.Clone(one)
	binary.LittleEndian.PutUint32(short[len(short)-4:], 100)
	flipped := bytes.Clone(one)
	flipped[len(flipped)/2] ^= 0x10
	badCRC := bytes.Clone(one)
	badCRC[len(badCRC)-8] ^= 1

	for _, c := range []struct {
		name  string
		data  []byte
		b     wholeBudget
		whole bool // the whole-input path must serve it
	}{
		{"one member", one, wholeBudget{}, true},
		{"three members", gzipMembers(t, plain, 3), wholeBudget{}, true},
		{"skewed members", skewed, wholeBudget{}, true},
		{"output just fits", one, wholeBudget{out: len(plain)}, true},
		{"output over wholeBudget", one, wholeBudget{out: len(plain) - 1}, false},
		{"skewed over wholeBudget", skewed, wholeBudget{out: len(plain) - 1}, false},
		{"input just fits", one, wholeBudget{in: len(one)}, true},
		{"input over wholeBudget", one, wholeBudget{in: len(one) - 1}, false},
		{"input over wholeBudget by far", one, wholeBudget{in: 100}, false},
		{"trailer size says 4 GiB", lying, wholeBudget{}, false},
		{"trailer size says 100", short, wholeBudget{}, false},
		{"trailer CRC wrong", badCRC, wholeBudget{}, false},
		{"a flipped bit", flipped, wholeBudget{}, false},
		{"trailer cut", one[:len(one)-4], wholeBudget{}, false},
		{"half", one[:len(one)/2], wholeBudget{}, false},
		{"garbage after", append(bytes.Clone(one), "garbage"...), wholeBudget{}, false},
		{"zeros after", append(bytes.Clone(one), make([]byte, 20)...), wholeBudget{}, false},
		{"a header after", append(bytes.Clone(one), one[:5]...), wholeBudget{}, false},
		{"name 511 bytes", gzipHeader(t, plain, gzip.Header{Name: strings.Repeat("n", 511)}), wholeBudget{}, true},
		{"name 512 bytes", gzipHeader(t, plain, gzip.Header{Name: strings.Repeat("n", 512)}), wholeBudget{}, false},
		{"comment and extra", gzipHeader(t, plain, gzip.Header{Comment: "c", Extra: []byte("xx")}), wholeBudget{}, true},
		{"header CRC right", withHeaderCRC(one, true), wholeBudget{}, false},
		{"header CRC wrong", withHeaderCRC(one, false), wholeBudget{}, false},
		{"plain JSON truncated", gzipMembers(t, plain[:len(plain)-3], 1), wholeBudget{}, true},
	} {
		res, whole := bothPaths(t, c.name, bytesSrc(c.data), c.b, ReaderOptions{})
		if whole != c.whole {
			t.Errorf("%s: read whole %v, want %v", c.name, whole, c.whole)
		}
		if len(res.Items) == 0 && res.Err == nil {
			t.Errorf("%s: nothing read, no error: a test of nothing", c.name)
		}
	}
}

// TestWholeTruncations cuts and corrupts a two-member file at many
// places: where the inflater fails, the Reader streams from the start.
func TestWholeTruncations(t *testing.T) {
	z := gzipMembers(t, trail(500), 2)
	for i := 1; i < len(z); i += 1 + len(z)/97 {
		bothPaths(t, fmt.Sprintf("cut at %d", i), bytesSrc(z[:i]), wholeBudget{}, ReaderOptions{})
		bad := bytes.Clone(z)
		bad[i] ^= 0xa5
		bothPaths(t, fmt.Sprintf("byte %d flipped", i), bytesSrc(bad), wholeBudget{}, ReaderOptions{})
	}
}

func TestWholeReadError(t *testing.T) {
	z := gzipMembers(t, trail(2000), 1)
	boom := errors.New("boom")
	for _, at := range []int{5, len(z) / 3, len(z) - 1, len(z)} {
		src := func() io.Reader { return &errAfter{z[:at], boom} }
		if _, whole := bothPaths(t, fmt.Sprintf("fails after %d bytes", at), src, wholeBudget{}, ReaderOptions{}); whole {
			t.Errorf("fails after %d bytes: read whole", at)
		}
	}
	// Short reads change nothing.
	src := func() io.Reader { return iotest.HalfReader(bytes.NewReader(z)) }
	if _, whole := bothPaths(t, "half reads", src, wholeBudget{}, ReaderOptions{}); !whole {
		t.Error("half reads: not read whole")
	}
}

// TestWholePools reads big and small, good and bad inputs in turn with
// one Pools and a Keep: no bytes of one input may show in another's.
func TestWholePools(t *testing.T) {
	pools := NewPools()
	big, small := gzipMembers(t, trail(4000), 3), gzipMembers(t, trail(10), 1)
	keep := needleKeep(t, testNeedles, false)
	opts := ReaderOptions{Pools: pools, Keep: keep, Needles: testNeedles}
	for i := range 6 {
		bothPaths(t, "big", bytesSrc(big), wholeBudget{}, opts)
		bothPaths(t, "small", bytesSrc(small), wholeBudget{}, opts)
		bothPaths(t, "big cut", bytesSrc(big[:len(big)-i-1]), wholeBudget{}, opts)
		bothPaths(t, "small over wholeBudget", bytesSrc(small), wholeBudget{out: 100}, opts)
	}
}

// TestWholeTee checks that --verify's hash sees the same bytes.
func TestWholeTee(t *testing.T) {
	plain := trail(1000)
	var tee bytes.Buffer
	rd := NewReader(bytes.NewReader(gzipMembers(t, plain, 2)), "in", ReaderOptions{Tee: &tee})
	runRd(rd)
	if !rd.whole.used || !bytes.Equal(tee.Bytes(), plain) {
		t.Fatalf("read whole %v; tee saw %d bytes, want %d", rd.whole.used, tee.Len(), len(plain))
	}
}

// TestGunzipSizing checks that a trailer's size is believed only while
// plausible, and that the output grows to the wholeBudget and no further.
func TestGunzipSizing(t *testing.T) {
	plain := trail(100)
	z := gzipMembers(t, plain, 1)
	binary.LittleEndian.PutUint32(z[len(z)-4:], 0xffffffff)
	var w wholeReader
	if _, ok := w.gunzip(nil, z, 1<<33); ok {
		t.Fatal("a wrong trailer size decompressed")
	}
	if c := cap(*w.out); c != 0 {
		t.Fatalf("a %d-byte input claiming 4 GiB took a %d-byte buffer", len(z), c)
	}
	for _, members := range []int{1, 2, 7} {
		z := gzipMembers(t, plain, members)
		var w wholeReader
		out, ok := w.gunzip(nil, z, len(plain))
		if !ok || !bytes.Equal(out, plain) {
			t.Fatalf("%d members: ok %v, %d bytes out, want %d", members, ok, len(out), len(plain))
		}
		if _, ok := w.gunzip(nil, z, len(plain)-1); ok {
			t.Fatalf("%d members: decompressed past the budget", members)
		}
	}
}

// FuzzGunzip holds the whole-input path (internal/inflate, or libdeflate
// with -tags libdeflate) to klauspost/compress's streaming one: records, errors and positions alike, for gzip
// files of one to four members made of the input, cut short or with a byte
// changed, and for the raw input after a gzip magic.
func FuzzGunzip(f *testing.F) {
	f.Add(trail(30), uint8(0), uint16(0), uint16(0), false)
	f.Add(trail(30), uint8(2), uint16(9), uint16(0), false)
	f.Add(trail(30), uint8(1), uint16(0), uint16(0x3350), false)
	f.Add([]byte(`{"Records":[{"a":1}]}`), uint8(3), uint16(0), uint16(0), false)
	f.Add(gzipMembers(f, trail(3), 1)[2:], uint8(0), uint16(0), uint16(0), true)
	f.Fuzz(func(t *testing.T, data []byte, members uint8, cut, flip uint16, raw bool) {
		z := append([]byte{0x1f, 0x8b}, data...)
		if !raw {
			z = gzipMembers(t, data, 1+int(members%4))
		}
		if int(cut) < len(z) {
			z = z[:len(z)-int(cut)]
		}
		if flip != 0 {
			z[int(flip)%len(z)] ^= byte(flip>>8) | 1
		}
		for _, b := range []wholeBudget{{}, {in: len(z)/2 + 1, out: len(data)/2 + 1}} {
			bothPaths(t, fmt.Sprintf("budget %+v", b), bytesSrc(z), b, ReaderOptions{})
		}
	})
}

// declaring is a gzip member of one dynamic block holding "{}" whose
// header declares ndist distance codes (1 to 32), all unused.
func declaring(ndist int) []byte {
	var w deflatetest.BitWriter
	w.Val(1, 1) // BFINAL
	w.Val(2, 2) // dynamic Huffman
	w.Val(0, 5) // HLIT: 257 length codes
	w.Val(uint64(ndist-1), 5)
	w.Val(18-4, 4) // HCLEN: 18 code length code lengths
	// The code length code: 18 -> 0, 1 -> 10, 0 -> 110, 2 -> 111.
	lens := map[int]uint64{18: 1, 1: 2, 0: 3, 2: 3}
	for _, sym := range []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1} {
		w.Val(lens[sym], 3)
	}
	zeros := func(n int) { w.Code(0, 1); w.Val(uint64(n-11), 7) }
	zeros(123)      // 0-122
	w.Code(0b10, 2) // '{' has length 1
	w.Code(0b110, 3)
	w.Code(0b111, 3) // '}' has length 2
	zeros(130)       // 126-255
	w.Code(0b111, 3) // end of block has length 2
	zeros(ndist)
	// The data: '{' -> 0, '}' -> 10, end of block -> 11.
	w.Code(0, 1)
	w.Code(0b10, 2)
	w.Code(0b11, 2)
	return deflatetest.Member(w.Bytes(), []byte("{}"))
}
