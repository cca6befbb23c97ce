package classify

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/remediation/*.golden from the current output")

// remediationCases are every judge case, then the incidents of a denied
// upload and the KMS call S3 made for it, one per way KMS can refuse.
func remediationCases(t *testing.T) []struct {
	name string
	f    Finding
} {
	return remediationCasesWith(t, func(m map[string]any) map[string]any { return m })
}

// remediationCasesWith is remediationCases with every event passed through
// edit first.
func remediationCasesWith(t *testing.T, edit func(map[string]any) map[string]any) []struct {
	name string
	f    Finding
} {
	var cases []struct {
		name string
		f    Finding
	}
	for _, tc := range judgeCases() {
		e := mustParse(t, raw(t, edit(tc.event)))
		cases = append(cases, struct {
			name string
			f    Finding
		}{tc.name, NewFinding(e, Judge(e), "")})
	}
	kmsMsg := func(ctx string) string {
		return "User: " + sessionARN + " is not authorized to perform: kms:GenerateDataKey on resource: " + keyARN + " " + ctx
	}
	for _, k := range []struct {
		name string
		m    map[string]any
	}{
		{"KMS event without a message", viaS3("k", at(48, 45))},
		{"key policy allows nothing", with(viaS3("k", at(48, 45)), "errorMessage", kmsMsg("because no resource-based policy allows the kms:GenerateDataKey action"))},
		{"key policy denies", with(viaS3("k", at(48, 45)), "errorMessage", kmsMsg("with an explicit deny in a resource-based policy"))},
		{"IAM policy allows nothing", with(viaS3("k", at(48, 45)), "errorMessage", kmsMsg("because no identity-based policy allows the kms:GenerateDataKey action"))},
		{"IAM policy denies", with(viaS3("k", at(48, 45)), "errorMessage", kmsMsg("with an explicit deny in an identity-based policy"))},
		{"key not in the Region", with(viaS3("k", at(48, 45)), "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")},
		{"key disabled", with(viaS3("k", at(48, 45)), "errorCode", "DisabledException", "errorMessage", keyARN+" is disabled.")},
		{"SCP denies kms:GenerateDataKey", with(viaS3("k", at(48, 45)), "errorMessage", kmsMsg("with an explicit deny in a service control policy"))},
	} {
		for _, u := range []map[string]any{upload("u", at(48, 45)), with(upload("u", at(48, 45)), "eventName", "CreateMultipartUpload")} {
			fs := runEngine(t, EngineConfig{}, edit(u), edit(k.m))
			if len(fs) != 1 {
				t.Fatalf("%s: %d findings, want one incident", k.name, len(fs))
			}
			cases = append(cases, struct {
				name string
				f    Finding
			}{fmt.Sprintf("incident: %s, %s", u["eventName"], k.name), fs[0]})
		}
	}
	return cases
}

// TestRemediationGolden keeps the remediation of every control in golden
// files, one per control, so that a change of wording is reviewed as text.
// go test ./classify -run RemediationGolden -update rewrites them.
func TestRemediationGolden(t *testing.T) {
	files := map[Control]*bytes.Buffer{}
	for _, tc := range remediationCases(t) {
		f := tc.f
		if f.Remediation == "" || strings.Contains(f.Remediation, "%!") {
			t.Errorf("%s: remediation %q", tc.name, f.Remediation)
		}
		b := files[f.Control]
		if b == nil {
			b = new(bytes.Buffer)
			files[f.Control] = b
		}
		fmt.Fprintf(b, "== %s (%s/%s, %s)\ncause: %s\n%s\n", tc.name, f.Layer, f.Control, f.Confidence, f.Cause, f.Remediation)
		for _, c := range f.Commands {
			fmt.Fprintf(b, "%s: %s\n  $ %s\n", c.Kind, c.Summary, c.Line)
		}
		b.WriteString("\n")
	}
	for _, c := range []Control{ControlIdentityPolicy, ControlBucketPolicy, ControlBucketEncryption, ControlKMSKeyPolicy,
		ControlKMSKeyState, ControlSCP, ControlRCP, ControlPermissionsBoundary, ControlSessionPolicy, ControlObjectOwnership,
		ControlACL, ControlBlockPublicAccess, ControlVPCEndpointPolicy, ControlExpiredCredentials, ControlInvalidCredentials,
		ControlUnknown, ControlRequestError} {
		if files[c] == nil {
			t.Errorf("no case yields control %s", c)
		}
	}
	dir := filepath.Join("testdata", "remediation")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for c, b := range files {
		path := filepath.Join(dir, string(c)+".golden")
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./classify -run RemediationGolden -update creates it)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from the golden file (rewrite it with -update after review):\n%s", path, lineDiff(string(want), b.String()))
		}
	}
}

// lineDiff lists the lines only one of want and got has.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for _, l := range w {
		if !slices.Contains(g, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestRemediationNamesNames: the concrete next step of each control names
// the principal (or its role), the action and the resource, and carries
// the statement or command the issue asks for.
func TestRemediationNamesNames(t *testing.T) {
	for _, tc := range remediationCases(t) {
		f := tc.f
		r := remedyText(f.Remediation, f.Commands)
		if f.Cause == "" || strings.Contains(f.Cause, "%!") || strings.ContainsAny(f.Cause, "\n") {
			t.Errorf("%s: cause %q", tc.name, f.Cause)
		}
		if f.Control == ControlRequestError || f.Layer == LayerCredentials && !strings.Contains(r, "get-caller-identity") {
			if f.Layer == LayerCredentials {
				t.Errorf("%s: credentials remediation without aws sts get-caller-identity: %s", tc.name, r)
			}
			continue
		}
		if !strings.Contains(r, sessionARN) && !strings.Contains(r, roleARN) && !strings.Contains(r, f.Principal) {
			t.Errorf("%s: remediation names no principal: %s", tc.name, r)
		}
		var want []string
		switch f.Control {
		case ControlIdentityPolicy:
			want = []string{`{"Effect":"Allow"`}
			if strings.Contains(r, "explicitly denies") {
				want = []string{"Deny"}
			}
		case ControlKMSKeyPolicy:
			want = []string{"get-key-policy"}
		case ControlSCP:
			want = []string{"SERVICE_CONTROL_POLICY"}
		case ControlRCP:
			want = []string{"RESOURCE_CONTROL_POLICY"}
		case ControlPermissionsBoundary:
			want = []string{"PermissionsBoundary"}
		case ControlSessionPolicy:
			want = []string{"AssumeRole"}
		case ControlACL:
			want = []string{"--acl bucket-owner-full-control", "BucketOwnerEnforced", "get-bucket-policy"}
		case ControlBlockPublicAccess:
			want = []string{"get-public-access-block"}
		}
		if strings.HasPrefix(tc.name, "incident:") && f.Layer == LayerKMS && f.Control == ControlKMSKeyPolicy {
			want = append(want, "kms:ViaService")
			if strings.Contains(tc.name, "CreateMultipartUpload") {
				want = append(want, "kms:Decrypt")
			}
		}
		for _, w := range want {
			if !strings.Contains(r, w) {
				t.Errorf("%s (%s): remediation lacks %q: %s", tc.name, f.Control, w, r)
			}
		}
	}
}

// remedyText is the remediation prose and the command lines, for tests
// that look for a name in either.
func remedyText(remediation string, cmds []Command) string {
	var b strings.Builder
	b.WriteString(remediation)
	for _, c := range cmds {
		b.WriteString("\n" + c.Line)
	}
	return b.String()
}

// TestRemediationIssue13 covers the remediation fixes of issue 13, each on
// the event that showed the mistake.
func TestRemediationIssue13(t *testing.T) {
	text := func(f Finding) string { return remedyText(f.Remediation, f.Commands) }
	judge := func(m map[string]any) Finding {
		e := mustParse(t, raw(t, m))
		return NewFinding(e, Judge(e), "")
	}

	t.Run("S3 Bucket Key: the key-policy condition names the bucket ARN", func(t *testing.T) {
		k := with(viaS3("k", at(48, 45)), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket},
			"errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" with an explicit deny in a resource-based policy")
		fs := runEngine(t, EngineConfig{}, upload("u", at(48, 45)), k)
		if len(fs) != 1 {
			t.Fatalf("%d findings, want one incident", len(fs))
		}
		r := fs[0].Remediation
		if !strings.Contains(r, "aws:s3:arn = arn:aws:s3:::dest-bucket (the bucket ARN") || strings.Contains(r, "aws:s3:arn = "+objectARN) {
			t.Errorf("remediation does not name the bucket ARN as the encryption context: %s", r)
		}
		// Without a Bucket Key the context is the object's ARN.
		k = with(k, "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": objectARN})
		fs = runEngine(t, EngineConfig{}, upload("u", at(48, 45)), k)
		if r := fs[0].Remediation; !strings.Contains(r, "aws:s3:arn = "+objectARN) || strings.Contains(r, "the bucket ARN") {
			t.Errorf("remediation without a Bucket Key: %s", r)
		}
		// The KMS event alone says the same.
		f := judge(with(kmsBase(), "requestParameters.encryptionContext", map[string]any{"aws:s3:arn": "arn:aws:s3:::" + bucket},
			"errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" with an explicit deny in a resource-based policy"))
		if !strings.Contains(f.Remediation, "aws:s3:arn = arn:aws:s3:::dest-bucket, the bucket ARN") {
			t.Errorf("KMS event alone: %s", f.Remediation)
		}
	})

	t.Run("same-account SSE-KMS upload, bare Access Denied: the key policy", func(t *testing.T) {
		f := judge(with(s3Base(), "requestParameters.x-amz-server-side-encryption", "aws:kms",
			"requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN))
		s := text(f)
		for _, w := range []string{"key policy of " + keyARN, "kms:GenerateDataKey",
			"aws kms get-key-policy --key-id " + keyARN, "--action-names kms:GenerateDataKey --resource-arns " + keyARN} {
			if !strings.Contains(s, w) {
				t.Errorf("%s/%s lacks %q: %s", f.Layer, f.Control, w, s)
			}
		}
		// Without a key named, the bucket's default key.
		f = judge(with(s3Base(), "requestParameters.x-amz-server-side-encryption", "aws:kms"))
		if s := text(f); !strings.Contains(s, "bucket's default key") || !strings.Contains(s, "aws s3api get-bucket-encryption --bucket dest-bucket") {
			t.Errorf("no key named: %s", s)
		}
	})

	t.Run("key in another Region than the bucket: said with certainty", func(t *testing.T) {
		euKey := "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		for _, m := range []map[string]any{
			with(s3Base(), "errorCode", "KMS.NotFoundException", "errorMessage", "Invalid keyId "+euKey,
				"requestParameters.x-amz-server-side-encryption", "aws:kms", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", euKey),
			with(s3Base(), "requestParameters.x-amz-server-side-encryption", "aws:kms", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", euKey,
				"errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"),
		} {
			checkRegion(t, judge(m))
		}
		k := with(viaS3("k", at(48, 45)), "resources", []any{map[string]any{"accountId": callerAcct, "type": "AWS::KMS::Key", "ARN": euKey}},
			"errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")
		fs := runEngine(t, EngineConfig{}, upload("u", at(48, 45)), k)
		if len(fs) != 1 {
			t.Fatalf("%d findings, want one incident", len(fs))
		}
		checkRegion(t, fs[0])
	})

	t.Run("IAM fixes grant on the key's folder or the bucket, saying which and why", func(t *testing.T) {
		noAllow := userPrefixS3 + "because no identity-based policy allows the s3:PutObject action"
		f := judge(with(s3Base(), "errorMessage", noAllow))
		s := text(f)
		if !strings.Contains(s, `"Resource":"arn:aws:s3:::dest-bucket/reports/2024/*"`) || strings.Contains(s, `"Resource":"`+objectARN+`"`) ||
			!strings.Contains(f.Remediation, `the key's folder "reports/2024/"`) {
			t.Errorf("folder grant: %s", s)
		}
		top := strings.ReplaceAll(noAllow, "reports/2024/q3.csv", "q3.csv")
		f = judge(with(s3Base(), "errorMessage", top, "requestParameters.key", "q3.csv", "resources", nil))
		s = text(f)
		if !strings.Contains(s, `"Resource":"arn:aws:s3:::dest-bucket/*"`) || !strings.Contains(f.Remediation, "every object in bucket dest-bucket (the key has no folder") {
			t.Errorf("bucket grant: %s", s)
		}
	})
}

// checkRegion: the cause and remediation say that the key is in
// eu-west-1 and the call in us-east-1, without hedging.
func checkRegion(t *testing.T, f Finding) {
	t.Helper()
	if !strings.Contains(f.Cause, "is in Region eu-west-1") || !strings.Contains(f.Remediation, "is in Region eu-west-1") ||
		strings.Contains(f.Remediation, "may not exist") || !strings.Contains(f.Remediation, "us-east-1") {
		t.Errorf("%s/%s/%s: cause %q, remediation %s", f.Layer, f.Control, f.Confidence, f.Cause, f.Remediation)
	}
}
