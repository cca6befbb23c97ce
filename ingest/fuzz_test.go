package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzReader checks the splitter against the encoding/json reference, with
// the real record limit and with a tiny one (so that inputs of a few bytes
// reach the too-large and buffer-compaction paths), and checks that reading
// one byte at a time or through gzip changes nothing. It holds the fast
// paths to their references: skipping a record by its brackets to skipping
// every byte, and Keep behind needles to Keep asked about every record.
func FuzzReader(f *testing.F) {
	for _, sh := range shapes() {
		f.Add([]byte(sh.data))
	}
	good := testEvents[3]
	for _, s := range []string{
		"", " ", "\xef\xbb\xbf", "\x1f\x8b", "hello", "42", `"s"`, "null", "[", "{", "]", "}",
		`{"Records":`, `{"Records":[`, `{"Records":[{`, `{"Records":[{"a":"\`, `{"Records":[{}`,
		`{"Records":[{},]}`, `{"Records":[{} {}]}`, `{"Records":{}}`, `{"Records":null,"Events":[]}`,
		`{"Records":[1,[2],"3",{"a":"\"}"}]}`, `[{"a":"\\"},{"b":"\\\"}"}]`, `{"a":"\u00"}`,
		`{"Events":[{"CloudTrailEvent":"{\"a\":\"\\ud83d\\ude00\\ud800\"}"}]}`,
		`{"Events":[{"CloudTrailEvent":"{}","CloudTrailEvent":"[1]"},{"CloudTrail\u0045vent":"{\"x\":1}"}]}`,
		`{"logFiles":[]}`, good + `{"digestStartTime":1}`,
		"{\"a\":\"caf\xe9\"}", `{"a":1}x`, `[{"a":1}]]`, `{"a":1}}`, `{"a":tru}`, `[nul]`,
		"[" + strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50) + "]",
		`{"x":{"Records":[{}]},"Records":[` + good + `],"y":"]}"}`,
		// Shaped like CloudTrail, with needles in and around records.
		`{"Records":[{"eventVersion":"1","errorCode":"x"},{"eventVersion":"2","a":[{},{"eventVersion":"3"}]},{"b":"},{\"eventVersion\":"}]}`,
		`[{"a":"Policy\"","e":"drop"},{"u":"\u0041","k":"e"},{"a1a":1}],{"x":"}"},`,
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"Records":[` + strings.Join(hostileEvents(13), ",") + `]}`))
	f.Add([]byte(strings.Join(hostileEvents(50), "\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstReference(t, data, MaxRecordSize, readChunk)
		checkAgainstReference(t, data, 24, 3)

		want := runBytes(data, "in")
		got := runReader(iotest.OneByteReader(bytes.NewReader(data)), "in", MaxRecordSize, readChunk, nil)
		sameRun(t, "one byte reads", got, want, true)
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			got = runBytes(gzipMembers(t, data, 2), "in")
			sameRun(t, "gzip", got, want, false)
		}

		checkCallerChecksJSON(t, data, want)
		checkNeedles(t, data, MaxRecordSize, readChunk)
		checkNeedles(t, data, 24, 3)
		checkWalk(t, data, []int{len(data) / 3, len(data) / 2, len(data) - 1})
		if set := compileNeedles(testNeedles); set.in(data) != containsAny(data, testNeedles) {
			t.Fatalf("needleSet.in(%q) = %v", data, set.in(data))
		}
	})
}

// sameRun checks that two runs of the Reader over the same data agree.
// exact also compares the wording of errors, positions included.
func sameRun(t *testing.T, what string, got, want refResult, exact bool) {
	t.Helper()
	if err := sameRefItems(got.Items, want.Items); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got.Records != want.Records || (got.Err == nil) != (want.Err == nil) {
		t.Fatalf("%s: Records() %d, Err() %v; want %d, %v", what, got.Records, got.Err, want.Records, want.Err)
	}
	if !exact {
		return
	}
	for i := range got.Items {
		if (got.Items[i].Err == nil) != (want.Items[i].Err == nil) ||
			got.Items[i].Err != nil && got.Items[i].Err.Error() != want.Items[i].Err.Error() {
			t.Fatalf("%s: item %d error %v, want %v", what, i, got.Items[i].Err, want.Items[i].Err)
		}
	}
	if got.Err != nil && got.Err.Error() != want.Err.Error() {
		t.Fatalf("%s: Err() %v, want %v", what, got.Err, want.Err)
	}
}

// checkCallerChecksJSON: with CallerChecksJSON the Reader returns what it
// returns without (want), except that a record it skips for its JSON
// syntax is returned raw, for the caller to check.
func checkCallerChecksJSON(t *testing.T, data []byte, want refResult) {
	t.Helper()
	got := runOpts(bytes.NewReader(data), "in", MaxRecordSize, readChunk, ReaderOptions{CallerChecksJSON: true})
	if len(got.Items) != len(want.Items) || got.Records != want.Records || (got.Err == nil) != (want.Err == nil) ||
		got.Err != nil && got.Err.Error() != want.Err.Error() {
		t.Fatalf("CallerChecksJSON: %d items, Records() %d, Err() %v; want %d, %d, %v", len(got.Items), got.Records, got.Err, len(want.Items), want.Records, want.Err)
	}
	for i, w := range want.Items {
		g := got.Items[i]
		if errors.Is(w.Err, errInvalidJSON) && strings.Contains(w.Err.Error(), "invalid JSON at byte ") {
			if g.Err != nil || g.Origin != w.Origin || json.Valid([]byte(g.Raw)) || !utf8.ValidString(g.Raw) {
				t.Fatalf("CallerChecksJSON: item %d %v, want the invalid record of %v raw", i, g, w)
			}
			continue
		}
		if g.Origin != w.Origin || g.Raw != w.Raw || (g.Err == nil) != (w.Err == nil) || g.Err != nil && g.Err.Error() != w.Err.Error() {
			t.Fatalf("CallerChecksJSON: item %d %v, want %v", i, g, w)
		}
	}
}
