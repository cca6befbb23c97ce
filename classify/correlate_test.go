package classify

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// at is a time in the tests' hour.
func at(min, sec int) string {
	return time.Date(2024, 10, 17, 21, min, sec, 0, time.UTC).Format(time.RFC3339)
}

// upload is a denied PutObject with a bare Access Denied.
func upload(id, when string) map[string]any {
	return with(s3Base(), "eventID", id, "eventTime", when)
}

// viaS3 is the denied GenerateDataKey S3 made for an upload of objectARN,
// with no errorMessage (KMS often gives none).
func viaS3(id, when string) map[string]any {
	return with(kmsBase(), "eventID", id, "eventTime", when)
}

// runEngine feeds records to an engine as a scan does (only what the
// default filter matches, judged), closes it and finishes the findings.
// It also feeds them as a scan does since the engine holds records
// (AddRecord: their binary form, held in memory with one worker, and read
// again from a store with three), and fails the test unless every way
// gives the same findings.
func runEngine(t testing.TB, cfg EngineConfig, events ...map[string]any) []Finding {
	t.Helper()
	var results, emitted [3][]Finding
	for way := range results {
		var out []Finding
		c := cfg
		c.Workers = []int{0, 1, 3}[way]
		e := NewEngine(c, func(f Finding) { out = append(out, f) })
		st := &store{}
		for i, m := range events {
			b := raw(t, m)
			ev := mustParse(t, b)
			if !(Filter{}).Match(ev) {
				continue
			}
			origin := fmt.Sprintf("test.json#%d", i)
			if o, ok := m["_origin"].(string); ok {
				origin = o // where the record was, whatever order it comes in
			}
			if way == 0 || !ev.Failed() {
				e.Add(ev, Judge(ev), origin)
				continue
			}
			nr := NewRecord(ev, Judge(ev), origin)
			bin, err := nr.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var r Record
			if way == 1 {
				err = r.UnmarshalBinary(bin)
			} else {
				err = r.UnmarshalBinaryAt(bin, st, int64(len(st.b)))
				st.b = append(st.b, bin...)
			}
			if err != nil {
				t.Fatal(err)
			}
			e.AddRecord(r)
		}
		e.Close()
		if err := e.Err(); err != nil {
			t.Fatal(err)
		}
		emitted[way], results[way] = out, e.Finish(out)
	}
	for way := 1; way < len(results); way++ {
		if !reflect.DeepEqual(emitted[way], emitted[0]) {
			t.Fatalf("the engine fed records (way %d) emitted\n%v\nwant (fed events)\n%v", way, findingIDs(emitted[way]), findingIDs(emitted[0]))
		}
		if !reflect.DeepEqual(results[way], results[0]) {
			t.Fatalf("the engine fed records (way %d) found\n%v\nwant (fed events)\n%v", way, findingIDs(results[way]), findingIDs(results[0]))
		}
	}
	return results[0]
}

// store is an io.ReaderAt over what was appended to it.
type store struct{ b []byte }

func (s *store) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(s.b)) {
		return 0, io.ErrUnexpectedEOF
	}
	return copy(p, s.b[off:]), nil
}

func findingIDs(fs []Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.EventID)
	}
	return ids
}

func TestCorrelation(t *testing.T) {
	const s3ID, kmsID = "11111111-aaaa-bbbb-cccc-000000000001", "22222222-aaaa-bbbb-cccc-000000000002"
	tests := []struct {
		name   string
		events []map[string]any
		joined bool
	}{
		{"object ARN, S3 event first", []map[string]any{upload(s3ID, at(48, 45)), viaS3(kmsID, at(48, 45))}, true},
		{"object ARN, KMS event first", []map[string]any{viaS3(kmsID, at(48, 44)), upload(s3ID, at(48, 45))}, true},
		{"bucket ARN (S3 Bucket Key)", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 46)), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket})}, true},
		{"invoked by AWS Internal (older records)", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "userIdentity.invokedBy", "AWS Internal", "sourceIPAddress", "AWS Internal")}, true},
		{"named by sourceIPAddress only", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "userIdentity.invokedBy", nil)}, true},
		{"at the edge of the window", []map[string]any{upload(s3ID, at(48, 45)), viaS3(kmsID, at(50, 45))}, true},
		{"outside the window", []map[string]any{upload(s3ID, at(48, 45)), viaS3(kmsID, at(50, 46))}, false},
		{"other principal", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "userIdentity.arn", "arn:aws:sts::111122223333:assumed-role/Other/session-9")}, false},
		{"other object", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": objectARN + ".bak"})}, false},
		{"other bucket", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": "arn:aws:s3:::other-bucket"})}, false},
		{"a direct KMS call, not invoked by S3", []map[string]any{upload(s3ID, at(48, 45)),
			with(viaS3(kmsID, at(48, 45)), "userIdentity.invokedBy", nil, "sourceIPAddress", "203.0.113.7")}, false},
		{"upload denied by an SCP, for certain", []map[string]any{
			with(upload(s3ID, at(48, 45)), "errorMessage", userPrefixS3+"with an explicit deny in a service control policy"),
			viaS3(kmsID, at(48, 45))}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := runEngine(t, EngineConfig{}, tc.events...)
			if !tc.joined {
				if got := findingIDs(fs); len(got) != 2 {
					t.Fatalf("findings %v, want the upload and the KMS call apart", got)
				}
				for _, f := range fs {
					if len(f.Related) != 0 {
						t.Errorf("%s related %v, want none", f.EventID, f.Related)
					}
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("findings %v, want one incident", findingIDs(fs))
			}
			f := fs[0]
			if f.EventID != s3ID || f.Layer != LayerKMS || f.KMSKey != keyARN || f.Action != "kms:GenerateDataKey" {
				t.Errorf("incident %s: layer %s, key %s, action %s; want the upload, kms, %s, kms:GenerateDataKey", f.EventID, f.Layer, f.KMSKey, f.Action, keyARN)
			}
			if !slices.Equal(f.Related, []string{kmsID}) {
				t.Errorf("related = %v, want the KMS event", f.Related)
			}
			if !strings.Contains(f.Evidence[0], `correlated KMS event "`+kmsID+`"`) {
				t.Errorf("evidence does not quote the KMS event first: %q", f.Evidence)
			}
			if len(f.Records) != 2 || f.Records[0].EventID != s3ID || f.Records[1].EventID != kmsID {
				t.Errorf("records %v, want the upload then the KMS event", findingIDs(f.Records))
			}
			for _, want := range []string{keyARN, "kms:ViaService", "s3.us-east-1.amazonaws.com", roleARN, kmsID} {
				if !strings.Contains(f.Remediation, want) {
					t.Errorf("remediation lacks %q: %s", want, f.Remediation)
				}
			}
		})
	}
}

// A correlated KMS denial makes the layer certain (high); a KMS event
// without a message leaves the control open, and the evidence says so.
func TestCorrelationConfidence(t *testing.T) {
	named := with(viaS3("k", at(48, 45)), "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" because no resource-based policy allows the kms:GenerateDataKey action")
	f := runEngine(t, EngineConfig{}, upload("u", at(48, 45)), named)[0]
	if f.Layer != LayerKMS || f.Control != ControlKMSKeyPolicy || f.Confidence != High {
		t.Errorf("named: %s/%s %s, want kms/kms-key-policy high", f.Layer, f.Control, f.Confidence)
	}
	if !strings.Contains(f.Remediation, `"Action":"kms:GenerateDataKey"`) || !strings.Contains(f.Remediation, "put-key-policy") {
		t.Errorf("named: remediation lacks the key-policy statement: %s", f.Remediation)
	}
	f = runEngine(t, EngineConfig{}, with(upload("u", at(48, 45)), "eventName", "CreateMultipartUpload"), viaS3("k", at(48, 45)))[0]
	// The layer is certain either way; the control is not, and the
	// evidence says so.
	if f.Layer != LayerKMS || f.Confidence != High {
		t.Errorf("bare: %s/%s %s, want kms high", f.Layer, f.Control, f.Confidence)
	}
	if !slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.Contains(e, "does not name the policy") }) {
		t.Errorf("bare: evidence does not say the control is open: %q", f.Evidence)
	}
	if !strings.Contains(f.Remediation, `["kms:GenerateDataKey","kms:Decrypt"]`) || !strings.Contains(f.Remediation, "What tells them apart") {
		t.Errorf("bare multipart: remediation lacks kms:Decrypt or the way to tell the causes apart: %s", f.Remediation)
	}
}

// Two uploads and one KMS call with a Bucket Key: the call joins the
// nearer upload only.
func TestCorrelationNearest(t *testing.T) {
	ctx := map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket}
	fs := runEngine(t, EngineConfig{},
		with(upload("u1", at(48, 40)), "requestParameters.key", "a.csv"),
		with(upload("u2", at(48, 50)), "requestParameters.key", "b.csv"),
		with(viaS3("k", at(48, 48)), "requestParameters.encryptionContext", ctx))
	if got := findingIDs(fs); !slices.Equal(got, []string{"u1", "u2"}) {
		t.Fatalf("findings %v, want u1, u2", got)
	}
	if len(fs[0].Related) != 0 || !slices.Equal(fs[1].Related, []string{"k"}) {
		t.Errorf("related %v and %v, want the KMS call with u2 only", fs[0].Related, fs[1].Related)
	}
}

func TestDuplicates(t *testing.T) {
	t.Run("same eventID", func(t *testing.T) {
		fs := runEngine(t, EngineConfig{}, upload("u", at(48, 45)), viaS3("k", at(50, 59)), upload("u", at(48, 45)))
		if got := findingIDs(fs); !slices.Equal(got, []string{"u", "k"}) {
			t.Fatalf("findings %v, want u once and k", got)
		}
		if !slices.ContainsFunc(fs[0].Evidence, func(e string) bool {
			return strings.Contains(e, "delivered 2 times (test.json#0, test.json#2): counted once")
		}) {
			t.Errorf("evidence does not say the event came twice: %q", fs[0].Evidence)
		}
	})
	t.Run("same eventID, different events", func(t *testing.T) {
		// Hand-made samples and some exports reuse IDs: the same ID on
		// another call or at another time is another event, both in the
		// window and when Finish joins what the window missed.
		other := with(upload("u", at(48, 45)), "eventName", "CopyObject")
		later := upload("u", at(49, 45))
		elsewhere := with(upload("u", at(48, 45)), "requestParameters.bucketName", "another-bucket")
		var filler []map[string]any
		for i := range 40 {
			filler = append(filler, with(upload(fmt.Sprint("f", i), at(0, 0)), "eventTime",
				time.Date(2024, 10, 18, 3, i, 0, 0, time.UTC).Format(time.RFC3339), "requestParameters.bucketName", "other"))
		}
		for _, events := range [][]map[string]any{
			{upload("u", at(48, 45)), other, later, elsewhere},
			append(append([]map[string]any{upload("u", at(48, 45))}, filler...), other, later, elsewhere),
		} {
			n := 0
			for _, f := range runEngine(t, EngineConfig{}, events...) {
				if f.EventID == "u" {
					n++
				}
			}
			if n != 4 {
				t.Errorf("%d findings with eventID u, want 4 (four different events)", n)
			}
		}
	})
	t.Run("sharedEventID", func(t *testing.T) {
		cross := with(upload("caller-copy", at(48, 45)), "sharedEventID", "shared-1",
			"errorMessage", userPrefixS3+"with an explicit deny in a resource-based policy",
			"resources", []any{map[string]any{"type": "AWS::S3::Object", "ARN": objectARN},
				map[string]any{"accountId": ownerAcct, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::" + bucket}})
		owner := with(cross, "eventID", "owner-copy", "recipientAccountId", ownerAcct)
		for _, order := range [][]map[string]any{{cross, owner}, {owner, cross}} {
			fs := runEngine(t, EngineConfig{}, order...)
			if len(fs) != 1 {
				t.Fatalf("findings %v, want one", findingIDs(fs))
			}
			f := fs[0]
			if f.EventID != "owner-copy" || !slices.Equal(f.Related, []string{"caller-copy"}) ||
				!slices.Equal(f.RecipientAccounts, []string{callerAcct, ownerAcct}) {
				t.Errorf("finding %s related %v recipients %v; want the owner's copy, relating the caller's, both accounts",
					f.EventID, f.Related, f.RecipientAccounts)
			}
		}
	})
}

// Deliveries and pairs further apart in the stream than the window are
// joined by Finish.
func TestFinishJoinsWhatTheWindowMissed(t *testing.T) {
	var filler []map[string]any
	for i := range 60 {
		filler = append(filler, with(upload(fmt.Sprint("f", i), at(0, 0)), "eventTime",
			time.Date(2024, 10, 18, 3, i, 0, 0, time.UTC).Format(time.RFC3339), "requestParameters.bucketName", "other"))
	}
	events := append([]map[string]any{upload("u", at(48, 45)), upload("u", at(48, 45))}, filler...)
	events = append(events, viaS3("k", at(48, 45)), upload("u", at(48, 45)))
	fs := runEngine(t, EngineConfig{}, events...)
	if len(fs) != 61 || fs[0].EventID != "u" || !slices.Equal(fs[0].Related, []string{"k"}) || len(fs[0].Records) != 4 {
		t.Errorf("first finding %s related %v with %d records, %d findings; want u joined with k, 3 copies, 61 findings",
			fs[0].EventID, fs[0].Related, len(fs[0].Records), len(fs))
	}
}

// change is a successful change event by an administrator.
func changeOf(id, when, source, name string, params map[string]any) map[string]any {
	return changeEvent(id, when, source, name, params)
}

func TestChangeAttribution(t *testing.T) {
	deny := func(id, when string) map[string]any {
		return with(upload(id, when), "errorMessage", userPrefixS3+"with an explicit deny in a resource-based policy")
	}
	put := func(id, when, b string) map[string]any {
		return changeOf(id, when, "s3.amazonaws.com", "PutBucketPolicy", map[string]any{"bucketName": b})
	}
	later := with(upload("later", at(59, 0)), "requestParameters.bucketName", "elsewhere")
	tests := []struct {
		name    string
		events  []map[string]any
		before  map[string]string // finding → change ID
		stopped string
	}{
		{"before, not after", []map[string]any{put("c1", at(40, 0), bucket), deny("d1", at(42, 0)), deny("d2", at(44, 0)), put("c2", at(43, 0), bucket)},
			map[string]string{"d1": "c1", "d2": "c2"}, ""},
		{"other bucket", []map[string]any{put("c1", at(40, 0), "other-bucket"), deny("d1", at(42, 0))}, map[string]string{}, ""},
		{"failed change ignored", []map[string]any{with(put("c1", at(40, 0), bucket), "errorCode", "AccessDenied"), deny("d1", at(42, 0))}, map[string]string{}, ""},
		{"kind must fit the control", []map[string]any{changeOf("c1", at(40, 0), "s3.amazonaws.com", "PutBucketAcl", map[string]any{"bucketName": bucket}), deny("d1", at(42, 0))},
			map[string]string{}, ""},
		{"stopped after a later change", []map[string]any{put("c1", at(30, 0), bucket), deny("d1", at(32, 0)), deny("d2", at(40, 0)),
			put("fix", at(41, 0), bucket), deny("d3", at(42, 0)), later},
			map[string]string{"d1": "c1", "d2": "c1", "d3": "c1"}, "fix"},
		{"not stopped when the records end", []map[string]any{deny("d1", at(32, 0)), put("fix", at(41, 0), bucket), deny("d3", at(42, 0))},
			map[string]string{"d3": "fix"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := runEngine(t, EngineConfig{}, tc.events...)
			for _, f := range fs {
				if f.EventID == "later" {
					continue
				}
				var before, stopped string
				for i, c := range f.Changes {
					// Each change's evidence and note are its own, however
					// many findings of the pattern share them.
					var line string
					if i < len(f.Evidence) {
						line = f.Evidence[len(f.Evidence)-len(f.Changes)+i]
					}
					switch c.Relation {
					case ChangeBefore:
						before = c.EventID
						if !strings.HasPrefix(line, "changed before: PutBucketPolicy at "+timeRFC3339(c.EventTime)+" ") ||
							!strings.Contains(f.Cause, " "+c.EventTime.UTC().Format("15:04")+", "+c.Lead+" before the first denial).") {
							t.Errorf("%s: change %s: evidence %q, cause %q", f.EventID, c.EventID, line, f.Cause)
						}
					case ChangeStopped:
						stopped = c.EventID
						if !strings.HasPrefix(line, "denials of this pattern stopped: last seen ") || !strings.Contains(line, " after PutBucketPolicy at "+timeRFC3339(c.EventTime)+" ") {
							t.Errorf("%s: change %s: evidence %q", f.EventID, c.EventID, line)
						}
					}
				}
				if before != tc.before[f.EventID] || stopped != tc.stopped {
					t.Errorf("%s: before %q stopped %q, want %q and %q", f.EventID, before, stopped, tc.before[f.EventID], tc.stopped)
				}
			}
		})
	}
	// The evidence says what, when, by whom and how long before.
	fs := runEngine(t, EngineConfig{}, put("c1", at(40, 0), bucket), deny("d1", at(42, 30)))
	want := "changed before: PutBucketPolicy at " + at(40, 0) + " by arn:aws:sts::111122223333:assumed-role/Admin/alice (put bucket policy on bucket dest-bucket), 2m30s before the first denial of this pattern (" + at(42, 30) + ")"
	if !slices.Contains(fs[0].Evidence, want) {
		t.Errorf("evidence %q lacks %q", fs[0].Evidence, want)
	}
	if c := fs[0].Changes[0]; c.Lead != "2m30s" || c.Target != bucket || c.Principal != "arn:aws:sts::111122223333:assumed-role/Admin/alice" {
		t.Errorf("change %+v", c)
	}
}

func TestChangeTargets(t *testing.T) {
	role := func(name string, params map[string]any) map[string]any {
		return changeOf("c", at(40, 0), "iam.amazonaws.com", name, params)
	}
	identityDeny := with(upload("d", at(42, 0)), "errorMessage", userPrefixS3+"with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/Managed")
	scp := with(upload("d", at(42, 0)), "errorMessage", userPrefixS3+"with an explicit deny in a service control policy")
	keyDisabled := with(upload("d", at(42, 0)), "errorCode", "KMS.DisabledException", "errorMessage", keyARN+" is disabled.",
		"requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN)
	for _, tc := range []struct {
		name   string
		change map[string]any
		deny   map[string]any
		want   bool
	}{
		{"inline role policy", role("PutRolePolicy", map[string]any{"roleName": "Uploader", "policyName": "p"}), identityDeny, true},
		{"other role", role("PutRolePolicy", map[string]any{"roleName": "Other", "policyName": "p"}), identityDeny, false},
		{"managed policy version named in the message", role("CreatePolicyVersion", map[string]any{"policyArn": "arn:aws:iam::111122223333:policy/Managed"}), identityDeny, true},
		{"SCP attached to the account", changeOf("c", at(40, 0), "organizations.amazonaws.com", "AttachPolicy", map[string]any{"policyId": "p-1", "targetId": callerAcct}), scp, true},
		{"SCP attached to another account", changeOf("c", at(40, 0), "organizations.amazonaws.com", "AttachPolicy", map[string]any{"policyId": "p-1", "targetId": ownerAcct}), scp, false},
		{"SCP attached to an OU", changeOf("c", at(40, 0), "organizations.amazonaws.com", "AttachPolicy", map[string]any{"policyId": "p-1", "targetId": "ou-ab12-cdef3456"}), scp, true},
		{"key disabled", changeOf("c", at(40, 0), "kms.amazonaws.com", "DisableKey", map[string]any{"keyId": keyARN}), keyDisabled, true},
		{"identity change for a bucket-policy denial", role("PutRolePolicy", map[string]any{"roleName": "Uploader", "policyName": "p"}),
			with(upload("d", at(42, 0)), "errorMessage", userPrefixS3+"with an explicit deny in a resource-based policy"), false},
	} {
		fs := runEngine(t, EngineConfig{}, tc.change, tc.deny)
		if got := len(fs) == 1 && len(fs[0].Changes) == 1; got != tc.want {
			t.Errorf("%s: change attached = %v, want %v (%+v)", tc.name, got, tc.want, fs)
		}
	}
}

// TestShuffledOrder: the findings do not depend on the order the records
// arrive in, within the window or across it.
func TestShuffledOrder(t *testing.T) {
	var events []map[string]any
	for i := range 40 {
		m, s := 20+i/4, (i%4)*10
		id := fmt.Sprintf("u%02d", i)
		key := fmt.Sprintf("k/%d.csv", i%7)
		u := with(upload(id, at(m, s)), "requestParameters.key", key)
		events = append(events, u)
		ctx := map[string]any{"aws:s3:arn": objectARN[:strings.Index(objectARN, "/")+1] + key}
		if i%3 == 0 {
			ctx = map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket}
		}
		switch i % 5 {
		case 0, 1:
			events = append(events, with(viaS3("k"+id, at(m, s+1)), "requestParameters.encryptionContext", ctx))
		case 2:
			events = append(events, u) // delivered twice
		case 3:
			events = append(events, with(u, "eventID", "copy-"+id, "sharedEventID", "s"+id), with(u, "sharedEventID", "s"+id))
		}
		if i%8 == 0 {
			events = append(events, changeOf("c"+id, at(m, s), "s3.amazonaws.com", "PutBucketPolicy", map[string]any{"bucketName": bucket}))
		}
	}
	// A storm: one upload retried, each retry with the KMS call S3 made
	// for it, three in the same second.
	for i := range 30 {
		when := at(30+i/10, i%10/3*2)
		id := fmt.Sprintf("r%02d", i)
		events = append(events, with(upload(id, when), "requestParameters.key", "storm.csv"),
			with(viaS3("k"+id, when), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": objectARN[:strings.Index(objectARN, "/")+1] + "storm.csv"}))
	}
	for i := range events {
		events[i] = with(events[i], "_origin", fmt.Sprintf("file-%d.json#%d", i/7, i%7))
	}
	render := func(fs []Finding) string {
		b, err := json.Marshal(fs)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wantFs := runEngine(t, EngineConfig{}, events...)
	want := render(wantFs)
	joined := 0
	for _, f := range wantFs {
		if strings.HasPrefix(f.EventID, "r") && len(f.Related) == 1 && f.Related[0] == "k"+f.EventID {
			joined++
		}
	}
	if joined != 30 {
		t.Errorf("%d storm retries joined with their own KMS call, want 30", joined)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		r.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		for _, cfg := range []EngineConfig{{}, {Lateness: time.Second}} {
			if got := render(runEngine(t, cfg, events...)); got != want {
				t.Fatalf("lateness %s: shuffled input gave other findings:\n%s\nwant\n%s", cfg.Lateness, got, want)
			}
		}
	}
}

// streamEvent is a failed event built without JSON, for long streams.
func streamEvent(i int, t time.Time) (*Event, Verdict) {
	ev := &Event{
		EventID: fmt.Sprintf("e%08d", i), EventTime: t, EventSource: "s3.amazonaws.com", EventName: "PutObject",
		ErrorCode: "AccessDenied", ErrorMessage: "Access Denied", AWSRegion: "us-east-1", RecipientAccountID: callerAcct,
		UserIdentity:      UserIdentity{Type: "AssumedRole", ARN: sessionARN, AccountID: callerAcct},
		RequestParameters: RequestParameters{BucketName: fmt.Sprintf("b%d", i%10), Key: "k"},
	}
	v := Verdict{Layer: LayerIAM, Control: ControlIdentityPolicy, Confidence: Low, Remediation: "r"}
	switch i % 4 {
	case 1: // the KMS call S3 made for the previous upload
		ev.EventID, ev.EventSource, ev.EventName = ev.EventID+"k", "kms.amazonaws.com", "GenerateDataKey"
		ev.RequestParameters = RequestParameters{EncryptionContext: map[string]string{"aws:s3:arn": fmt.Sprintf("arn:aws:s3:::b%d/k", (i-1)%10)}}
		ev.UserIdentity.InvokedBy = "s3.amazonaws.com"
		v.Layer, v.Control = LayerKMS, ControlKMSKeyPolicy
	case 2: // a cross-account copy of an event
		ev.SharedEventID = fmt.Sprintf("s%08d", i/8)
	}
	return ev, v
}

// TestLongStreamStaysBounded feeds a month of denials, rising with jitter
// and then falling, and checks that the engine holds no more than the
// records of its window, and that its heap does not grow with the stream.
func TestLongStreamStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("long stream")
	}
	const n = 50_000
	const every = 15 * time.Second
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, dir := range []string{"rising", "falling"} {
		t.Run(dir, func(t *testing.T) {
			var emitted int
			e := NewEngine(EngineConfig{}, func(Finding) { emitted++ })
			r := rand.New(rand.NewPCG(3, 4))
			var heap [2]uint64
			for i := range n {
				k := i
				if dir == "falling" {
					k = n - 1 - i
				}
				jitter := time.Duration(r.Int64N(int64(10*time.Minute))) - 5*time.Minute
				ev, v := streamEvent(k, start.Add(time.Duration(k/4*4)*every+jitter))
				e.Add(ev, v, "stream")
				if i%5000 == 0 {
					ev := &Event{EventID: fmt.Sprint("c", i), EventTime: ev.EventTime, EventSource: "s3.amazonaws.com",
						EventName: "PutBucketPolicy", RecipientAccountID: callerAcct,
						RequestParameters: RequestParameters{BucketName: fmt.Sprintf("b%d", i%10)}}
					e.Add(ev, Verdict{}, "stream")
				}
				switch i {
				case n / 4:
					heap[0] = heapInUse()
				case n - 1:
					heap[1] = heapInUse()
				}
			}
			_, peak := e.Held()
			e.Close()
			if now, _ := e.Held(); now != 0 {
				t.Errorf("%d records held after Close", now)
			}
			// The bound: failures within Lateness+2×Window+1m of the
			// frontier on either side, plus a slot of slack on each
			// side; the jitter lets the frontier swing by 10 minutes.
			span := 2*(DefaultLateness+2*DefaultWindow+2*time.Minute) + 10*time.Minute
			bound := int(span/every) + 8
			if peak > bound {
				t.Errorf("held up to %d records, bound %d", peak, bound)
			}
			if c := e.Changes(); c > 10*changesPerTarget {
				t.Errorf("%d changes held, want at most %d (8 per bucket)", c, 10*changesPerTarget)
			}
			if emitted < n/2 {
				t.Errorf("only %d findings emitted", emitted)
			}
			if heap[1] > heap[0]+2<<20 {
				t.Errorf("heap grew from %d to %d bytes over the stream", heap[0], heap[1])
			}
			t.Logf("%s: %d records, %d findings, at most %d held (bound %d), heap in use %d → %d bytes",
				dir, n, emitted, peak, bound, heap[0], heap[1])
		})
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestIncidentIsOrderFree: the incident of the same records is the same
// whichever order its copies came in.
func TestIncidentIsOrderFree(t *testing.T) {
	a := NewFinding(mustParse(t, raw(t, upload("u", at(48, 45)))), Verdict{Layer: LayerIAM}, "a")
	b := a
	b.Origin = "b"
	held := func(f Finding) Record {
		r := recordOf(&f)
		r.f = &f
		return r
	}
	c1, c2 := newCall(held(a)), newCall(held(b))
	c1.add(held(b))
	c2.add(held(a))
	f1, err1 := incident(c1, nil, new([]byte))
	f2, err2 := incident(c2, nil, new([]byte))
	if err1 != nil || err2 != nil || !reflect.DeepEqual(f1, f2) {
		t.Error("the incident depends on the order of its copies")
	}
}
