package report

import (
	"strings"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// fixtureTime is the base time of the fixture findings.
var fixtureTime = time.Date(2024, 10, 17, 21, 48, 45, 0, time.UTC)

// fixtureCommand is a command whose words need no quoting.
func fixtureCommand(kind classify.CommandKind, summary string, argv ...string) classify.Command {
	return classify.Command{Kind: kind, Summary: summary, Argv: argv, Line: strings.Join(argv, " ")}
}

// fixtureReport is a fixed report covering several layers, a correlated
// S3/KMS incident, a finding without evidence, skipped inputs and notes.
func fixtureReport() *Report {
	at := func(min int) time.Time { return fixtureTime.Add(time.Duration(min) * time.Minute) }
	findings := []classify.Finding{
		{
			EventID: "7e3a9c1e-1111-4c2a-9e0b-000000000003", EventTime: at(9),
			EventSource: "s3.amazonaws.com", EventName: "PutObject", ErrorCode: "AccessDenied",
			ErrorMessage:     "User: arn:aws:sts::111122223333:assumed-role/Uploader/ci is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:GenerateDataKey action",
			Principal:        "arn:aws:sts::111122223333:assumed-role/Uploader/ci",
			PrincipalAccount: "111122223333", ResourceAccount: "444455556666", Region: "us-east-1",
			Bucket: "shared-artifacts", Key: "builds/2024/10/17/app.tar.gz",
			KMSKey:          "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			SourceIPAddress: "198.51.100.7",
			Layer:           classify.LayerKMS, Control: classify.ControlKMSKeyPolicy, Confidence: classify.High,
			Evidence: []string{
				`errorMessage names action "kms:GenerateDataKey"`,
				`errorMessage says "no resource-based policy allows"`,
			},
			Remediation: "Allow arn:aws:sts::111122223333:assumed-role/Uploader/ci kms:GenerateDataKey in the key policy of arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
			Cause:       "The key policy of key …/1234abcd-12ab-34cd-56ef-1234567890ab in account 444455556666 does not allow role Uploader to use it for kms:GenerateDataKey.",
			Commands: []classify.Command{
				fixtureCommand(classify.Check, "read the key policy", "aws", "kms", "get-key-policy", "--key-id",
					"arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab", "--policy-name", "default",
					"--query", "Policy", "--output", "text"),
			},
			Related: []string{"7e3a9c1e-1111-4c2a-9e0b-000000000003", "0b8d2f44-2222-4f7e-8a11-000000000004"},
			Origin:  "s3://trail-logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/10/17/f.json.gz#12",
		},
		{
			EventID: "7e3a9c1e-1111-4c2a-9e0b-000000000001", EventTime: at(0),
			EventSource: "s3.amazonaws.com", EventName: "PutObject", ErrorCode: "AccessDenied",
			ErrorMessage:     "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::reports/q3.csv\" with an explicit deny in a service control policy",
			Principal:        "arn:aws:iam::111122223333:user/alice",
			PrincipalAccount: "111122223333", ResourceAccount: "111122223333", Region: "eu-west-1",
			Bucket: "reports", Key: "q3.csv", SourceIPAddress: "203.0.113.10",
			Layer: classify.LayerOrgControls, Control: classify.ControlSCP, Confidence: classify.High,
			Evidence:    []string{`errorMessage says "explicit deny in a service control policy"`},
			Remediation: "Find the SCP that denies s3:PutObject to arn:aws:iam::111122223333:user/alice on arn:aws:s3:::reports/q3.csv.",
			Cause:       "A service control policy denies s3:PutObject to user alice on reports/q3.csv.",
			Commands: []classify.Command{
				fixtureCommand(classify.Check, "list the SCPs of the account", "aws", "organizations", "list-policies-for-target",
					"--target-id", "111122223333", "--filter", "SERVICE_CONTROL_POLICY"),
				fixtureCommand(classify.Fix, "detach the SCP", "aws", "organizations", "detach-policy", "--policy-id", "p-examplescp1", "--target-id", "111122223333"),
			},
			Origin: "logs/2024-10-17.json#3",
		},
		{
			EventID: "7e3a9c1e-1111-4c2a-9e0b-000000000002", EventTime: at(4),
			EventSource: "s3.amazonaws.com", EventName: "PutObject", ErrorCode: "AccessDenied",
			ErrorMessage:     "Access Denied",
			Principal:        "arn:aws:sts::999988887777:assumed-role/Partner/upload",
			PrincipalAccount: "999988887777", ResourceAccount: "111122223333", Region: "eu-west-1",
			Bucket: "reports", Key: "incoming/partner.csv", VPCEndpointID: "vpce-0a1b2c3d",
			Layer: classify.LayerACL, Control: classify.ControlACL, Confidence: classify.Medium,
			Evidence: []string{
				"principal account 999988887777 differs from bucket owner 111122223333",
				"request has no x-amz-acl: bucket-owner-full-control",
			},
			Remediation: "Upload with --acl bucket-owner-full-control, or check that the bucket policy of reports grants arn:aws:sts::999988887777:assumed-role/Partner/upload.",
			Origin:      "logs/2024-10-17.json#4",
		},
		{
			EventID: "7e3a9c1e-1111-4c2a-9e0b-000000000005", EventTime: at(15),
			EventSource: "s3.amazonaws.com", EventName: "CompleteMultipartUpload", ErrorCode: "AccessDenied",
			Principal:        "arn:aws:iam::111122223333:user/alice",
			PrincipalAccount: "111122223333", ResourceAccount: "111122223333", Region: "eu-west-1",
			Bucket: "media", Key: "raw/clip.mov",
			Layer: classify.LayerIAM, Control: classify.ControlIdentityPolicy, Confidence: classify.Low,
			Remediation: "Check that the identity policies of arn:aws:iam::111122223333:user/alice allow s3:PutObject on arn:aws:s3:::media/raw/clip.mov; the message has no context.",
			Origin:      "logs/2024-10-17.json#9",
		},
		{
			EventID: "7e3a9c1e-1111-4c2a-9e0b-000000000006", EventTime: at(20),
			EventSource: "kms.amazonaws.com", EventName: "Decrypt", ErrorCode: "DisabledException",
			ErrorMessage:     "arn:aws:kms:eu-west-1:111122223333:key/abcd-0001 is disabled.",
			Principal:        "arn:aws:iam::111122223333:user/alice",
			PrincipalAccount: "111122223333", Region: "eu-west-1",
			KMSKey: "arn:aws:kms:eu-west-1:111122223333:key/abcd-0001",
			Layer:  classify.LayerKMS, Control: classify.ControlKMSKeyState, Confidence: classify.High,
			Evidence:    []string{`errorCode is "DisabledException"`},
			Remediation: "Enable arn:aws:kms:eu-west-1:111122223333:key/abcd-0001 or use another key.",
			Origin:      "logs/2024-10-17.json#11",
		},
	}
	stats := Stats{
		Sources: []string{"s3://trail-logs/AWSLogs/", "logs/"},
		Since:   fixtureTime.Add(-time.Hour), Until: fixtureTime.Add(time.Hour),
		Inputs: 42, Bytes: 5 << 20, Records: 12345, Failed: 6, S3DataEvents: true,
		Skipped: []Problem{{Input: "logs/broken.json.gz", Reason: "gzip: invalid header at offset 0"}},
		Notes:   []Problem{{Input: "s3://trail-logs/AWSLogs/111122223333/CloudTrail-Digest/", Reason: "digest files are not event logs"}},
	}
	return New(stats, findings)
}
