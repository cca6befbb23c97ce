package classify

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCauseWithChange: a finding's cause is one plain sentence, and when a
// change explains it, the change is appended once, with who, when and how
// long before the first denial; its pattern has the same cause.
func TestCauseWithChange(t *testing.T) {
	disabled := func(id, when string) map[string]any {
		return with(upload(id, when), "errorCode", "KMS.DisabledException", "errorMessage", keyARN+" is disabled.",
			"requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN)
	}
	change := changeOf("c", at(40, 13), "kms.amazonaws.com", "DisableKey", map[string]any{"keyId": keyARN})
	fs := runEngine(t, EngineConfig{}, change, disabled("d1", at(42, 0)), disabled("d2", at(44, 0)))
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	want := "Key " + keyARN + " is disabled (DisableKey by alice 21:40, 1m47s before the first denial)."
	for _, f := range fs {
		if f.Cause != want {
			t.Errorf("%s: cause %q, want %q", f.EventID, f.Cause, want)
		}
	}
	ps := Patterns(fs)
	if len(ps) != 1 || ps[0].Cause != want || len(ps[0].Commands) == 0 || ps[0].Commands[0].Line != fs[0].Commands[0].Line {
		t.Errorf("patterns %+v: want one with the findings' cause and commands", ps)
	}

	// Without the change, the cause is the verdict alone.
	fs = runEngine(t, EngineConfig{}, disabled("d1", at(42, 0)))
	if len(fs) != 1 || fs[0].Cause != "Key "+keyARN+" is disabled." {
		t.Errorf("cause without a change: %+v", fs)
	}
}

// TestWithChange: the note appended once; a change on another day than
// the denial gives the date; who is the session or user name.
func TestWithChange(t *testing.T) {
	c := Change{EventName: "PutBucketPolicy", Principal: "arn:aws:iam::111122223333:user/bob",
		EventTime: time.Date(2024, 10, 16, 23, 59, 0, 0, time.UTC), Lead: "2m"}
	first := time.Date(2024, 10, 17, 0, 1, 0, 0, time.UTC)
	got := withChange("The bucket policy of b explicitly denies s3:PutObject to role r.", changeNote(c, first))
	want := "The bucket policy of b explicitly denies s3:PutObject to role r (PutBucketPolicy by bob 2024-10-16 23:59, 2m before the first denial)."
	if got != want {
		t.Errorf("withChange = %q, want %q", got, want)
	}
	if again := withChange(got, changeNote(c, first)); again != got {
		t.Errorf("appended twice: %q", again)
	}
	c.Principal = "arn:aws:iam::111122223333:root"
	if got := withChange("x.", changeNote(c, first)); !strings.Contains(got, "by the root user of 111122223333 ") {
		t.Errorf("root: %q", got)
	}
}

// proseCommand is what an AWS CLI command looks like in prose.
var proseCommand = regexp.MustCompile(`\baws [a-z0-9-]+ [a-z]+`)

// TestCauseEveryControl: every control's cause is one line, one sentence
// ending in a full stop; no cause or remediation holds a command (they are
// in commands).
func TestCauseEveryControl(t *testing.T) {
	for _, tc := range remediationCases(t) {
		c := tc.f.Cause
		if c == "" || !strings.HasSuffix(c, ".") || strings.ContainsAny(c, "\n\r") || len(c) > 400 {
			t.Errorf("%s: cause %q", tc.name, c)
		}
		if strings.Contains(c, "aws ") {
			t.Errorf("%s: cause holds a command: %q", tc.name, c)
		}
		if m := proseCommand.FindString(tc.f.Remediation); m != "" {
			t.Errorf("%s: remediation holds a command (%q), which belongs in commands: %s", tc.name, m, tc.f.Remediation)
		}
	}
}
