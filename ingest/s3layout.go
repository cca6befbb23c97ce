package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The CloudTrail layout of an S3 log archive (DESIGN §3.1):
//
//	[prefix/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/
//	    <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
//
// Folder dates and file-name times are delivery times in UTC. The functions
// here plan which prefixes to list; they do no I/O.

const (
	awsLogsFolder = "AWSLogs"
	eventsFolder  = "CloudTrail"

	// nameTimeLayout is the delivery time in a log file's name.
	nameTimeLayout = "20060102T1504Z"
	// deliverySlack is how long after until a file may still be delivered
	// with events from before until.
	deliverySlack = time.Hour
)

// notEventFolders hold CloudTrail output that is not events.
var notEventFolders = [...]string{"CloudTrail-Digest", "CloudTrail-Insight"}

// s3Scope is what the user's prefix fixes in the layout. Empty fields are
// discovered by listing.
type s3Scope struct {
	base     string // key prefix ending in "AWSLogs/"
	orgFixed bool   // the prefix reaches below AWSLogs/: org is fixed ("" = none)
	org      string
	account  string
	region   string
	// year, month and day fix the date folders (0 = any).
	year, month, day int
	// file is a file-name prefix inside a fixed day folder: the user named
	// files, and they are read whatever their time.
	file string
	// notEvents names the digest or Insights folder the prefix points into.
	notEvents string
}

// parseS3Prefix works out what prefix fixes in the layout. A prefix is a
// folder whether or not it ends in "/", except that the last part of a
// prefix that reaches into a day folder names files.
func parseS3Prefix(prefix string) (s3Scope, error) {
	var sc s3Scope
	var segs []string
	if prefix != "" {
		segs = strings.Split(strings.TrimSuffix(prefix, "/"), "/")
	}
	at := -1
	for i, s := range segs {
		if s == awsLogsFolder {
			at = i
			break
		}
	}
	if at < 0 {
		sc.base = awsLogsFolder + "/"
		if len(segs) > 0 {
			sc.base = strings.Join(segs, "/") + "/" + sc.base
		}
		return sc, nil
	}
	sc.base = strings.Join(segs[:at+1], "/") + "/"
	tail := segs[at+1:]
	partial := !strings.HasSuffix(prefix, "/") // the last part may name files

	level := 0 // what the next part is: 0 org or account, 1 account, 2 service, 3 region, 4 year, 5 month, 6 day, 7 file
	for i, s := range tail {
		if s == "" {
			return sc, fmt.Errorf("empty folder name after %q", strings.Join(segs[:at+1+i], "/")+"/")
		}
		switch level {
		case 0:
			sc.orgFixed = true
			if isOrgID(s) {
				sc.org = s
				level = 1
				continue
			}
			if !isAccountID(s) {
				return sc, fmt.Errorf("%q under %s is neither an organization id (o-…) nor a 12-digit account id", s, sc.base)
			}
			sc.account = s
			level = 2
			continue
		case 1:
			if !isAccountID(s) {
				return sc, fmt.Errorf("%q under %s%s/ is not a 12-digit account id", s, sc.base, sc.org)
			}
			sc.account = s
		case 2:
			for _, f := range notEventFolders {
				if s == f {
					sc.notEvents = s
					return sc, nil
				}
			}
			if s != eventsFolder {
				return sc, fmt.Errorf("%q is not a CloudTrail folder (want %s/)", s, eventsFolder)
			}
		case 3:
			sc.region = s
		case 4:
			y, err := strconv.Atoi(s)
			if err != nil || len(s) != 4 || y < 1 {
				return sc, fmt.Errorf("%q is not a year folder (YYYY)", s)
			}
			sc.year = y
		case 5:
			m, err := strconv.Atoi(s)
			if err != nil || len(s) != 2 || m < 1 || m > 12 {
				return sc, fmt.Errorf("%q is not a month folder (MM)", s)
			}
			sc.month = m
		case 6:
			d, err := strconv.Atoi(s)
			if err != nil || len(s) != 2 || d < 1 || d > daysIn(sc.year, sc.month) {
				return sc, fmt.Errorf("%q is not a day folder of %04d/%02d (DD)", s, sc.year, sc.month)
			}
			sc.day = d
		case 7:
			if !partial || i != len(tail)-1 {
				return sc, fmt.Errorf("%q: CloudTrail has no folders inside day folders", s)
			}
			sc.file = s
		}
		level++
	}
	return sc, nil
}

// daysIn returns the number of days in a month.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isOrgID reports whether s is an AWS Organizations id (o-, then 10 to 32
// lowercase letters or digits).
func isOrgID(s string) bool {
	rest, ok := strings.CutPrefix(s, "o-")
	if !ok || len(rest) < 10 || len(rest) > 32 {
		return false
	}
	for _, c := range []byte(rest) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isRegionName reports whether s can be a region folder: lowercase letters,
// digits and hyphens ("us-east-1", "us-gov-west-1", "eu-isoe-west-1").
func isRegionName(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// s3Window is the range of log file delivery times that can hold events in
// [since, until]: a file named T was delivered before T plus a minute and
// holds only events from before its delivery, and events are delivered
// within deliverySlack.
type s3Window struct {
	lo, hi time.Time // inclusive bounds on file-name times, UTC
}

// newS3Window returns the delivery window for events in [since, until].
func newS3Window(since, until time.Time) s3Window {
	return s3Window{
		lo: since.UTC().Truncate(time.Minute),
		hi: until.UTC().Add(deliverySlack),
	}
}

// contains reports whether a file named with delivery time t can hold
// events in the window.
func (w s3Window) contains(t time.Time) bool {
	return !t.Before(w.lo) && !t.After(w.hi)
}

// days returns the UTC midnights of the day folders that can hold the
// window's files, from the day of lo through the day of hi, keeping only
// days that sc's date folders allow. Days after the day of hi hold only
// files named after hi, so they are not listed.
func (w s3Window) days(sc s3Scope) []time.Time {
	var out []time.Time
	last := midnight(w.hi)
	for d := midnight(w.lo); !d.After(last); d = d.AddDate(0, 0, 1) {
		if sc.allowsDay(d) {
			out = append(out, d)
		}
	}
	return out
}

// allowsDay reports whether the prefix's date folders, if any, include d.
func (sc s3Scope) allowsDay(d time.Time) bool {
	return (sc.year == 0 || d.Year() == sc.year) &&
		(sc.month == 0 || int(d.Month()) == sc.month) &&
		(sc.day == 0 || d.Day() == sc.day)
}

// fixedDay returns the day folder the prefix names, if it names one.
func (sc s3Scope) fixedDay() (time.Time, bool) {
	if sc.day == 0 {
		return time.Time{}, false
	}
	return time.Date(sc.year, time.Month(sc.month), sc.day, 0, 0, 0, 0, time.UTC), true
}

// midnight returns the start of t's UTC day.
func midnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// orgPrefix returns the key prefix of an organization's folder, or of
// base itself for account trails (org "").
func orgPrefix(base, org string) string {
	if org == "" {
		return base
	}
	return base + org + "/"
}

// eventsPrefix returns the key prefix of an account's CloudTrail/ folder.
func eventsPrefix(base, org, account string) string {
	return orgPrefix(base, org) + account + "/" + eventsFolder + "/"
}

// dayPrefix returns the key prefix of a day folder under a region folder.
func dayPrefix(regionPrefix string, day time.Time) string {
	return regionPrefix + day.Format("2006/01/02/")
}

// logFileStem returns the start shared by the names of an account's log
// files for a region.
func logFileStem(account, region string) string {
	return account + "_" + eventsFolder + "_" + region + "_"
}

// startAfter returns the key to list a day folder from so that every file
// named at or after lo comes next, or "" when the whole folder is needed.
// File names in one folder share their stem and differ first in their
// fixed-width time, so they sort by time.
func (w s3Window) startAfter(dayPrefix, account, region string, day time.Time) string {
	if !midnight(w.lo).Equal(day) || w.lo.Equal(day) {
		return ""
	}
	return dayPrefix + logFileStem(account, region) + w.lo.Format("20060102T1504")
}

// parseLogFileName parses a log file's name (the part after the day
// folder). ok is false when the name is not a CloudTrail event log file name.
func parseLogFileName(name string) (account, region string, t time.Time, ok bool) {
	account, rest, found := strings.Cut(name, "_"+eventsFolder+"_")
	if !found || !isAccountID(account) {
		return "", "", time.Time{}, false
	}
	region, rest, found = strings.Cut(rest, "_")
	if !found || !isRegionName(region) || len(rest) < len(nameTimeLayout)+1 || rest[len(nameTimeLayout)] != '_' {
		return "", "", time.Time{}, false
	}
	t, err := time.Parse(nameTimeLayout, rest[:len(nameTimeLayout)])
	if err != nil {
		return "", "", time.Time{}, false
	}
	return account, region, t, true
}

// errBadS3URL is wrapped by ParseS3URL's errors.
var errBadS3URL = errors.New("not an s3://bucket[/prefix] URL")

// ParseS3URL splits "s3://bucket[/prefix]" into the bucket and the key
// prefix (without the leading slash, possibly empty). The prefix is taken
// verbatim: S3 keys are not URL-escaped.
func ParseS3URL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		if len(u) >= 5 && strings.EqualFold(u[:5], "s3://") {
			rest, ok = u[5:], true
		}
	}
	if !ok {
		return "", "", fmt.Errorf("%q: %w", u, errBadS3URL)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if err := checkBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("%q: %w", u, err)
	}
	return bucket, prefix, nil
}

// checkBucketName accepts the names S3 allows, including the legacy ones
// with capitals and underscores, and S3-compatible stores' variants.
func checkBucketName(b string) error {
	if b == "" {
		return fmt.Errorf("no bucket name: %w", errBadS3URL)
	}
	if len(b) > 255 {
		return fmt.Errorf("bucket name longer than 255 characters: %w", errBadS3URL)
	}
	for _, c := range []byte(b) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fmt.Errorf("bucket name %q has %q: %w", b, c, errBadS3URL)
		}
	}
	return nil
}
