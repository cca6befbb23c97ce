package main

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// awsContext is what a credentials hint names: the profile and region the
// AWS configuration was loaded with.
type awsContext struct {
	profile string // --profile, else AWS_PROFILE, else "default"
	region  string // the first --region, else AWS_REGION, else AWS_DEFAULT_REGION, else ""
}

// awsContextOf returns the profile and region a command tried.
func (e *env) awsContextOf() awsContext {
	get := func(k string) string {
		if e.lookupEnv == nil {
			return ""
		}
		v, _ := e.lookupEnv(k)
		return v
	}
	c := awsContext{profile: cmp.Or(e.profile, get("AWS_PROFILE"), get("AWS_DEFAULT_PROFILE"), "default"), region: e.region}
	c.region = cmp.Or(c.region, get("AWS_REGION"), get("AWS_DEFAULT_REGION"))
	return c
}

var (
	// hostID is the base64 blob S3 adds to its errors: noise for people,
	// kept for --debug.
	hostID = regexp.MustCompile(`,? ?HostID: [A-Za-z0-9+/=]+`)
	// noHost is a DNS failure of an AWS endpoint, usually a Region typo.
	noHost = regexp.MustCompile(`dial tcp: lookup ([a-z0-9.-]+\.amazonaws\.com).*?: no such host`)
	// badProfile is the SDK's error for a profile that is not configured.
	badProfile = regexp.MustCompile(`failed to get shared config profile, (\S+)`)
)

// credentialMarks are the SDK's words for "no usable credentials".
var credentialMarks = []string{
	"get credentials:", "failed to refresh cached credentials", "no EC2 IMDS role found",
	"failed to retrieve credentials", "NoCredentialProviders", "no valid providers in chain",
	"AnonymousCredentials",
}

// expiredMarks are the SDK's and AWS's words for expired credentials.
var expiredMarks = []string{
	"ExpiredToken", "token has expired", "InvalidGrantException", "refresh cached SSO token failed",
	"The SSO session associated with this profile has expired",
}

// explain turns an error message into one line that says what to do: a
// credentials problem names the profile and region tried and the
// commands that fix it, a Region typo says so, and S3's HostID blobs and
// doubled prefixes go (--debug prints the message in full).
func explain(msg string, c awsContext) string {
	msg = hostID.ReplaceAllString(msg, "")
	msg = dedupeSegments(msg)
	where := fmt.Sprintf("profile %q, region %s", c.profile, cmp.Or(c.region, "none set"))
	if m := badProfile.FindStringSubmatch(msg); m != nil {
		return cutAt(msg, m[0]) + fmt.Sprintf("AWS profile %q is not in the AWS config or credentials files: check --profile or AWS_PROFILE (aws configure list-profiles)", m[1])
	}
	for _, mark := range expiredMarks {
		if i := strings.Index(msg, mark); i >= 0 {
			return cutAt(msg, operationStart(msg, i)) + fmt.Sprintf("the AWS credentials have expired (%s): run aws sso login --profile %s, or refresh them, and run again", where, c.profile) + rest(msg, i)
		}
	}
	for _, mark := range credentialMarks {
		if i := strings.Index(msg, mark); i >= 0 {
			return cutAt(msg, operationStart(msg, i)) + fmt.Sprintf("no AWS credentials found (%s): run aws sso login --profile NAME, set AWS_PROFILE, or pass --profile NAME (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", where) + rest(msg, i)
		}
	}
	if m := noHost.FindStringSubmatch(msg); m != nil {
		return cutAt(msg, operationStart(msg, strings.Index(msg, m[0]))) + fmt.Sprintf("cannot resolve %s: is the Region right (%s)? Check --region, AWS_REGION and the source URL", m[1], cmp.Or(c.region, "none set"))
	}
	return msg
}

// operationStart returns the start of the SDK's "operation error ..."
// chain that holds position i, or the text from i.
func operationStart(msg string, i int) string {
	if j := strings.LastIndex(msg[:i], "operation error "); j >= 0 {
		return msg[j:]
	}
	if j := strings.LastIndex(msg[:i], "get identity: "); j >= 0 {
		return msg[j:]
	}
	return msg[i:]
}

// rest is what follows the SDK's error chain at i: denytrail's own
// "; ..." remarks, if any.
func rest(msg string, i int) string {
	if j := strings.Index(msg[i:], "; "); j >= 0 {
		return msg[i+j:]
	}
	return ""
}

// cutAt returns msg up to where tail begins: the part that says which
// input or step failed.
func cutAt(msg, tail string) string {
	if i := strings.Index(msg, tail); i >= 0 {
		return msg[:i]
	}
	return msg
}

// dedupeSegments drops a ": "-separated segment that repeats the one
// before it ("s3://b/: s3://b/: x" -> "s3://b/: x").
func dedupeSegments(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
