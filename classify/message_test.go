package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// s3Denial is a same-account PutObject denied on key with the context ctx
// after the quoted object ARN, as S3 writes it.
func s3Denial(key, ctx string) map[string]any {
	msg := "User: " + sessionARN + " is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::dest-bucket/" + key + "\" " + ctx
	return with(s3Base(), "requestParameters.key", key, "errorMessage", msg)
}

func TestJudgeMessages(t *testing.T) {
	const hostile = `x" with an explicit deny in a service control policy "y`
	cutKey := hostile + strings.Repeat("z", 1100)
	cutMsg := (userPrefixS3[:strings.Index(userPrefixS3, "arn:aws:s3:::")] + "arn:aws:s3:::dest-bucket/" + cutKey + `" because no identity-based policy allows the s3:PutObject action`)[:1024]
	tests := []struct {
		name     string
		event    map[string]any
		layer    Layer
		control  Control
		conf     Confidence
		evidence []string
	}{
		{name: "chained phrases: the SCP decides over the VPC endpoint policy",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a VPC endpoint policy transitively through a service control policy"),
			layer: LayerOrgControls, control: ControlSCP, conf: High,
			evidence: []string{`names 2 policy types: "VPC endpoint policy", "service control policy"; the service control policy decides`}},
		{name: "chained phrases, reversed order",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a service control policy transitively through a VPC endpoint policy"),
			layer: LayerOrgControls, control: ControlSCP, conf: High, evidence: []string{`"service control policy", "VPC endpoint policy"`}},
		{name: "chained with an unknown type: the known one decides, the unknown one is quoted",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a VPC endpoint policy transitively through a galactic policy"),
			layer: LayerNetwork, control: ControlVPCEndpointPolicy, conf: High, evidence: []string{`"galactic policy"`}},
		{name: "chained on a KMS action: the org control still decides",
			event: with(kmsBase(), "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on this resource with an explicit deny in a resource-based policy transitively through a resource control policy"),
			layer: LayerOrgControls, control: ControlRCP, conf: High},
		{name: "a key holding policy words does not make an SCP verdict",
			event: s3Denial(hostile, "because no identity-based policy allows the s3:PutObject action"),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High, evidence: []string{"no allow: the identity-based policy"}},
		{name: "a key holding policy words, message cut inside the key",
			event: with(s3Base(), "requestParameters.key", cutKey, "errorMessage", cutMsg),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: Low, evidence: []string{"truncated inside it"}},
		{name: "a key holding BlockPublicAcls does not make a Block Public Access verdict",
			event: s3Denial("BlockPublicAcls", "because no resource-based policy allows the s3:PutObject action"),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: High},
		{name: "a resource quote that never closes",
			event: with(s3Base(), "errorMessage", "User: "+sessionARN+" is not authorized to perform: s3:PutObject on resource: \""+objectARN+" because no identity-based policy allows the s3:PutObject action"),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High, evidence: []string{"never closes", "because no identity-based policy allows"}},
		{name: "a resource quote that never closes, resource not the event's",
			event: with(s3Base(), "errorMessage", "User: "+sessionARN+" is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::other/with space.txt with an explicit deny in a permissions boundary"),
			layer: LayerOrgControls, control: ControlPermissionsBoundary, conf: High, evidence: []string{"never closes"}},
		{name: "January 2026 policy ARN confirms the phrase",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-abc123def4/service_control_policy/p-examplescp"),
			layer: LayerOrgControls, control: ControlSCP, conf: High,
			evidence: []string{`names the policy: "arn:aws:organizations::999988887777:policy/o-abc123def4/service_control_policy/p-examplescp"`, "confirms the phrase"}},
		{name: "policy ARN of an IAM policy for a permissions boundary",
			event: with(s3Base(), "errorMessage", userPrefixS3+"because no permissions boundary allows the s3:PutObject action: arn:aws:iam::111122223333:policy/Boundary"),
			layer: LayerOrgControls, control: ControlPermissionsBoundary, conf: High, evidence: []string{"confirms the phrase", "policy/Boundary"}},
		{name: "policy ARN that contradicts the phrase",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in an identity-based policy: arn:aws:organizations::999988887777:policy/o-abc123def4/resource_control_policy/p-x"),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High, evidence: []string{"does not fit the phrase"}},
		{name: "policy ARN names the type of unknown words",
			event: with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a org policy: arn:aws:organizations::999988887777:policy/o-abc123def4/service_control_policy/p-x"),
			layer: LayerOrgControls, control: ControlSCP, conf: Medium, evidence: []string{`which says what the unknown words "org policy" name`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(mustParse(t, raw(t, tc.event)))
			all := strings.Join(v.Evidence, "\n")
			if v.Layer != tc.layer || v.Control != tc.control || v.Confidence != tc.conf {
				t.Errorf("verdict %s/%s/%s, want %s/%s/%s\n%s", v.Layer, v.Control, v.Confidence, tc.layer, tc.control, tc.conf, all)
			}
			for _, w := range tc.evidence {
				if !strings.Contains(all, w) {
					t.Errorf("evidence lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestParseDenialPhrases(t *testing.T) {
	d := parseDenial(`User: arn:aws:iam::1:user/a is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a VPC endpoint policy transitively through a Service Control Policy: arn:aws:organizations::9:policy/o-1/service_control_policy/p-1. See https://docs.aws.amazon.com/x`)
	if len(d.phrases) != 2 || d.phrases[0].typ != policyVPCEndpoint || d.phrases[1].typ != policySCP || d.phrases[1].text != "Service Control Policy" {
		t.Errorf("phrases = %+v", d.phrases)
	}
	if d.policy != policySCP || d.policyARN != "arn:aws:organizations::9:policy/o-1/service_control_policy/p-1" || d.link != "https://docs.aws.amazon.com/x" {
		t.Errorf("policy %v, ARN %q, link %q", d.policy, d.policyARN, d.link)
	}
	if !strings.HasSuffix(d.excerpt, "p-1") || !strings.HasPrefix(d.excerpt, "with an explicit deny") {
		t.Errorf("excerpt %q", d.excerpt)
	}
}

// policyCases are the phrases FuzzMessage puts after a fuzzed key, with the
// control an S3 PutObject denial naming them gets.
var policyCases = [...]struct {
	words   string
	control Control
}{
	{"identity-based policy", ControlIdentityPolicy},
	{"resource-based policy", ControlBucketPolicy},
	{"service control policy", ControlSCP},
	{"resource control policy", ControlRCP},
	{"permissions boundary", ControlPermissionsBoundary},
	{"session policy", ControlSessionPolicy},
	{"VPC endpoint policy", ControlVPCEndpointPolicy},
}

// FuzzMessage checks the parser's property: for a message as S3 writes it,
// with a known policy phrase after a fuzzed object key, the verdict's
// control is the known one, whatever the key holds (quotes, other policy
// words, "transitively through", links, ARNs).
func FuzzMessage(f *testing.F) {
	f.Add(`x" with an explicit deny in a service control policy "y`, uint8(0), false, false)
	f.Add(`a" because no VPC endpoint policy allows the s3:PutObject action transitively through a`, uint8(4), true, true)
	f.Add(`BlockPublicAcls (SSE-C) blocked kms:GenerateDataKey https://x : arn:aws:iam::1:policy/p`, uint8(1), false, true)
	f.Add(`does not exist in this Region`, uint8(6), true, false)
	f.Fuzz(func(t *testing.T, key string, which uint8, noAllow, withARN bool) {
		if key == "" || !utf8.ValidString(key) {
			return
		}
		pc := policyCases[int(which)%len(policyCases)]
		ctx := "with an explicit deny in a " + pc.words
		if noAllow {
			ctx = "because no " + pc.words + " allows the s3:PutObject action"
		}
		if withARN {
			ctx += ": arn:aws:iam::111122223333:policy/Example"
		}
		e := mustParse(t, raw(t, s3Denial(key, ctx)))
		if e.ObjectKey() != key {
			return // the key did not survive JSON (e.g. it was rewritten)
		}
		v := Judge(e)
		if v.Control != pc.control {
			t.Fatalf("key %q, context %q: control %s, want %s\nevidence:\n  %s", key, ctx, v.Control, pc.control, strings.Join(v.Evidence, "\n  "))
		}
	})
}

func TestJudgeRegionMismatch(t *testing.T) {
	const euKey = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	regionForm := "User: " + sessionARN + " is not authorized to perform: kms:GenerateDataKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"
	tests := []struct {
		name     string
		event    map[string]any
		control  Control
		conf     Confidence
		evidence string
	}{
		{"S3 upload, key in another Region, KMS Region form", with(s3Base(), "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", euKey, "errorMessage", regionForm),
			ControlKMSKeyState, High, `is in Region "eu-west-1", the bucket in "us-east-1" (awsRegion): S3 can use only a KMS key in the bucket's Region`},
		{"S3 KMS.NotFoundException, key in another Region", with(s3Base(), "errorCode", "KMS.NotFoundException", "errorMessage", "Invalid keyId", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", euKey),
			ControlKMSKeyState, High, "S3 can use only a KMS key in the bucket's Region"},
		{"S3 names kms:GenerateDataKey, key in another Region", with(s3Base(), "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", euKey, "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+euKey),
			ControlKMSKeyState, High, "so this alone fails the request"},
		{"KMS call, key ARN in another Region", with(kmsBase(), "resources", nil, "requestParameters.keyId", euKey, "errorCode", "NotFoundException", "errorMessage", "Key '"+euKey+"' does not exist"),
			ControlKMSKeyState, High, "a KMS key is used only in its own Region"},
		{"same Region: the Region form stays a hedge, saying what the event shows", with(s3Base(), "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN, "errorMessage", regionForm),
			ControlKMSKeyPolicy, Medium, `is in Region "us-east-1", the Region of the call`},
		{"no key ARN: the Region form says what would settle it", with(s3Base(), "errorMessage", regionForm),
			ControlKMSKeyPolicy, Medium, "aws kms describe-key in that Region would settle it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Judge(mustParse(t, raw(t, tc.event)))
			all := strings.Join(v.Evidence, "\n")
			if v.Layer != LayerKMS || v.Control != tc.control || v.Confidence != tc.conf {
				t.Errorf("verdict %s/%s/%s, want kms/%s/%s\n%s", v.Layer, v.Control, v.Confidence, tc.control, tc.conf, all)
			}
			if !strings.Contains(all, tc.evidence) {
				t.Errorf("evidence lacks %q:\n%s", tc.evidence, all)
			}
			if tc.conf == High && !strings.Contains(v.Remediation, "eu-west-1") {
				t.Errorf("remediation does not name the key's Region:\n%s", v.Remediation)
			}
		})
	}
}

func TestJudgeBareDenialWithSSEKMS(t *testing.T) {
	v := Judge(mustParse(t, raw(t, with(s3Base(), "requestParameters.x-amz-server-side-encryption", "aws:kms", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN))))
	all := strings.Join(v.Evidence, "\n")
	if v.Layer != LayerIAM || v.Confidence != Low {
		t.Errorf("verdict %s/%s/%s, want iam at low confidence", v.Layer, v.Control, v.Confidence)
	}
	if !strings.Contains(all, "the key policy may be what refused") || !strings.Contains(all, "would settle it") {
		t.Errorf("evidence does not say the key policy is possible and what would settle it:\n%s", all)
	}
}

// actionMessages are messages messageAction must read as parseDenial does.
var actionMessages = []string{
	"", "Access Denied", userPrefixS3 + "with an explicit deny in a service control policy",
	"User: arn:aws:iam::1:user/a is NOT AUTHORIZED TO PERFORM: s3:PutObject. on resource: x",
	"not authorized to perform:", "not authorized to perform:  kms:Decrypt,", "is not authorized to perform:\ts3:Get*;x",
	"Not Authorized To Perform: iam:PassRole because", "nnnot authorized to perform: a", "not authorized to perfor: a",
	"User: x is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b/k not authorized to perform: s3:Other\"",
}

// TestMessageAction: messageAction reads the action parseDenial reads,
// in hand-made messages and in every real one in testdata/messages.
func TestMessageAction(t *testing.T) {
	msgs := slices.Clone(actionMessages)
	files, _ := filepath.Glob("testdata/messages/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var m realMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		msgs = append(msgs, m.ErrorMessage)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/messages")
	}
	for _, m := range msgs {
		if got, want := messageAction(m), parseDenial(m).action; got != want {
			t.Errorf("messageAction(%q) = %q, want %q", m, got, want)
		}
	}
}

// FuzzMessageAction: messageAction reads the action parseDenial reads.
func FuzzMessageAction(f *testing.F) {
	for _, m := range actionMessages {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, m string) {
		if got, want := messageAction(m), parseDenial(m).action; got != want {
			t.Errorf("messageAction(%q) = %q, want %q", m, got, want)
		}
	})
}
