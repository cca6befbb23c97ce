package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/corpus"
)

// sameAsReference fails t when Parse and parseRef disagree on b: the same
// error text, or equal events (every field, warnings included).
func sameAsReference(t testing.TB, b []byte) {
	t.Helper()
	got, gerr := Parse(b)
	want, werr := parseRef(b)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("Parse(%q):\nerror %v\nwant  %v", b, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("Parse(%q):\n got %s %#v %#v %q\nwant %s %#v %#v %q", b, g, got.RequestParameters, got.AdditionalEventData, got.Warnings,
			w, want.RequestParameters, want.AdditionalEventData, want.Warnings)
	}
}

// hostileRecords are inputs where encoding/json's rules are easy to get
// wrong: repeated keys, keys matched by case folding, odd types, odd
// strings, deep nesting, and syntax errors in every state of the scanner.
func hostileRecords() []string {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	recs := []string{
		// repeated keys: strings last wins, null keeps, objects merge
		`{"eventName":"A","eventName":"B","eventName":null}`,
		`{"userIdentity":{"arn":"a","type":"t"},"userIdentity":{"arn":"b"},"userIdentity":null}`,
		`{"tlsDetails":{"tlsVersion":"1"},"tlsDetails":{"cipherSuite":"c"}}`,
		`{"tlsDetails":{"tlsVersion":"1"},"tlsDetails":null}`,
		`{"tlsDetails":"x"}`, `{"tlsDetails":[1]}`, `{"tlsDetails":7}`, `{"tlsDetails":true}`,
		`{"resources":[{"ARN":"a","type":"t"},{"ARN":"b"},{"ARN":"c"}],"resources":[{"ARN":"x"}],"resources":[{},null,{"type":"u"}]}`,
		`{"resources":[]}`, `{"resources":null}`, `{"resources":[1,"x",null,[],{}]}`, `{"resources":{"ARN":"a"}}`,
		`{"resources":[{"ARN":"a"}],"resources":[]}`,
		`{"requestParameters":{"bucketName":"b","encryptionContext":{"a":"1"}},"requestParameters":{"key":"k"}}`,
		`{"requestParameters":{"encryptionContext":{"a":"1"},"encryptionContext":{"b":["x","y"]}}}`,
		`{"requestParameters":{"encryptionContext":{"a":"1"},"encryptionContext":null}}`,
		`{"requestParameters":{"encryptionContext":"x","encryptionContext":{"b":"2"}}}`,
		`{"requestParameters":{"encryptionContext":{}}}`, `{"requestParameters":{"encryptionContext":[]}}`,
		`{"requestParameters":{"encryptionContext":{"a\u0041":1,"\ud800":true,"x":{"y":1},"z":null}}}`,
		`{"readOnly":true,"readOnly":null,"managementEvent":"TRUE","managementEvent":"\"true\""}`,
		`{"readOnly":"\u0074rue"}`, `{"readOnly":["true"]}`, `{"readOnly":"tRuE"}`, `{"readOnly":1}`,
		// case folding, escapes in keys
		`{"EVENTNAME":"a","eventname":"b"}`, `{"event\u004eame":"x"}`, `{"errorcode":"X","e":"errorCode"}`,
		"{\"\u212aey\":1,\"requestParameters\":{\"\u212aey\":\"k\",\"bucketName\":\"b\"}}",
		"{\"requestParameters\":{\"\u212aEY\":\"k\"},\"eventSource\u017f\":1,\"userIdentity\":{\"\u017fessionContext\":{\"\u017fessionIssuer\":{\"arn\":\"r\"}}}}",
		`{"@TIMESTAMP":"2020-09-14T00:44:23Z"}`, `{"eventTime":null,"@timestamp":"2020-09-14T00:44:23Z"}`,
		// odd types
		`{"eventVersion":1.09,"userIdentity":{"arn":["x"]},"eventName":true}`,
		`{"userIdentity":"x"}`, `{"userIdentity":[]}`, `{"userIdentity":{"sessionContext":7}}`,
		`{"userIdentity":{"sessionContext":{"sessionIssuer":"s"}}}`, `{"resources":[{"ARN":{}}]}`,
		`{"requestParameters":"{\"bucketName\":\"b\"}"}`, `{"requestParameters":" null "}`, `{"requestParameters":"  "}`,
		`{"requestParameters":"{bad"}`, `{"requestParameters":"{}x"}`, `{"requestParameters":"\u00a0{\"key\":\"k\"}\u00a0"}`,
		`{"requestParameters":[1]}`, `{"requestParameters":true}`, `{"requestParameters":-1e5}`, `{"requestParameters":null}`,
		`{"requestParameters":{"bucketName":[["a","b"],"c",[],null,{},1.5e3,false]}}`,
		`{"requestParameters":{"bucketName":"a\"b","key":"\ud83d\ude00\ud83d","x-amz-acl":"\u00e9\u0000"}}`,
		`{"additionalEventData":"x"}`, `{"additionalEventData":{"CipherSuite":[1,2],"SignatureVersion":{}}}`,
		`{"additionalEventData":"{\"x-amz-id-2\":\"i\"}"}`,
		`{"eventTime":"2024-10-17T21:48:45Z","eventTime":"later"}`, `{"eventTime":{"a":1}}`, `{"eventTime":[]}`,
		`{"eventTime":1729201725000}`, `{"eventTime":"2024-10-17t21:48:45z"}`, `{"eventTime":"\u0032024-10-17T21:48:45Z"}`,
		`{"eventTime":-1}`, `{"eventTime":1e300}`, `{"eventTime":"0000-12-31T23:59:59Z"}`,
		// strings
		"{\"eventName\":\"\xff\xfe\",\"requestParameters\":{\"key\":\"\xff\"}}",
		"{\"eventName\":\"caf\xc3\xa9\",\"errorMessage\":\"\\ud800\\udc00\\udc00\\ud800x\"}",
		`{"errorCode":"AccessDenied","errorMessage":"a\/b\\c\n\t\b\f\r\u001f"}`,
		`{"errorCode":"x"}`, `{"ErrorCode":"x","errorCode":"y"}`, `{"a":"\"errorCode\""}`,
		// syntax errors in every scanner state
		``, ` `, `[]`, `"x"`, `{`, `{"`, `{"a`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,`, `{"a":1,}`, `{,}`, `{"a" 1}`,
		`{"a":tru}`, `{"a":tru`, `{"a":fals`, `{"a":nul`, `{"a":nulx}`, `{"a":-}`, `{"a":-`, `{"a":1.}`, `{"a":1.`,
		`{"a":1e}`, `{"a":1e+}`, `{"a":1e`, `{"a":01}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":"\`,
		`{"a":"\u`, "{\"a\":\"\x01\"}", `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b":1 "c":2}}`, `{"a":1} x`, `{"a":1}}`,
		`{"a":'x'}`, `{"a":"x"]`, "{\"a\":\xff}", `{"eventName":{"x":[}]}}`, `{"requestParameters":{"encryptionContext":{"a":}}}`,
		`{"requestParameters":{"bucketName":[1,}}`, `{"resources":[{"ARN":"a"},]}`, `{"tlsDetails":{"x":1,}}`,
		`{"a":` + deep + `}`, `{"a":[` + deep + `]}`, `{"requestParameters":{"bucketName":[` + deep[1:len(deep)-1] + `]}}`,
		`{"requestParameters":{"bucketName":[[` + deep[2:len(deep)-2] + `]]}}`,
		"\t\r\n {\"eventName\":\"x\"}\t\r\n ",
	}
	return recs
}

// seedRecords are the records FuzzParse starts from and
// TestParseMatchesReference mutates: the judge cases, the records in
// classify/testdata, the hostile records and, when it is there, every
// record of the shared corpus.
func seedRecords(tb testing.TB) [][]byte {
	tb.Helper()
	var recs [][]byte
	for _, tc := range judgeCases() {
		recs = append(recs, raw(tb, tc.event))
	}
	for _, s := range hostileRecords() {
		recs = append(recs, []byte(s))
	}
	add := func(glob string) {
		files, err := filepath.Glob(glob)
		if err != nil {
			tb.Fatal(err)
		}
		for _, fn := range files {
			b, err := os.ReadFile(fn)
			if err != nil {
				tb.Fatal(err)
			}
			var arr []json.RawMessage
			switch {
			case json.Unmarshal(b, &arr) == nil:
				for _, r := range arr {
					recs = append(recs, r)
				}
			case bytes.Count(b, []byte("\n{")) > 1:
				sc := bufio.NewScanner(bytes.NewReader(b))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					recs = append(recs, bytes.Clone(sc.Bytes()))
				}
			default:
				recs = append(recs, b)
			}
		}
	}
	add(filepath.Join("testdata", "messages", "*.json"))
	dir, err := corpus.Lookup()
	if err != nil {
		tb.Fatal(err)
	}
	if dir != "" {
		for _, g := range []string{"panther-analysis/*.json", "awsdocs-kms-developer-guide/*.json", "otrf-security-datasets/*.json", "stratus-red-team/detonation-logs/*.json"} {
			add(filepath.Join(dir, g))
		}
	}
	return recs
}

// mutate returns b changed in a few random places, with bytes and tokens
// that move a decoder between its states.
func mutate(r *rand.Rand, b []byte) []byte {
	tokens := []string{`"`, `\`, `{`, `}`, `[`, `]`, `:`, `,`, ` `, `null`, `true`, `"x"`, `1e3`, `-`, `\u00`, "\xff", `{"a":1}`, `[1,[2]]`, `"errorCode"`, `"\u212a"`}
	b = bytes.Clone(b)
	for range 1 + r.IntN(3) {
		if len(b) == 0 {
			return b
		}
		i := r.IntN(len(b))
		switch r.IntN(5) {
		case 0:
			b = b[:i]
		case 1:
			b = append(b[:i], b[i+1:]...)
		case 2:
			b[i] = byte(r.IntN(256))
		default:
			b = append(b[:i], append([]byte(tokens[r.IntN(len(tokens))]), b[i:]...)...)
		}
	}
	return b
}

// TestParseMatchesReference holds Parse to the encoding/json reference on
// every seed record and on a few thousand fixed mutations of them.
func TestParseMatchesReference(t *testing.T) {
	seeds := seedRecords(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, b := range seeds {
		sameAsReference(t, b)
		for range 20 {
			sameAsReference(t, mutate(r, b))
		}
	}
}

// FuzzParse compares Parse with the encoding/json reference on arbitrary
// bytes: the same error, or the same event.
func FuzzParse(f *testing.F) {
	for _, b := range seedRecords(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sameAsReference(t, b)
	})
}

// TestParseDepthLimit holds Parse to encoding/json's nesting limit (10000
// arrays and objects) around the limit, wherever in the record the deep
// value is: the typed fields count their own levels.
func TestParseDepthLimit(t *testing.T) {
	positions := []struct {
		before, after string
		flex          bool // a flexString field: the reference is quadratic in depth there
	}{
		{`{"x":`, `}`, false},
		{`{"userIdentity":{"x":`, `}}`, false},
		{`{"userIdentity":{"sessionContext":{"sessionIssuer":{"x":`, `}}}}`, false},
		{`{"resources":[{"x":`, `}]}`, false},
		{`{"tlsDetails":{"x":`, `}}`, false},
		{`{"requestParameters":{"x":`, `}}`, false},
		{`{"requestParameters":{"bucketName":`, `}}`, true},
		{`{"requestParameters":{"encryptionContext":{"a":`, `}}}`, true},
		{`{"additionalEventData":{"CipherSuite":`, `}}`, true},
	}
	for _, p := range positions {
		for n := 9994; n <= 10001; n++ {
			if p.flex && n+strings.Count(p.before, "{")+strings.Count(p.before, "[") <= maxDepth {
				continue // valid, and slow to check: FuzzParse covers joined arrays
			}
			deep := strings.Repeat("[", n) + strings.Repeat("]", n)
			sameAsReference(t, []byte(p.before+deep+p.after))
		}
	}
	// A stringified requestParameters is validated on its own: its depth
	// starts again.
	for n := 9998; n <= 10001; n++ {
		inner := `{"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
		b, _ := json.Marshal(inner)
		sameAsReference(t, []byte(`{"requestParameters":`+string(b)+`}`))
	}
}
