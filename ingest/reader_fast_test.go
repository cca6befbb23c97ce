package ingest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// skipRef is walk written the obvious way: it skips the container starting
// at b[i] byte by byte, with the splitter's rules (outside strings '"'
// opens one and brackets of any kind count; inside, '\\' escapes the next
// byte and '"' closes it). It returns the index past the container, or
// false when b ends first.
func skipRef(b []byte, i int) (int, bool) {
	depth, inStr, esc := 0, false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case esc:
			esc = false
		case inStr:
			esc = c == '\\'
			inStr = c != '"'
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

// checkWalk compares walk with skipRef for containers starting at the
// first few brackets of data, reading data whole and in pieces cut at
// the given points, as a Reader whose buffer fills up would.
func checkWalk(t *testing.T, data []byte, cuts []int) {
	t.Helper()
	starts := 0
	for i, c := range data {
		if c != '{' && c != '[' {
			continue
		}
		if starts++; starts > 8 {
			break
		}
		want, wantOK := skipRef(data, i)
		var x index
		var st walkState
		got, ok, from := 0, false, i
		for _, cut := range append(cuts, len(data)) {
			if cut <= from || cut > len(data) {
				continue
			}
			x.reset() // the buffer grew
			if got, ok = x.walk(data[:cut], from, &st); ok {
				break
			}
			from = cut
		}
		if !ok {
			got = len(data)
		}
		if got != want || ok != wantOK {
			t.Fatalf("container at %d, cut at %v: walk = %d, %v; skipping every byte: %d, %v\ninput %q",
				i, cuts, got, ok, want, wantOK, shortInput(data))
		}
		for _, nib := range []*nibbles{nil, &walkNeedles.nib} {
			for _, hold := range []bool{false, true} {
				// Without hold, each call walks to the cut and the anchor
				// masks start again; with hold, each goes on where the last
				// one stopped, and the masks are one run.
				st, from = walkState{}, i
				var an []uint64
				end, calls := len(data), 0
				for _, cut := range append(cuts, len(data)) {
					if cut <= from || cut > len(data) {
						continue
					}
					calls++
					end = cut
					if !hold {
						an = an[:0]
					}
					if got, ok, an = walkMasks(data[:cut], from, &st, nib, an, hold && cut < len(data)); ok {
						break
					}
					from = cut
					if hold {
						from = got
					}
				}
				if !ok {
					got = len(data)
				}
				if got != want || ok != wantOK {
					t.Fatalf("container at %d, cut at %v, hold %v: walkMasks = %d, %v; skipping every byte: %d, %v\ninput %q",
						i, cuts, hold, got, ok, want, wantOK, shortInput(data))
				}
				if calls == 1 || hold {
					checkAnchors(t, data[:end], i, got, nib, an)
				}
			}
		}
	}
}

// walkNeedles are needles whose anchors are among the bytes that matter
// to the walk: quotes, backslashes, brackets.
var walkNeedles = compileNeedles([][]byte{[]byte(`{"`), []byte(`\u`), []byte(`"}`), []byte(`[]`), []byte(`}x`), []byte(`e"`), []byte(`a]`)})

// checkAnchors checks the anchor masks walkMasks gathered walking the
// container b[from:to] in one call: one per 64-byte block from from, each
// marking the bytes of b that are an anchor followed by a byte that may
// follow it (none when nib is nil), a zero byte after the end of b.
func checkAnchors(t *testing.T, b []byte, from, to int, nib *nibbles, an []uint64) {
	t.Helper()
	if n := (to - from + 63) / 64; len(an) != n {
		t.Fatalf("container %d-%d: %d anchor masks, want %d\ninput %q", from, to, len(an), n, shortInput(b))
	}
	for k := range an {
		var want uint64
		for j := range min(64, len(b)-from-64*k) {
			p := from + 64*k + j
			next := byte(0)
			if p+1 < len(b) {
				next = b[p+1]
			}
			if nib != nil && bytes.IndexByte(nib.anchors[:], b[p]) >= 0 && nib.pair(b[p], next) {
				want |= 1 << j
			}
		}
		if an[k] != want {
			t.Fatalf("container %d-%d, block %d: anchors %x, want %x\ninput %q", from, to, k, an[k], want, shortInput(b))
		}
	}
}

func TestWalk(t *testing.T) {
	inputs := []string{
		`{}`, `[]`, `{"a":"}"}`, `{"a":"\"}"}`, `{"a":"\\"}`, `{"a":"\\\"}"}`, `{"a":"x\\\\\\"}]"}`,
		`[{"a":[1,2,{"b":"]"}]},"}"]`, `{"a":"\{"}`, `{"a":"\}"}x}`, `{\"a":1}}`, `{"a` + "\\",
		`{"ua":"[aws-cli/2 os/linux]","k":{"x":"{\"p\":[\"a\"]}"},"l":[[],[{}]]}`,
		strings.Repeat(`{"a":"`+strings.Repeat(`\\`, 7)+`\"`, 3) + `"}}}`,
		"{" + strings.Repeat(`"k":"v",`, 40) + `"z":"` + strings.Repeat("]", 20) + `"}`,
	}
	inputs = append(inputs, testEvents...)
	for _, in := range inputs {
		data := []byte(in)
		checkWalk(t, data, nil)
		for cut := 1; cut < len(data); cut++ {
			checkWalk(t, data, []int{cut})
		}
		checkWalk(t, data, []int{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144})
	}
}

// TestBlockMasks holds blockMasks and anchorMasks (SSE2 on amd64) to
// blockMasksGo and anchorMasksGo on
// random blocks made of the bytes that matter and their neighbours
// (0x5b folds onto 0x7b in the vector code, 0x22 is next to 0x23 and 0x02).
func TestBlockMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("\"\\{}[]\x02\x22\x23\x3b\x5a\x5c\x5e\x7a\x7c\x7e\xdb\xfb\xfd\x00a")
	for range 2000 {
		b := make([]byte, 64*(1+r.IntN(12))+r.IntN(64))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
		}
		for _, n := range []int{1, 3, 16} {
			got, want := make([][4]uint64, n), make([][4]uint64, n)
			gn, wn := blockMasks(b, got), blockMasksGo(b, want)
			if gn != wn || gn != min(n, len(b)/64) {
				t.Fatalf("%d bytes, %d blocks: blockMasks did %d, blockMasksGo %d", len(b), n, gn, wn)
			}
			for k := range gn {
				if got[k] != want[k] {
					t.Fatalf("block %d of %q: masks %x, want %x", k, b[64*k:64*k+64], got[k], want[k])
				}
			}
			var anchors [8]byte
			for i := range anchors {
				anchors[i] = alphabet[r.IntN(len(alphabet))]
			}
			ga, wa := make([]uint64, n), make([]uint64, n)
			if an, wn := anchorMasks(b, &anchors, ga), anchorMasksGo(b, &anchors, wa); an != wn || an != gn || !slices.Equal(ga, wa) {
				t.Fatalf("anchors %q in %q: %d blocks %x, want %d %x", anchors, b, an, ga, wn, wa)
			}
		}
	}
}

// testNeedles are needles for the tests' Keep: short ones that random
// input hits, one whose anchor occurs twice in it, and "},", which is never
// inside a compact record and so tests matches that run past its end.
var testNeedles = [][]byte{[]byte(`"errorCode"`), []byte(`\u`), []byte(`Policy"`), []byte(`},`), []byte(`e"`), []byte(`a1a`)}

// containsAny is what needleSet.in must compute.
func containsAny(raw []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			return true
		}
	}
	return false
}

// needleKeep is a Keep that honours the needles' promise (it rejects every
// record holding none of them) and also rejects records holding "drop". It
// fails the test when it is asked about a record without a needle once
// needles are in use.
func needleKeep(t testing.TB, needles [][]byte, strict bool) func([]byte) bool {
	return func(raw []byte) bool {
		has := containsAny(raw, needles)
		if strict && !has {
			t.Errorf("Keep asked about a record without a needle: %q", shortInput(raw))
		}
		return has && !bytes.Contains(raw, []byte("drop"))
	}
}

// checkNeedles reads data with Keep asked about every record, and with the
// same Keep behind needles, and wants the same items, counts and errors.
func checkNeedles(t *testing.T, data []byte, limit, chunk int) {
	t.Helper()
	want := runReader(bytes.NewReader(data), "in", limit, chunk, needleKeep(t, testNeedles, false))
	opts := ReaderOptions{Keep: needleKeep(t, testNeedles, true), Needles: testNeedles}
	got := runOpts(bytes.NewReader(data), "in", limit, chunk, opts)
	sameRun(t, fmt.Sprintf("needles, limit %d", limit), got, want, true)
	got = runOpts(iotest.HalfReader(bytes.NewReader(data)), "in", limit, chunk, opts)
	sameRun(t, fmt.Sprintf("needles, half reads, limit %d", limit), got, want, true)
}

func TestNeedles(t *testing.T) {
	var inputs [][]byte
	for _, sh := range shapes() {
		inputs = append(inputs, []byte(sh.data))
	}
	// Every event with and without a needle, with "drop", and records
	// cut by buffer edges at every offset.
	var recs []string
	for i, e := range testEvents {
		recs = append(recs, e, strings.Replace(e, `"eventID"`, `"drop":1,"eventID"`, 1))
		recs = append(recs, fmt.Sprintf(`{"eventID":"n%d","x":"PolicyX a1b"}`, i), fmt.Sprintf(`{"eventID":"p%d","x":"Policy"}`, i))
	}
	inputs = append(inputs, []byte(`{"Records":[`+strings.Join(recs, ",")+`]}`), []byte(strings.Join(recs, "\n")))
	for _, data := range inputs {
		checkNeedles(t, data, MaxRecordSize, readChunk)
		checkNeedles(t, data, 300, 5)
		checkNeedles(t, data, 64, 1)
		checkAgainstReferenceKeep(t, data, needleKeep(t, testNeedles, false))
	}
}

// TestNeedleEdges puts needle matches across record boundaries: one that
// starts in a record and runs past its end, found before one inside the
// record at the same anchor, and one that starts before a record and ends
// inside it.
func TestNeedleEdges(t *testing.T) {
	needles := [][]byte{[]byte(`x"},`), []byte(`zx`), []byte(`,{"Qz`)}
	data := []byte(`[{"a":"zx"},{"b":"x"},{"Qz":1},{"c":"Qz"}]`)
	for _, chunk := range []int{readChunk, 7, 1} {
		want := runReader(bytes.NewReader(data), "in", 64, chunk, needleKeep(t, needles, false))
		got := runOpts(bytes.NewReader(data), "in", 64, chunk, ReaderOptions{Keep: needleKeep(t, needles, true), Needles: needles})
		sameRun(t, "edges", got, want, true)
		if len(got.Items) != 1 || got.Items[0].Origin.Index != 0 {
			t.Fatalf("chunk %d: kept %v, want record 0 only", chunk, got.Items)
		}
	}
}

// checkAgainstReferenceKeep compares a Reader with needles with the
// encoding/json reference given the same Keep, on input the reference reads.
func checkAgainstReferenceKeep(t *testing.T, data []byte, keep func([]byte) bool) {
	t.Helper()
	want := reference(data, "in", MaxRecordSize, keep)
	if want.Err != nil {
		return
	}
	got := runOpts(bytes.NewReader(data), "in", MaxRecordSize, readChunk, ReaderOptions{Keep: keep, Needles: testNeedles})
	if got.Err != nil || sameRefItems(got.Items, want.Items) != nil || got.Records != want.Records {
		t.Fatalf("needles: %v, %d records, %v; reference %v, %d records\ninput %q", got.Items, got.Records, got.Err, want.Items, want.Records, shortInput(data))
	}
}

func TestNeedleSet(t *testing.T) {
	sets := [][][]byte{
		testNeedles,
		{[]byte(`"errorCode"`), []byte(`\u`), []byte(`Policy"`), []byte(`AccessBlock"`), []byte(`OwnershipControls"`),
			[]byte(`PutBucketAcl"`), []byte(`BucketEncryption"`), []byte(`Grant"`), []byte(`DisableKey"`), []byte(`EnableKey"`),
			[]byte(`KeyDeletion"`), []byte(`PolicyVersion"`), []byte(`PermissionsBoundary"`), []byte(`"s3.amazonaws.com"`)},
		{[]byte("x")}, {[]byte("aaa"), []byte("ab")}, {[]byte("\x00\xff")},
		// Anchored on the last byte of a needle, and of the record
		// TestNeedleSet makes of its haystack.
		{[]byte(`"]`), []byte("az")},
		// More groups than anchorMasks takes: the IndexByte searches.
		{[]byte("qa"), []byte("wb"), []byte("ec"), []byte("rd"), []byte("tf"), []byte("yg"), []byte("uh"), []byte("ij"), []byte("ok")},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, needles := range sets {
		set := compileNeedles(needles)
		n := 0
		for _, g := range set.groups {
			n += len(g.needles)
		}
		if n < len(needles) {
			t.Fatalf("%q: groups hold %d needles", needles, n)
		}
		// Haystacks made of the needles' own bytes, so that hits and near
		// misses are common.
		var alphabet []byte
		for _, nd := range needles {
			alphabet = append(alphabet, nd...)
		}
		for k := range 3000 {
			// Mostly short haystacks, some of several 64-byte blocks.
			hay := make([]byte, r.IntN(40)+(k%4/3)*r.IntN(300))
			for i := range hay {
				hay[i] = alphabet[r.IntN(len(alphabet))]
			}
			want := containsAny(hay, needles)
			if got := set.in(hay); got != want {
				t.Fatalf("%q in %q = %v, want %v", needles, hay, got, want)
			}
			if got := set.inFind(hay); got != want {
				t.Fatalf("%q: inFind(%q) = %v, want %v", needles, hay, got, want)
			}
			if set.masked() {
				if got := set.inMasks(hay); got != want {
					t.Fatalf("%q: inMasks(%q) = %v, want %v", needles, hay, got, want)
				}
				// The anchors walkMasks gathers, over hay as a string.
				rec := append(append([]byte(`["`), bytes.ReplaceAll(bytes.ReplaceAll(hay, []byte(`\`), nil), []byte(`"`), nil)...), `"]`...)
				var st walkState
				end, ok, an := walkMasks(rec, 0, &st, &set.nib, nil, false)
				if !ok || end != len(rec) {
					t.Fatalf("walkMasks(%q) = %d, %v", rec, end, ok)
				}
				if got, want := set.inAnchors(rec, an), containsAny(rec, needles); got != want {
					t.Fatalf("%q: inAnchors(%q) = %v, want %v", needles, rec, got, want)
				}
			}
		}
	}
	if compileNeedles(nil) != nil || compileNeedles([][]byte{[]byte("a"), {}}) != nil {
		t.Error("no needles, or an empty one, must let every record through")
	}
	// The classify needles group on rare bytes: a handful of passes.
	if set := compileNeedles(sets[1]); len(set.groups) > 7 {
		t.Errorf("%d groups for the classify needles", len(set.groups))
	}
}

// hostileEvents are records laid out to mislead a reader that guesses
// record boundaries from their usual shape: objects nested in a record
// that start like a record, strings full of brackets, quotes and escaped
// quotes, and "eventVersion" and the needles inside strings and nested
// objects. pad shifts everything by pad bytes, so that backslashes,
// quotes and brackets fall on every position of a 64-byte block.
func hostileEvents(pad int) []string {
	p := strings.Repeat("p", pad)
	return []string{
		`{"eventVersion":"1.09","pad":"` + p + `","requestParameters":{"items":[{"eventVersion":"1.08","errorCode":"Nested"},{"eventVersion":"1.07","eventName":"PutBucketPolicy"}]},"eventID":"h1"}`,
		`{"eventVersion":"1.09","pad":"` + p + `","userAgent":"}]}]},{\"eventVersion\":\"1.09\",\"errorCode\":\"InString\"},[[{{","eventID":"h2"}`,
		`{"eventVersion":"1.09","pad":"` + p + `","key":"a\\\"}],{\"eventVersion\":\\\\\"\\\\\\\"]}","k2":"\\\\","k3":"\\\\\\\\\\\\\\\\\"\"","eventID":"h3"}`,
		`{"eventVersion":"1.09","pad":"` + p + `","errorCode":"AccessDenied","x":{"y":[[],[{}],{"z":"]]]]}}}}"}]},"eventID":"h4"}`,
		`{"eventVersion":"1.09","pad":"` + p + `","s":"` + strings.Repeat(`\"`, 40) + `","t":"` + strings.Repeat(`{[`, 40) + `","u":"` + strings.Repeat(`\\`, 33) + `","eventID":"h5"}`,
		`{"eventVersion":"1.09","pad":"` + p + `","doc":"{\"Records\":[{\"eventVersion\":\"1\",\"errorCode\":\"x\"}]}","eventName":"Policy","eventID":"h6"}`,
	}
}

// TestHostileLayouts reads files of hostileEvents, compact and
// pretty-printed, at every block alignment: the vectorised walk and
// needle search must agree with skipping every byte, with Keep asked
// about every record, and with encoding/json.
func TestHostileLayouts(t *testing.T) {
	for pad := range 66 {
		recs := hostileEvents(pad)
		for _, data := range []string{
			`{"Records":[` + strings.Join(recs, ",") + `]}`,
			"{\"Records\": [\n  " + strings.Join(recs, ",\n  ") + "\n]}\n",
			strings.Join(recs, "\n"),
		} {
			want := reference([]byte(data), "in", MaxRecordSize, nil)
			if want.Err != nil || len(want.Items) != len(recs) {
				t.Fatalf("pad %d: the reference reads %d records, %v", pad, len(want.Items), want.Err)
			}
			checkAgainstReference(t, []byte(data), MaxRecordSize, readChunk)
			checkAgainstReference(t, []byte(data), 300, 7)
			checkNeedles(t, []byte(data), MaxRecordSize, readChunk)
			checkNeedles(t, []byte(data), MaxRecordSize, 61)
			checkAgainstReferenceKeep(t, []byte(data), needleKeep(t, testNeedles, false))
			if pad%8 == 0 {
				checkWalk(t, []byte(data), []int{len(data) / 3, len(data) / 2})
			}
		}
	}
}

// TestAnchorPairs checks that the anchor pairs of the classify needles keep
// the pair of every needle and drop the common pairs of CloudTrail records
// that start none: what makes hits rare.
func TestAnchorPairs(t *testing.T) {
	set := compileNeedles(classifyNeedles)
	nib := set.anchorTables()
	if nib == nil {
		t.Skip("no vectorised anchors here")
	}
	for _, g := range set.groups {
		for _, a := range g.needles {
			if a.off+1 < len(a.b) && !nib.pair(g.anchor, a.b[a.off+1]) {
				t.Errorf("needle %q: pair %q dropped", a.b, a.b[a.off:a.off+2])
			}
		}
	}
	for _, p := range []string{"Pr", "PK", "Cl", "Ca", "KM", "Ba", "GE", `G"`, "Ro", "AR", "As"} {
		if nib.pair(p[0], p[1]) {
			t.Errorf("pair %q kept", p)
		}
	}
}

// splitReader returns data in the pieces cut at the given offsets, one
// piece per Read, so that a Reader's refill falls where a test wants.
type splitReader struct {
	data []byte
	cuts []int
	off  int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if s.off == len(s.data) {
		return 0, io.EOF
	}
	end := len(s.data)
	for _, c := range s.cuts {
		if c > s.off {
			end = min(end, c)
		}
	}
	n := copy(p, s.data[s.off:end])
	s.off += n
	return n, nil
}

// TestNeedlePlacement puts each of the scan's needles, and near misses of
// them, at every offset of a record's first three 64-byte blocks, after
// blocks with backslashes and inside strings that look like records, and
// cuts the input at every byte of one of them (a refill in the middle of a
// needle): the Reader with the needles must keep what it keeps asking Keep
// about every record, and never ask about a record without a needle.
func TestNeedlePlacement(t *testing.T) {
	needles := classifyNeedles
	// place writes s into a record after pad, where its bytes stay as
	// they are: a key, the end of a string, or inside one.
	place := func(pad, s string) string {
		switch {
		case s[0] == '"':
			return `{"a":"` + pad + `",` + s + `:"x"}`
		case strings.HasSuffix(s, `"`):
			return `{"a":"` + pad + s + `}`
		}
		return `{"a":"` + pad + s + `0041"}`
	}
	var recs []string
	for i, n := range needles {
		nd := string(n)
		miss := nd[:len(nd)-1] + "x" + nd[len(nd)-1:] // the anchor pair, not the needle
		if nd == `\u` {
			miss = `\n`
		}
		for off := range 3 * 64 {
			p := strings.Repeat("p", off)
			switch off % 4 {
			case 0:
				recs = append(recs, place(p, nd))
			case 1:
				recs = append(recs, place(`\"{\"eventVersion\":1}`+p, nd))
			case 2:
				recs = append(recs, place(`\\\"`+p, miss))
			default:
				recs = append(recs, `{"e":{"eventVersion":"1.09","x":"`+p+`"},"n":`+place("", nd)+`}`)
			}
		}
		recs = append(recs, fmt.Sprintf(`{"eventID":"%d","x":"%s"}`, i, strings.Trim(miss, `"`)))
	}
	data := []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
	want := runReader(bytes.NewReader(data), "in", MaxRecordSize, readChunk, needleKeep(t, needles, false))
	kept := 0
	for _, it := range want.Items {
		if it.Err == nil {
			kept++
		}
	}
	if kept < len(recs)/2 || kept == len(recs) {
		t.Fatalf("kept %d of %d records: the test needs both", kept, len(recs))
	}
	if want.Err != nil || len(want.Items) != kept {
		t.Fatalf("%d items, %v: the records must be valid", len(want.Items), want.Err)
	}
	opts := ReaderOptions{Keep: needleKeep(t, needles, true), Needles: needles, Pools: NewPools()}
	got := runOpts(bytes.NewReader(data), "in", MaxRecordSize, readChunk, opts)
	sameRun(t, "one read", got, want, true)
	// A refill at every byte of the needle of one record, and around it.
	at := bytes.Index(data, []byte(`pppp","errorCode"`)) + 6
	for cut := at - 70; cut < at+80; cut++ {
		got := runRd(newReader(&splitReader{data: data, cuts: []int{cut, cut + 4096}}, "in", opts, MaxRecordSize, readChunk))
		sameRun(t, fmt.Sprintf("refill at %d", cut), got, want, true)
	}
}
