package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// This file holds the reference reader: the input rules of reader.go
// written the obvious way, with the whole input in memory and encoding/json
// doing all the parsing. The splitter must agree with it record for record.

// refItem is one thing a reader yields: a record, or a record error.
type refItem struct {
	Raw    string
	Origin Origin
	Err    error // a sentinel (errTooLarge, errNotObject, ...) in reference results
}

func (it refItem) String() string {
	if it.Err != nil {
		return fmt.Sprintf("%v: error %v", it.Origin, it.Err)
	}
	raw := it.Raw
	if len(raw) > 80 {
		raw = raw[:40] + "..." + raw[len(raw)-40:]
	}
	return fmt.Sprintf("%v: %q", it.Origin, raw)
}

// refResult is everything a reader produced for one input.
type refResult struct {
	Items   []refItem
	Records int64 // Records() at the end: records seen, kept or not
	Err     error
}

// recordSentinels are the record error kinds both readers must agree on.
var recordSentinels = []error{errTooLarge, errNotObject, errInvalidUTF8, errInvalidJSON, errNoEvent, ErrNotEventLog}

// kind maps a record error to its sentinel.
func recordErrKind(err error) error {
	for _, s := range recordSentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// reference reads data as the Reader should. Fatal errors are reported
// without positions; record errors as bare sentinels.
func reference(data []byte, name string, limit int, keep func([]byte) bool) (res refResult) {
	readErr := error(nil)
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			res.Err = fmt.Errorf("gzip header: %w", err)
			return res
		}
		data, readErr = io.ReadAll(zr)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	defer func() {
		// A read error ends the input wherever it happened.
		if res.Err == nil && readErr != nil {
			res.Err = readErr
		}
	}()
	if len(bytes.Trim(data, " \t\r\n")) == 0 {
		if readErr == nil {
			res.Err = errEmpty
		}
		return res
	}

	candidate := func(raw []byte, idx int) {
		res.Records++
		o := Origin{name, idx}
		switch {
		case len(raw) > limit:
			res.Items = append(res.Items, refItem{Origin: o, Err: errTooLarge})
		case keep != nil && !keep(raw):
		case !utf8.Valid(raw):
			res.Items = append(res.Items, refItem{Origin: o, Err: errInvalidUTF8})
		case !json.Valid(raw):
			res.Items = append(res.Items, refItem{Origin: o, Err: errInvalidJSON})
		default:
			res.Items = append(res.Items, refItem{Raw: string(raw), Origin: o})
		}
	}
	recordErr := func(err error) {
		res.Items = append(res.Items, refItem{Origin: Origin{name, int(res.Records)}, Err: err})
		res.Records++
	}
	element := func(raw []byte) {
		if raw[0] != '{' {
			recordErr(errNotObject)
			return
		}
		candidate(raw, int(res.Records))
	}
	event := func(raw []byte) {
		if raw[0] != '{' {
			recordErr(errNotObject)
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			panic(err) // raw came from the decoder: it is valid
		}
		s, ok := m["CloudTrailEvent"]
		switch {
		case !ok || s[0] != '"':
			recordErr(errNoEvent)
			return
		case len(s) > limit:
			recordErr(errTooLarge)
			return
		case !utf8.Valid(s):
			recordErr(errInvalidUTF8)
			return
		}
		var str string
		if err := json.Unmarshal(s, &str); err != nil {
			panic(err)
		}
		rec := bytes.Trim([]byte(str), " \t\r\n")
		if len(rec) == 0 || rec[0] != '{' {
			recordErr(errNotObject)
			return
		}
		candidate(rec, int(res.Records))
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	for values := 1; ; values++ {
		var v json.RawMessage
		if err := dec.Decode(&v); err == io.EOF {
			return res
		} else if err != nil {
			res.Err = err
			return res
		}
		switch v[0] {
		case '[':
			var elems []json.RawMessage
			refUnmarshal(v, &elems)
			for _, e := range elems {
				element(e)
			}
		case '{':
			keys, vals := refMembers(v)
			wrapper, digest := false, false
			for _, k := range keys {
				switch k {
				case "Records", "Events":
					wrapper = true // an array, or an error at its key
				case "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
					"digestPublicKeyFingerprint", "digestSignatureAlgorithm", "logFiles":
					digest = true
				}
			}
			switch {
			case wrapper:
				for i, k := range keys {
					if k != "Records" && k != "Events" {
						continue
					}
					if vals[i][0] != '[' {
						res.Err = ErrShape // records of the arrays before it are kept
						return res
					}
					var elems []json.RawMessage
					refUnmarshal(vals[i], &elems)
					for _, e := range elems {
						if k == "Records" {
							element(e)
						} else {
							event(e)
						}
					}
				}
			case digest && values == 1:
				res.Err = ErrNotEventLog
				return res
			case digest:
				recordErr(ErrNotEventLog)
			default:
				idx := int(res.Records)
				rest := data[dec.InputOffset():]
				if values == 1 && readErr == nil && len(bytes.Trim(rest, " \t\r\n")) == 0 {
					idx = -1
				}
				candidate(v, idx)
			}
		default:
			if values == 1 {
				res.Err = errors.New("not an object or array")
				return res
			}
			recordErr(errNotObject)
		}
	}
}

func refUnmarshal(data []byte, v any) {
	if err := json.Unmarshal(data, v); err != nil {
		panic(err)
	}
}

// members returns an object's keys and raw values in order, duplicates
// included.
func refMembers(obj []byte) (keys []string, vals []json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.Token() // {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			panic(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			panic(err)
		}
		keys = append(keys, t.(string))
		vals = append(vals, v)
	}
	return keys, vals
}

// runReader runs a Reader over src to the end.
func runReader(src io.Reader, name string, limit, chunk int, keep func([]byte) bool) refResult {
	return runOpts(src, name, limit, chunk, ReaderOptions{Keep: keep})
}

// runOpts runs a Reader with options over src to the end.
func runOpts(src io.Reader, name string, limit, chunk int, opts ReaderOptions) refResult {
	return runRd(newReader(src, name, opts, limit, chunk))
}

// runRd runs rd to the end and closes it.
func runRd(rd *Reader) refResult {
	defer rd.Close()
	var res refResult
	for rd.Next() {
		rec := rd.Record()
		if rec.Err != nil {
			if rec.Raw != nil {
				panic("record with both Raw and Err")
			}
			res.Items = append(res.Items, refItem{Origin: rec.Origin, Err: rec.Err})
			continue
		}
		res.Items = append(res.Items, refItem{Raw: string(rec.Raw), Origin: rec.Origin})
	}
	res.Records = rd.Records()
	res.Err = rd.Err()
	return res
}

// runBytes runs a Reader with the standard limits over data.
func runBytes(data []byte, name string) refResult {
	return runReader(bytes.NewReader(data), name, MaxRecordSize, readChunk, nil)
}

// sameRefItems reports the first difference between two refItem lists, comparing
// record errors by kind.
func sameRefItems(got, want []refItem) error {
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Origin != w.Origin || g.Raw != w.Raw || recordErrKind(g.Err) != recordErrKind(w.Err) {
			return fmt.Errorf("refItem %d: got %v, want %v", i, g, w)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("got %d items, want %d", len(got), len(want))
	}
	return nil
}

// checkAgainstReference compares the Reader with the reference on data.
// When the reference reads data without error the Reader must produce the
// same items; when the reference fails, the Reader must agree on every refItem
// the reference produced before failing (it may go on further: it streams
// wrapper objects the reference decodes whole).
func checkAgainstReference(t testing.TB, data []byte, limit, chunk int) {
	t.Helper()
	want := reference(data, "in", limit, nil)
	got := runReader(bytes.NewReader(data), "in", limit, chunk, nil)
	if want.Err == nil {
		if got.Err != nil {
			t.Fatalf("limit %d: reference read the input, Reader failed: %v\ninput %q", limit, got.Err, shortInput(data))
		}
		if err := sameRefItems(got.Items, want.Items); err != nil {
			t.Fatalf("limit %d: %v\ninput %q", limit, err, shortInput(data))
		}
		if got.Records != want.Records {
			t.Fatalf("limit %d: Records() = %d, reference %d\ninput %q", limit, got.Records, want.Records, shortInput(data))
		}
		return
	}
	for _, s := range []error{errEmpty, ErrNotEventLog} {
		if errors.Is(want.Err, s) && !errors.Is(got.Err, s) {
			t.Fatalf("limit %d: reference failed with %v, Reader with %v\ninput %q", limit, want.Err, got.Err, shortInput(data))
		}
	}
	if len(got.Items) < len(want.Items) {
		t.Fatalf("limit %d: Reader stopped after %d items (%v), reference produced %d before failing (%v)\ninput %q",
			limit, len(got.Items), got.Err, len(want.Items), want.Err, shortInput(data))
	}
	if err := sameRefItems(got.Items[:len(want.Items)], want.Items); err != nil {
		t.Fatalf("limit %d: before the reference's error (%v): %v\ninput %q", limit, want.Err, err, shortInput(data))
	}
}

func shortInput(b []byte) string {
	if len(b) > 300 {
		return string(b[:150]) + " ... " + string(b[len(b)-150:])
	}
	return string(b)
}

// gz compresses data as one or more gzip members.
func gzipMembers(t testing.TB, data []byte, members int) []byte {
	t.Helper()
	var buf bytes.Buffer
	step := max(1, (len(data)+members-1)/max(1, members))
	for i := 0; i < len(data) || i == 0; i += step {
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(data[i:min(i+step, len(data))]); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}
