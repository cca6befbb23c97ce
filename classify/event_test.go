package classify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseEventTime(t *testing.T) {
	want := time.Date(2024, 10, 17, 21, 48, 45, 0, time.UTC)
	tests := []struct {
		in   any
		want time.Time
	}{
		{"2024-10-17T21:48:45Z", want},
		{"2024-10-17T21:48:45.000Z", want},
		{"2024-10-17T21:48:45.123456Z", want.Add(123456 * time.Microsecond)},
		{"2024-10-17 21:48:45.000000", want},
		{"2024-10-17 21:48:45.000000000", want},
		{"2024-10-17 21:48:45", want},
		{"2024-10-17T21:48:45", want},
		{"2024-10-17T23:48:45+02:00", want},
		{"2024-10-17T23:48:45.5+0200", want.Add(500 * time.Millisecond)},
		{"2024-10-17 21:48:45Z", want},
		{"2024-10-17t21:48:45z", want},
		{" 2024-10-17T21:48:45Z ", want},
		{"2024-10-17 21:48:45 +0000 UTC", want},
		{1729201725, want},
		{1729201725000, want},
	}
	for _, tc := range tests {
		e := mustParse(t, raw(t, with(s3Base(), "eventTime", tc.in)))
		if !e.EventTime.Equal(tc.want) || e.EventTime.Location() != time.UTC {
			t.Errorf("eventTime %v: got %v, want %v", tc.in, e.EventTime, tc.want)
		}
		if len(e.Warnings) != 0 {
			t.Errorf("eventTime %v: warnings %q", tc.in, e.Warnings)
		}
	}
}

// An unparsable or missing eventTime keeps the event, with a zero time and
// a warning naming the field; the event still classifies.
func TestParseBadEventTimeKeepsEvent(t *testing.T) {
	for _, in := range []any{"yesterday", "2024-13-45T99:99:99Z", true, nil} {
		m := with(s3Base(), "eventTime", in)
		if in == nil {
			m = with(s3Base(), "eventTime", nil)
		}
		e := mustParse(t, raw(t, m))
		if !e.EventTime.IsZero() {
			t.Errorf("eventTime %v: got %v, want zero", in, e.EventTime)
		}
		if len(e.Warnings) != 1 || !strings.HasPrefix(e.Warnings[0], "eventTime:") {
			t.Errorf("eventTime %v: warnings %q", in, e.Warnings)
		}
		if s, ok := in.(string); ok && e.EventTimeRaw != s {
			t.Errorf("EventTimeRaw = %q, want %q", e.EventTimeRaw, s)
		}
		if v := Judge(e); v.Layer != LayerIAM {
			t.Errorf("eventTime %v: event not classified: %+v", in, v)
		}
	}
}

func TestParseFields(t *testing.T) {
	m := with(s3Base(),
		"@timestamp", "2024-10-17T21:50:00.000Z",
		"@version", "1",
		"p_event_time", "2024-10-17 21:48:45.000000000",
		"p_any_ip_addresses", []any{"203.0.113.7"},
		"sharedEventID", "shared-1",
		"vpcEndpointId", "vpce-0a1b2c3d",
		"requestParameters.x-amz-acl", []any{"bucket-owner-full-control"},
		"requestParameters.x-amz-server-side-encryption", "aws:kms",
		"requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN,
		"additionalEventData.bytesTransferredIn", 1024,
		"readOnly", "true",
	)
	e := mustParse(t, raw(t, m))
	checks := []struct{ name, got, want string }{
		{"EventVersion", e.EventVersion, "1.09"},
		{"EventID", e.EventID, "11111111-aaaa-bbbb-cccc-000000000001"},
		{"EventSource", e.EventSource, "s3.amazonaws.com"},
		{"EventName", e.EventName, "PutObject"},
		{"EventType", e.EventType, "AwsApiCall"},
		{"EventCategory", e.EventCategory, "Data"},
		{"AWSRegion", e.AWSRegion, "us-east-1"},
		{"SourceIPAddress", e.SourceIPAddress, "203.0.113.7"},
		{"UserAgent", e.UserAgent, "aws-cli/2.15.0"},
		{"ErrorCode", e.ErrorCode, "AccessDenied"},
		{"ErrorMessage", e.ErrorMessage, "Access Denied"},
		{"RequestID", e.RequestID, "REQ1"},
		{"SharedEventID", e.SharedEventID, "shared-1"},
		{"RecipientAccountID", e.RecipientAccountID, callerAcct},
		{"VPCEndpointID", e.VPCEndpointID, "vpce-0a1b2c3d"},
		{"UserIdentity.Type", e.UserIdentity.Type, "AssumedRole"},
		{"UserIdentity.ARN", e.UserIdentity.ARN, sessionARN},
		{"UserIdentity.AccountID", e.UserIdentity.AccountID, callerAcct},
		{"UserIdentity.PrincipalID", e.UserIdentity.PrincipalID, "AROAEXAMPLE:session-1"},
		{"SessionIssuer.ARN", e.UserIdentity.SessionContext.SessionIssuer.ARN, roleARN},
		{"SessionIssuer.UserName", e.UserIdentity.SessionContext.SessionIssuer.UserName, "Uploader"},
		{"RequestParameters.BucketName", e.RequestParameters.BucketName, bucket},
		{"RequestParameters.Key", e.RequestParameters.Key, objectKey},
		{"RequestParameters.ACL", e.RequestParameters.ACL, "bucket-owner-full-control"},
		{"RequestParameters.SSE", e.RequestParameters.SSE, "aws:kms"},
		{"RequestParameters.SSEKMSKeyID", e.RequestParameters.SSEKMSKeyID, keyARN},
		{"AdditionalEventData.AuthenticationMethod", e.AdditionalEventData.AuthenticationMethod, "AuthHeader"},
		{"AdditionalEventData.SignatureVersion", e.AdditionalEventData.SignatureVersion, "SigV4"},
		{"AdditionalEventData.XAmzID2", e.AdditionalEventData.XAmzID2, "Yk9vT0t4"},
		{"TLSDetails.TLSVersion", e.TLSDetails.TLSVersion, "TLSv1.3"},
		{"TLSDetails.ClientProvidedHostHeader", e.TLSDetails.ClientProvidedHostHeader, "dest-bucket.s3.us-east-1.amazonaws.com"},
		{"Resources[1].AccountID", e.Resources[1].AccountID, callerAcct},
		{"Bucket()", e.Bucket(), bucket},
		{"ObjectKey()", e.ObjectKey(), objectKey},
		{"BucketOwner()", e.BucketOwner(), callerAcct},
		{"KMSKey()", e.KMSKey(), keyARN},
		{"Principal()", e.Principal(), sessionARN},
		{"Role()", e.Role(), roleARN},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !e.ReadOnly || e.ManagementEvent {
		t.Errorf("ReadOnly, ManagementEvent = %v, %v; want true, false", e.ReadOnly, e.ManagementEvent)
	}
	if !json.Valid(e.RequestParameters.Raw) || !strings.Contains(string(e.RequestParameters.Raw), `"Host"`) {
		t.Errorf("RequestParameters.Raw = %s", e.RequestParameters.Raw)
	}
	if len(e.Warnings) != 0 {
		t.Errorf("warnings: %q", e.Warnings)
	}
}

func TestParseRequestParametersForms(t *testing.T) {
	tests := []struct {
		name    string
		rp      any
		bucket  string
		warning string
	}{
		{"object", map[string]any{"bucketName": "b1"}, "b1", ""},
		{"null", nil, "", ""},
		{"stringified object", `{"bucketName":"b2","key":"k"}`, "b2", ""},
		{"empty string", "", "", ""},
		{"array", []any{"x"}, "", "requestParameters: a JSON array, not an object, ignored"},
		{"plain string", "bucketName=b3", "", "requestParameters: a string that does not hold a JSON object, ignored"},
		{"number value", map[string]any{"bucketName": 42}, "42", ""},
		{"bad encryptionContext", map[string]any{"bucketName": "b4", "encryptionContext": "x"}, "b4", "requestParameters: encryptionContext is not an object, ignored"},
	}
	for _, tc := range tests {
		m := s3Base()
		m["requestParameters"] = tc.rp
		m["resources"] = nil
		e := mustParse(t, raw(t, m))
		if e.RequestParameters.BucketName != tc.bucket {
			t.Errorf("%s: bucketName = %q, want %q", tc.name, e.RequestParameters.BucketName, tc.bucket)
		}
		got := strings.Join(e.Warnings, "; ")
		if got != tc.warning {
			t.Errorf("%s: warnings %q, want %q", tc.name, got, tc.warning)
		}
	}
}

// A field of the wrong type is left empty and named in Warnings; the rest
// of the event is still read.
func TestParseMistypedField(t *testing.T) {
	e := mustParse(t, raw(t, with(s3Base(), "eventVersion", 1.09, "userIdentity.arn", []any{"x"})))
	if e.EventVersion != "" || e.ErrorCode != "AccessDenied" || e.RequestParameters.BucketName != bucket {
		t.Errorf("got version %q code %q bucket %q", e.EventVersion, e.ErrorCode, e.RequestParameters.BucketName)
	}
	if len(e.Warnings) != 1 || !strings.Contains(e.Warnings[0], "eventVersion") {
		t.Errorf("warnings %q, want one naming eventVersion", e.Warnings)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "empty record"},
		{`   `, "empty record"},
		{`[{"eventID":"1"}]`, "not a JSON object"},
		{`"x"`, "not a JSON object"},
		{`{"eventID": "1", "errorCode": "AccessDenied" "x": 1}`, "invalid JSON at byte"},
		{`{"eventID": "1"`, "invalid JSON"},
		{`{"a":1} {"b":2}`, "invalid JSON at byte"},
	}
	for _, tc := range tests {
		e, err := Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || e != nil {
			t.Errorf("Parse(%q) = %v, %v; want error containing %q", tc.in, e, err, tc.want)
		}
	}
}

// Logstash exports (OTRF) drop eventTime and keep @timestamp.
func TestParseTimestampFallback(t *testing.T) {
	e := mustParse(t, raw(t, with(s3Base(), "eventTime", nil, "@timestamp", "2020-09-14T00:44:23.000Z")))
	if want := time.Date(2020, 9, 14, 0, 44, 23, 0, time.UTC); !e.EventTime.Equal(want) {
		t.Errorf("EventTime = %v, want %v", e.EventTime, want)
	}
	if len(e.Warnings) != 1 || !strings.Contains(e.Warnings[0], "@timestamp used") {
		t.Errorf("warnings %q", e.Warnings)
	}
	// eventTime wins when both are there.
	e = mustParse(t, raw(t, with(s3Base(), "@timestamp", "2020-09-14T00:44:23.000Z")))
	if e.EventTime.Year() != 2024 || len(e.Warnings) != 0 {
		t.Errorf("EventTime = %v, warnings %q", e.EventTime, e.Warnings)
	}
}

// errorCode counts only under its exact key: the byte pre-filter relies on it.
func TestParseErrorCodeExactKey(t *testing.T) {
	for _, in := range []string{`{"ErrorCode":"AccessDenied"}`, `{"errorcode":"AccessDenied"}`, `{"error\u0043ode":"AccessDenied"}`} {
		e, err := Parse([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if e.Failed() || !strings.Contains(strings.Join(e.Warnings, ";"), `errorCode "AccessDenied" ignored`) {
			t.Errorf("Parse(%s): Failed() = %v, warnings %q", in, e.Failed(), e.Warnings)
		}
	}
	e := mustParse(t, []byte(`{"errorCode" : "AccessDenied"}`))
	if !e.Failed() {
		t.Error("spaced errorCode key not read")
	}
}

func TestEventAccessors(t *testing.T) {
	tests := []struct {
		name                                     string
		m                                        map[string]any
		principal, role, bucket, key, owner, kms string
	}{
		{"IAM user", with(s3Base(), "userIdentity", map[string]any{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": callerAcct}),
			"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice", bucket, objectKey, callerAcct, ""},
		{"assumed role without sessionIssuer", with(s3Base(), "userIdentity.sessionContext", nil),
			sessionARN, roleARN, bucket, objectKey, callerAcct, ""},
		{"principalId only", with(s3Base(), "userIdentity", map[string]any{"type": "AWSAccount", "principalId": "AROAX:s", "accountId": ownerAcct}),
			"AROAX:s", "AROAX:s", bucket, objectKey, callerAcct, ""},
		{"service", with(s3Base(), "userIdentity", map[string]any{"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}),
			"cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com", bucket, objectKey, callerAcct, ""},
		{"account only, China region", with(s3Base(), "awsRegion", "cn-north-1", "userIdentity", map[string]any{"accountId": ownerAcct}),
			"arn:aws-cn:iam::444455556666:root", "arn:aws-cn:iam::444455556666:root", bucket, objectKey, callerAcct, ""},
		{"anonymous", with(s3Base(), "userIdentity", map[string]any{"type": "AWSAccount", "accountId": "anonymous"}),
			"anonymous", "anonymous", bucket, objectKey, callerAcct, ""},
		{"bucket and key from resources, owner from recipient", with(s3Base(), "requestParameters", nil, "recipientAccountId", ownerAcct, "resources", []any{
			map[string]any{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::other-bucket/a/b.txt"}}),
			sessionARN, roleARN, "other-bucket", "a/b.txt", ownerAcct, ""},
		{"kms: resolved key, not the alias; bucket from the encryption context", kmsBase(), sessionARN, roleARN, bucket, objectKey, callerAcct, keyARN},
		{"kms: untyped resource (old events), S3 Bucket Key context", with(kmsBase(), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": "arn:aws:s3:::dest-bucket"},
			"resources", []any{map[string]any{"ARN": otherKeyARN, "accountId": ownerAcct}}),
			sessionARN, roleARN, bucket, "", callerAcct, otherKeyARN},
		{"kms: no resources, keyId, no S3 context", with(kmsBase(), "resources", nil, "requestParameters.encryptionContext", nil), sessionARN, roleARN, "", "", callerAcct, "alias/uploads"},
	}
	for _, tc := range tests {
		e := mustParse(t, raw(t, tc.m))
		got := []string{e.Principal(), e.Role(), e.Bucket(), e.ObjectKey(), e.BucketOwner(), e.KMSKey()}
		want := []string{tc.principal, tc.role, tc.bucket, tc.key, tc.owner, tc.kms}
		for i, name := range []string{"Principal", "Role", "Bucket", "ObjectKey", "BucketOwner", "KMSKey"} {
			if got[i] != want[i] {
				t.Errorf("%s: %s() = %q, want %q", tc.name, name, got[i], want[i])
			}
		}
	}
}

func TestNewFinding(t *testing.T) {
	e := mustParse(t, raw(t, with(s3Base(), "vpcEndpointId", "vpce-0a1b2c3d", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN)))
	f := NewFinding(e, Judge(e), "trail.json.gz#3")
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"eventID": e.EventID, "eventTime": "2024-10-17T21:48:45Z", "eventSource": "s3.amazonaws.com", "eventName": "PutObject",
		"errorCode": "AccessDenied", "errorMessage": "Access Denied", "principal": sessionARN, "principalAccount": callerAcct,
		"resourceAccount": callerAcct, "region": "us-east-1", "bucket": bucket, "key": objectKey, "kmsKey": keyARN,
		"sourceIPAddress": "203.0.113.7", "vpcEndpointId": "vpce-0a1b2c3d", "layer": "iam", "control": "identity-policy",
		"confidence": "low", "origin": "trail.json.gz#3",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if r, ok := got["related"].([]any); !ok || len(r) != 0 {
		t.Errorf("related = %#v, want []", got["related"])
	}
	if ev, ok := got["evidence"].([]any); !ok || len(ev) == 0 {
		t.Errorf("evidence = %#v", got["evidence"])
	}
	if rem, _ := got["remediation"].(string); rem == "" {
		t.Error("remediation empty")
	}
	for k, v := range map[string]any{"action": "s3:PutObject", "role": roleARN, "pattern": f.Pattern} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if r, ok := got["recipientAccounts"].([]any); !ok || len(r) != 1 || r[0] != callerAcct {
		t.Errorf("recipientAccounts = %#v, want [%s]", got["recipientAccounts"], callerAcct)
	}
	if c, ok := got["changes"].([]any); !ok || len(c) != 0 {
		t.Errorf("changes = %#v, want []", got["changes"])
	}
	// The 22 keys of DESIGN §1, then cause, commands, action, role,
	// recipientAccounts, changes and pattern.
	if len(got) != 29 {
		t.Errorf("finding has %d keys, want 29: %v", len(got), got)
	}
	// A zero verdict still yields [] evidence, not null.
	if f := NewFinding(e, Verdict{}, ""); f.Evidence == nil || f.Related == nil {
		t.Errorf("zero verdict: evidence %#v related %#v", f.Evidence, f.Related)
	}
}

func TestFields(t *testing.T) {
	e := mustParse(t, raw(t, with(s3Base(), "errorMessage", nil, "tlsDetails", nil, "requestParameters.x-amz-acl", "private", "eventTime", "garbage")))
	fs := Fields(e)
	var names []string
	byName := map[string]string{}
	for _, f := range fs {
		names = append(names, f.Name)
		byName[f.Name] = f.Value
	}
	for name, want := range map[string]string{
		"errorMessage": "(absent)", "tlsDetails": "(absent)", "requestParameters.x-amz-acl": "private",
		"userIdentity.arn": sessionARN, "userIdentity.sessionContext.sessionIssuer.arn": roleARN,
		"resources[AWS::S3::Bucket].accountId": callerAcct, "eventTime": "garbage",
	} {
		if byName[name] != want {
			t.Errorf("field %s = %q, want %q", name, byName[name], want)
		}
	}
	if !strings.Contains(byName["parse warnings"], "eventTime") {
		t.Errorf("parse warnings field = %q", byName["parse warnings"])
	}
	// The order is fixed: identity before request details, errorCode before errorMessage.
	idx := func(n string) int {
		for i, x := range names {
			if x == n {
				return i
			}
		}
		t.Fatalf("no field %s in %v", n, names)
		return -1
	}
	if !(idx("eventID") < idx("errorCode") && idx("errorCode") < idx("errorMessage") && idx("errorMessage") < idx("userIdentity.arn") &&
		idx("userIdentity.arn") < idx("requestParameters.bucketName") && idx("requestParameters.bucketName") < idx("sourceIPAddress")) {
		t.Errorf("field order: %v", names)
	}
	again := Fields(e)
	for i := range fs {
		if fs[i] != again[i] {
			t.Fatalf("Fields is not stable: %v vs %v", fs[i], again[i])
		}
	}
}
