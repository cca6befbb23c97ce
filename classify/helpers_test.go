package classify

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// Names the test events use, so assertions can look for them.
const (
	callerAcct   = "111122223333"
	ownerAcct    = "444455556666"
	sessionARN   = "arn:aws:sts::111122223333:assumed-role/Uploader/session-1"
	roleARN      = "arn:aws:iam::111122223333:role/Uploader"
	bucket       = "dest-bucket"
	objectKey    = "reports/2024/q3.csv"
	objectARN    = "arn:aws:s3:::dest-bucket/reports/2024/q3.csv"
	keyARN       = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	otherKeyARN  = "arn:aws:kms:us-east-1:444455556666:key/0987dcba-09fe-87dc-65ba-ab0987654321"
	userPrefixS3 = "User: " + sessionARN + " is not authorized to perform: s3:PutObject on resource: \"" + objectARN + "\" "
)

// s3Base is a failed same-account PutObject data event.
func s3Base() map[string]any {
	return map[string]any{
		"eventVersion":       "1.09",
		"eventID":            "11111111-aaaa-bbbb-cccc-000000000001",
		"eventTime":          "2024-10-17T21:48:45Z",
		"eventSource":        "s3.amazonaws.com",
		"eventName":          "PutObject",
		"eventType":          "AwsApiCall",
		"eventCategory":      "Data",
		"awsRegion":          "us-east-1",
		"sourceIPAddress":    "203.0.113.7",
		"userAgent":          "aws-cli/2.15.0",
		"errorCode":          "AccessDenied",
		"errorMessage":       "Access Denied",
		"requestID":          "REQ1",
		"recipientAccountId": callerAcct,
		"readOnly":           false,
		"managementEvent":    false,
		"userIdentity": map[string]any{
			"type":        "AssumedRole",
			"principalId": "AROAEXAMPLE:session-1",
			"arn":         sessionARN,
			"accountId":   callerAcct,
			"accessKeyId": "ASIAEXAMPLEKEY",
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{
					"type": "Role", "principalId": "AROAEXAMPLE", "arn": roleARN,
					"accountId": callerAcct, "userName": "Uploader",
				},
			},
		},
		"requestParameters": map[string]any{
			"bucketName": bucket,
			"key":        objectKey,
			"Host":       "dest-bucket.s3.us-east-1.amazonaws.com",
		},
		"resources": []any{
			map[string]any{"type": "AWS::S3::Object", "ARN": objectARN},
			map[string]any{"accountId": callerAcct, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::dest-bucket"},
		},
		"tlsDetails": map[string]any{
			"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
			"clientProvidedHostHeader": "dest-bucket.s3.us-east-1.amazonaws.com",
		},
		"additionalEventData": map[string]any{
			"SignatureVersion": "SigV4", "AuthenticationMethod": "AuthHeader", "x-amz-id-2": "Yk9vT0t4",
		},
	}
}

// kmsBase is a failed GenerateDataKey that S3 made for the caller.
func kmsBase() map[string]any {
	return map[string]any{
		"eventVersion":       "1.09",
		"eventID":            "22222222-aaaa-bbbb-cccc-000000000002",
		"eventTime":          "2024-10-17T21:48:45Z",
		"eventSource":        "kms.amazonaws.com",
		"eventName":          "GenerateDataKey",
		"eventType":          "AwsApiCall",
		"eventCategory":      "Management",
		"awsRegion":          "us-east-1",
		"sourceIPAddress":    "s3.amazonaws.com",
		"userAgent":          "s3.amazonaws.com",
		"errorCode":          "AccessDenied",
		"errorMessage":       "",
		"requestID":          "REQ2",
		"recipientAccountId": callerAcct,
		"readOnly":           true,
		"managementEvent":    true,
		"userIdentity": map[string]any{
			"type":        "AssumedRole",
			"principalId": "AROAEXAMPLE:session-1",
			"arn":         sessionARN,
			"accountId":   callerAcct,
			"invokedBy":   "s3.amazonaws.com",
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{"type": "Role", "arn": roleARN, "accountId": callerAcct, "userName": "Uploader"},
			},
		},
		"requestParameters": map[string]any{
			"keyId":             "alias/uploads",
			"keySpec":           "AES_256",
			"encryptionContext": map[string]any{"aws:s3:arn": objectARN},
		},
		"resources": []any{
			map[string]any{"accountId": callerAcct, "type": "AWS::KMS::Key", "ARN": keyARN},
		},
	}
}

// with returns a copy of base with dotted paths set; a nil value deletes.
func with(base map[string]any, kv ...any) map[string]any {
	m := deepCopy(base)
	for i := 0; i < len(kv); i += 2 {
		path := strings.Split(kv[i].(string), ".")
		cur := m
		for _, p := range path[:len(path)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		last := path[len(path)-1]
		if kv[i+1] == nil {
			delete(cur, last)
		} else {
			cur[last] = kv[i+1]
		}
	}
	return m
}

func deepCopy(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		if vm, ok := v.(map[string]any); ok {
			out[k] = deepCopy(vm)
		}
	}
	return out
}

// raw marshals an event map.
func raw(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustParse parses raw and fails the test on error.
func mustParse(t testing.TB, b []byte) *Event {
	t.Helper()
	e, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	return e
}

// spaced rewrites compact JSON with spaces around every ':' and ','
// outside strings, the layout some exporters write.
func spaced(b []byte) []byte {
	var out []byte
	in, esc := false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ':' || c == ','):
			out = append(out, ' ', c, ' ')
			continue
		}
		out = append(out, c)
	}
	return out
}
