package report

import (
	"fmt"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/history"
)

// dailyDate is the day of the daily fixture.
var dailyDate = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// The fixture's patterns, as findings at a given time.
type dailyPattern func(id string, at time.Time) classify.Finding

func dailyFinding(id string, at time.Time, src, name, principal, bucket, key, kmsKey string,
	layer classify.Layer, control classify.Control, conf classify.Confidence, msg, remedy string) classify.Finding {
	return classify.Finding{
		EventID: id, EventTime: at, EventSource: src, EventName: name, ErrorCode: "AccessDenied", ErrorMessage: msg,
		Principal: principal, PrincipalAccount: "111122223333", ResourceAccount: "111122223333", Region: "eu-west-1",
		Bucket: bucket, Key: key, KMSKey: kmsKey, SourceIPAddress: "10.0.3.7",
		Layer: layer, Control: control, Confidence: conf,
		Evidence: []string{}, Remediation: remedy, Related: []string{},
		Origin: "s3://trail-logs/AWSLogs/111122223333/CloudTrail/eu-west-1/" + at.Format("2006/01/02") + "/f.json.gz#" + id,
	}
}

var (
	// Every day, the same few times: ongoing.
	steadyUploads dailyPattern = func(id string, at time.Time) classify.Finding {
		return dailyFinding(id, at, "s3.amazonaws.com", "PutObject", "arn:aws:iam::111122223333:role/Uploader", "reports", "daily/q.csv", "",
			classify.LayerIAM, classify.ControlIdentityPolicy, classify.Low, "Access Denied",
			"Check that the identity policies of arn:aws:iam::111122223333:role/Uploader allow s3:PutObject on arn:aws:s3:::reports/*.")
	}
	// About five a day, then 25 today: jumped.
	etlKMS dailyPattern = func(id string, at time.Time) classify.Finding {
		key := "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		return dailyFinding(id, at, "kms.amazonaws.com", "GenerateDataKey", "arn:aws:iam::111122223333:role/etl-writer", "lake", "", key,
			classify.LayerKMS, classify.ControlKMSKeyPolicy, classify.High,
			"User: arn:aws:sts::111122223333:assumed-role/etl-writer/i-0abc is not authorized to perform: kms:GenerateDataKey on this resource because no resource-based policy allows the kms:GenerateDataKey action",
			"Allow arn:aws:iam::111122223333:role/etl-writer kms:GenerateDataKey in the key policy of "+key+".")
	}
	// Seen on both previous days, not today: stopped.
	partnerACL dailyPattern = func(id string, at time.Time) classify.Finding {
		f := dailyFinding(id, at, "s3.amazonaws.com", "PutObject", "arn:aws:iam::999988887777:role/partner-upload", "shared-inbox", "in/batch.csv", "",
			classify.LayerACL, classify.ControlACL, classify.Medium, "Access Denied",
			"Upload with --acl bucket-owner-full-control.")
		f.PrincipalAccount = "999988887777"
		return f
	}
	// Today only: new.
	deployerSCP dailyPattern = func(id string, at time.Time) classify.Finding {
		f := dailyFinding(id, at, "s3.amazonaws.com", "PutObject", "arn:aws:iam::111122223333:role/deployer", "prod-artifacts", "app/v2.tar.gz", "",
			classify.LayerOrgControls, classify.ControlSCP, classify.High,
			"User: arn:aws:sts::111122223333:assumed-role/deployer/ci is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::prod-artifacts/app/v2.tar.gz\" with an explicit deny in a service control policy",
			"Find the SCP that denies s3:PutObject to arn:aws:iam::111122223333:role/deployer.")
		f.Cause = "A service control policy denies s3:PutObject to role deployer on prod-artifacts (AttachPolicy by jane 15:58, 2m13s before the first denial)."
		f.Commands = []classify.Command{fixtureCommand(classify.Check, "list the SCPs of the account", "aws", "organizations",
			"list-policies-for-target", "--target-id", "111122223333", "--filter", "SERVICE_CONTROL_POLICY")}
		return f
	}
	disabledKey dailyPattern = func(id string, at time.Time) classify.Finding {
		key := "arn:aws:kms:eu-west-1:111122223333:key/abcd-0001"
		f := dailyFinding(id, at, "kms.amazonaws.com", "Decrypt", "arn:aws:iam::111122223333:role/reader", "", "", key,
			classify.LayerKMS, classify.ControlKMSKeyState, classify.High, key+" is disabled.",
			"Enable "+key+" or use another key.")
		f.ErrorCode = "DisabledException"
		f.Cause = "Key …/abcd-0001 is disabled."
		f.Commands = []classify.Command{fixtureCommand(classify.Check, "read the key state", "aws", "kms", "describe-key",
			"--key-id", key, "--query", "KeyMetadata.KeyState")}
		return f
	}
)

// spread returns n findings of p on date, starting at hour h, every 7 minutes.
func spread(p dailyPattern, date time.Time, tag string, n, h int) []classify.Finding {
	out := make([]classify.Finding, n)
	for i := range n {
		at := date.Add(time.Duration(h)*time.Hour + time.Duration(i*7)*time.Minute + 13*time.Second)
		out[i] = p(fmt.Sprintf("%s-%s-%02d", date.Format("0102"), tag, i), at)
	}
	return out
}

// dailyDayFindings are the findings of the fixture's days: two previous
// days and today.
func dailyDayFindings(date time.Time) []classify.Finding {
	var fs []classify.Finding
	switch date.Sub(dailyDate) / (24 * time.Hour) {
	case -2:
		fs = append(fs, spread(steadyUploads, date, "up", 3, 9)...)
		fs = append(fs, spread(etlKMS, date, "etl", 4, 2)...)
		fs = append(fs, spread(partnerACL, date, "acl", 2, 14)...)
	case -1:
		fs = append(fs, spread(steadyUploads, date, "up", 3, 9)...)
		fs = append(fs, spread(etlKMS, date, "etl", 6, 2)...)
		fs = append(fs, spread(partnerACL, date, "acl", 4, 15)...)
	case 0:
		fs = append(fs, spread(steadyUploads, date, "up", 3, 9)...)
		fs = append(fs, spread(etlKMS, date, "etl", 25, 1)...) // 01:00 to 03:48
		fs = append(fs, spread(deployerSCP, date, "scp", 2, 16)...)
		fs = append(fs, spread(disabledKey, date, "dis", 1, 22)...)
	}
	return fs
}

// dailyFixture is the daily report of dailyDate against a generated
// history: the two previous days saved, one damaged and four missing of
// the seven asked for.
func dailyFixture() *Daily {
	var b history.Baseline
	for i := 1; i <= 7; i++ {
		d := dailyDate.AddDate(0, 0, -i)
		switch i {
		case 1, 2:
			fs := dailyDayFindings(d)
			day := history.NewDay(d, fs, classify.Patterns(fs))
			day.Sources = []string{"s3://trail-logs/AWSLogs/"}
			b.Days = append(b.Days, day)
		case 3:
			b.Unreadable = append(b.Unreadable, history.Problem{Date: d.Format(time.DateOnly),
				Reason: "s3://history/denytrail/2026-11-23.json: invalid JSON at offset 12"})
		default:
			b.Missing = append(b.Missing, d.Format(time.DateOnly))
		}
	}
	stats := Stats{
		Sources: []string{"s3://trail-logs/AWSLogs/"},
		Since:   dailyDate, Until: dailyDate.Add(24*time.Hour - time.Nanosecond),
		Inputs: 288, Bytes: 96 << 20, Records: 1_234_567, Failed: 31, S3DataEvents: true,
		Skipped: []Problem{},
		Notes:   []Problem{{Input: "s3://trail-logs/AWSLogs/111122223333/CloudTrail-Digest/", Reason: "digest files are not event logs"}},
	}
	return NewDaily(New(stats, dailyDayFindings(dailyDate)), dailyDate.Add(3*time.Hour), b)
}
