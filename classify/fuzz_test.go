package classify

import (
	"strings"
	"testing"
)

// FuzzRecord checks, on arbitrary bytes, that Parse and Judge never panic,
// that MayMatch never rejects a record Match accepts, and that every failed
// call gets a complete verdict whose commands split back into their argv.
// go test runs the seeds; go test -fuzz explores further.
func FuzzRecord(f *testing.F) {
	for _, tc := range judgeCases() {
		f.Add(raw(f, tc.event))
	}
	f.Add([]byte(`{"errorCode":"AccessDenied","eventSource":"kms\u002eamazonaws.com"}`))
	f.Add([]byte(`{"errorCode" : "x", "errorMessage": "User: a is not authorized to perform: s3:PutObject on resource: \"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		for _, flt := range propertyFilters() {
			if flt.Match(e) && !flt.MayMatch(b) {
				t.Fatalf("%+v: MayMatch = false, Match = true for %q", flt, b)
			}
		}
		v := Judge(e)
		if !e.Failed() {
			return
		}
		if v.Layer == "" || v.Control == "" || v.Confidence == "" || v.Remediation == "" || len(v.Evidence) == 0 {
			t.Fatalf("incomplete verdict %+v for %q", v, b)
		}
		if strings.Contains(v.Remediation, "%!") {
			t.Fatalf("formatting error: %s", v.Remediation)
		}
		checkCommands(t, string(b), v.Commands)
		_ = Fields(e)
		_ = NewFinding(e, v, "fuzz")
		IsS3DataEvent(b)
	})
}
