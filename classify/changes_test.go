package classify

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// changeEvent is a successful change event of source and name with the
// given request parameters.
func changeEvent(id, at, source, name string, params map[string]any) map[string]any {
	m := with(s3Base(), "eventID", id, "eventTime", at, "eventSource", source, "eventName", name,
		"eventCategory", "Management", "errorCode", nil, "errorMessage", nil, "resources", nil,
		"requestParameters", params, "userIdentity.arn", "arn:aws:sts::111122223333:assumed-role/Admin/alice",
		"userIdentity.sessionContext.sessionIssuer.arn", "arn:aws:iam::111122223333:role/Admin")
	if source == "kms.amazonaws.com" {
		m["resources"] = []any{map[string]any{"accountId": callerAcct, "type": "AWS::KMS::Key", "ARN": keyARN}}
	}
	return m
}

// needleRecords are records of every kind the filters see: failures,
// successes, change events in every layout, and the spellings a byte
// search must not miss.
func needleRecords(t testing.TB) [][]byte {
	var recs [][]byte
	add := func(b []byte) { recs = append(recs, layouts(t, b)...) }
	for _, tc := range judgeCases() {
		add(raw(t, tc.event))
		add(raw(t, with(tc.event, "errorCode", nil)))
	}
	for i, c := range changeNames {
		ev := changeEvent(fmt.Sprint("c", i), "2024-10-17T21:40:00Z", c.svc+".amazonaws.com", c.name,
			map[string]any{"bucketName": bucket, "roleName": "Uploader", "keyId": keyARN})
		add(raw(t, ev))
		add(raw(t, with(ev, "errorCode", "AccessDenied")))
		add(raw(t, with(ev, "errorCode", "")))
		add(raw(t, with(ev, "eventSource", "iot.amazonaws.com")))
	}
	for _, s := range []string{
		`{"eventSource":"s3.amazonaws.com","eventName":"Put\u0042ucketPolicy","requestParameters":{"bucketName":"b"}}`,
		`{"eventSource":"s3.amazonaws.com","EventName":"PutBucketPolicy","requestParameters":{"bucketName":"b"}}`,
		`{"eventSource":"s3.amazonaws.com","eventName":"GetObject","EVENTNAME":"PutBucketPolicy"}`,
		`{"eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicyX"}`,
		`{"eventSource":"s3.amazonaws.com","eventName":"GetBucketPolicy"}`,
		`{"eventSource":"kms.amazonaws.com","eventName":"CreateGrant","errorCode":null}`,
	} {
		add([]byte(s))
	}
	return recs
}

// TestNeedles is the property the reader's fast path relies on: every
// record MayMatch accepts contains one of the filter's needles.
func TestNeedles(t *testing.T) {
	var accepted int
	for _, f := range propertyFilters() {
		needles := f.Needles()
		if len(needles) == 0 || !bytes.Equal(needles[0], []byte(`"errorCode"`)) {
			t.Fatalf("%+v: needles %q do not start with \"errorCode\"", f, needles)
		}
		for _, rec := range needleRecords(t) {
			if !f.MayMatch(rec) {
				continue
			}
			accepted++
			if !containsNeedle(rec, needles) {
				t.Errorf("%+v: MayMatch accepts a record without a needle:\n%s", f, rec)
			}
		}
	}
	if accepted == 0 {
		t.Fatal("property checked vacuously")
	}
}

func containsNeedle(rec []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(rec, n) {
			return true
		}
	}
	return false
}

// TestMayMatchNeverMissesChanges checks MayMatch ⇒ Match on change events
// in every layout and spelling, and that Match takes exactly the
// successful ones of the right service.
func TestMayMatchNeverMissesChanges(t *testing.T) {
	var matched int
	for _, rec := range needleRecords(t) {
		e, err := Parse(rec)
		if err != nil {
			continue
		}
		for _, f := range propertyFilters() {
			if f.Match(e) {
				matched++
				if !f.MayMatch(rec) {
					t.Errorf("%+v: MayMatch = false but Match = true for\n%s", f, rec)
				}
			}
		}
	}
	if matched == 0 {
		t.Fatal("property checked vacuously")
	}
	for _, c := range changeNames {
		ev := changeEvent("c1", "2024-10-17T21:40:00Z", c.svc+".amazonaws.com", c.name, map[string]any{"bucketName": bucket})
		for name, tc := range map[string]struct {
			m    map[string]any
			want bool
		}{
			"succeeded":     {ev, true},
			"failed":        {with(ev, "errorCode", "AccessDenied"), false},
			"other service": {with(ev, "eventSource", "iot.amazonaws.com"), false},
		} {
			e := mustParse(t, raw(t, tc.m))
			if got := IsChange(e); got != tc.want {
				t.Errorf("%s %s: IsChange = %v, want %v", c.name, name, got, tc.want)
			}
			// The default filter lets every change through; a failed
			// IAM or Organizations call is not among its failures.
			if got := (Filter{}).Match(e); got != tc.want && !(name == "failed" && (c.svc == "kms" || c.svc == "s3" && strings.HasPrefix(c.name, "PutObject"))) {
				t.Errorf("%s %s: Match = %v, want %v", c.name, name, got, tc.want)
			}
		}
	}
	e := mustParse(t, []byte(`{"eventSource":"s3.amazonaws.com","eventName":"Put\u0042ucketPolicy"}`))
	if !(Filter{}).Match(e) || !(Filter{}).MayMatch([]byte(`{"eventSource":"s3.amazonaws.com","eventName":"Put\u0042ucketPolicy"}`)) {
		t.Error("an escaped change event name is missed")
	}
	for _, s := range []string{
		`{"eventSource":"s3.amazonaws.com","eventName":"GetBucketPolicy"}`,
		`{"eventSource":"s3.amazonaws.com","eventName":"PutObject","note":"PutBucketPolicyX"}`,
	} {
		if (Filter{}).MayMatch([]byte(s)) {
			t.Errorf("MayMatch accepts %s", s)
		}
	}
}

// FuzzNeedles checks the needle property and MayMatch ⇒ Match on
// arbitrary bytes, seeded with change events.
func FuzzNeedles(f *testing.F) {
	for _, rec := range needleRecords(f) {
		f.Add(rec)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		for _, flt := range propertyFilters() {
			may := flt.MayMatch(b)
			if may && !containsNeedle(b, flt.Needles()) {
				t.Fatalf("%+v: MayMatch accepts a record without a needle: %q", flt, b)
			}
			if err == nil && flt.Match(e) && !may {
				t.Fatalf("%+v: MayMatch = false, Match = true for %q", flt, b)
			}
		}
		if err == nil && IsChange(e) {
			_, _ = newChange(e)
		}
	})
}

// TestChangeSuffixes holds the needles to the change event names: every
// name ends with a suffix, so a record holding a name holds a needle.
func TestChangeSuffixes(t *testing.T) {
	for _, c := range changeNames {
		n := 0
		for _, s := range changeSuffixes {
			if strings.HasSuffix(c.name, s) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s ends with none of the needles' suffixes", c.name)
		}
	}
}

// TestChangeAnchors: MayMatch finds a change event's name from an anchor
// word, so every name must hold one.
func TestChangeAnchors(t *testing.T) {
	for _, c := range changeNames {
		n := 0
		for _, a := range changeAnchors {
			if strings.Contains(c.name, a) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("%s holds none of the anchor words", c.name)
		}
	}
}

// TestIAMIdentity: a role or user ARN splits into its kind, account and
// name, as strings.SplitN and strings.Cut over the joined pattern did.
func TestIAMIdentity(t *testing.T) {
	ref := func(arn string) (kind, acct, name string) {
		if !strings.HasPrefix(arn, "arn:") {
			return "", "", ""
		}
		f := strings.SplitN(arn, ":", 6)
		if len(f) < 6 {
			return "", "", ""
		}
		acct = f[4]
		_, res, ok := strings.Cut(arn, ":iam::"+acct+":")
		if !ok || acct == "" {
			return "", "", ""
		}
		kind, path, ok := strings.Cut(res, "/")
		if !ok || kind != "role" && kind != "user" {
			return "", "", ""
		}
		return kind, acct, path[strings.LastIndexByte(path, '/')+1:]
	}
	for _, arn := range []string{
		"arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/path/to/Admin", "arn:aws:iam::111122223333:user/alice",
		"arn:aws:iam::111122223333:group/x", "arn:aws:sts::111122223333:assumed-role/Admin/s", "arn:aws:iam::111122223333", "arn:aws:iam::111122223333:",
		"arn:aws:iam:::role/x", "arn:aws:iam::1:role/x:iam::1:role/y", "arn:aws:s3:::iam::111122223333:role/x", "arn:a:iam::iam::x:role/y",
		"arn:x:y:z:iam::iam::x:role/y", "arn:aws:iam::111122223333:role", "arn:aws:iam::111122223333:role/", "", "arn:", "role/x", "arn:aws-cn:iam::111122223333:role/a/b/",
	} {
		k, a, n := iamIdentity(arn)
		if rk, ra, rn := ref(arn); k != rk || a != ra || n != rn {
			t.Errorf("iamIdentity(%q) = %q, %q, %q, want %q, %q, %q", arn, k, a, n, rk, ra, rn)
		}
		if got, want := arnAccount(arn), func() string {
			if f := strings.SplitN(arn, ":", 6); strings.HasPrefix(arn, "arn:") && len(f) >= 6 {
				return f[4]
			}
			return ""
		}(); got != want {
			t.Errorf("arnAccount(%q) = %q, want %q", arn, got, want)
		}
	}
}
