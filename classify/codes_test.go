package classify

import (
	"slices"
	"strings"
	"testing"
)

func TestErrorCodeTableSorted(t *testing.T) {
	for i, e := range errorCodes {
		if e.code == "" || e.meaning == "" || e.class == 0 {
			t.Errorf("entry %d (%q) is incomplete: %+v", i, e.code, e)
		}
		if e.class != codeDenial && (e.layer == "" || e.control == "" || e.conf == "") {
			t.Errorf("%s: a fixed verdict without layer, control or confidence: %+v", e.code, e)
		}
		if i == 0 {
			continue
		}
		p := errorCodes[i-1]
		if c := strings.Compare(p.code, e.code); c > 0 || c == 0 && p.service >= e.service {
			t.Errorf("table not sorted or duplicated at %q/%q after %q/%q", e.code, e.service, p.code, p.service)
		}
	}
}

// TestErrorCodeTableDocumented checks that the codes the S3 and KMS
// references document for the PutObject family and the KMS calls denytrail
// reads are all in the table, with the meaning the issue and DESIGN.md
// give them.
func TestErrorCodeTableDocumented(t *testing.T) {
	want := map[string]Control{
		// S3 "Error responses".
		"AccessDenied": "", "AllAccessDisabled": ControlRequestError, "AccessControlListNotSupported": ControlObjectOwnership,
		"InvalidBucketName": ControlRequestError, "NoSuchBucket": ControlRequestError, "NoSuchUpload": ControlRequestError,
		"EntityTooLarge": ControlRequestError, "EntityTooSmall": ControlRequestError, "InvalidArgument": ControlRequestError,
		"InvalidRequest": ControlRequestError, "SlowDown": ControlRequestError, "RequestTimeout": ControlRequestError,
		"InvalidObjectState": ControlRequestError, "AccountProblem": ControlRequestError, "InvalidPayer": ControlRequestError,
		"KMS.DisabledException": ControlKMSKeyState, "KMS.KMSInvalidStateException": ControlKMSKeyState,
		"KMS.NotFoundException": ControlKMSKeyState, "KMS.InvalidKeyUsageException": ControlRequestError,
		"ExpiredToken": ControlExpiredCredentials, "InvalidAccessKeyId": ControlInvalidCredentials,
		"SignatureDoesNotMatch": ControlInvalidCredentials, "InvalidToken": ControlInvalidCredentials,
		"TokenRefreshRequired": ControlExpiredCredentials, "RequestTimeTooSkewed": ControlInvalidCredentials,
		"InvalidEncryptionAlgorithmError": ControlRequestError, "BadDigest": ControlRequestError, "InvalidPart": ControlRequestError,
		"InvalidBucketAclWithObjectOwnership": ControlObjectOwnership, "TooManyParts": ControlRequestError,
		// KMS API reference, Errors of Encrypt, Decrypt, GenerateDataKey*, ReEncrypt, CreateGrant, DescribeKey.
		"AccessDeniedException": "", "DisabledException": ControlKMSKeyState, "KMSInvalidStateException": ControlKMSKeyState,
		"NotFoundException": ControlKMSKeyState, "KeyUnavailableException": ControlKMSKeyState,
		"InvalidKeyUsageException": ControlRequestError, "IncorrectKeyException": ControlRequestError,
		"InvalidCiphertextException": ControlRequestError, "InvalidGrantTokenException": ControlRequestError,
		"DependencyTimeoutException": ControlRequestError, "KMSInternalException": ControlRequestError,
		"DryRunOperationException": ControlRequestError, "LimitExceededException": ControlRequestError,
		"InvalidArnException": ControlRequestError, "UnsupportedOperationException": ControlRequestError,
		"ThrottlingException": ControlRequestError,
		// CloudTrail network activity.
		"VpceAccessDenied": ControlVPCEndpointPolicy,
	}
	for code, c := range want {
		svc := "kms"
		if strings.HasPrefix(code, "KMS.") || !strings.HasSuffix(code, "Exception") {
			svc = "s3"
		}
		e, ok := lookupCode(code, svc)
		if !ok {
			t.Errorf("%s is not in the table", code)
			continue
		}
		if c == "" && e.class != codeDenial || c != "" && e.control != c {
			t.Errorf("%s: %+v, want control %q", code, e, c)
		}
	}
}

// codeEvent is a failed call with code, on a base event fitting the
// code's service.
func codeEvent(e codeEntry) map[string]any {
	switch {
	case e.service == "kms":
		return with(kmsBase(), "errorCode", e.code, "errorMessage", "")
	case e.class == codeCredentials:
		return with(kmsBase(), "eventSource", "sts.amazonaws.com", "eventName", "GetCallerIdentity", "errorCode", e.code, "errorMessage", "", "resources", nil, "userIdentity.invokedBy", nil)
	}
	return with(s3Base(), "errorCode", e.code, "errorMessage", "")
}

// TestJudgeEveryCode judges one event per code in the table: fixed codes
// get exactly their verdict, the denial codes a denial verdict, and every
// verdict quotes the code.
func TestJudgeEveryCode(t *testing.T) {
	for _, en := range errorCodes {
		t.Run(en.code+"/"+en.service, func(t *testing.T) {
			e := mustParse(t, raw(t, codeEvent(en)))
			v := Judge(e)
			all := strings.Join(v.Evidence, "\n")
			if !strings.Contains(all, `"`+en.code+`"`) || v.Remediation == "" {
				t.Errorf("verdict does not quote the code, or has no remediation: %+v", v)
			}
			if en.class == codeDenial {
				if v.Layer == LayerOther || v.Layer == LayerCredentials || v.Layer == LayerUnknown && v.Confidence == High {
					t.Errorf("denial code judged %s/%s/%s", v.Layer, v.Control, v.Confidence)
				}
				return
			}
			if v.Layer != en.layer || v.Control != en.control || v.Confidence != en.conf {
				t.Errorf("verdict %s/%s/%s, want %s/%s/%s\n%s", v.Layer, v.Control, v.Confidence, en.layer, en.control, en.conf, all)
			}
			if !strings.Contains(all, en.meaning) {
				t.Errorf("evidence does not say what the code means (%q):\n%s", en.meaning, all)
			}
		})
	}
}

func TestJudgeCodeCases(t *testing.T) {
	s3, kms := s3Base(), kmsBase()
	tests := []struct {
		name             string
		event            map[string]any
		layer            Layer
		control          Control
		conf             Confidence
		evidence, remedy []string
		noRemedy         []string
	}{
		{name: "AllAccessDisabled is AWS's block, not IAM", event: with(s3, "errorCode", "AllAccessDisabled", "errorMessage", "All access to this object has been disabled"),
			layer: LayerOther, control: ControlRequestError, conf: High,
			evidence: []string{"disabled by AWS", "contact AWS Support"}, remedy: []string{"AWS Support", "No change to IAM"},
			noRemedy: []string{"simulate-principal-policy", "identity-based policy"}},
		{name: "unknown code with bare Access Denied stays unknown", event: with(s3, "errorCode", "QuantumAccessRevoked", "errorMessage", "Access Denied"),
			layer: LayerUnknown, control: ControlUnknown, conf: Low,
			evidence: []string{`errorCode "QuantumAccessRevoked" is not one denytrail knows`}, noRemedy: []string{"most common cause"}},
		{name: "unknown code, no message", event: with(s3, "errorCode", "Blocked", "errorMessage", nil),
			layer: LayerUnknown, control: ControlUnknown, conf: Low, evidence: []string{`"Blocked"`}},
		{name: "unknown code whose name says bad request", event: with(s3, "errorCode", "NoSuchThing", "errorMessage", "no"),
			layer: LayerOther, control: ControlRequestError, conf: Medium, evidence: []string{"its name says"}},
		{name: "unknown code with an enhanced message: the message decides", event: with(s3, "errorCode", "S3Denied", "errorMessage", userPrefixS3+"with an explicit deny in a service control policy"),
			layer: LayerOrgControls, control: ControlSCP, conf: High, evidence: []string{"the message decides"}},
		{name: "unknown service-prefixed AccessDenied is still no bare denial", event: with(s3, "errorCode", "S3AccessDenied", "errorMessage", "Access Denied"),
			layer: LayerUnknown, control: ControlUnknown, conf: Low, noRemedy: []string{"most common cause"}},
		{name: "InvalidKeyUsageException is a request error", event: with(kms, "errorCode", "InvalidKeyUsageException", "errorMessage", "You cannot generate a data key with an asymmetric CMK"),
			layer: LayerOther, control: ControlRequestError, conf: High,
			evidence: []string{"KeyUsage"}, remedy: []string{"ENCRYPT_DECRYPT", "describe-key"}},
		{name: "S3 KMS.InvalidKeyUsageException is a request error", event: with(s3, "errorCode", "KMS.InvalidKeyUsageException", "errorMessage", "The key usage is not valid", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN),
			layer: LayerOther, control: ControlRequestError, conf: High},
		{name: "SSE-C wrong key is a request error", event: with(s3, "eventName", "GetObject", "errorMessage", "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key."),
			layer: LayerOther, control: ControlRequestError, conf: High, evidence: []string{"customer key"}},
		{name: "SSE-C missing key is a request error", event: with(s3, "errorCode", "InvalidArgument", "errorMessage", "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key."),
			layer: LayerOther, control: ControlRequestError, conf: High},
		{name: "SSE-C blocked by the bucket", event: with(s3, "errorMessage", userPrefixS3+"because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type"),
			layer: LayerBucketPolicy, control: ControlBucketEncryption, conf: High},
		{name: "EC2 Client. prefix", event: with(s3, "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances", "errorCode", "Client.DryRunOperation", "errorMessage", "Request would have succeeded, but DryRun flag is set."),
			layer: LayerOther, control: ControlRequestError, conf: High, remedy: []string{"DryRun"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(mustParse(t, raw(t, tc.event)))
			all := strings.Join(v.Evidence, "\n")
			if v.Layer != tc.layer || v.Control != tc.control || v.Confidence != tc.conf {
				t.Errorf("verdict %s/%s/%s, want %s/%s/%s\n%s\n%s", v.Layer, v.Control, v.Confidence, tc.layer, tc.control, tc.conf, all, v.Remediation)
			}
			for _, w := range tc.evidence {
				if !strings.Contains(all, w) {
					t.Errorf("evidence lacks %q:\n%s", w, all)
				}
			}
			for _, w := range tc.remedy {
				if !strings.Contains(remedyText(v.Remediation, v.Commands), w) {
					t.Errorf("remediation and commands lack %q:\n%s", w, remedyText(v.Remediation, v.Commands))
				}
			}
			for _, w := range tc.noRemedy {
				if strings.Contains(remedyText(v.Remediation, v.Commands), w) {
					t.Errorf("remediation or commands have %q:\n%s", w, remedyText(v.Remediation, v.Commands))
				}
			}
		})
	}
}

func TestLookupCode(t *testing.T) {
	tests := []struct {
		code, service string
		control       Control
		ok            bool
	}{
		{"NotFoundException", "kms", ControlKMSKeyState, true},
		{"NotFoundException", "apigateway", "", false}, // not KMS's: not a key state
		{"KMS.NotFoundException", "s3", ControlKMSKeyState, true},
		{"KMS.KeyUnavailableException", "s3", ControlKMSKeyState, true}, // any KMS code S3 passes on
		{"Client.UnauthorizedOperation", "ec2", "", true},
		{"CloudTrailInvalidClientTokenIdException", "cloudtrail", ControlInvalidCredentials, true},
		{"VpceAccessDenied", "kms", ControlVPCEndpointPolicy, true},
		{"Nope", "s3", "", false},
	}
	for _, tc := range tests {
		e, ok := lookupCode(tc.code, tc.service)
		if ok != tc.ok || e.control != tc.control {
			t.Errorf("lookupCode(%q, %q) = %+v, %v; want control %q, %v", tc.code, tc.service, e, ok, tc.control, tc.ok)
		}
	}
	if !slices.IsSortedFunc(errorCodes[:], func(a, b codeEntry) int { return strings.Compare(a.code, b.code) }) {
		t.Error("errorCodes is not sorted by code: binary search would miss entries")
	}
}
