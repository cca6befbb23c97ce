package classify

import (
	"fmt"
	"strings"
)

// The keys Parse reads at each level, in the order of the fields each
// decoding method lists for them (FuzzParse and TestParseMatchesReference
// catch a mismatch).
var (
	eventKeys = [...]string{
		"eventVersion", "eventID", "eventSource", "eventName", "eventType", "eventCategory",
		"awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestID",
		"sharedEventID", "recipientAccountId", "vpcEndpointId",
		"eventTime", "@timestamp", "readOnly", "managementEvent",
		"userIdentity", "requestParameters", "additionalEventData", "resources", "tlsDetails",
	}
	userIdentityKeys  = [...]string{"type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy", "sessionContext"}
	sessionCtxKeys    = [...]string{"sessionIssuer"}
	sessionIssuerKeys = [...]string{"type", "principalId", "arn", "accountId", "userName"}
	requestParamKeys  = [...]string{
		"bucketName", "key", "x-amz-acl", "x-amz-server-side-encryption",
		"x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-customer-algorithm",
		"keyId", "encryptionContext",
	}
	additionalDataKeys = [...]string{"AuthenticationMethod", "SignatureVersion", "CipherSuite", "x-amz-id-2", "vpcEndpointId"}
	resourceKeys       = [...]string{"ARN", "accountId", "type"}
	tlsKeys            = [...]string{"tlsVersion", "cipherSuite", "clientProvidedHostHeader"}
)

// The indexes of eventKeys that are not plain strings.
const (
	keyEventTime = 15 + iota
	keyTimestamp
	keyReadOnly
	keyManagementEvent
	keyUserIdentity
	keyRequestParameters
	keyAdditionalEventData
	keyResources
	keyTLSDetails
)

// The field paths encoding/json gave type errors: the former wire struct
// embedded the event as eventAlias.
const (
	pathEvent        = "eventAlias."
	pathUserIdentity = pathEvent + "userIdentity"
	pathSessionCtx   = pathUserIdentity + ".sessionContext"
	pathIssuer       = pathSessionCtx + ".sessionIssuer"
	pathResources    = pathEvent + "resources"
	pathTLS          = pathEvent + "tlsDetails"
)

// eventFields is what decoding the top-level object yields besides e.
type eventFields struct {
	eventTime, timestamp []byte // as written; nil when absent
}

// event decodes the record's top-level object into e.
func (d *decoder) event(e *Event, f *eventFields) {
	c, ok := d.peek()
	if !ok {
		return
	}
	if c != '{' {
		d.fail(d.i, "looking for beginning of value")
		return
	}
	d.open()
	strs := [...]*string{
		&e.EventVersion, &e.EventID, &e.EventSource, &e.EventName, &e.EventType, &e.EventCategory,
		&e.AWSRegion, &e.SourceIPAddress, &e.UserAgent, &e.ErrorCode, &e.ErrorMessage, &e.RequestID,
		&e.SharedEventID, &e.RecipientAccountID, &e.VPCEndpointID,
	}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		switch i := lookup(k, eventKeys[:]); i {
		case -1:
			d.skip()
		case keyEventTime:
			f.eventTime = d.span()
		case keyTimestamp:
			f.timestamp = d.span()
		case keyReadOnly:
			e.ReadOnly = flexBool(d.span())
		case keyManagementEvent:
			e.ManagementEvent = flexBool(d.span())
		case keyUserIdentity:
			d.userIdentity(&e.UserIdentity)
		case keyRequestParameters:
			d.requestParameters(&e.RequestParameters)
		case keyAdditionalEventData:
			d.additionalEventData(&e.AdditionalEventData)
		case keyResources:
			d.resources(&e.Resources)
		case keyTLSDetails:
			d.tlsDetails(&e.TLSDetails)
		default:
			d.string(strs[i], pathEvent, eventKeys[i])
		}
	}
}

// string decodes a string field, path+name; null leaves it as it is.
func (d *decoder) string(dst *string, path, name string) {
	switch c, ok := d.peek(); {
	case !ok:
	case c == '"':
		*dst = d.text()
	case c == 'n':
		d.literal()
	default:
		d.mistyped(path, name, c)
	}
}

// object reports whether the value at d.i is an object to decode (and
// opens it); otherwise it steps over it: null silently, anything else as
// a type error for field.
func (d *decoder) object(path string) bool {
	switch c, ok := d.peek(); {
	case !ok:
	case c == '{':
		d.open()
		return d.err == nil
	case c == 'n':
		d.literal()
	default:
		d.mistyped(path, "", c)
	}
	return false
}

// stringMembers decodes an object (or null) whose wanted members are all
// strings: keys[i] into *strs[i]; other members are skipped. prefix is
// the object's path and a dot, a constant, so that naming a mistyped
// member costs nothing until one is.
func (d *decoder) stringMembers(prefix string, keys []string, strs []*string) {
	if !d.object(strings.TrimSuffix(prefix, ".")) {
		return
	}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		if i := lookup(k, keys); i >= 0 {
			d.string(strs[i], prefix, keys[i])
		} else {
			d.skip()
		}
	}
}

func (d *decoder) userIdentity(u *UserIdentity) {
	if !d.object(pathUserIdentity) {
		return
	}
	strs := [...]*string{&u.Type, &u.PrincipalID, &u.ARN, &u.AccountID, &u.AccessKeyID, &u.UserName, &u.InvokedBy}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		switch i := lookup(k, userIdentityKeys[:]); i {
		case -1:
			d.skip()
		case len(strs):
			d.sessionContext(&u.SessionContext)
		default:
			d.string(strs[i], pathUserIdentity+".", userIdentityKeys[i])
		}
	}
}

func (d *decoder) sessionContext(s *SessionContext) {
	if !d.object(pathSessionCtx) {
		return
	}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		if lookup(k, sessionCtxKeys[:]) == 0 {
			d.sessionIssuer(&s.SessionIssuer)
		} else {
			d.skip()
		}
	}
}

func (d *decoder) sessionIssuer(s *SessionIssuer) {
	strs := [...]*string{&s.Type, &s.PrincipalID, &s.ARN, &s.AccountID, &s.UserName}
	d.stringMembers(pathIssuer+".", sessionIssuerKeys[:], strs[:])
}

// resources decodes the resources array as encoding/json decodes into a
// slice that may already hold elements (a repeated key): each element
// decodes into the one at its index, the slice is cut to the array's
// length, and an empty array is an empty, non-nil slice.
func (d *decoder) resources(rs *[]Resource) {
	switch c, ok := d.peek(); {
	case !ok:
		return
	case c == 'n':
		d.literal()
		*rs = nil
		return
	case c != '[':
		d.mistyped(pathResources, "", c)
		return
	}
	d.open()
	s := *rs
	i := 0
	for first := true; d.arrayNext(first); first = false {
		switch {
		case cap(s) == 0:
			s = make([]Resource, 1, 4) // records name one to three
		case i == cap(s):
			s = append(s, Resource{}) // keeps any stale elements, as reflect's Grow does
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		d.resource(&s[i])
		i++
	}
	if i == 0 {
		s = make([]Resource, 0)
	}
	*rs = s[:i]
}

func (d *decoder) resource(r *Resource) {
	strs := [...]*string{&r.ARN, &r.AccountID, &r.Type}
	d.stringMembers(pathResources+".", resourceKeys[:], strs[:])
}

// tlsDetails decodes tlsDetails: null makes it nil; any other value makes
// it non-nil, as encoding/json allocates a pointer before it looks at the
// value's type.
func (d *decoder) tlsDetails(p **TLSDetails) {
	c, ok := d.peek()
	if !ok {
		return
	}
	if c == 'n' {
		d.literal()
		*p = nil
		return
	}
	if *p == nil {
		*p = new(TLSDetails)
	}
	t := *p
	strs := [...]*string{&t.TLSVersion, &t.CipherSuite, &t.ClientProvidedHostHeader}
	d.stringMembers(pathTLS+".", tlsKeys[:], strs[:])
}

// flexBool reads true, false, "true", "false" and null (and is false for
// anything else), as the former flexBool type did.
func flexBool(v []byte) bool {
	for len(v) > 0 && v[0] == '"' {
		v = v[1:]
	}
	for len(v) > 0 && v[len(v)-1] == '"' {
		v = v[:len(v)-1]
	}
	return len(v) == 4 && upper(v[0]) == 'T' && upper(v[1]) == 'R' && upper(v[2]) == 'U' && upper(v[3]) == 'E'
}

// flex decodes a value as flexString does: a string, an array of strings
// (joined with ","), or a number or boolean (as written); anything else
// makes it empty. A string without escapes is taken as written.
func (d *decoder) flex(dst *string) {
	c, ok := d.peek()
	if !ok {
		return
	}
	switch c {
	case '"':
		s, esc, _ := d.str()
		if !esc {
			*dst = recurring(s)
			return
		}
		d.scratch = unquote(d.scratch[:0], s)
		*dst = string(d.scratch)
	case '[':
		d.scratch = d.scratch[:0]
		d.skipJoin(&d.scratch)
		*dst = string(d.scratch)
	case '{':
		d.skip()
		*dst = ""
	case 'n':
		d.literal()
		*dst = ""
	default:
		start := d.i
		d.scalar(c)
		*dst = string(d.data[start:d.i])
	}
}

// embedded steps into an object that a record may carry either as an
// object or as a JSON string holding one (some exports stringify nested
// objects). It calls fields with a decoder positioned inside the object's
// '{' and returns the object's text, or nil with a problem when the value
// is not an object; null and an empty or "null" string are no object and
// no problem. A string that does not hold exactly one valid object yields
// nothing but the problem.
func (d *decoder) embedded(fields func(*decoder)) (obj []byte, problem string) {
	c, ok := d.peek()
	if !ok {
		return nil, ""
	}
	switch c {
	case '{':
		start := d.i
		d.open()
		if d.err == nil {
			fields(d)
		}
		return d.data[start:d.i], ""
	case 'n':
		d.literal()
		return nil, ""
	case '"':
		t := strings.TrimSpace(d.text())
		if t == "" || t == "null" {
			return nil, ""
		}
		if t[0] == '{' {
			inner := decoder{data: []byte(t)}
			inner.open()
			fields(&inner)
			inner.ws()
			if inner.err == nil && inner.i == len(inner.data) {
				return inner.data, ""
			}
		}
		return nil, "a string that does not hold a JSON object, ignored"
	}
	d.skip()
	k := kind(c)
	if k == "bool" {
		k = "boolean"
	}
	return nil, fmt.Sprintf("a JSON %s, not an object, ignored", k)
}

// requestParameters decodes requestParameters; a repeated key replaces it.
func (d *decoder) requestParameters(p *RequestParameters) {
	var w RequestParameters
	obj, problem := d.embedded(w.decode)
	switch {
	case d.err != nil:
	case obj == nil:
		*p = RequestParameters{problem: problem}
	default:
		if len(w.EncryptionContext) == 0 {
			w.EncryptionContext = nil
		}
		w.Raw = append([]byte(nil), obj...)
		*p = w
	}
}

// decode reads the object's members; d is past its '{'.
func (p *RequestParameters) decode(d *decoder) {
	strs := [...]*string{&p.BucketName, &p.Key, &p.ACL, &p.SSE, &p.SSEKMSKeyID, &p.SSECustomerAlgorithm, &p.KeyID}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		switch i := lookup(k, requestParamKeys[:]); i {
		case -1:
			d.skip()
		case len(strs):
			d.encryptionContext(p)
		default:
			d.flex(strs[i])
		}
	}
}

// encryptionContext decodes into p.EncryptionContext, keeping what a
// repeated key put there; null empties it.
func (d *decoder) encryptionContext(p *RequestParameters) {
	c, ok := d.peek()
	switch {
	case !ok:
		return
	case c == 'n':
		d.literal()
		p.EncryptionContext = nil
		return
	case c != '{':
		d.skip()
		p.problem = "encryptionContext is not an object, ignored"
		return
	}
	d.open()
	if p.EncryptionContext == nil {
		p.EncryptionContext = make(map[string]string)
	}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		key := string(k)
		var v string
		d.flex(&v)
		p.EncryptionContext[key] = v
	}
}

// additionalEventData decodes additionalEventData; a repeated key replaces
// it.
func (d *decoder) additionalEventData(a *AdditionalEventData) {
	var w AdditionalEventData
	obj, problem := d.embedded(w.decode)
	switch {
	case d.err != nil:
	case obj == nil:
		*a = AdditionalEventData{problem: problem}
	default:
		*a = w
	}
}

// decode reads the object's members; d is past its '{'.
func (a *AdditionalEventData) decode(d *decoder) {
	strs := [...]*string{&a.AuthenticationMethod, &a.SignatureVersion, &a.CipherSuite, &a.XAmzID2, &a.VPCEndpointID}
	for first := true; ; first = false {
		k, ok := d.objectKey(first)
		if !ok {
			return
		}
		if i := lookup(k, additionalDataKeys[:]); i >= 0 {
			d.flex(strs[i])
		} else {
			d.skip()
		}
	}
}
