package classify

import (
	"cmp"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// facts are what a verdict and its remediation are built from: the event,
// its parsed errorMessage, and the names the remediation quotes.
type facts struct {
	e  *Event
	d  denial
	lm string // errorMessage, ASCII lower-cased

	code    string    // errorCode without the "Client." and "KMS." prefixes
	kmsCode bool      // an S3 errorCode with the "KMS." prefix
	entry   codeEntry // what the error code table says of the code
	known   bool      // the table holds the code

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
	v := Verdict{Layer: layer, Control: control, Confidence: conf, Evidence: f.evidence}
	v.Remediation, v.Cause, v.Commands = remedy(layer, control, f)
	return v
}

func newFacts(e *Event) *facts {
	f := &facts{e: e, lm: lowerASCII(e.ErrorMessage), evidence: make([]string, 0, 8)}
	f.code = strings.TrimPrefix(e.ErrorCode, "Client.")
	if c, ok := strings.CutPrefix(f.code, "KMS."); ok {
		f.code, f.kmsCode = c, true
	}
	f.entry, f.known = lookupCode(e.ErrorCode, e.Service())
	f.d = parseDenialOf(e.ErrorMessage, f.lm, eventResource(e))
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
	f.evidence = append(f.evidence, sprintf(format, args...))
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
// one that fires: messages that settle the case whatever the code, then
// the error code table, then (for denials) what the message names, then
// the event's structure.
func (f *facts) decide() (Layer, Control, Confidence) {
	e, d := f.e, &f.d
	if l, c, conf, ok := f.byMessage(); ok {
		return l, c, conf
	}
	switch en := &f.entry; {
	case f.known && en.class == codeCredentials:
		f.note("errorCode %q: %s: AWS rejected the request's credentials before evaluating any policy", e.ErrorCode, en.meaning)
		return LayerCredentials, en.control, en.conf
	case f.known && en.control == ControlVPCEndpointPolicy:
		f.quoteMessage(en.meaning)
		if v := e.VPCEndpoint(); v != "" {
			f.note("vpcEndpointId: %q", v)
		}
		if e.EventCategory != "" {
			f.note("eventCategory: %q", e.EventCategory)
		}
		return en.layer, en.control, en.conf
	}
	if l, c, conf, ok := f.keyState(); ok {
		return l, c, conf
	}
	switch en := &f.entry; {
	case f.known && en.control == ControlObjectOwnership:
		f.note("errorCode %q: %s", e.ErrorCode, en.meaning)
		if acl := e.RequestParameters.ACL; acl != "" {
			f.note("requestParameters.x-amz-acl: %q", acl)
		}
		return en.layer, en.control, en.conf
	case f.known && en.class == codeFixed:
		f.note("errorCode %q: %s", e.ErrorCode, en.meaning)
		f.quoteMessage("not an authorization failure")
		return en.layer, en.control, en.conf
	case !f.known && !f.deniedByMessage():
		return f.unknownCode()
	}

	f.noteDenial()
	if !f.known && (len(d.phrases) > 0 || d.kind != kindNone || d.cut != "") {
		f.note("errorCode %q is not one denytrail knows; the message decides", e.ErrorCode)
	}
	if len(d.phrases) > 0 {
		return f.byPhrases()
	}
	if d.kind == kindRegion {
		if l, c, conf, ok := f.regionMismatch(); ok {
			return l, c, conf
		}
		f.why = "region"
		f.noteKeyRegion()
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
		if l, c, conf, ok := f.regionMismatch(); ok {
			return l, c, conf
		}
		f.why, f.kmsAct = "kms-via-service", act
		if f.kmsCode {
			f.note("errorCode %q: %s passes on the KMS error it got using the key for the caller", e.ErrorCode, strings.ToUpper(e.Service()))
		} else {
			f.note("errorMessage names %s: %s reports KMS refusing what it needed on the caller's behalf", act, strings.ToUpper(e.Service()))
		}
		return LayerKMS, ControlKMSKeyPolicy, Medium
	}
	if l, c, conf, ok := f.regionMismatch(); ok {
		return l, c, conf
	}
	if !f.known {
		return f.unknownCode()
	}
	return f.fallback()
}

// byMessage recognises the messages that say what happened whatever the
// error code: Block Public Access, and the two SSE-C messages (a bucket
// that blocks SSE-C, a request with the wrong customer key).
func (f *facts) byMessage() (Layer, Control, Confidence, bool) {
	lm := f.tail()
	switch {
	case strings.Contains(lm, "blockpublicacls"):
		f.quoteMessage("S3 Block Public Access (BlockPublicAcls) rejected a public ACL")
		return LayerACL, ControlBlockPublicAccess, High, true
	case strings.Contains(lm, "blocked upload requests that specify server side encryption with customer provided keys") ||
		strings.Contains(lm, "(sse-c)") && strings.Contains(lm, "blocked"):
		f.quoteMessage("the bucket's encryption configuration blocks SSE-C uploads")
		return LayerBucketPolicy, ControlBucketEncryption, High, true
	case strings.Contains(lm, "customer provided keys must provide") || strings.Contains(lm, "customer-provided keys must provide") ||
		strings.Contains(lm, "calculated md5 hash of the key did not match"):
		f.quoteMessage("the request's SSE-C customer key (or its algorithm or MD5) is wrong or missing: a request error, not the bucket blocking SSE-C")
		return LayerOther, ControlRequestError, High, true
	}
	return "", "", "", false
}

// deniedByMessage reports whether the message itself says access was
// denied, for codes the table does not hold.
func (f *facts) deniedByMessage() bool {
	return f.d.enhanced || f.d.kind != kindNone || strings.Contains(f.lm, "access denied") ||
		strings.Contains(f.lm, "is not authorized") || isDenialCode(f.code)
}

// unknownCode is the verdict for a code the table does not hold and a
// message that names no policy: a code whose name says it was a bad
// request is a request error (medium: by its name); any other stays
// unknown, quoting the code. Never the bare-denial fallback: a named code
// is not a bare "Access Denied".
func (f *facts) unknownCode() (Layer, Control, Confidence) {
	e := f.e
	if requestLikeCode(f.code) {
		f.note("errorCode %q is not in denytrail's table, but its name says the request itself was wrong (not found, invalid, conflicting or over a limit)", e.ErrorCode)
		f.quoteMessage("not an authorization failure")
		return LayerOther, ControlRequestError, Medium
	}
	f.why = "unknown-code"
	f.note("errorCode %q is not one denytrail knows: the AWS documentation of %s's errors says what it means", e.ErrorCode, cmp.Or(e.EventSource, "the service"))
	f.quoteMessage("the message does not say which control failed")
	return LayerUnknown, ControlUnknown, Low
}

// byPhrases decides by the policy types the message names: the decisive
// one by DESIGN.md §2.1's precedence, the others quoted.
func (f *facts) byPhrases() (Layer, Control, Confidence) {
	d := &f.d
	conf := High
	if d.resourceDoubt {
		conf = Medium
		f.note("errorMessage was cut at 1 KB and its quoted resource is not the event's object: its end was taken at the last quote, which a quote inside the key could have moved")
	}
	if d.cut != "" {
		conf = Medium
	}
	p := d.policy
	if types := f.arnTypes(); p == policyUnknown && len(types) == 1 {
		f.note("the policy ARN %q is a %s, which says what the unknown words %q name", d.policyARN, types[0], d.phrase)
		p = types[0]
		conf = Medium
	}
	return f.byPolicy(p, conf)
}

// arnTypes returns the policy types the message's policy ARN allows, and
// notes whether they confirm the phrase.
func (f *facts) arnTypes() []policyType {
	d := &f.d
	if d.policyARN == "" {
		return nil
	}
	types := arnPolicyTypes(d.policyARN)
	switch {
	case len(types) == 0:
	case slices.Contains(types, d.policy):
		f.note("the policy ARN's form (%s) confirms the phrase %q", typeNames(types), d.phrase)
	case d.policy != policyUnknown:
		f.note("the policy ARN's form (%s) does not fit the phrase %q: check both", typeNames(types), d.phrase)
	}
	return types
}

// typeNames joins policy type names with "or".
func typeNames(types []policyType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.String()
	}
	return strings.Join(names, " or ")
}

// keyRegion returns the KMS key ARN the event names and its Region, with
// the Region of the call, when both are known and differ.
func (f *facts) keyRegion() (key, keyRegion, callRegion string, differ bool) {
	e := f.e
	for _, k := range [...]string{e.KMSKey(), e.RequestParameters.SSEKMSKeyID, e.RequestParameters.KeyID} {
		if r := arnRegion(k); r != "" && strings.Contains(k, ":kms:") {
			return k, r, e.AWSRegion, e.AWSRegion != "" && r != e.AWSRegion
		}
	}
	return "", "", e.AWSRegion, false
}

// arnRegion is the Region field of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// regionMismatch is the verdict when the KMS key is in another Region than
// the call: certain, since S3 uses only keys in the bucket's Region and a
// KMS key is used in its own Region only.
func (f *facts) regionMismatch() (Layer, Control, Confidence, bool) {
	key, kr, cr, differ := f.keyRegion()
	if !differ {
		return "", "", "", false
	}
	if f.e.EventSource == "s3.amazonaws.com" {
		f.note("the KMS key %q is in Region %q, the bucket in %q (awsRegion): S3 can use only a KMS key in the bucket's Region, so this alone fails the request", key, kr, cr)
	} else {
		f.note("the KMS key %q is in Region %q, the call went to %q (awsRegion): a KMS key is used only in its own Region (a multi-Region key through its replica's ARN in this Region)", key, kr, cr)
	}
	f.why, f.state = "region-mismatch", "wrong region"
	return LayerKMS, ControlKMSKeyState, High, true
}

// noteKeyRegion says, for the KMS Region form of denial, what the event
// tells of the key's Region, and what would settle it.
func (f *facts) noteKeyRegion() {
	key, kr, cr, _ := f.keyRegion()
	switch {
	case key == "":
		f.note("the event names no key ARN, so whether the key is in Region %q cannot be told from it: aws kms describe-key in that Region would settle it", cmp.Or(cr, "of the call"))
	case kr == cr:
		f.note("the key ARN %q is in Region %q, the Region of the call: so the key policy (or the key's account) is the likelier cause", key, kr)
	}
}

// tail is the lower-cased errorMessage after the resource it names (all of
// it when it names none): the part an object key cannot be in.
func (f *facts) tail() string {
	if f.d.resourceCut {
		return ""
	}
	return f.lm[f.d.context:]
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
		if k := strings.Index(f.tail(), a); k >= 0 {
			k += f.d.context
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
			f.note("AWS gave no reason: the key policy (aws kms get-key-policy) and the caller's IAM policy (simulated for %s) would settle which side refuses", f.action)
			return LayerKMS, ControlKMSKeyPolicy, Low
		}
		f.note("AWS gave no reason: the caller's IAM policy simulated for %s on the key would settle it (if it allows, the key policy refuses)", f.action)
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
		f.note("AWS gave no reason: the caller's IAM policy simulated for %s on %s would settle it (if it allows, the resource's policy, then SCPs and permissions boundaries are next)", cmp.Or(f.action, "the action"), f.resourceName())
		if rp := &e.RequestParameters; e.EventSource == "s3.amazonaws.com" && (strings.HasPrefix(strings.ToLower(rp.SSE), "aws:kms") || rp.SSEKMSKeyID != "") {
			f.note("the upload asked for SSE-KMS, so the key policy may be what refused: the kms:GenerateDataKey event S3 made for it (invokedBy s3.amazonaws.com, same principal and time) would settle it")
		}
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

// isDenialCode reports whether an error code (without "Client." or "KMS.")
// alone says access was denied: the table's denial codes, and the
// service-prefixed spellings of AccessDenied.
func isDenialCode(code string) bool {
	if en, ok := findCode(code, ""); ok && en.class == codeDenial {
		return true
	}
	return strings.HasSuffix(code, "AccessDenied") || strings.HasSuffix(code, "AccessDeniedException")
}

// requestLikeCode reports whether the name of a code the table does not
// hold says the request itself was wrong, as AWS names such errors across
// services (NoSuchEntity, ResourceNotFoundException, InvalidParameterValue,
// MalformedPolicyDocument, LimitExceeded, ResourceInUse, ...).
func requestLikeCode(code string) bool {
	if strings.HasPrefix(code, "NoSuch") || strings.HasPrefix(code, "Invalid") || strings.HasPrefix(code, "Malformed") ||
		strings.HasPrefix(code, "Throttl") || strings.HasPrefix(code, "Unknown") {
		return true
	}
	for _, w := range [...]string{"NotFound", "AlreadyExists", "LimitExceeded", "InUse", "Conflict", "Validation", "TooMany", "Throttl", "Unsupported", "NotSupported", "Unmodifiable", "Temporarily"} {
		if strings.Contains(code, w) {
			return true
		}
	}
	return false
}

// keyState recognises a KMS key that cannot be used: by the error code
// (KMS's, or S3's "KMS."-prefixed copy of it) or by the KMS message forms
// "<key> is disabled." and the like, on KMS calls and on S3 calls that
// pass on a KMS error. A key in another Region than the call is certain
// too (see regionMismatch).
func (f *facts) keyState() (Layer, Control, Confidence, bool) {
	e := f.e
	state := ""
	switch {
	case f.known && f.entry.class == codeKeyState:
		state = f.entry.state
		f.note("errorCode %q: %s", e.ErrorCode, f.entry.meaning)
	case f.known && f.entry.class != codeDenial:
		return "", "", "", false
	case e.EventSource != "kms.amazonaws.com" && !f.kmsCode:
		return "", "", "", false
	}
	for _, s := range [...]string{"pending deletion", "pending import", "disabled", "unavailable"} {
		if strings.Contains(f.tail(), " is "+s+".") || strings.HasSuffix(f.tail(), " is "+s) {
			if state == "" || state == "invalid state" || state == s {
				state = s
			}
			break
		}
	}
	if state == "" {
		return "", "", "", false
	}
	if state == "not found" {
		if l, c, conf, ok := f.regionMismatch(); ok {
			f.quoteMessage("KMS found no such key in the Region of the call")
			return l, c, conf, true
		}
	}
	switch state {
	case "not found":
		f.quoteMessage("KMS found no such key in this account and Region")
	case "invalid state":
		f.quoteMessage("the key is not in a state that allows this operation")
	default:
		f.quoteMessage("the key is " + state)
	}
	f.state = state
	return LayerKMS, ControlKMSKeyState, High, true
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
	switch {
	case d.resourceCut:
		f.note("errorMessage: the resource ARN has no closing quote: the message was truncated inside it")
	case d.quoteLost:
		f.note("errorMessage: the quote around the resource ARN never closes (lost in copying or logging); the context was read after it")
	}
	if len(d.phrases) > 1 {
		quoted := make([]string, len(d.phrases))
		for i, p := range d.phrases {
			quoted[i] = strconv.Quote(p.text)
		}
		f.note("errorMessage names %d policy types: %s; the %s decides (organizational controls first, then the VPC endpoint policy, then identity and resource policies)",
			len(d.phrases), strings.Join(quoted, ", "), d.policy)
	}
	for _, a := range d.policyARNs {
		f.note("errorMessage names the policy: %q", a)
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
		what = sprintf("a policy type denytrail does not know (%q)", d.phrase)
	case policyTrust:
		what = "the role trust policy (not an S3 or KMS control)"
	}
	if d.kind == kindExplicit {
		return sprintf("an explicit deny in %s", what)
	}
	return sprintf("no allow: %s has no statement allowing %s", what, cmp.Or(d.action, "the action"))
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
