package classify

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	s3, kms := s3Base(), kmsBase()
	ec2 := with(kms, "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances", "errorCode", "Client.UnauthorizedOperation")
	ok := func(m map[string]any) map[string]any { return with(m, "errorCode", nil, "errorMessage", nil) }
	events := map[string]map[string]any{
		"s3 PutObject failed":               s3,
		"s3 CopyObject failed":              with(s3, "eventName", "CopyObject"),
		"s3 CreateMultipartUpload failed":   with(s3, "eventName", "CreateMultipartUpload"),
		"s3 UploadPart failed":              with(s3, "eventName", "UploadPart"),
		"s3 UploadPartCopy failed":          with(s3, "eventName", "UploadPartCopy"),
		"s3 CompleteMultipartUpload failed": with(s3, "eventName", "CompleteMultipartUpload"),
		"s3 GetObject failed":               with(s3, "eventName", "GetObject"),
		"s3 PutObject succeeded":            ok(s3),
		"s3 PutObject empty errorCode":      with(s3, "errorCode", ""),
		"kms GenerateDataKey failed":        kms,
		"kms Decrypt failed":                with(kms, "eventName", "Decrypt"),
		"kms GenerateDataKey succeeded":     ok(kms),
		"ec2 failed":                        ec2,
	}
	tests := []struct {
		name  string
		f     Filter
		match []string
	}{
		{"default", Filter{}, []string{"s3 PutObject failed", "s3 CopyObject failed", "s3 CreateMultipartUpload failed", "s3 UploadPart failed",
			"s3 UploadPartCopy failed", "s3 CompleteMultipartUpload failed", "kms GenerateDataKey failed", "kms Decrypt failed"}},
		{"all failures", Filter{AllFailures: true, Events: []string{"kms:Decrypt"}}, []string{"s3 PutObject failed", "s3 CopyObject failed", "s3 CreateMultipartUpload failed", "s3 UploadPart failed",
			"s3 UploadPartCopy failed", "s3 CompleteMultipartUpload failed", "s3 GetObject failed", "kms GenerateDataKey failed", "kms Decrypt failed", "ec2 failed"}},
		{"kms:Decrypt", Filter{Events: []string{"kms:Decrypt"}}, []string{"kms Decrypt failed"}},
		{"s3:*", Filter{Events: []string{"s3:*"}}, []string{"s3 PutObject failed", "s3 CopyObject failed", "s3 CreateMultipartUpload failed", "s3 UploadPart failed",
			"s3 UploadPartCopy failed", "s3 CompleteMultipartUpload failed", "s3 GetObject failed"}},
		{"s3:Upload* and ec2:RunInstances", Filter{Events: []string{"s3:Upload*", "ec2:RunInstances"}}, []string{"s3 UploadPart failed", "s3 UploadPartCopy failed", "ec2 failed"}},
		{"*", Filter{Events: []string{"*"}}, []string{"s3 PutObject failed", "s3 CopyObject failed", "s3 CreateMultipartUpload failed", "s3 UploadPart failed",
			"s3 UploadPartCopy failed", "s3 CompleteMultipartUpload failed", "s3 GetObject failed", "kms GenerateDataKey failed", "kms Decrypt failed", "ec2 failed"}},
		{"DefaultEvents spelled out", Filter{Events: DefaultEvents()}, []string{"s3 PutObject failed", "s3 CopyObject failed", "s3 CreateMultipartUpload failed", "s3 UploadPart failed",
			"s3 UploadPartCopy failed", "s3 CompleteMultipartUpload failed", "kms GenerateDataKey failed", "kms Decrypt failed"}},
	}
	for _, tc := range tests {
		want := map[string]bool{}
		for _, n := range tc.match {
			want[n] = true
		}
		for name, m := range events {
			b := raw(t, m)
			e := mustParse(t, b)
			if got := tc.f.Match(e); got != want[name] {
				t.Errorf("%s: Match(%s) = %v, want %v", tc.name, name, got, want[name])
			}
			if want[name] && !tc.f.MayMatch(b) {
				t.Errorf("%s: MayMatch(%s) = false for a matching record", tc.name, name)
			}
		}
	}
}

func TestFilterMayMatchRejects(t *testing.T) {
	s3 := s3Base()
	for _, tc := range []struct {
		name string
		f    Filter
		m    map[string]any
	}{
		{"no errorCode", Filter{AllFailures: true}, with(s3, "errorCode", nil)},
		{"s3 GetObject under the default", Filter{}, with(s3, "eventName", "GetObject", "requestParameters.key", "a.txt", "resources", nil)},
		{"ec2 under the default", Filter{}, with(kmsBase(), "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances", "resources", nil, "requestParameters", nil, "userIdentity.invokedBy", nil, "sourceIPAddress", "1.2.3.4", "userAgent", "cli")},
		{"kms event under s3:*", Filter{Events: []string{"s3:*"}}, with(kmsBase(), "userIdentity.invokedBy", nil, "sourceIPAddress", "1.2.3.4", "userAgent", "cli", "requestParameters.encryptionContext", nil)},
	} {
		if tc.f.MayMatch(raw(t, tc.m)) {
			t.Errorf("%s: MayMatch = true, want false", tc.name)
		}
	}
}

func TestFilterValidate(t *testing.T) {
	for _, p := range []string{"s3:PutObject", "kms:*", "s3:Put*", "*"} {
		if err := (Filter{Events: []string{p}}).Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"PutObject", "s3:", ":PutObject", "s3.amazonaws.com:PutObject", "s3:P*t", "*:PutObject"} {
		if err := (Filter{Events: []string{p}}).Validate(); err == nil {
			t.Errorf("Validate(%q) = nil, want an error", p)
		}
	}
}

// propertyFilters are the filters the MayMatch ⇒ Match property is checked for.
func propertyFilters() []Filter {
	return []Filter{{}, {AllFailures: true}, {Events: []string{"s3:*"}}, {Events: []string{"kms:Decrypt", "s3:Upload*"}},
		{Events: []string{"ec2:*", "sts:AssumeRole"}}, {Events: []string{"*"}}, {Events: DefaultEvents()}}
}

// layouts returns the record as given, compact, indented, and with spaces
// around every ':' and ','.
func layouts(t testing.TB, b []byte) [][]byte {
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return [][]byte{b}
	}
	if err := json.Indent(&indented, b, "", "\t"); err != nil {
		t.Fatal(err)
	}
	return [][]byte{b, compact.Bytes(), indented.Bytes(), spaced(compact.Bytes())}
}

// checkMayMatch asserts MayMatch never rejects a record Match accepts, for
// every filter and layout, and returns how many (filter, layout) pairs
// matched and how many were rejected early.
func checkMayMatch(t *testing.T, name string, b []byte) (matched, rejected int) {
	t.Helper()
	for _, l := range layouts(t, b) {
		e, err := Parse(l)
		if err != nil {
			continue
		}
		for _, f := range propertyFilters() {
			may := f.MayMatch(l)
			if f.Match(e) {
				matched++
				if !may {
					t.Errorf("%s: %+v: MayMatch = false but Match = true for\n%s", name, f, l)
				}
			} else if !may {
				rejected++
			}
		}
	}
	return matched, rejected
}

func TestMayMatchNeverMissesTestEvents(t *testing.T) {
	var matched, rejected int
	for _, tc := range judgeCases() {
		m, r := checkMayMatch(t, tc.name, raw(t, tc.event))
		matched, rejected = matched+m, rejected+r
		m, r = checkMayMatch(t, tc.name+" (succeeded)", raw(t, with(tc.event, "errorCode", nil)))
		matched, rejected = matched+m, rejected+r
	}
	// Escapes a byte search cannot see through must not make it miss.
	for _, s := range []string{
		`{"eventSource":"kms\u002eamazonaws.com","eventName":"Decrypt","errorCode":"AccessDenied"}`,
		`{"eventSource":"s3.amazonaws.com","eventName":"Put\u004fbject","errorCode":"AccessDenied"}`,
		`{"eventSource" : "s3.amazonaws.com" , "eventName" : "PutObject" , "errorCode" : "AccessDenied"}`,
		`{"ErrorCode":"AccessDenied","eventSource":"kms.amazonaws.com"}`,
	} {
		m, r := checkMayMatch(t, s, []byte(s))
		matched, rejected = matched+m, rejected+r
	}
	if matched == 0 || rejected == 0 {
		t.Errorf("property checked vacuously: %d matches, %d early rejections", matched, rejected)
	}
}

func TestIsS3DataEvent(t *testing.T) {
	s3 := s3Base()
	tests := []struct {
		name string
		m    map[string]any
		want bool
	}{
		{"data event", s3, true},
		{"data event, succeeded", with(s3, "errorCode", nil), true},
		{"management event", with(s3, "eventName", "PutBucketPolicy", "eventCategory", "Management"), false},
		{"network activity", with(s3, "eventCategory", "NetworkActivity"), false},
		{"no category, object call", with(s3, "eventCategory", nil), true},
		{"no category, bucket call", with(s3, "eventCategory", nil, "eventName", "PutBucketPolicy"), false},
		{"kms data-looking event", with(kmsBase(), "eventCategory", "Data"), false},
		{"s3 named only in a value", with(kmsBase(), "eventCategory", "Data", "userAgent", "s3.amazonaws.com"), false},
	}
	for _, tc := range tests {
		for _, l := range layouts(t, raw(t, tc.m)) {
			if got := IsS3DataEvent(l); got != tc.want {
				t.Errorf("%s: IsS3DataEvent = %v, want %v\n%s", tc.name, got, tc.want, l)
			}
		}
	}
}
