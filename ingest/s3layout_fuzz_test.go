package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseS3URL: a URL is refused with errBadS3URL, or split into a valid
// bucket and a prefix that, put back together, split the same way.
func FuzzParseS3URL(f *testing.F) {
	for _, s := range []string{"s3://bucket", "s3://bucket/", "S3://b.c-d_e/AWSLogs/o-abc/", "s3://", "s3:///x", "s3://bad bucket/x", "http://x/y", "s3://b/\x00\n'$(x)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		bucket, prefix, err := ParseS3URL(u)
		if err != nil {
			if !errors.Is(err, errBadS3URL) {
				t.Fatalf("%q: error %v does not wrap errBadS3URL", u, err)
			}
			return
		}
		if err := checkBucketName(bucket); err != nil {
			t.Fatalf("%q: accepted bucket %q: %v", u, bucket, err)
		}
		if rest := u[len("s3://"):]; rest != bucket+"/"+prefix && (rest != bucket || prefix != "") {
			t.Fatalf("%q: prefix %q is not the URL's path verbatim", u, prefix)
		}
		b2, p2, err := ParseS3URL("s3://" + bucket + "/" + prefix)
		if err != nil || b2 != bucket || p2 != prefix {
			t.Fatalf("%q: %q, %q does not round-trip: %q, %q, %v", u, bucket, prefix, b2, p2, err)
		}
	})
}

// FuzzParseS3Prefix: a prefix is refused, or its scope holds only what the
// layout allows: a base ending in AWSLogs/ that the prefix starts with (or
// that is added to it), valid ids, and date folders that make a real date.
func FuzzParseS3Prefix(f *testing.F) {
	for _, s := range []string{"", "trail", "trail/AWSLogs/", "AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/2026/02/28/",
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/29/111122223333_CloudTrail_eu", "AWSLogs/111122223333/CloudTrail-Digest/",
		"AWSLogs//x", "AWSLogs/111122223333/CloudTrail/us-east-1/2023/02/29/", "a/AWSLogs/AWSLogs/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		sc, err := parseS3Prefix(prefix)
		if err != nil {
			return
		}
		if !strings.HasSuffix(sc.base, awsLogsFolder+"/") {
			t.Fatalf("%q: base %q does not end in AWSLogs/", prefix, sc.base)
		}
		trimmed := strings.TrimSuffix(prefix, "/")
		if !strings.HasPrefix(prefix+"/", sc.base) && sc.base != awsLogsFolder+"/" && sc.base != trimmed+"/"+awsLogsFolder+"/" {
			t.Fatalf("%q: base %q is neither its start nor it plus AWSLogs/", prefix, sc.base)
		}
		if sc.org != "" && !isOrgID(sc.org) || sc.account != "" && !isAccountID(sc.account) {
			t.Fatalf("%q: org %q, account %q", prefix, sc.org, sc.account)
		}
		if d, ok := sc.fixedDay(); ok {
			if d.Year() != sc.year || int(d.Month()) != sc.month || d.Day() != sc.day || !sc.allowsDay(d) {
				t.Fatalf("%q: %04d/%02d/%02d is not a date (%s)", prefix, sc.year, sc.month, sc.day, d)
			}
			w := newS3Window(d.Add(-48*time.Hour), d.Add(48*time.Hour))
			if days := w.days(sc); len(days) != 1 || !days[0].Equal(d) {
				t.Fatalf("%q: days %v, want only %s", prefix, days, d)
			}
		}
		if sc.file != "" && sc.day == 0 {
			t.Fatalf("%q: file part %q outside a day folder", prefix, sc.file)
		}
	})
}

// FuzzParseLogFileName: a name is refused, or starts with the stem and
// time it was parsed into, so that names in a folder sort by time and
// startAfter can skip to one.
func FuzzParseLogFileName(f *testing.F) {
	for _, s := range []string{"111122223333_CloudTrail_us-east-1_20261126T1005Z_abc.json.gz", "111122223333_CloudTrail_us-east-1_20260230T1005Z_x",
		"111122223333_CloudTrail_us-east-1_20261126T1005Z", "1_CloudTrail_x_", "111122223333_CloudTrail_us-gov-west-1_99991231T2359Z_z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		account, region, tm, ok := parseLogFileName(name)
		if !ok {
			return
		}
		if !isAccountID(account) || !isRegionName(region) {
			t.Fatalf("%q: account %q, region %q", name, account, region)
		}
		if tm.Location() != time.UTC || tm.Second() != 0 || tm.Nanosecond() != 0 {
			t.Fatalf("%q: time %v is not a UTC minute", name, tm)
		}
		if want := logFileStem(account, region) + tm.Format(nameTimeLayout) + "_"; !strings.HasPrefix(name, want) {
			t.Fatalf("%q does not start with %q: it would not sort by its time", name, want)
		}
	})
}
