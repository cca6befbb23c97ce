package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPatternKeyIsStable(t *testing.T) {
	f := Finding{Layer: LayerKMS, Control: ControlKMSKeyPolicy, Principal: sessionARN, Role: roleARN,
		Action: "kms:GenerateDataKey", Bucket: bucket, KMSKey: keyARN}
	sum := sha256.Sum256([]byte("kms|kms-key-policy|" + roleARN + "|kms:GenerateDataKey|" + keyARN))
	if got, want := PatternKey(f), hex.EncodeToString(sum[:])[:12]; got != want {
		t.Errorf("PatternKey = %s, want %s (sha256 of layer|control|role|action|key ARN)", got, want)
	}
	// A finding built by hand without role or action groups the same way.
	bare := Finding{Layer: LayerIAM, Control: ControlIdentityPolicy, Principal: sessionARN,
		EventSource: "s3.amazonaws.com", EventName: "CompleteMultipartUpload", Bucket: bucket, KMSKey: keyARN}
	full := bare
	full.Role, full.Action = roleARN, "s3:PutObject"
	if PatternKey(bare) != PatternKey(full) {
		t.Error("a finding without role and action is not grouped by the role and s3:PutObject")
	}
}

func TestPatterns(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 26, 10, m, 0, 0, time.UTC) }
	mk := func(id string, m int, session, action, bucket string, l Layer) Finding {
		return Finding{EventID: id, EventTime: at(m), Layer: l, Control: ControlBucketPolicy,
			Principal: "arn:aws:sts::111122223333:assumed-role/Uploader/" + session, Action: action, Bucket: bucket}
	}
	findings := []Finding{
		mk("e5", 5, "s2", "s3:PutObject", "b1", LayerBucketPolicy),
		mk("e1", 1, "s1", "s3:PutObject", "b1", LayerBucketPolicy),
		mk("e9", 9, "s1", "s3:PutObject", "b2", LayerBucketPolicy), // other bucket
		mk("e3", 3, "s3", "s3:PutObject", "b1", LayerBucketPolicy),
		mk("e2", 2, "s1", "s3:PutObject", "b1", LayerBucketPolicy),
		mk("e7", 7, "s1", "s3:GetObject", "b1", LayerBucketPolicy), // other action
		mk("e8", 8, "s1", "s3:PutObject", "b1", LayerIAM),          // other layer
	}
	orig := append([]Finding(nil), findings...)
	ps := Patterns(findings)
	if !reflect.DeepEqual(findings, orig) {
		t.Error("Patterns modified its input")
	}
	if len(ps) != 4 {
		t.Fatalf("%d patterns, want 4: %+v", len(ps), ps)
	}
	p := ps[0]
	want := Pattern{ID: PatternKey(findings[0]), Layer: LayerBucketPolicy, Control: ControlBucketPolicy,
		Principal: "arn:aws:iam::111122223333:role/Uploader", Action: "s3:PutObject", Resource: "b1",
		Count: 4, FirstSeen: at(1), LastSeen: at(5), Examples: []string{"e1", "e2", "e3"},
		Commands: []Command{}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("largest pattern\n got %+v\nwant %+v", p, want)
	}
	for i := 2; i < len(ps); i++ {
		if ps[i-1].Count == ps[i].Count && ps[i-1].ID > ps[i].ID {
			t.Errorf("patterns of equal count not sorted by ID: %s before %s", ps[i-1].ID, ps[i].ID)
		}
	}
	for _, f := range findings {
		found := false
		for _, p := range ps {
			if p.ID == PatternKey(f) {
				found = true
			}
		}
		if !found {
			t.Errorf("finding %s's pattern %s is not listed", f.EventID, PatternKey(f))
		}
	}
	if got := Patterns(nil); got == nil || len(got) != 0 {
		t.Errorf("Patterns(nil) = %#v, want empty", got)
	}
}

// TestPatternID: a pattern's ID is the first 12 hex characters of the
// SHA-256 of its fields joined with "|", however long they are.
func TestPatternID(t *testing.T) {
	for _, fields := range [][5]string{
		{"", "", "", "", ""},
		{"iam", "identity-policy", "arn:aws:iam::111122223333:role/Admin", "s3:PutObject", "bucket"},
		{"kms", "kms-key-policy", strings.Repeat("p", 600), "kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:key/k"},
	} {
		sum := sha256.Sum256([]byte(strings.Join(fields[:], "|")))
		want := hex.EncodeToString(sum[:])[:12]
		if got := patternID(Layer(fields[0]), Control(fields[1]), fields[2], fields[3], fields[4]); got != want {
			t.Errorf("patternID(%q) = %q, want %q", fields, got, want)
		}
	}
}
