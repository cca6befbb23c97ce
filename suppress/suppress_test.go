package suppress

import (
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

const rules = `# muted denials
suppress:
  - principal: "arn:aws:iam::111122223333:role/nightly-*"   # the role of an assumed-role session
    action: "s3:PutObject"
    bucket: "legacy-uploads"
    reason: "INC-1234: the nightly export writes to a retired bucket until the migration ends"
    expires: 2027-01-31
  - key: "tmp/scratch-?/"
    bucket: "scratch-*"
    reason: "scratch uploads are best effort"
    expires: 2026-11-30
  - layer: kms
    error_code: KMS.DisabledException
    account: "4444*"
    reason: "OPS-77: the old key is disabled on purpose"
    expires: 2026-12-31
`

func finding(mod func(*classify.Finding)) *classify.Finding {
	f := &classify.Finding{
		Principal: "arn:aws:sts::111122223333:assumed-role/nightly-export/i-0abc", Role: "arn:aws:iam::111122223333:role/nightly-export",
		PrincipalAccount: "111122223333", ResourceAccount: "111122223333", Action: "s3:PutObject", Bucket: "legacy-uploads",
		Key: "exports/2026/11/30/a.csv", Layer: classify.LayerBucketPolicy, Control: classify.ControlBucketPolicy, ErrorCode: "AccessDenied",
	}
	if mod != nil {
		mod(f)
	}
	return f
}

func TestMatch(t *testing.T) {
	s, err := Parse("rules.yaml", []byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rules) != 3 || s.Rules[0].Line != 3 || s.Rules[2].Expires.String() != "2026-12-31" {
		t.Fatalf("rules %+v", s.Rules)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	m := s.Matcher(now)
	for _, tc := range []struct {
		name string
		f    *classify.Finding
		want bool
	}{
		{"role glob, action, bucket", finding(nil), true},
		{"other role", finding(func(f *classify.Finding) {
			f.Role, f.Principal = "arn:aws:iam::111122223333:role/daily", "arn:aws:sts::111122223333:assumed-role/daily/s"
		}), false},
		{"principal ARN itself", finding(func(f *classify.Finding) {
			f.Role, f.Principal = "", "arn:aws:iam::111122223333:role/nightly-x"
		}), true},
		{"other action", finding(func(f *classify.Finding) { f.Action = "kms:GenerateDataKey" }), false},
		{"other bucket", finding(func(f *classify.Finding) { f.Bucket = "legacy-uploads-2" }), false},
		{"expired rule (ended 2026-11-30)", finding(func(f *classify.Finding) {
			f.Role, f.Bucket, f.Key = "", "scratch-eu", "tmp/scratch-1/x"
		}), false},
		{"kms layer and code, account glob on the resource account", finding(func(f *classify.Finding) {
			f.Role, f.Bucket, f.Layer, f.ErrorCode, f.ResourceAccount = "", "", classify.LayerKMS, "KMS.DisabledException", "444455556666"
		}), true},
		{"kms layer, other code", finding(func(f *classify.Finding) {
			f.Role, f.Bucket, f.Layer, f.ErrorCode, f.ResourceAccount = "", "", classify.LayerKMS, "AccessDenied", "444455556666"
		}), false},
	} {
		if got := m.Suppress(tc.f); got != tc.want {
			t.Errorf("%s: suppressed %v, want %v", tc.name, got, tc.want)
		}
	}
	c := m.Counts()
	if c[0].Suppressed != 2 || c[1].Suppressed != 0 || !c[1].Expired || c[2].Suppressed != 1 || c[0].Reason == "" {
		t.Errorf("counts %+v", c)
	}
	if exp := s.Expired(now); len(exp) != 1 || exp[0].Line != 8 {
		t.Errorf("expired %+v", exp)
	}
	// The expiry day itself still counts.
	if s.Rules[1].Expired(time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)) {
		t.Error("a rule expires at the end of its day, not its start")
	}
}

func TestKeyIsAPrefix(t *testing.T) {
	r := Rule{Key: "tmp/scratch-?/", Reason: "r", Line: 1}
	for key, want := range map[string]bool{"tmp/scratch-1/a/b": true, "tmp/scratch-12/a": false, "x/tmp/scratch-1/": false, "": false} {
		if got := r.Matches(&classify.Finding{Key: key}); got != want {
			t.Errorf("key %q: %v, want %v", key, got, want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true}, {"a*c", "abd", false},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, {"ä?", "äö", true}, {"[a]", "[a]", true},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"suppress:\n  - bucket: b\n    expires: 2027-01-01\n", "rules.yaml: line 2: the rule has no reason"},
		{"suppress:\n  - bucket: b\n    reason: r\n", "line 2: the rule has no expires date"},
		{"suppress:\n  - reason: r\n    expires: 2027-01-01\n", "line 2: the rule matches nothing in particular"},
		{"suppress:\n  - bucket: b\n    reason: r\n    expires: 31/01/2027\n", `line 4: expires "31/01/2027": want a date`},
		{"suppress:\n  - bucket: b\n    buckets: c\n    reason: r\n    expires: 2027-01-01\n", "line 3: field buckets not found"},
		{"suppress:\n  - layer: s3\n    reason: r\n    expires: 2027-01-01\n", `line 2: layer "s3" is not a layer`},
		{"suppress:\n  - control: nope\n    reason: r\n    expires: 2027-01-01\n", `line 2: control "nope" is not a control`},
		{"supress:\n  - bucket: b\n", "line 1: field supress not found"},
		{"suppress: [\n", "rules.yaml: "},
	} {
		_, err := Parse("rules.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %q", tc.doc, err, tc.want)
		}
	}
	if s, err := Parse("empty.yaml", nil); err != nil || len(s.Rules) != 0 {
		t.Errorf("empty file: %v %v", s, err)
	}
}
