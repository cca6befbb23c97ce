package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// incidentReport has a pattern of three bucket-policy denials after a
// policy change, which stopped after a later one, and one correlated
// S3/KMS incident with its records.
func incidentReport() *Report {
	at := func(m int) time.Time { return fixtureTime.Add(time.Duration(m) * time.Minute) }
	put := classify.Change{EventID: "c1", EventTime: at(-2), EventSource: "s3.amazonaws.com", EventName: "PutBucketPolicy",
		Principal: "arn:aws:iam::111122223333:user/admin", Target: "reports", Detail: "put bucket policy on bucket reports",
		Relation: classify.ChangeBefore, Lead: "2m0s"}
	fix := put
	fix.EventID, fix.EventTime, fix.Relation, fix.Lead = "c2", at(9), classify.ChangeStopped, "1m0s"
	deny := func(id string, m int) classify.Finding {
		return classify.Finding{EventID: id, EventTime: at(m), EventSource: "s3.amazonaws.com", EventName: "PutObject",
			ErrorCode: "AccessDenied", Principal: "arn:aws:sts::111122223333:assumed-role/Uploader/s" + id,
			Role: "arn:aws:iam::111122223333:role/Uploader", Action: "s3:PutObject", Bucket: "reports", Key: id,
			Layer: classify.LayerBucketPolicy, Control: classify.ControlBucketPolicy, Confidence: classify.High,
			Remediation: "Fix the bucket policy of reports.", Changes: []classify.Change{put, fix}}
	}
	upload := classify.Finding{EventID: "u1", EventTime: at(20), EventSource: "s3.amazonaws.com", EventName: "PutObject",
		ErrorCode: "AccessDenied", ErrorMessage: "Access Denied", Principal: "arn:aws:sts::111122223333:assumed-role/Uploader/x",
		Bucket: "reports", Key: "k", Layer: classify.LayerIAM, Control: classify.ControlIdentityPolicy, Confidence: classify.Low,
		Origin: "a.json#1"}
	kms := classify.Finding{EventID: "k1", EventTime: at(20), EventSource: "kms.amazonaws.com", EventName: "GenerateDataKey",
		ErrorCode: "AccessDeniedException", Layer: classify.LayerKMS, Control: classify.ControlKMSKeyPolicy, Confidence: classify.High,
		Origin: "a.json#2"}
	incident := upload
	incident.Layer, incident.Control, incident.Confidence = classify.LayerKMS, classify.ControlKMSKeyPolicy, classify.High
	incident.KMSKey, incident.Related, incident.Records = "arn:aws:kms:us-east-1:111122223333:key/k", []string{"k1"}, []classify.Finding{upload, kms}
	return New(Stats{Sources: []string{"logs/"}, S3DataEvents: true},
		[]classify.Finding{deny("d1", 0), deny("d2", 5), deny("d3", 10), incident})
}

func TestPatternsLeadTheHumanFormats(t *testing.T) {
	r := incidentReport()
	if len(r.Patterns) != 2 || r.Patterns[0].Count != 3 {
		t.Fatalf("patterns %+v, want the three denials first", r.Patterns)
	}
	for _, f := range r.Findings {
		if f.Pattern == "" {
			t.Errorf("finding %s has no pattern ID", f.EventID)
		}
	}
	before := "before: PutBucketPolicy on reports at 2024-10-17T21:46:45Z by arn:aws:iam::111122223333:user/admin, 2m0s before the first denial"
	stopped := "stopped after: PutBucketPolicy on reports at 2024-10-17T21:57:45Z by arn:aws:iam::111122223333:user/admin; the denials stopped after it (the last 1m0s later)"
	for _, f := range []Format{Table, Markdown} {
		var b bytes.Buffer
		if err := RenderOptions(&b, f, r, Options{Width: 200}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		i, j := strings.Index(out, r.Patterns[0].ID), strings.Index(out, "\nSummary")
		if f == Markdown {
			j = strings.Index(out, "## Summary")
		}
		if i < 0 || j < 0 || i > j {
			t.Errorf("%s: the patterns do not lead:\n%s", f, out)
		}
		if f == Markdown {
			for _, want := range []string{before, stopped} {
				if !strings.Contains(out, want) {
					t.Errorf("%s lacks %q:\n%s", f, want, out)
				}
			}
		} else if !strings.Contains(out, "     before   PutBucketPolicy 2m0s before the first denial, at 21:46:45Z, by admin (user, 111122223333)\n") ||
			!strings.Contains(out, "     stopped  PutBucketPolicy, at 21:57:45Z, by admin (user, 111122223333); the last denial 1m0s later\n") {
			t.Errorf("%s lacks the change before the pattern:\n%s", f, out)
		}
	}
	var doc struct {
		Patterns []classify.Pattern `json:"patterns"`
		Findings []classify.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(render(t, JSON, r)), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Patterns) != 2 || doc.Patterns[0].ID != doc.Findings[0].Pattern || len(doc.Findings[0].Changes) != 2 {
		t.Errorf("json patterns %+v, first finding's pattern %q and changes %+v", doc.Patterns, doc.Findings[0].Pattern, doc.Findings[0].Changes)
	}
	for i, line := range strings.Split(strings.TrimSpace(render(t, NDJSON, r)), "\n") {
		var f classify.Finding
		if err := json.Unmarshal([]byte(line), &f); err != nil || f.Pattern != r.Findings[i].Pattern {
			t.Errorf("ndjson line %d: pattern %q, err %v", i, f.Pattern, err)
		}
	}
}

func TestExplainShowsTheIncident(t *testing.T) {
	r := incidentReport()
	var b bytes.Buffer
	if err := RenderExplain(&b, r.Findings[3], nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Incident: 2 records, reported once",
		"u1 2024-10-17T22:08:45Z s3:PutObject AccessDenied (this finding), a.json#1",
		"k1 2024-10-17T22:08:45Z kms:GenerateDataKey AccessDeniedException (the KMS call S3 made for it), a.json#2",
		"alone it reads: kms/kms-key-policy, confidence high",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := RenderExplain(&b, r.Findings[0], nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "What changed\n  - PutBucketPolicy on reports at 2024-10-17T21:46:45Z") {
		t.Errorf("explain does not show the change timeline:\n%s", b.String())
	}
}
