package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Events with the awkward parts of real records: quotes, braces and
// brackets inside strings, escaped JSON documents, runs of backslashes
// before quotes, unicode escapes, numbers, null, pretty-printing.
var testEvents = []string{
	`{"eventVersion":"1.09","eventID":"e1","eventSource":"s3.amazonaws.com","eventName":"PutObject","errorCode":"AccessDenied","errorMessage":"User: arn:aws:iam::111122223333:user/a\"b is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::bkt/k{e}y[1]\" because no identity-based policy allows the s3:PutObject action","requestParameters":{"bucketName":"bkt","key":"k{e}y[1]"},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::bkt/k{e}y[1]"}],"readOnly":false,"n":-1.5e3,"nul":null}`,
	`{"eventID":"e2","eventName":"PutBucketPolicy","requestParameters":{"policy":"{\"Statement\":[{\"Effect\":\"Deny\",\"Resource\":\"arn:aws:s3:::b\\\\/*\"}]}","path":"C:\\dir\\","tail":"\\\\\\\"]}"},"userAgent":"caf\u00e9 \ud83d\ude00 ☃ \\u005C"}`,
	"{\n  \"eventID\": \"e3\",\n  \"a\": [ ],\n  \"b\": { },\n  \"c\": [[[{\"d\":\"]}\"}]]],\r\n\t\"t\": true\n}",
	`{"eventID":"e4"}`,
}

// want lists records expected at indices 0, 1, ... (or -1 for one event).
type wantRec struct {
	raw string
	idx int
}

func wantAll(events []string) []wantRec {
	var w []wantRec
	for i, e := range events {
		w = append(w, wantRec{e, i})
	}
	return w
}

// lookupEvents renders events as `aws cloudtrail lookup-events` output.
func lookupEvents(events []string) string {
	var b strings.Builder
	b.WriteString(`{"Events": [`)
	for i, e := range events {
		s, _ := json.Marshal(e)
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n  {\"EventId\": \"id-%d\", \"ReadOnly\": \"false\", \"CloudTrailEvent\": %s, \"Resources\": [{\"ResourceType\": \"AWS::KMS::Key\"}]}", i, s)
	}
	b.WriteString("\n], \"NextToken\": \"tok\"}\n")
	return b.String()
}

func shapes() []struct {
	name string
	data string
	want []wantRec
} {
	ev := testEvents
	all := wantAll(ev)
	return []struct {
		name string
		data string
		want []wantRec
	}{
		{"records", `{"Records":[` + strings.Join(ev, ",") + `]}`, all},
		{"records pretty", "{\n  \"Records\" : [\n    " + strings.Join(ev, " ,\n    ") + "\n  ]\n}\n", all},
		{"records other keys", `{"meta":{"Records":[1,2],"x":"\"Records\":["},"n":1,"Records":[` + strings.Join(ev, ",") + `],"more":[{"a":"]"}],"z":null}`, all},
		{"records escaped key", `{"Rec\u006frds":[` + ev[0] + `]}`, all[:1]},
		{"records empty", `{"Records":[]}`, nil},
		{"records concatenated", `{"Records":[` + ev[0] + "]}\n" + `{"Records":[` + strings.Join(ev[1:], ",") + "]}", all},
		{"single", ev[0], []wantRec{{ev[0], -1}}},
		{"single pretty", "\n\n" + ev[2] + "\n\n", []wantRec{{ev[2], -1}}},
		{"single empty object", "{}", []wantRec{{"{}", -1}}},
		{"single with bom", "\xef\xbb\xbf" + ev[1], []wantRec{{ev[1], -1}}},
		{"array", "[" + strings.Join(ev, ",") + "]", all},
		{"array pretty", "[\n   " + strings.Join(ev, ",\n   ") + "\n]\n", all},
		{"array empty", "[ ]", nil},
		{"ndjson", ev[0] + "\n" + ev[1] + "\n" + ev[3] + "\n", []wantRec{{ev[0], 0}, {ev[1], 1}, {ev[3], 2}}},
		{"ndjson blank lines crlf", "\r\n" + ev[0] + "\r\n\r\n" + ev[1] + "\r\n\n" + ev[3], []wantRec{{ev[0], 0}, {ev[1], 1}, {ev[3], 2}}},
		{"concatenated objects", ev[3] + ev[0] + " " + ev[1], []wantRec{{ev[3], 0}, {ev[0], 1}, {ev[1], 2}}},
		{"lookup-events", lookupEvents(ev), all},
		{"lookup-events empty", `{"Events":[],"NextToken":null}`, nil},
	}
}

// variants reads the same input in every way the Reader must treat alike.
func variants(t *testing.T, data []byte) map[string]refResult {
	v := map[string]refResult{
		"plain":          runBytes(data, "in"),
		"gzip":           runBytes(gzipMembers(t, data, 1), "in"),
		"gzip 3 members": runBytes(gzipMembers(t, data, 3), "in"),
		"odd reads":      runReader(&oddReader{data: data}, "in", MaxRecordSize, readChunk, nil),
		"small buffer":   runReader(iotest.HalfReader(bytes.NewReader(data)), "in", 1024, 7, nil),
	}
	if len(data) < 64<<10 {
		v["one byte reads"] = runReader(iotest.OneByteReader(bytes.NewReader(data)), "in", MaxRecordSize, readChunk, nil)
	}
	return v
}

// oddReader returns reads of varying, mostly odd, sizes.
type oddReader struct {
	data []byte
	n    int
}

func (r *oddReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.n++
	size := []int{1, 3, 4099, 2, 65537, 17}[r.n%6]
	n := copy(p[:min(len(p), size)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestShapes(t *testing.T) {
	for _, sh := range shapes() {
		t.Run(sh.name, func(t *testing.T) {
			for v, res := range variants(t, []byte(sh.data)) {
				if res.Err != nil {
					t.Fatalf("%s: Err() = %v", v, res.Err)
				}
				var want []refItem
				for _, w := range sh.want {
					want = append(want, refItem{Raw: w.raw, Origin: Origin{"in", w.idx}})
				}
				if err := sameRefItems(res.Items, want); err != nil {
					t.Fatalf("%s: %v", v, err)
				}
				if res.Records != int64(len(want)) {
					t.Errorf("%s: Records() = %d, want %d", v, res.Records, len(want))
				}
				for _, it := range res.Items {
					var e struct{ EventID string }
					if err := json.Unmarshal([]byte(it.Raw), &e); err != nil {
						t.Fatalf("%s: record %v does not decode: %v", v, it.Origin, err)
					}
				}
			}
			checkAgainstReference(t, []byte(sh.data), MaxRecordSize, readChunk)
			checkAgainstReference(t, []byte(sh.data), 300, 5)
		})
	}
}

func TestKeep(t *testing.T) {
	data := []byte(`{"Records":[` + strings.Join(testEvents, ",") + `]}`)
	var seen []string
	keep := func(raw []byte) bool {
		seen = append(seen, string(raw))
		return bytes.Contains(raw, []byte(`"errorCode"`))
	}
	res := runReader(bytes.NewReader(data), "in", MaxRecordSize, readChunk, keep)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if err := sameRefItems(res.Items, []refItem{{Raw: testEvents[0], Origin: Origin{"in", 0}}}); err != nil {
		t.Fatal(err)
	}
	if res.Records != int64(len(testEvents)) {
		t.Errorf("Records() = %d, want %d (rejected records count)", res.Records, len(testEvents))
	}
	if strings.Join(seen, "\n") != strings.Join(testEvents, "\n") {
		t.Errorf("Keep saw %q, want every record", seen)
	}
	// Keep sees the decoded record in lookup-events output.
	seen = nil
	res = runReader(strings.NewReader(lookupEvents(testEvents)), "in", MaxRecordSize, readChunk, keep)
	if res.Err != nil || len(res.Items) != 1 || res.Items[0].Raw != testEvents[0] || strings.Join(seen, "\n") != strings.Join(testEvents, "\n") {
		t.Errorf("lookup-events with Keep: %v, %v; Keep saw %q", res.Items, res.Err, seen)
	}
	// Keep is not consulted for records that are errors anyway.
	seen = nil
	huge := `{"x":"` + strings.Repeat("a", MaxRecordSize) + `"}`
	res = runReader(strings.NewReader("["+huge+`,[1],"s"]`), "in", MaxRecordSize, readChunk, keep)
	if len(seen) != 0 || len(res.Items) != 3 {
		t.Errorf("Keep saw %d records, items %v", len(seen), res.Items)
	}
}

// deep returns a record nested n levels deep.
func deep(n int) string {
	return `{"eventID":"deep","x":` + strings.Repeat(`{"a":[`, n) + "1" + strings.Repeat("]}", n) + "}"
}

func TestBadInput(t *testing.T) {
	good := testEvents[3]
	huge := `{"eventID":"huge","pad":"` + strings.Repeat(`x\"`, MaxRecordSize/3+100) + `"}` // just over the limit
	cases := []struct {
		name  string
		data  string
		items []refItem // wanted items, record errors by sentinel
		err   []string  // substrings of Err(); nil: no error
		is    error     // Err() must wrap it
	}{
		{name: "empty", data: "", err: []string{"in: empty input"}, is: errEmpty},
		{name: "whitespace", data: " \n\t\r\n", err: []string{"in: empty input"}, is: errEmpty},
		{name: "bom only", data: "\xef\xbb\xbf\n", err: []string{"in: empty input"}, is: errEmpty},
		{name: "random bytes", data: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\x00{[\"", err: []string{"in: record 0, byte 0: invalid JSON: found byte 0x89 where"}},
		{name: "text", data: "hello, world\n", err: []string{"in: record 0, byte 0:", `'h'`}},
		{name: "csv", data: "eventTime,eventName\n2024-01-01,PutObject\n", err: []string{"in: record 0, byte 0:"}},
		{name: "number", data: "42", err: []string{"in: record 0, byte 0:"}},
		{name: "broken bom", data: "\xef\xbb{}", err: []string{"in: record 0, byte 2:"}},
		{name: "truncated record", data: `{"Records":[` + good + "," + good[:10],
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}},
			err:   []string{"in: record 1, byte 39: truncated JSON"}, is: io.ErrUnexpectedEOF},
		{name: "truncated wrapper", data: `{"Records":[` + good,
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}},
			err:   []string{"in: record 1, byte 28: truncated JSON"}, is: io.ErrUnexpectedEOF},
		{name: "truncated single", data: `{"eventID":"x","a":[1,`, err: []string{"in: record 0, byte 22: truncated JSON"}, is: io.ErrUnexpectedEOF},
		{name: "truncated in string", data: `[{"a":"\`, err: []string{"in: record 0, byte 8: truncated JSON"}, is: io.ErrUnexpectedEOF},
		{name: "missing comma between records", data: "[" + good + " " + good + "]",
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}},
			err:   []string{"in: record 1, byte 18: invalid JSON: found '{' after an array element"}},
		{name: "missing comma in single event", data: "{\"eventID\":\"x\"\n\"b\":1}",
			err: []string{"in: record 0, byte 15: invalid JSON: found '\"' after an object value"}},
		{name: "syntax error inside record", data: `[{"a" "b"},` + good + `]`,
			items: []refItem{{Origin: Origin{"in", 0}, Err: errInvalidJSON}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "invalid utf8", data: `{"Records":[{"eventID":"bad","k":"caf` + "\xe9" + `"},` + good + `]}`,
			items: []refItem{{Origin: Origin{"in", 0}, Err: errInvalidUTF8}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "invalid utf8 lookup-events", data: `{"Events":[{"CloudTrailEvent":"{\"k\":\"caf` + "\xe9" + `\"}"},{"CloudTrailEvent":"` + strings.ReplaceAll(good, `"`, `\"`) + `"}]}`,
			items: []refItem{{Origin: Origin{"in", 0}, Err: errInvalidUTF8}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "not objects", data: `[1, "x", [` + good + `], null, true, -2.5e3, ` + good + `]`,
			items: []refItem{
				{Origin: Origin{"in", 0}, Err: errNotObject}, {Origin: Origin{"in", 1}, Err: errNotObject},
				{Origin: Origin{"in", 2}, Err: errNotObject}, {Origin: Origin{"in", 3}, Err: errNotObject},
				{Origin: Origin{"in", 4}, Err: errNotObject}, {Origin: Origin{"in", 5}, Err: errNotObject},
				{Raw: good, Origin: Origin{"in", 6}},
			}},
		{name: "ndjson non-object line", data: good + "\n[1]\n\"s\"\n" + good + "\n",
			items: []refItem{
				{Raw: good, Origin: Origin{"in", 0}}, {Origin: Origin{"in", 1}, Err: errNotObject},
				{Origin: Origin{"in", 2}, Err: errNotObject}, {Raw: good, Origin: Origin{"in", 3}},
			}},
		{name: "lookup-events bad entries", data: `{"Events":[{"EventId":"1"},"x",{"CloudTrailEvent":"[1]"},{"CloudTrailEvent":"{\"a\" 1}"},{"CloudTrailEvent":42},{"CloudTrailEvent":"` + strings.ReplaceAll(good, `"`, `\"`) + `"}]}`,
			items: []refItem{
				{Origin: Origin{"in", 0}, Err: errNoEvent}, {Origin: Origin{"in", 1}, Err: errNotObject},
				{Origin: Origin{"in", 2}, Err: errNotObject}, {Origin: Origin{"in", 3}, Err: errInvalidJSON},
				{Origin: Origin{"in", 4}, Err: errNoEvent}, {Raw: good, Origin: Origin{"in", 5}},
			}},
		{name: "deep record", data: `{"Records":[` + deep(100_000) + "," + good + `]}`,
			items: []refItem{{Origin: Origin{"in", 0}, Err: errInvalidJSON}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "deep single", data: deep(100_000), items: []refItem{{Origin: Origin{"in", -1}, Err: errInvalidJSON}}},
		{name: "deep in wrapper", data: `{"x":` + deep(100_000) + `,"Records":[` + good + `]}`,
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}}},
		{name: "deep array", data: strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000),
			items: []refItem{{Origin: Origin{"in", 0}, Err: errNotObject}}},
		{name: "huge record then good", data: `{"Records":[` + good + "," + huge + "," + good + `]}`,
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}, {Origin: Origin{"in", 1}, Err: errTooLarge}, {Raw: good, Origin: Origin{"in", 2}}}},
		{name: "huge ndjson", data: huge + "\n" + good + "\n",
			items: []refItem{{Origin: Origin{"in", 0}, Err: errTooLarge}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "huge single", data: huge, items: []refItem{{Origin: Origin{"in", -1}, Err: errTooLarge}}},
		{name: "huge lookup-events", data: `{"Events":[{"CloudTrailEvent":` + jsonString(huge) + `},{"CloudTrailEvent":` + jsonString(good) + `}]}`,
			items: []refItem{{Origin: Origin{"in", 0}, Err: errTooLarge}, {Raw: good, Origin: Origin{"in", 1}}}},
		{name: "huge prefix before Records", data: `{"pad":"` + strings.Repeat("p", MaxRecordSize+100) + `","Records":[` + good + `]}`,
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}}},
		{name: "digest", data: `{"awsAccountId":"111122223333","digestStartTime":"2024-01-01T00:00:00Z","digestEndTime":"2024-01-01T01:00:00Z","digestPublicKeyFingerprint":"abc","logFiles":[]}`,
			err: []string{"in: CloudTrail digest file: not a CloudTrail event log"}, is: ErrNotEventLog},
		{name: "digest in ndjson", data: good + "\n" + `{"logFiles":[]}` + "\n" + good,
			items: []refItem{{Raw: good, Origin: Origin{"in", 0}}, {Origin: Origin{"in", 1}, Err: ErrNotEventLog}, {Raw: good, Origin: Origin{"in", 2}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for v, res := range variants(t, []byte(tc.data)) {
				if v == "small buffer" {
					continue // the limit differs; compared with the reference below
				}
				checkBad(t, v, res, tc.items, tc.err, tc.is)
			}
			checkAgainstReference(t, []byte(tc.data), MaxRecordSize, readChunk)
			if len(tc.data) < 64<<10 {
				checkAgainstReference(t, []byte(tc.data), 200, 16)
			}
		})
	}
}

func checkBad(t *testing.T, variant string, res refResult, items []refItem, errs []string, is error) {
	t.Helper()
	if err := sameRefItems(res.Items, items); err != nil {
		t.Fatalf("%s: %v", variant, err)
	}
	for _, it := range res.Items {
		if it.Err == nil {
			continue
		}
		if !strings.HasPrefix(it.Err.Error(), it.Origin.String()+": ") {
			t.Errorf("%s: record error %q does not start with the origin %v", variant, it.Err, it.Origin)
		}
	}
	if errs == nil {
		if res.Err != nil {
			t.Fatalf("%s: Err() = %v, want nil", variant, res.Err)
		}
		return
	}
	if res.Err == nil {
		t.Fatalf("%s: Err() = nil, want %q", variant, errs)
	}
	for _, s := range errs {
		if !strings.Contains(res.Err.Error(), s) {
			t.Errorf("%s: Err() = %q, want it to contain %q", variant, res.Err, s)
		}
	}
	if is != nil && !errors.Is(res.Err, is) {
		t.Errorf("%s: Err() = %v, want it to wrap %v", variant, res.Err, is)
	}
	if strings.Contains(res.Err.Error(), "\n") {
		t.Errorf("%s: Err() spans lines: %q", variant, res.Err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestTruncatedGzip(t *testing.T) {
	var events []string
	for i := range 2000 {
		events = append(events, fmt.Sprintf(`{"eventID":"%d","eventName":"PutObject","pad":"%x"}`, i, i*7919))
	}
	plain := []byte(`{"Records":[` + strings.Join(events, ",") + `]}`)
	z := gzipMembers(t, plain, 1)

	t.Run("trailer cut", func(t *testing.T) {
		res := runBytes(z[:len(z)-4], "trail.json.gz")
		if len(res.Items) != len(events) {
			t.Fatalf("got %d records before the trailer, want %d", len(res.Items), len(events))
		}
		if res.Err == nil || !errors.Is(res.Err, io.ErrUnexpectedEOF) ||
			!strings.HasPrefix(res.Err.Error(), fmt.Sprintf("trail.json.gz: record %d, byte %d: decompressing:", len(events), len(plain))) {
			t.Fatalf("Err() = %v", res.Err)
		}
	})
	t.Run("middle cut", func(t *testing.T) {
		res := runBytes(z[:len(z)/2], "trail.json.gz")
		if res.Err == nil || !errors.Is(res.Err, io.ErrUnexpectedEOF) ||
			!strings.HasPrefix(res.Err.Error(), fmt.Sprintf("trail.json.gz: record %d, byte ", len(res.Items))) {
			t.Fatalf("Err() = %v after %d records", res.Err, len(res.Items))
		}
		if len(res.Items) == 0 || len(res.Items) >= len(events) {
			t.Fatalf("got %d records from half the file", len(res.Items))
		}
		for i, it := range res.Items {
			if it.Raw != events[i] || it.Origin.Index != i {
				t.Fatalf("record %d = %v, want %q", i, it, events[i])
			}
		}
	})
	t.Run("header cut", func(t *testing.T) {
		res := runBytes(z[:5], "trail.json.gz")
		if res.Err == nil || !errors.Is(res.Err, io.ErrUnexpectedEOF) || !strings.HasPrefix(res.Err.Error(), "trail.json.gz: reading gzip header:") {
			t.Fatalf("Err() = %v", res.Err)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		bad := bytes.Clone(z)
		for i := 20; i < len(bad)-8; i += 97 {
			bad[i] ^= 0x55
		}
		res := runBytes(bad, "trail.json.gz")
		if res.Err == nil || !strings.HasPrefix(res.Err.Error(), "trail.json.gz: record ") {
			t.Fatalf("Err() = %v", res.Err)
		}
	})
	t.Run("trailing garbage", func(t *testing.T) {
		res := runBytes(append(bytes.Clone(z), "garbage after the gzip stream"...), "trail.json.gz")
		if len(res.Items) != len(events) || res.Err == nil || !strings.Contains(res.Err.Error(), "gzip: invalid header") {
			t.Fatalf("%d records, Err() = %v", len(res.Items), res.Err)
		}
	})
}

// errAfter yields data, then fails.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	data := `{"Records":[` + testEvents[0] + "," + testEvents[3]
	res := runReader(&errAfter{[]byte(data), boom}, "in", MaxRecordSize, readChunk, nil)
	if len(res.Items) != 2 || !errors.Is(res.Err, boom) || !strings.HasPrefix(res.Err.Error(), fmt.Sprintf("in: record 2, byte %d: reading: boom", len(data))) {
		t.Fatalf("%v, Err() = %v", res.Items, res.Err)
	}
	// A single event followed by a read error is not known to be alone.
	res = runReader(&errAfter{[]byte(testEvents[3]), boom}, "in", MaxRecordSize, readChunk, nil)
	if len(res.Items) != 1 || res.Items[0].Origin.Index != 0 || !errors.Is(res.Err, boom) {
		t.Fatalf("%v, Err() = %v", res.Items, res.Err)
	}
	res = runReader(iotest.ErrReader(boom), "in", MaxRecordSize, readChunk, nil)
	if len(res.Items) != 0 || !errors.Is(res.Err, boom) || !strings.HasPrefix(res.Err.Error(), "in: reading: boom") {
		t.Fatalf("%v, Err() = %v", res.Items, res.Err)
	}
}

func TestRawValidUntilNext(t *testing.T) {
	// A record straddling buffer refills must stay intact while it is current,
	// and the single-event lookahead must not clobber it.
	data := strings.Repeat(" ", 10) + testEvents[0] + strings.Repeat("\n", 5000)
	rd := newReader(iotest.OneByteReader(strings.NewReader(data)), "in", ReaderOptions{}, 512, 3)
	defer rd.Close()
	if !rd.Next() {
		t.Fatal(rd.Err())
	}
	if rec := rd.Record(); string(rec.Raw) != testEvents[0] || rec.Origin.Index != -1 {
		t.Fatalf("Record() = %q %v", rec.Raw, rec.Origin)
	}
	if rd.Next() || rd.Err() != nil {
		t.Fatalf("second Next: Err() = %v", rd.Err())
	}
}

func TestClose(t *testing.T) {
	rd := NewReader(strings.NewReader("[{},{}]"), "in", ReaderOptions{})
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if rd.Next() {
		t.Fatal("Next after Close returned true")
	}
	rd = NewReader(strings.NewReader("[{},{}]"), "in", ReaderOptions{})
	if !rd.Next() {
		t.Fatal(rd.Err())
	}
	rd.Close()
	rd.Close()
	if rd.Next() || rd.Err() != nil || rd.Records() != 1 {
		t.Fatalf("after Close: Err() = %v, Records() = %d", rd.Err(), rd.Records())
	}
}

// TestAllocs checks that records Keep rejects cost no allocations: reading
// 100 times as many records allocates no more.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector: allocation counts mean nothing")
	}
	mk := func(n int) []byte {
		recs := make([]string, n)
		for i := range recs {
			recs[i] = testEvents[i%len(testEvents)]
		}
		return []byte(`{"Records":[` + strings.Join(recs, ",") + `]}`)
	}
	small, large := mk(100), mk(10_000)
	plainSmall, plainLarge := small, large
	gzSmall, gzLarge := gzipMembers(t, small, 1), gzipMembers(t, large, 1)
	never := func([]byte) bool { return false }
	pools := NewPools()
	allocs := func(data []byte) float64 {
		br := bytes.NewReader(data)
		return testing.AllocsPerRun(20, func() {
			br.Reset(data)
			rd := NewReader(br, "in", ReaderOptions{Keep: never, Pools: pools})
			for rd.Next() {
			}
			if rd.Err() != nil {
				t.Fatal(rd.Err())
			}
			rd.Close()
		})
	}
	for _, c := range []struct {
		name         string
		small, large []byte
	}{{"plain", plainSmall, plainLarge}, {"gzip", gzSmall, gzLarge}} {
		a, b := allocs(c.small), allocs(c.large)
		if b > a+1 {
			t.Errorf("%s: %v allocations for 100 records, %v for 10000", c.name, a, b)
		}
	}
}
