package ingest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseS3URL(t *testing.T) {
	for _, tc := range []struct {
		in, bucket, prefix string
	}{
		{"s3://logs", "logs", ""},
		{"s3://logs/", "logs", ""},
		{"s3://logs/trail", "logs", "trail"},
		{"s3://logs/trail/AWSLogs/o-abcdefghij/", "logs", "trail/AWSLogs/o-abcdefghij/"},
		{"S3://logs/x", "logs", "x"},
		{"s3://Legacy_Bucket.v1-2/a b/%20", "Legacy_Bucket.v1-2", "a b/%20"},
	} {
		b, p, err := ParseS3URL(tc.in)
		if err != nil || b != tc.bucket || p != tc.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want %q, %q", tc.in, b, p, err, tc.bucket, tc.prefix)
		}
	}
	for _, in := range []string{"", "logs", "s3:/logs", "https://logs/x", "s3://", "s3:///x", "s3://lo gs/x", "s3://lo\x1bgs", "s3://" + strings.Repeat("b", 256)} {
		if b, p, err := ParseS3URL(in); !errors.Is(err, errBadS3URL) {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v; want an errBadS3URL", in, b, p, err)
		} else if !strings.Contains(err.Error(), "\"") {
			t.Errorf("ParseS3URL(%q) error %q does not quote the input", in, err)
		}
	}
}

func TestParseS3Prefix(t *testing.T) {
	const org, acct = "o-abcdefghij", "111122223333"
	for _, tc := range []struct {
		in   string
		want s3Scope
	}{
		{"", s3Scope{base: "AWSLogs/"}},
		{"trails/prod", s3Scope{base: "trails/prod/AWSLogs/"}},
		{"trails/prod/", s3Scope{base: "trails/prod/AWSLogs/"}},
		{"AWSLogs", s3Scope{base: "AWSLogs/"}},
		{"p/AWSLogs/", s3Scope{base: "p/AWSLogs/"}},
		{"AWSLogs/" + org, s3Scope{base: "AWSLogs/", orgFixed: true, org: org}},
		{"AWSLogs/" + acct + "/", s3Scope{base: "AWSLogs/", orgFixed: true, account: acct}},
		{"AWSLogs/" + org + "/" + acct + "/CloudTrail/", s3Scope{base: "AWSLogs/", orgFixed: true, org: org, account: acct}},
		{"p/AWSLogs/" + org + "/" + acct + "/CloudTrail/eu-west-1", s3Scope{base: "p/AWSLogs/", orgFixed: true, org: org, account: acct, region: "eu-west-1"}},
		{"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/", s3Scope{base: "AWSLogs/", orgFixed: true, account: acct, region: "us-east-1", year: 2024, month: 2}},
		{"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/29/", s3Scope{base: "AWSLogs/", orgFixed: true, account: acct, region: "us-east-1", year: 2024, month: 2, day: 29}},
		{"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/29/" + acct + "_CloudTrail_us-east-1_20240229T10",
			s3Scope{base: "AWSLogs/", orgFixed: true, account: acct, region: "us-east-1", year: 2024, month: 2, day: 29, file: acct + "_CloudTrail_us-east-1_20240229T10"}},
		{"AWSLogs/" + acct + "/CloudTrail-Digest/us-east-1/", s3Scope{base: "AWSLogs/", orgFixed: true, account: acct, notEvents: "CloudTrail-Digest"}},
		{"AWSLogs/" + org + "/" + acct + "/CloudTrail-Insight", s3Scope{base: "AWSLogs/", orgFixed: true, org: org, account: acct, notEvents: "CloudTrail-Insight"}},
	} {
		got, err := parseS3Prefix(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseS3Prefix(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"AWSLogs/logs/",
		"AWSLogs/o-short/",
		"AWSLogs/" + org + "/o-abcdefghik/",
		"AWSLogs/" + org + "/11112222333/",
		"AWSLogs//" + acct + "/",
		"AWSLogs/" + acct + "/elasticloadbalancing/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/24/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/13/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/2023/02/29/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/1/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/01/x/",
		"AWSLogs/" + acct + "/CloudTrail/us-east-1/2024/02/01/x/y",
	} {
		if got, err := parseS3Prefix(in); err == nil {
			t.Errorf("parseS3Prefix(%q) = %+v, want an error", in, got)
		}
	}
}

func TestS3WindowBounds(t *testing.T) {
	since := time.Date(2024, 3, 10, 10, 7, 30, 0, time.UTC)
	until := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	w := newS3Window(since, until)
	// A file named 10:07 was delivered by 10:07:59 and may hold events from
	// 10:07:30; a file named 10:06 was delivered before since.
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"20240310T1006Z", false},
		{"20240310T1007Z", true},
		{"20240310T1200Z", true},
		{"20240310T1300Z", true}, // delivered within the hour after until
		{"20240310T1301Z", false},
	} {
		tt, _ := time.Parse(nameTimeLayout, tc.name)
		if got := w.contains(tt); got != tc.want {
			t.Errorf("window [%s, %s] contains %s = %v, want %v", w.lo, w.hi, tc.name, got, tc.want)
		}
	}
	// Other zones are the same instants.
	est := time.FixedZone("EST", -5*3600)
	if w2 := newS3Window(since.In(est), until.In(est)); w2 != w {
		t.Errorf("window from EST times = %+v, want %+v", w2, w)
	}
}

func TestS3WindowDays(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	at := func(y int, m time.Month, day, h, min, s int) time.Time {
		return time.Date(y, m, day, h, min, s, 0, time.UTC)
	}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		scope        s3Scope
		want         []time.Time
	}{
		{"one day", at(2024, 5, 7, 1, 0, 0), at(2024, 5, 7, 20, 0, 0), s3Scope{}, []time.Time{d(2024, 5, 7)}},
		{"until+1h stays in the day", at(2024, 5, 7, 1, 0, 0), at(2024, 5, 7, 22, 59, 59), s3Scope{}, []time.Time{d(2024, 5, 7)}},
		{"until+1h reaches midnight", at(2024, 5, 7, 1, 0, 0), at(2024, 5, 7, 23, 0, 0), s3Scope{}, []time.Time{d(2024, 5, 7), d(2024, 5, 8)}},
		{"instant", at(2024, 5, 7, 23, 30, 0), at(2024, 5, 7, 23, 30, 0), s3Scope{}, []time.Time{d(2024, 5, 7), d(2024, 5, 8)}},
		{"month end", at(2024, 4, 30, 12, 0, 0), at(2024, 5, 1, 1, 0, 0), s3Scope{}, []time.Time{d(2024, 4, 30), d(2024, 5, 1)}},
		{"leap day", at(2024, 2, 28, 0, 0, 0), at(2024, 2, 29, 23, 30, 0), s3Scope{}, []time.Time{d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1)}},
		{"no leap day", at(2023, 2, 28, 0, 0, 0), at(2023, 2, 28, 23, 30, 0), s3Scope{}, []time.Time{d(2023, 2, 28), d(2023, 3, 1)}},
		{"year end", at(2023, 12, 31, 23, 59, 59), at(2023, 12, 31, 23, 59, 59), s3Scope{}, []time.Time{d(2023, 12, 31), d(2024, 1, 1)}},
		{"since at midnight", at(2024, 1, 1, 0, 0, 0), at(2024, 1, 2, 0, 0, 0), s3Scope{}, []time.Time{d(2024, 1, 1), d(2024, 1, 2)}},
		{"month folder", at(2024, 1, 30, 0, 0, 0), at(2024, 2, 2, 0, 0, 0), s3Scope{year: 2024, month: 2}, []time.Time{d(2024, 2, 1), d(2024, 2, 2)}},
		{"day folder", at(2024, 1, 30, 0, 0, 0), at(2024, 2, 2, 0, 0, 0), s3Scope{year: 2024, month: 1, day: 31}, []time.Time{d(2024, 1, 31)}},
		{"year folder outside", at(2024, 1, 30, 0, 0, 0), at(2024, 2, 2, 0, 0, 0), s3Scope{year: 2023}, nil},
	} {
		if got := newS3Window(tc.since, tc.until).days(tc.scope); !slices.Equal(got, tc.want) {
			t.Errorf("%s: days = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestS3StartAfter(t *testing.T) {
	const acct, region = "111122223333", "eu-west-1"
	day := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	dp := dayPrefix("p/AWSLogs/"+acct+"/CloudTrail/"+region+"/", day)
	if dp != "p/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/10/" {
		t.Fatalf("dayPrefix = %q", dp)
	}
	w := newS3Window(time.Date(2024, 3, 10, 10, 7, 30, 0, time.UTC), time.Date(2024, 3, 11, 5, 0, 0, 0, time.UTC))
	sa := w.startAfter(dp, acct, region, day)
	if want := dp + "111122223333_CloudTrail_eu-west-1_20240310T1007"; sa != want {
		t.Fatalf("startAfter = %q, want %q", sa, want)
	}
	// S3 lists keys after StartAfter in byte order: the first file the
	// window keeps must come after it, the last one it drops before it.
	keep := dp + acct + "_CloudTrail_" + region + "_20240310T1007Z_0aBcD.json.gz"
	drop := dp + acct + "_CloudTrail_" + region + "_20240310T1006Z_zzzzz.json.gz"
	if !(drop < sa && sa < keep) {
		t.Errorf("want %q < %q < %q", drop, sa, keep)
	}
	if got := w.startAfter(dayPrefix("x/", day.AddDate(0, 0, 1)), acct, region, day.AddDate(0, 0, 1)); got != "" {
		t.Errorf("startAfter on a later day = %q, want none", got)
	}
	mid := newS3Window(day, day.Add(time.Hour))
	if got := mid.startAfter(dp, acct, region, day); got != "" {
		t.Errorf("startAfter with since at midnight = %q, want none", got)
	}
}

func TestParseLogFileName(t *testing.T) {
	a, r, tm, ok := parseLogFileName("111122223333_CloudTrail_us-gov-west-1_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz")
	if !ok || a != "111122223333" || r != "us-gov-west-1" || !tm.Equal(time.Date(2015, 8, 1, 2, 10, 0, 0, time.UTC)) {
		t.Errorf("parseLogFileName = %q, %q, %v, %v", a, r, tm, ok)
	}
	for _, name := range []string{
		"",
		"111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20240101T000000Z.json.gz",
		"111122223333_CloudTrail-Insight_us-east-1_20240101T0000Z_x.json.gz",
		"11112222333_CloudTrail_us-east-1_20240101T0000Z_x.json.gz",
		"111122223333_CloudTrail_us-east-1_20241301T0000Z_x.json.gz",
		"111122223333_CloudTrail_us-east-1_20240101T0000Z.json.gz",
		"111122223333_CloudTrail_us-east-1_20240101T0000",
		"111122223333_CloudTrail_US_East_20240101T0000Z_x.json.gz",
		"notes.txt",
	} {
		if _, _, _, ok := parseLogFileName(name); ok {
			t.Errorf("parseLogFileName(%q) ok, want not a log file name", name)
		}
	}
}
