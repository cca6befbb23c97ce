package classify

import (
	"regexp"
	"strings"
	"testing"
)

// valueChecks are the value checks of values.go with the patterns they
// implement, which are the reference.
var valueChecks = []struct {
	name  string
	check func(string) bool
	re    *regexp.Regexp
}{
	{"account", isAccount, regexp.MustCompile(`^[0-9]{12}$`)},
	{"region", isRegion, regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)},
	{"bucket", isBucket, regexp.MustCompile(`^[A-Za-z0-9._-]{3,255}$`)},
	{"iam name", isIAMName, regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{1,64}$`)},
	{"iam arn", isIAMARN, regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,64}$`)},
	{"action", isAction, regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)},
	{"key id", isKeyID, regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)},
	{"kms arn", func(s string) bool { return kmsARNKind(s) != "" }, regexp.MustCompile(`^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:(key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})|alias/[A-Za-z0-9/_-]{1,250})$`)},
	{"key arn", isKeyARN, regexp.MustCompile(`^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`)},
	{"alias", isAlias, regexp.MustCompile(`^alias/[A-Za-z0-9/_-]{1,250}$`)},
	{"vpce", isVPCE, regexp.MustCompile(`^vpce-[0-9a-f]{8,17}$`)},
	{"policy id", isPolicyID, regexp.MustCompile(`^p-[0-9a-z_]{8,128}$`)},
	{"encoded", isEncodedID, regexp.MustCompile(`^[A-Za-z0-9+/=_-]+$`)},
	{"service", isService, regexp.MustCompile(`^[a-z0-9-]+$`)},
}

// valueSamples are values near the edges of the patterns: valid ones and
// each broken in one place.
var valueSamples = []string{
	"", "-", ":", "111122223333", "11112222333", "1111222233334", "11112222333a",
	"us-east-1", "us-gov-west-1", "eu-central-12", "us-east-123", "us-east-", "us-1", "u-east-1", "use-east-1", "us--east-1", "us-east1", "US-east-1", "us-east-1\n",
	"ab", "abc", "my.bucket_name-1", "my bucket", strings.Repeat("b", 255), strings.Repeat("b", 256),
	"Admin", "a+b=c,d.e@f-g_h", strings.Repeat("n", 64), strings.Repeat("n", 65), "a/b", "a b",
	"arn:aws:iam::111122223333:role/Admin", "arn:aws-us-gov:iam::111122223333:user/x", "arn:aws-cn-:iam::111122223333:role/x",
	"arn:aws:iam::111122223333:role/path/to/Admin", "arn:aws:iam::111122223333:role/path/", "arn:aws:iam::111122223333:role//x",
	"arn:aws:iam::111122223333:role/pa th/x", "arn:aws:iam::111122223333:group/x", "arn:aws:iam::11112222333:role/x", "arn:aws:iam:::role/x",
	"arn:awsx:iam::111122223333:role/x", "arn:aws-:iam::111122223333:role/x", "arn:aws-a-b:iam::111122223333:role/x", "arn:aws--a:iam::111122223333:role/x",
	"arn:aws:iam::111122223333:role/" + strings.Repeat("n", 65), "arn:aws:iam::111122223333:role/\x7f/x",
	"s3:PutObject", "kms:GenerateDataKey", "s3:Put*", "S3:PutObject", ":PutObject", "s3:", "s3-object-lambda:WriteGetObjectResponse", "a:b:c",
	"1234abcd-12ab-34cd-56ef-1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890aB", "1234abcd-12ab-34cd-56ef1234567890ab", "1234abcd-12ab-34cd-56ef-1234567890a",
	"mrk-1234abcd12ab34cd56ef1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890a", "mrk-", "MRK-1234abcd12ab34cd56ef1234567890ab",
	"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
	"arn:aws:kms:us-east-1:111122223333:alias/my-key", "arn:aws:kms:us-east-1:111122223333:alias/a/b_c-d", "arn:aws:kms:us-east-1:111122223333:alias/",
	"arn:aws:kms:us-east-1:111122223333:key/x", "arn:aws:kms:us-east:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"arn:aws:kms:us-east-1:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms::111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:111122223333:alias/" + strings.Repeat("a", 251),
	"alias/my-key", "alias/", "alias/a b", "alias/" + strings.Repeat("a", 250), "alias/" + strings.Repeat("a", 251),
	"vpce-1a2b3c4d", "vpce-1a2b3c4d5e6f7a8b9", "vpce-1a2b3c4d5e6f7a8b90", "vpce-1a2b3c4", "vpce-1A2B3C4D",
	"p-abcdefgh", "p-abcdefg", "p-FullAWSAccess", "p-" + strings.Repeat("a", 128), "p-" + strings.Repeat("a", 129), "p-abc_def_1",
	"AQoDYXdzEJr+/=_-", "abc def", "s3", "ec2-instance-connect", "S3", "é", "\xff",
}

// TestValueChecks holds each value check to its pattern.
func TestValueChecks(t *testing.T) {
	for _, c := range valueChecks {
		for _, s := range valueSamples {
			if got, want := c.check(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, want %v", c.name, s, got, want)
			}
		}
	}
}

// FuzzValueChecks holds each value check to its pattern on any input.
func FuzzValueChecks(f *testing.F) {
	for _, s := range valueSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range valueChecks {
			if got, want := c.check(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, want %v", c.name, s, got, want)
			}
		}
	})
}
