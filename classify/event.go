package classify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one CloudTrail record, typed as far as classification needs.
// Fields not listed here are ignored; the raw record is not kept.
type Event struct {
	EventVersion  string `json:"eventVersion"`
	EventID       string `json:"eventID"`
	EventSource   string `json:"eventSource"`
	EventName     string `json:"eventName"`
	EventType     string `json:"eventType"`
	EventCategory string `json:"eventCategory"`
	// EventTime is the call's time in UTC, or the zero time when the record's
	// eventTime is missing, unparsable or outside years 0001 to 9999 (see
	// EventTimeRaw and Warnings).
	EventTime time.Time `json:"eventTime"`
	// EventTimeRaw is eventTime exactly as the record wrote it.
	EventTimeRaw       string `json:"-"`
	AWSRegion          string `json:"awsRegion"`
	SourceIPAddress    string `json:"sourceIPAddress"`
	UserAgent          string `json:"userAgent"`
	ErrorCode          string `json:"errorCode"`
	ErrorMessage       string `json:"errorMessage"`
	RequestID          string `json:"requestID"`
	SharedEventID      string `json:"sharedEventID"`
	RecipientAccountID string `json:"recipientAccountId"`
	VPCEndpointID      string `json:"vpcEndpointId"`
	ReadOnly           bool   `json:"readOnly"`
	ManagementEvent    bool   `json:"managementEvent"`

	UserIdentity        UserIdentity        `json:"userIdentity"`
	RequestParameters   RequestParameters   `json:"requestParameters"`
	AdditionalEventData AdditionalEventData `json:"additionalEventData"`
	Resources           []Resource          `json:"resources"`
	// TLSDetails is nil when the record has none: the request was plain
	// HTTP, or the service does not log TLS details.
	TLSDetails *TLSDetails `json:"tlsDetails"`

	// Warnings lists what Parse had to work around (an unparsable eventTime,
	// a field of an unexpected type, left empty). The event is still
	// classified; the warnings say which of its fields cannot be trusted.
	Warnings []string `json:"-"`
}

// UserIdentity is the record's userIdentity: who made the call.
type UserIdentity struct {
	Type           string         `json:"type"`
	PrincipalID    string         `json:"principalId"`
	ARN            string         `json:"arn"`
	AccountID      string         `json:"accountId"`
	AccessKeyID    string         `json:"accessKeyId"`
	UserName       string         `json:"userName"`
	InvokedBy      string         `json:"invokedBy"`
	SessionContext SessionContext `json:"sessionContext"`
}

// SessionContext holds, for temporary credentials, where they came from.
type SessionContext struct {
	SessionIssuer SessionIssuer `json:"sessionIssuer"`
}

// SessionIssuer is the role or user whose credentials created the session.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// RequestParameters is the record's requestParameters: the object as
// logged, plus the few parameters classification reads. S3 logs some
// headers as one-element arrays; their values are joined with ",".
type RequestParameters struct {
	// Raw is the requestParameters object as logged; nil when it is absent
	// or null.
	Raw json.RawMessage `json:"-"`

	BucketName string `json:"bucketName"`
	Key        string `json:"key"`
	// ACL is the x-amz-acl canned ACL header.
	ACL string `json:"x-amz-acl"`
	// SSE is the x-amz-server-side-encryption header (AES256, aws:kms, ...).
	SSE string `json:"x-amz-server-side-encryption"`
	// SSEKMSKeyID is x-amz-server-side-encryption-aws-kms-key-id.
	SSEKMSKeyID string `json:"x-amz-server-side-encryption-aws-kms-key-id"`
	// SSECustomerAlgorithm is x-amz-server-side-encryption-customer-algorithm,
	// set on SSE-C requests.
	SSECustomerAlgorithm string `json:"x-amz-server-side-encryption-customer-algorithm"`
	// KeyID is a KMS request's keyId: a key ID, key ARN, alias name or alias ARN.
	KeyID string `json:"keyId"`
	// EncryptionContext is a KMS request's encryption context; for calls S3
	// makes on a caller's behalf it holds "aws:s3:arn".
	EncryptionContext map[string]string `json:"encryptionContext"`

	problem string // why the value could not be read, for Event.Warnings
}

// AdditionalEventData is the record's additionalEventData, as far as it
// says how the request was made.
type AdditionalEventData struct {
	// AuthenticationMethod is AuthHeader, or QueryString for presigned URLs.
	AuthenticationMethod string `json:"AuthenticationMethod"`
	SignatureVersion     string `json:"SignatureVersion"`
	CipherSuite          string `json:"CipherSuite"`
	XAmzID2              string `json:"x-amz-id-2"`
	VPCEndpointID        string `json:"vpcEndpointId"`

	problem string
}

// Resource is one entry of the record's resources.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
}

// TLSDetails is the record's tlsDetails.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// Parse decodes one CloudTrail record. It is tolerant of what real exports
// carry: extra keys (@timestamp, p_*), eventTime with a space instead of
// "T", with or without fraction and zone, or as epoch seconds or
// milliseconds; requestParameters null, an object, or an object encoded as
// a JSON string; readOnly and managementEvent as strings. A field of an
// unexpected type is left empty and noted in Warnings, and so is an
// unparsable eventTime (a missing one is taken from a logstash @timestamp
// when there is one): the event is kept, not lost. Parse fails only when
// raw is not a single valid JSON object; a syntax error wraps *SyntaxError.
//
// Keys match as encoding/json matches them (exactly, else ignoring case);
// a repeated key decodes again into the same field. Parse reads raw once,
// validating all of it and decoding only the fields Event holds.
//
// errorCode counts only under that exact key (encoding/json would also
// accept "ErrorCode" or escaped spellings), so that Filter.MayMatch, which
// looks at bytes, can never miss a failure that Parse would report.
func Parse(raw []byte) (*Event, error) {
	start := bytes.TrimLeft(raw, " \t\r\n")
	if len(start) == 0 {
		return nil, errors.New("empty record")
	}
	if start[0] != '{' {
		return nil, fmt.Errorf("record is not a JSON object: it starts with %q", start[0])
	}
	e := new(Event)
	d := decoder{data: raw}
	var f eventFields
	d.event(e, &f)
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("invalid JSON at byte %d: %w", d.err.Offset, err)
	}
	if d.mistypedField != "" {
		// Only the first mistyped field is reported, as encoding/json did.
		e.Warnings = append(e.Warnings, fmt.Sprintf("field %s: unexpected JSON %s, left empty (the first such field; others may follow)", d.mistypedField, d.mistypedKind))
	}
	e.EventTimeRaw, e.EventTime = parseTime(f.eventTime)
	if e.EventTime.IsZero() {
		if len(f.eventTime) == 0 || string(f.eventTime) == "null" {
			// Logstash exports move eventTime into @timestamp.
			if raw, t := parseTime(f.timestamp); !t.IsZero() {
				e.EventTimeRaw, e.EventTime = raw, t
				e.Warnings = append(e.Warnings, "eventTime: missing, @timestamp used instead")
			} else {
				e.Warnings = append(e.Warnings, "eventTime: missing")
			}
		} else {
			e.Warnings = append(e.Warnings, fmt.Sprintf("eventTime: %q is unparsable or outside years 0001-9999, time left unknown", e.EventTimeRaw))
		}
	}
	if p := e.RequestParameters.problem; p != "" {
		e.Warnings = append(e.Warnings, "requestParameters: "+p)
	}
	if p := e.AdditionalEventData.problem; p != "" {
		e.Warnings = append(e.Warnings, "additionalEventData: "+p)
	}
	if e.ErrorCode != "" && !bytes.Contains(raw, []byte(`"errorCode"`)) {
		e.Warnings = append(e.Warnings, fmt.Sprintf("errorCode %q ignored: its key is not spelled \"errorCode\"", e.ErrorCode))
		e.ErrorCode = ""
	}
	return e, nil
}

// timeLayouts are the eventTime forms seen in the wild; time.Parse accepts
// a fractional second after the seconds field even when a layout omits it.
var timeLayouts = [...]string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05 -0700 MST",
}

// The event times Parse accepts: years 0001 to 9999 in UTC, the range
// every format (RFC 3339 in JSON above all) can write. A time outside it
// is left unknown, as an unparsable one is; so is the very first instant,
// which is the zero time.
var (
	minEventTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxEventTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// leadText is how long before to the time from is: Go's duration form,
// or whole years when they are a century or more apart, which
// time.Duration (at most about 292 years) may not hold: an event time
// anywhere in years 0001 to 9999 never prints an overflowed duration.
func leadText(from, to time.Time) string {
	if d := to.Sub(from); d.Abs() < 100*365*24*time.Hour {
		return d.String()
	}
	return fmt.Sprintf("about %d years", to.Year()-from.Year())
}

// parseTime reads eventTime: a string in one of timeLayouts (no zone means
// UTC) or a number of epoch seconds or milliseconds. It returns the text as
// written and the time in UTC, zero when unparsable or outside years 0001
// to 9999.
func parseTime(v []byte) (string, time.Time) {
	raw, t := parseTimeAny(v)
	if t.Before(minEventTime) || t.After(maxEventTime) {
		return raw, time.Time{}
	}
	return raw, t
}

func parseTimeAny(v []byte) (string, time.Time) {
	if len(v) == 0 || string(v) == "null" {
		return "", time.Time{}
	}
	if v[0] != '"' {
		s := string(v)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || f > float64(maxEventTime.UnixMilli()) {
			return s, time.Time{} // converting f to int64 could overflow
		}
		if f >= 1e11 { // milliseconds: 1e11 s is the year 5138
			return s, time.UnixMilli(int64(f)).UTC()
		}
		return s, time.Unix(int64(f), 0).UTC()
	}
	// v is a valid JSON string: Parse validated it.
	s := string(v[1 : len(v)-1])
	if bytes.IndexByte(v, '\\') >= 0 || !utf8.ValidString(s) {
		s = string(unquote(nil, v[1:len(v)-1]))
	}
	t := strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if tm, err := time.Parse(layout, t); err == nil {
			return s, tm.UTC()
		}
	}
	// Lower-case "t" and "z" are valid RFC 3339.
	if u := strings.ToUpper(t); u != t {
		for _, layout := range timeLayouts[:4] {
			if tm, err := time.Parse(layout, u); err == nil {
				return s, tm.UTC()
			}
		}
	}
	return s, time.Time{}
}

// flexString decodes a string, an array of strings (joined with ","), or a
// number or boolean (as written); anything else leaves it empty.
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	switch {
	case len(data) == 0 || string(data) == "null":
		*s = ""
	case data[0] == '"':
		if bytes.IndexByte(data, '\\') < 0 {
			*s = flexString(data[1 : len(data)-1])
			return nil
		}
		var v string
		if json.Unmarshal(data, &v) == nil {
			*s = flexString(v)
		}
	case data[0] == '[':
		var vs []flexString
		if json.Unmarshal(data, &vs) == nil {
			var b strings.Builder
			for i, v := range vs {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(string(v))
			}
			*s = flexString(b.String())
		}
	case data[0] == '{':
		*s = ""
	default:
		*s = flexString(data)
	}
	return nil
}

// UnmarshalJSON reads requestParameters as Parse does: the object as
// logged (or an object a JSON string holds) and the typed parameters. It
// fails only on invalid JSON; an unreadable value is noted for
// Event.Warnings.
func (p *RequestParameters) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.requestParameters(p)
	return d.end()
}

// UnmarshalJSON reads the typed fields as Parse does; values of other
// types (byte counts, nested objects) are ignored. It fails only on
// invalid JSON.
func (a *AdditionalEventData) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.additionalEventData(a)
	return d.end()
}

// Failed reports whether the call failed: the record has an errorCode.
func (e *Event) Failed() bool { return e.ErrorCode != "" }

// Service is the eventSource without ".amazonaws.com": "s3", "kms", "ec2".
func (e *Event) Service() string {
	return strings.TrimSuffix(e.EventSource, ".amazonaws.com")
}

// Principal is the caller: userIdentity.arn, else its principalId, else the
// service that invoked the call, else the account's root ARN (or
// "anonymous" for unauthenticated requests). Empty when the record names
// no caller at all.
func (e *Event) Principal() string {
	u := &e.UserIdentity
	switch {
	case u.ARN != "":
		return u.ARN
	case u.PrincipalID != "":
		return u.PrincipalID
	case u.InvokedBy != "":
		return u.InvokedBy
	case u.AccountID == "anonymous" || u.Type == "AnonymousPrincipal":
		return "anonymous"
	case u.AccountID != "":
		return "arn:" + partition(e.AWSRegion) + ":iam::" + u.AccountID + ":root"
	}
	return ""
}

// Role is the principal policies are attached to: for an assumed-role
// session the role (sessionIssuer arn, or the role derived from the
// assumed-role ARN), otherwise Principal. Findings are grouped by it.
func (e *Event) Role() string {
	u := &e.UserIdentity
	if iss := u.SessionContext.SessionIssuer.ARN; iss != "" {
		return iss
	}
	if r := roleFromSessionARN(u.ARN); r != "" {
		return r
	}
	return e.Principal()
}

// roleFromSessionARN turns arn:aws:sts::123:assumed-role/Name/session into
// arn:aws:iam::123:role/Name; it returns "" for other ARNs.
func roleFromSessionARN(arn string) string {
	head, rest, ok := strings.Cut(arn, ":assumed-role/")
	if !ok {
		return ""
	}
	partition, acct, ok := strings.Cut(strings.TrimPrefix(head, "arn:"), ":sts::")
	if !ok || acct == "" {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "" {
		return ""
	}
	return "arn:" + partition + ":iam::" + acct + ":role/" + name
}

// partition guesses the ARN partition from a Region name.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Bucket is the S3 bucket the call addressed: requestParameters.bucketName,
// else the bucket named by an AWS::S3::Bucket or AWS::S3::Object resource.
// For a KMS call S3 made during SSE-KMS it is the bucket named by the
// encryption context's "aws:s3:arn", which is how the two are correlated.
func (e *Event) Bucket() string {
	if b := e.RequestParameters.BucketName; b != "" {
		return b
	}
	for _, r := range e.Resources {
		if r.Type == "AWS::S3::Bucket" || r.Type == "AWS::S3::Object" {
			if b, _ := splitS3ARN(r.ARN); b != "" {
				return b
			}
		}
	}
	b, _ := splitS3ARN(e.RequestParameters.EncryptionContext["aws:s3:arn"])
	return b
}

// ObjectKey is the S3 object key: requestParameters.key, else the key in an
// AWS::S3::Object resource ARN, else (for KMS calls S3 made) the key in the
// encryption context's "aws:s3:arn", which names only the bucket when an S3
// Bucket Key is in use.
func (e *Event) ObjectKey() string {
	if k := e.RequestParameters.Key; k != "" {
		return k
	}
	for _, r := range e.Resources {
		if r.Type == "AWS::S3::Object" {
			if _, k := splitS3ARN(r.ARN); k != "" {
				return k
			}
		}
	}
	_, k := splitS3ARN(e.RequestParameters.EncryptionContext["aws:s3:arn"])
	return k
}

// splitS3ARN splits arn:<partition>:s3:::bucket[/key] into bucket and key.
func splitS3ARN(arn string) (bucket, key string) {
	if !strings.HasPrefix(arn, "arn:") {
		return "", ""
	}
	_, path, ok := strings.Cut(arn, ":s3:::")
	if !ok {
		return "", ""
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// BucketOwner is the account that owns the bucket: the accountId of the
// AWS::S3::Bucket resource, else recipientAccountId (which, for a
// cross-account call, may be the caller's own account: CloudTrail delivers
// the event to both).
func (e *Event) BucketOwner() string {
	if a := e.bucketResourceAccount(); a != "" {
		return a
	}
	return e.RecipientAccountID
}

func (e *Event) bucketResourceAccount() string {
	for _, r := range e.Resources {
		if r.Type == "AWS::S3::Bucket" && r.AccountID != "" {
			return r.AccountID
		}
	}
	return ""
}

// KMSKey is the KMS key the call used. For KMS events it is the resolved key
// ARN in resources (keyId may be an alias); otherwise, and when resources
// are missing, the request's keyId or x-amz-server-side-encryption-aws-kms-key-id.
func (e *Event) KMSKey() string {
	if e.EventSource == "kms.amazonaws.com" {
		for _, r := range e.Resources {
			if r.Type == "AWS::KMS::Key" && r.ARN != "" {
				return r.ARN
			}
		}
		if len(e.Resources) > 0 && e.Resources[0].Type == "" && strings.Contains(e.Resources[0].ARN, ":kms:") {
			return e.Resources[0].ARN
		}
	}
	if k := e.RequestParameters.KeyID; k != "" {
		return k
	}
	return e.RequestParameters.SSEKMSKeyID
}

// ResourceAccount is the account that owns what the call addressed: the
// bucket owner for S3, the key's account for KMS, else recipientAccountId.
func (e *Event) ResourceAccount() string {
	switch e.EventSource {
	case "s3.amazonaws.com":
		return e.BucketOwner()
	case "kms.amazonaws.com":
		if a := arnAccount(e.KMSKey()); a != "" {
			return a
		}
		for _, r := range e.Resources {
			if r.AccountID != "" {
				return r.AccountID
			}
		}
	}
	return e.RecipientAccountID
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	if !ok {
		return ""
	}
	for range 3 { // partition, service, Region
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	acct, _, ok := strings.Cut(rest, ":")
	if !ok {
		return ""
	}
	return acct
}

// VPCEndpoint is the VPC endpoint the request came through, from
// vpcEndpointId or additionalEventData.vpcEndpointId.
func (e *Event) VPCEndpoint() string {
	if e.VPCEndpointID != "" {
		return e.VPCEndpointID
	}
	return e.AdditionalEventData.VPCEndpointID
}
