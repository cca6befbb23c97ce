package classify

import (
	"cmp"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// facts are what a verdict and its remediation are built from: the event,
// its parsed errorMessage, and the names the remediation quotes.
type facts struct {
	e  *Event
	d  denial
	lm string // errorMessage, ASCII lower-cased

	code    string // errorCode without the "Client." and "KMS." prefixes
	kmsCode bool   // an S3 errorCode with the "KMS." prefix

	principal string // the caller: the message's "User:" ARN, else Event.Principal
	role      string // where the caller's policies are attached
	action    string // the denied action: from the message, else derived from the event
	resource  string // the resource: from the message, else derived from the event
	caller    string // the caller's account
	owner     string // the resource's account
	ownerFrom string // which field owner came from

	kmsAct   string // for KMS denials reported by another service: the KMS action
	why      string // the sub-case a remediation tailors its text to
	state    string // for kms-key-state: "disabled", "pending deletion", ...
	evidence []string
}

// Judge classifies one failed call: the layer and control that most likely
// denied it, how sure that is, the evidence quoted from the event, and the
// remediation. It returns the zero Verdict for a call that did not fail.
// DESIGN.md §2 and §2.1 are the rules.
func Judge(e *Event) Verdict {
	if !e.Failed() {
		return Verdict{}
	}
	f := newFacts(e)
	layer, control, conf := f.decide()
	if control != ControlRequestError && layer != LayerCredentials {
		f.requestDetails(layer)
	}
	return Verdict{
		Layer:       layer,
		Control:     control,
		Confidence:  conf,
		Evidence:    f.evidence,
		Remediation: remedy(layer, control, f),
	}
}

func newFacts(e *Event) *facts {
	f := &facts{e: e, lm: lowerASCII(e.ErrorMessage)}
	f.code = strings.TrimPrefix(e.ErrorCode, "Client.")
	if c, ok := strings.CutPrefix(f.code, "KMS."); ok {
		f.code, f.kmsCode = c, true
	}
	f.d = parseDenial(e.ErrorMessage)
	f.principal = f.d.principal
	if f.principal == "" {
		f.principal = e.Principal()
	}
	f.role = e.Role()
	if !strings.Contains(f.role, ":role/") {
		if r := roleFromSessionARN(f.principal); r != "" {
			f.role = r
		}
	}
	if f.role == "" {
		f.role = f.principal
	}
	if f.principal == "" {
		f.principal = "the caller"
	}
	f.action = f.d.action
	if f.action == "" {
		f.action = eventAction(e)
	}
	f.resource = f.d.resource
	if f.resource == "" {
		f.resource = eventResource(e)
	}
	f.caller = e.UserIdentity.AccountID
	if f.caller == "" {
		f.caller = arnAccount(f.principal)
	}
	f.owner, f.ownerFrom = e.ResourceAccount(), "recipientAccountId"
	switch {
	case e.EventSource == "s3.amazonaws.com" && e.bucketResourceAccount() != "":
		f.ownerFrom = "resources[AWS::S3::Bucket].accountId"
	case e.EventSource == "kms.amazonaws.com" && f.owner != e.RecipientAccountID:
		f.ownerFrom = "the key ARN"
	}
	f.note("errorCode: %q", e.ErrorCode)
	return f
}

// note appends one evidence line.
func (f *facts) note(format string, args ...any) {
	f.evidence = append(f.evidence, fmt.Sprintf(format, args...))
}

// crossAccount reports whether caller and resource owner are both known
// and differ.
func (f *facts) crossAccount() bool {
	return f.caller != "" && f.owner != "" && f.caller != f.owner && !f.anonymous()
}

func (f *facts) anonymous() bool {
	u := &f.e.UserIdentity
	return u.AccountID == "anonymous" || u.Type == "AnonymousPrincipal" || f.principal == "anonymous"
}

// kmsAction reports whether the denied action is a KMS one.
func (f *facts) kmsAction() bool { return hasFoldPrefix(f.action, "kms:") }

// s3Action reports whether the denied action is an S3 one.
func (f *facts) s3Action() bool {
	return hasFoldPrefix(f.action, "s3:") || hasFoldPrefix(f.action, "s3express:") ||
		hasFoldPrefix(f.action, "s3-object-lambda:")
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// decide applies the rules in order and records the evidence for the
// one that fires.
func (f *facts) decide() (Layer, Control, Confidence) {
	e, d := f.e, &f.d
	if c, conf, ok := credentialControl(f.code); ok {
		f.note("errorCode %q: AWS rejected the request's credentials before evaluating any policy", e.ErrorCode)
		return LayerCredentials, c, conf
	}
	if f.code == "VpceAccessDenied" {
		f.quoteMessage("the request was denied by the policy of the VPC endpoint it came through")
		if v := e.VPCEndpoint(); v != "" {
			f.note("vpcEndpointId: %q", v)
		}
		if e.EventCategory != "" {
			f.note("eventCategory: %q", e.EventCategory)
		}
		return LayerNetwork, ControlVPCEndpointPolicy, High
	}
	if l, c, conf, ok := f.keyState(); ok {
		return l, c, conf
	}
	if f.code == "AccessControlListNotSupported" {
		f.note("errorCode %q: the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled) and the request carried an ACL", e.ErrorCode)
		if acl := e.RequestParameters.ACL; acl != "" {
			f.note("requestParameters.x-amz-acl: %q", acl)
		}
		return LayerACL, ControlObjectOwnership, High
	}
	if strings.Contains(f.lm, "blockpublicacls") {
		f.quoteMessage("S3 Block Public Access (BlockPublicAcls) rejected a public ACL")
		return LayerACL, ControlBlockPublicAccess, High
	}
	if strings.Contains(f.lm, "customer provided keys") || strings.Contains(f.lm, "(sse-c)") {
		f.quoteMessage("the bucket's encryption configuration blocks SSE-C uploads")
		return LayerBucketPolicy, ControlBucketEncryption, High
	}
	if !f.isDenial() {
		f.quoteMessage("not an authorization failure")
		return LayerOther, ControlRequestError, High
	}

	f.noteDenial()
	if d.policy != policyNone {
		return f.byPolicy(d.policy, High)
	}
	if d.kind == kindRegion {
		f.why = "region"
		return LayerKMS, ControlKMSKeyPolicy, Medium
	}
	if len(d.candidates) == 1 {
		// Truncated inside words that fit only one policy type.
		return f.byPolicy(d.candidates[0], Medium)
	}
	if d.cut != "" {
		f.why = "cut"
		if f.kmsAction() {
			return LayerKMS, ControlKMSKeyPolicy, Low
		}
		return LayerUnknown, ControlUnknown, Low
	}
	if act := f.kmsActionNamed(); act != "" {
		f.why, f.kmsAct = "kms-via-service", act
		if f.kmsCode {
			f.note("errorCode %q: %s passes on the KMS error it got using the key for the caller", e.ErrorCode, strings.ToUpper(e.Service()))
		} else {
			f.note("errorMessage names %s: %s reports KMS refusing what it needed on the caller's behalf", act, strings.ToUpper(e.Service()))
		}
		return LayerKMS, ControlKMSKeyPolicy, Medium
	}
	return f.fallback()
}

// kmsActionNamed returns the KMS action a non-KMS event's denial names
// (S3 surfaces a KMS denial during SSE-KMS as its own AccessDenied), or "".
func (f *facts) kmsActionNamed() string {
	if f.e.EventSource == "kms.amazonaws.com" {
		return ""
	}
	if f.kmsAction() {
		return f.action
	}
	for _, a := range [...]string{"kms:generatedatakey", "kms:decrypt"} {
		if k := strings.Index(f.lm, a); k >= 0 {
			return strings.TrimRight(f.e.ErrorMessage[k:token(f.e.ErrorMessage, k)], ".,;:\"")
		}
	}
	if f.kmsCode {
		return "kms:GenerateDataKey or kms:Decrypt"
	}
	return ""
}

// byPolicy maps the policy type AWS named to layer and control, in
// DESIGN.md's precedence: organizational controls, then the VPC endpoint
// policy, then KMS actions, then identity and resource policies.
func (f *facts) byPolicy(p policyType, conf Confidence) (Layer, Control, Confidence) {
	switch {
	case p == policySCP:
		return LayerOrgControls, ControlSCP, conf
	case p == policyRCP:
		return LayerOrgControls, ControlRCP, conf
	case p == policyBoundary:
		return LayerOrgControls, ControlPermissionsBoundary, conf
	case p == policySession:
		return LayerOrgControls, ControlSessionPolicy, conf
	case p == policyVPCEndpoint:
		return LayerNetwork, ControlVPCEndpointPolicy, conf
	case p == policyIdentity && f.kmsAction():
		return LayerKMS, ControlIdentityPolicy, conf
	case p == policyResource && f.kmsAction():
		return LayerKMS, ControlKMSKeyPolicy, conf
	case p == policyIdentity:
		return LayerIAM, ControlIdentityPolicy, conf
	case p == policyResource && (f.s3Action() || f.e.EventSource == "s3.amazonaws.com"):
		return LayerBucketPolicy, ControlBucketPolicy, conf
	case p == policyResource:
		f.why = "resource-other"
		return LayerUnknown, ControlUnknown, Medium
	case p == policyTrust:
		f.why = "trust"
		return LayerUnknown, ControlUnknown, Medium
	}
	// policyUnknown: AWS named something; surface it, guess nothing more
	// than the action's service says.
	f.why = "unknown-policy"
	if f.kmsAction() {
		return LayerKMS, ControlKMSKeyPolicy, Low
	}
	return LayerUnknown, ControlUnknown, Low
}

// fallback classifies a denial whose message names no policy type (plain
// "Access Denied", or none at all) from the event's structure.
func (f *facts) fallback() (Layer, Control, Confidence) {
	e := f.e
	f.noteAccounts()
	if f.kmsAction() {
		f.why = "fallback"
		if f.crossAccount() {
			return LayerKMS, ControlKMSKeyPolicy, Low
		}
		return LayerKMS, ControlIdentityPolicy, Low
	}
	if e.EventSource == "s3.amazonaws.com" || f.s3Action() {
		switch {
		case f.anonymous():
			f.why = "anonymous"
			f.note("userIdentity: anonymous: the request was not signed, so no IAM policy applies; only a bucket policy or ACL can allow it")
			return LayerBucketPolicy, ControlBucketPolicy, Medium
		case f.crossAccount():
			f.why = "cross-account"
			acl := e.RequestParameters.ACL
			if carriesACL(e.EventName) && acl != "bucket-owner-full-control" {
				if acl == "" {
					f.note("requestParameters.x-amz-acl: absent: a cross-account %s without bucket-owner-full-control is what bucket policies commonly deny", e.EventName)
				} else {
					f.note("requestParameters.x-amz-acl: %q, not bucket-owner-full-control, which bucket policies commonly require of cross-account uploads", acl)
				}
				return LayerACL, ControlACL, Medium
			}
			if acl != "" {
				f.note("requestParameters.x-amz-acl: %q: the canned ACL is present, so the bucket policy (or the caller's IAM policy) itself does not allow the call", acl)
			}
			return LayerBucketPolicy, ControlBucketPolicy, Medium
		}
	}
	switch {
	case f.crossAccount():
		f.why = "cross-account"
		return LayerUnknown, ControlUnknown, Low
	case f.caller != "" && f.caller == f.owner:
		f.why = "fallback"
		return LayerIAM, ControlIdentityPolicy, Low
	}
	f.why = "no-accounts"
	f.note("the caller's account or the resource's account is not in the event, so cross-account causes cannot be told from same-account ones")
	return LayerUnknown, ControlUnknown, Low
}

// noteAccounts records the account comparison the fallback rests on.
func (f *facts) noteAccounts() {
	switch {
	case f.caller == "" || f.owner == "" || f.anonymous():
	case f.caller != f.owner:
		f.note("userIdentity.accountId: %q differs from the resource owner %q (%s): a cross-account call", f.caller, f.owner, f.ownerFrom)
		if f.e.EventSource == "s3.amazonaws.com" {
			f.note("S3 explains a denial only to callers in the bucket owner's account or organization; a bare message suggests the caller is outside it")
		}
	default:
		note := ""
		if f.ownerFrom == "recipientAccountId" && f.e.EventSource == "s3.amazonaws.com" {
			note = "; the bucket's own accountId is not in the event, and a cross-account event is delivered to both accounts, so the bucket owner's copy of this event would settle it"
		}
		f.note("userIdentity.accountId: %q is also the resource owner (%s): a same-account call%s", f.caller, f.ownerFrom, note)
	}
}

// carriesACL reports whether an S3 call can carry a canned ACL that a
// bucket policy may require (x-amz-acl).
func carriesACL(eventName string) bool {
	switch eventName {
	case "PutObject", "CopyObject", "CreateMultipartUpload", "PutObjectAcl", "PostObject":
		return true
	}
	return false
}

// isDenial reports whether the failure is an authorization failure (as
// opposed to a bad request): by error code, or by message.
func (f *facts) isDenial() bool {
	return isDenialCode(f.code) || strings.Contains(f.lm, "not authorized to perform") ||
		strings.Contains(f.lm, "access denied") || strings.Contains(f.lm, "explicit deny") ||
		strings.Contains(f.lm, "is not authorized")
}

// isDenialCode reports whether an error code (without "Client." or "KMS.")
// alone says access was denied. The spellings vary by service.
func isDenialCode(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
		"AuthorizationErrorException", "UnauthorizedAccess", "UnauthorizedException", "Unauthorized",
		"UnauthorizedAccessException", "Forbidden", "ForbiddenException", "AccessDeniedFault",
		"AllAccessDisabled":
		return true
	}
	return strings.HasSuffix(code, "AccessDenied") || strings.HasSuffix(code, "AccessDeniedException")
}

// credentialControl maps authentication error codes to a control.
func credentialControl(code string) (Control, Confidence, bool) {
	switch code {
	case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired":
		return ControlExpiredCredentials, High, true
	case "InvalidAccessKeyId", "InvalidClientTokenId", "SignatureDoesNotMatch", "InvalidToken",
		"UnrecognizedClientException", "AuthFailure", "InvalidSignatureException":
		return ControlInvalidCredentials, High, true
	case "RequestExpired":
		// The signed request (often a presigned URL) outlived its expiry.
		return ControlExpiredCredentials, Medium, true
	case "RequestTimeTooSkewed":
		return ControlInvalidCredentials, Medium, true
	}
	// Service-prefixed spellings, e.g. CloudTrailInvalidClientTokenIdException.
	for _, c := range [...]string{"ExpiredToken", "InvalidClientTokenId", "UnrecognizedClient", "InvalidAccessKeyId", "SignatureDoesNotMatch"} {
		if strings.HasSuffix(code, c) || strings.HasSuffix(code, c+"Exception") {
			if c == "ExpiredToken" {
				return ControlExpiredCredentials, High, true
			}
			return ControlInvalidCredentials, High, true
		}
	}
	return "", "", false
}

// keyState recognises a KMS key that cannot be used: by the KMS error code
// (or S3's "KMS."-prefixed copy of it) or by the KMS message forms
// "<key> is disabled." and the like.
func (f *facts) keyState() (Layer, Control, Confidence, bool) {
	e := f.e
	kms := e.EventSource == "kms.amazonaws.com"
	if !kms && !(e.EventSource == "s3.amazonaws.com" && (f.kmsCode || strings.Contains(f.lm, "kms"))) {
		return "", "", "", false
	}
	if !kms && !f.kmsCode && isDenialCode(f.code) {
		// An S3 AccessDenied that mentions KMS is a policy question.
		return "", "", "", false
	}
	state, conf := "", High
	for _, s := range [...]string{"pending deletion", "pending import", "disabled", "unavailable"} {
		if strings.Contains(f.lm, " is "+s+".") || strings.HasSuffix(f.lm, " is "+s) {
			state = s
			break
		}
	}
	switch f.code {
	case "DisabledException":
		if state == "" {
			state = "disabled"
		}
	case "KMSInvalidStateException":
		if state == "" {
			state = "invalid state"
		}
	case "NotFoundException":
		state = "not found"
	case "KeyUnavailableException":
		if state == "" {
			state = "unavailable"
		}
	case "InvalidKeyUsageException":
		state, conf = "key usage", Medium
	default:
		if state == "" {
			return "", "", "", false
		}
	}
	if f.kmsCode {
		f.note("errorCode %q: S3 passes on the KMS error it got when it used the key for the caller", e.ErrorCode)
	}
	switch state {
	case "key usage":
		f.quoteMessage("the key's usage or spec does not fit this operation")
	case "not found":
		f.quoteMessage("KMS found no such key in this account and Region")
	case "invalid state":
		f.quoteMessage("the key is not in a state that allows this operation")
	default:
		f.quoteMessage("the key is " + state)
	}
	f.state = state
	return LayerKMS, ControlKMSKeyState, conf, true
}

// quoteMessage records errorMessage (or its absence) with what it means.
func (f *facts) quoteMessage(meaning string) {
	if m := f.e.ErrorMessage; m != "" {
		f.note("errorMessage: %q: %s", clip(m, 300), meaning)
	} else {
		f.note("errorMessage: absent; errorCode %q alone: %s", f.e.ErrorCode, meaning)
	}
}

// noteDenial records what the access-denied message says and does not say.
func (f *facts) noteDenial() {
	e, d := f.e, &f.d
	m := e.ErrorMessage
	switch {
	case strings.TrimSpace(m) == "":
		f.note("errorMessage: absent: AWS gave no reason for the denial")
	case d.cut != "":
		f.note("errorMessage: %q: ends mid-phrase, cut by CloudTrail", ellipsis(m, d.cut))
	case d.excerpt != "":
		f.note("errorMessage: %q: %s", ellipsis(m, d.excerpt), f.meaning())
	case d.enhanced:
		f.note("errorMessage: %q: names the caller and action but no policy type", clip(m, 300))
	default:
		f.note("errorMessage: %q: names no policy type", clip(m, 300))
	}
	if d.enhanced {
		res := d.resource
		if d.thisResource {
			res = "this resource"
		}
		f.note("errorMessage names principal %q, action %q, resource %q", d.principal, d.action, clip(res, 300))
	}
	if d.resourceCut {
		f.note("errorMessage: the resource ARN has no closing quote: the message was truncated inside it")
	}
	if d.policyARN != "" {
		f.note("errorMessage names the policy: %q", d.policyARN)
	}
	if d.link != "" {
		f.note("errorMessage links to %q", d.link)
	}
	if d.encoded != "" {
		if d.truncated {
			f.note("errorMessage carries an encoded authorization failure message, but the message is %d bytes (CloudTrail's 1 KB limit): it is cut and cannot be decoded", len(m))
		} else {
			f.note("errorMessage carries an encoded authorization failure message (%d bytes): aws sts decode-authorization-message gives the full reason", len(d.encoded))
		}
	}
	switch {
	case d.cut != "":
		names := make([]string, len(d.candidates))
		for i, c := range d.candidates {
			names[i] = c.String()
		}
		could := "any policy type"
		if len(names) > 0 {
			could = strings.Join(names, " or ")
		}
		f.note("errorMessage is %d bytes, CloudTrail's 1 KB limit: it was cut mid-phrase at %q, which could be %s", len(m), clip(d.cut, 80), could)
	case d.truncated && d.policy == policyNone && d.kind == kindNone:
		f.note("errorMessage is %d bytes, CloudTrail's 1 KB limit: it was probably cut before naming a policy type", len(m))
	}
}

// meaning says in words what the parsed context clause means.
func (f *facts) meaning() string {
	d := &f.d
	switch d.kind {
	case kindRegion:
		return "KMS found no key policy allowing the call: the key may not exist in this Region or account, no resource-based policy allows access, or one explicitly denies it"
	}
	what := "the " + d.policy.String()
	switch d.policy {
	case policyUnknown:
		what = fmt.Sprintf("a policy type denytrail does not know (%q)", d.phrase)
	case policyTrust:
		what = "the role trust policy (not an S3 or KMS control)"
	}
	if d.kind == kindExplicit {
		return fmt.Sprintf("an explicit deny in %s", what)
	}
	return fmt.Sprintf("no allow: %s has no statement allowing %s", what, cmp.Or(d.action, "the action"))
}

// requestDetails quotes the request details that policy conditions test.
func (f *facts) requestDetails(layer Layer) {
	e := f.e
	rp := &e.RequestParameters
	s3 := e.EventSource == "s3.amazonaws.com"
	if rp.ACL != "" && layer != LayerACL {
		f.note("requestParameters.x-amz-acl: %q", rp.ACL)
	}
	if rp.SSE != "" {
		switch strings.ToLower(rp.SSE) {
		case "aws:kms", "aws:kms:dsse":
			f.note("requestParameters.x-amz-server-side-encryption: %q: S3 calls kms:GenerateDataKey (and kms:Decrypt for multipart uploads) as the caller, so the key policy and the caller's IAM policy must allow it", rp.SSE)
		default:
			f.note("requestParameters.x-amz-server-side-encryption: %q: a bucket policy requiring SSE-KMS (s3:x-amz-server-side-encryption) would deny it", rp.SSE)
		}
	}
	if rp.SSEKMSKeyID != "" {
		f.note("requestParameters.x-amz-server-side-encryption-aws-kms-key-id: %q", rp.SSEKMSKeyID)
	}
	if rp.SSECustomerAlgorithm != "" {
		f.note("requestParameters.x-amz-server-side-encryption-customer-algorithm: %q: an SSE-C upload", rp.SSECustomerAlgorithm)
	}
	if arn := rp.EncryptionContext["aws:s3:arn"]; arn != "" {
		f.note("requestParameters.encryptionContext[\"aws:s3:arn\"]: %q: S3 called KMS for this object or bucket (SSE-KMS)", arn)
	}
	if ib := e.UserIdentity.InvokedBy; ib != "" {
		f.note("userIdentity.invokedBy: %q: the service made this call on the caller's behalf", ib)
	}
	if s3 && e.TLSDetails == nil && e.EventCategory != "NetworkActivity" && eventVersionAtLeast(e.EventVersion, 1, 8) {
		f.note("tlsDetails: absent: the request was not made over TLS, which a bucket policy denying aws:SecureTransport=false blocks")
	}
	if v := e.VPCEndpoint(); v != "" && layer != LayerNetwork {
		f.note("vpcEndpointId: %q: the request came through a VPC endpoint; the endpoint's policy, or a bucket or key policy condition on aws:SourceVpce, may be what denied it (S3 does not log denials by the endpoint policy itself)", v)
	}
	if ip := e.SourceIPAddress; ip != "" && (s3 || e.EventSource == "kms.amazonaws.com") && isIPAddress(ip) {
		f.note("sourceIPAddress: %q: the address aws:SourceIp conditions test", ip)
	}
	if strings.EqualFold(e.AdditionalEventData.AuthenticationMethod, "QueryString") {
		f.note("additionalEventData.AuthenticationMethod: \"QueryString\": a presigned URL, acting with the permissions (and expiry) of whoever signed it")
	}
}

// isIPAddress reports whether s is an IP address rather than a service
// name ("s3.amazonaws.com", "AWS Internal").
func isIPAddress(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// eventVersionAtLeast compares a "major.minor" eventVersion.
func eventVersionAtLeast(v string, major, minor int) bool {
	a, b, _ := strings.Cut(v, ".")
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// eventAction derives the IAM action a call needs when the message does not
// name it: the PutObject family needs s3:PutObject; other calls are named
// "<service>:<eventName>".
func eventAction(e *Event) string {
	svc := e.Service()
	if svc == "" || e.EventName == "" {
		return ""
	}
	if svc == "s3" {
		switch e.EventName {
		case "PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload", "PostObject":
			return "s3:PutObject"
		case "GetObject", "HeadObject", "SelectObjectContent":
			return "s3:GetObject"
		case "ListObjects", "ListObjectsV2", "HeadBucket":
			return "s3:ListBucket"
		case "PutBucketEncryption", "DeleteBucketEncryption":
			return "s3:PutEncryptionConfiguration"
		case "GetBucketEncryption":
			return "s3:GetEncryptionConfiguration"
		case "DeleteBucketPublicAccessBlock":
			return "s3:PutBucketPublicAccessBlock"
		case "PutBucketReplication", "DeleteBucketReplication":
			return "s3:PutReplicationConfiguration"
		case "PutBucketLifecycle", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle":
			return "s3:PutLifecycleConfiguration"
		case "GetBucketLifecycle", "GetBucketLifecycleConfiguration":
			return "s3:GetLifecycleConfiguration"
		}
	}
	name := e.EventName
	// Lambda logs versioned names such as ListFunctions20150331.
	if n := len(name); n > 8 {
		if _, err := strconv.Atoi(name[n-8:]); err == nil && svc == "lambda" {
			name = name[:n-8]
		}
	}
	return svc + ":" + name
}

// eventResource derives the resource ARN from the event when the message
// does not name it.
func eventResource(e *Event) string {
	switch e.EventSource {
	case "s3.amazonaws.com":
		if b := e.Bucket(); b != "" {
			arn := "arn:" + partition(e.AWSRegion) + ":s3:::" + b
			if k := e.ObjectKey(); k != "" {
				arn += "/" + k
			}
			return arn
		}
	case "kms.amazonaws.com":
		if k := e.KMSKey(); k != "" {
			return k
		}
	}
	for _, r := range e.Resources {
		if r.ARN != "" {
			return r.ARN
		}
	}
	return ""
}

// clip shortens s to at most n bytes (on a rune boundary), marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// ellipsis quotes part of a message, marking what was left out.
func ellipsis(msg, part string) string {
	part = clip(part, 300)
	if !strings.HasPrefix(msg, part) {
		part = "…" + part
	}
	return part
}
