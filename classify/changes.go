package classify

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Change is a successful policy or configuration change found in the same
// records as the denials: a bucket policy put, a key disabled, a deny
// policy attached to a role, an SCP attached. A finding lists the latest
// relevant change before it, and, when the denials of its pattern stopped
// soon after a later change, that change too.
type Change struct {
	EventID     string    `json:"eventID"`
	EventTime   time.Time `json:"eventTime"`
	EventSource string    `json:"eventSource"`
	EventName   string    `json:"eventName"`
	// Principal made the change.
	Principal string `json:"principal"`
	// Target is what was changed: a bucket name, a KMS key ARN, a role or
	// user ARN, an IAM policy ARN, or an Organizations target or policy id.
	Target string `json:"target"`
	// Detail says what the change did, from its request parameters, e.g.
	// "attached arn:aws:iam::111122223333:policy/DenyUploads".
	Detail string `json:"detail"`
	// Relation is "before" for the latest relevant change before the
	// finding, or "stopped" for a later change after which the denials of
	// the finding's pattern stopped.
	Relation string `json:"relation"`
	// Lead is, for "before", how long before the first denial of the
	// pattern at or after it the change was made; for "stopped", how long
	// before the pattern's last denial. Go duration syntax, e.g. "2m30s".
	Lead string `json:"lead"`
}

// The relations of a Change to a finding.
const (
	ChangeBefore  = "before"
	ChangeStopped = "stopped"
)

// changeKind groups change events by what they change, which decides the
// findings they are relevant to.
type changeKind uint8

const (
	chBucketPolicy     changeKind = iota + 1 // bucket policy
	chBucketACL                              // Object Ownership and bucket ACL
	chBucketBPA                              // Block Public Access
	chBucketEncryption                       // default encryption
	chKeyPolicy                              // key policy and grants
	chKeyState                               // enable, disable, deletion
	chIdentity                               // role and user policies
	chBoundary                               // permissions boundaries
	chPolicyVersion                          // a managed policy's content
	chOrg                                    // SCPs and RCPs
)

// changeNames lists the change events by service (eventSource without
// ".amazonaws.com"). Read-only. Bucket-level Block Public Access calls are
// logged as PutBucketPublicAccessBlock; the account-level ones as
// PutAccountPublicAccessBlock; the API names are listed too.
var changeNames = [...]struct {
	svc  string
	name string
	kind changeKind
}{
	{"s3", "PutBucketPolicy", chBucketPolicy},
	{"s3", "DeleteBucketPolicy", chBucketPolicy},
	{"s3", "PutBucketOwnershipControls", chBucketACL},
	{"s3", "DeleteBucketOwnershipControls", chBucketACL},
	{"s3", "PutBucketAcl", chBucketACL},
	{"s3", "PutPublicAccessBlock", chBucketBPA},
	{"s3", "DeletePublicAccessBlock", chBucketBPA},
	{"s3", "PutBucketPublicAccessBlock", chBucketBPA},
	{"s3", "DeleteBucketPublicAccessBlock", chBucketBPA},
	{"s3", "PutAccountPublicAccessBlock", chBucketBPA},
	{"s3", "DeleteAccountPublicAccessBlock", chBucketBPA},
	{"s3", "PutBucketEncryption", chBucketEncryption},
	{"s3", "DeleteBucketEncryption", chBucketEncryption},
	{"kms", "PutKeyPolicy", chKeyPolicy},
	{"kms", "CreateGrant", chKeyPolicy},
	{"kms", "RetireGrant", chKeyPolicy},
	{"kms", "RevokeGrant", chKeyPolicy},
	{"kms", "DisableKey", chKeyState},
	{"kms", "EnableKey", chKeyState},
	{"kms", "ScheduleKeyDeletion", chKeyState},
	{"kms", "CancelKeyDeletion", chKeyState},
	{"iam", "PutRolePolicy", chIdentity},
	{"iam", "AttachRolePolicy", chIdentity},
	{"iam", "DetachRolePolicy", chIdentity},
	{"iam", "DeleteRolePolicy", chIdentity},
	{"iam", "PutUserPolicy", chIdentity},
	{"iam", "AttachUserPolicy", chIdentity},
	{"iam", "DetachUserPolicy", chIdentity},
	{"iam", "DeleteUserPolicy", chIdentity},
	{"iam", "CreatePolicyVersion", chPolicyVersion},
	{"iam", "SetDefaultPolicyVersion", chPolicyVersion},
	{"iam", "PutRolePermissionsBoundary", chBoundary},
	{"iam", "DeleteRolePermissionsBoundary", chBoundary},
	{"iam", "PutUserPermissionsBoundary", chBoundary},
	{"iam", "DeleteUserPermissionsBoundary", chBoundary},
	{"organizations", "AttachPolicy", chOrg},
	{"organizations", "DetachPolicy", chOrg},
	{"organizations", "UpdatePolicy", chOrg},
}

// changeKindOf returns the kind of a change event, or 0.
func changeKindOf(source, name string) changeKind {
	svc, ok := strings.CutSuffix(source, ".amazonaws.com")
	if !ok {
		return 0
	}
	for _, c := range changeNames {
		if c.name == name && c.svc == svc {
			return c.kind
		}
	}
	return 0
}

// IsChange reports whether e is a successful policy or configuration change
// that can explain a denial: a bucket policy, Object Ownership, ACL, Block
// Public Access or default encryption change; a key policy, grant or key
// state change; an IAM role or user policy or boundary change; or an
// Organizations policy attached, detached or updated. Failed attempts do
// not count: they changed nothing.
func IsChange(e *Event) bool {
	return !e.Failed() && changeKindOf(e.EventSource, e.EventName) != 0
}

// changeParams are the request parameters a change's target and detail
// are read from.
type changeParams struct {
	RoleName            flexString `json:"roleName"`
	UserName            flexString `json:"userName"`
	PolicyName          flexString `json:"policyName"`
	PolicyArn           flexString `json:"policyArn"`
	PermissionsBoundary flexString `json:"permissionsBoundary"`
	VersionID           flexString `json:"versionId"`
	PolicyID            flexString `json:"policyId"`
	TargetID            flexString `json:"targetId"`
	GranteePrincipal    flexString `json:"granteePrincipal"`
	RetiringPrincipal   flexString `json:"retiringPrincipal"`
	GrantID             flexString `json:"grantId"`
	Operations          flexString `json:"operations"`
	PendingWindowInDays flexString `json:"pendingWindowInDays"`
	AccountID           flexString `json:"accountId"`
}

// change is a Change with what the index matches it on.
type change struct {
	Change
	kind   changeKind
	key    string // the index key of its target, see targetKey
	policy string // for role and user attachments: the managed policy ARN
}

// newChange describes a change event; ok is false when it names no target
// a finding could be matched to.
func newChange(e *Event) (c change, ok bool) {
	kind := changeKindOf(e.EventSource, e.EventName)
	if kind == 0 || e.Failed() {
		return c, false
	}
	var p changeParams
	if raw := e.RequestParameters.Raw; raw != nil {
		_ = json.Unmarshal(raw, &p) // flexString never fails; Raw is a valid object
	}
	c = change{Change: Change{
		EventID: e.EventID, EventTime: e.EventTime, EventSource: e.EventSource, EventName: e.EventName,
		Principal: e.Principal(),
	}, kind: kind}
	acct := cmp.Or(e.RecipientAccountID, e.UserIdentity.AccountID)
	part := partition(e.AWSRegion)
	switch kind {
	case chBucketPolicy, chBucketACL, chBucketBPA, chBucketEncryption:
		b := e.RequestParameters.BucketName
		if b == "" && strings.Contains(e.EventName, "Account") {
			// Account-level Block Public Access applies to every bucket
			// of the account.
			a := cmp.Or(string(p.AccountID), acct)
			if a == "" {
				return c, false
			}
			c.Target, c.key = "account "+a, "s3acct:"+a
			c.Detail = words((e.EventName))
			return c, true
		}
		if b == "" {
			return c, false
		}
		c.Target, c.key = b, "s3:"+b
		c.Detail = words((e.EventName)) + " on bucket " + b
	case chKeyPolicy, chKeyState:
		k := e.KMSKey()
		if k == "" {
			return c, false
		}
		c.Target, c.key = k, "kms:"+k
		switch e.EventName {
		case "CreateGrant":
			c.Detail = fmt.Sprintf("grant to %s for %s", cmp.Or(string(p.GranteePrincipal), "?"), cmp.Or(string(p.Operations), "?"))
		case "RetireGrant", "RevokeGrant":
			c.Detail = strings.ToLower(strings.TrimSuffix(e.EventName, "Grant")) + "d grant " + cmp.Or(string(p.GrantID), "?")
		case "ScheduleKeyDeletion":
			c.Detail = "key scheduled for deletion"
			if d := string(p.PendingWindowInDays); d != "" {
				c.Detail += " in " + d + " days"
			}
		default:
			c.Detail = words((e.EventName))
		}
	case chIdentity, chBoundary:
		kindName, name := "role", string(p.RoleName)
		if name == "" {
			kindName, name = "user", string(p.UserName)
		}
		if name == "" || acct == "" {
			return c, false
		}
		c.Target = "arn:" + part + ":iam::" + acct + ":" + kindName + "/" + name
		c.key = kindName + ":" + acct + "/" + name
		switch {
		case p.PolicyArn != "":
			c.policy = string(p.PolicyArn)
			verb := "attached"
			if strings.HasPrefix(e.EventName, "Detach") {
				verb = "detached"
			}
			c.Detail = verb + " " + c.policy
		case p.PermissionsBoundary != "":
			c.Detail = "boundary set to " + string(p.PermissionsBoundary)
		case p.PolicyName != "":
			verb := "inline policy " + string(p.PolicyName) + " put"
			if strings.HasPrefix(e.EventName, "Delete") {
				verb = "inline policy " + string(p.PolicyName) + " deleted"
			}
			c.Detail = verb
		default:
			c.Detail = words((e.EventName))
		}
	case chPolicyVersion:
		if p.PolicyArn == "" {
			return c, false
		}
		c.Target, c.key = string(p.PolicyArn), "policy:"+string(p.PolicyArn)
		c.Detail = "new default version of " + string(p.PolicyArn)
		if v := string(p.VersionID); v != "" {
			c.Detail = "default version of " + string(p.PolicyArn) + " set to " + v
		}
	case chOrg:
		id, target := string(p.PolicyID), string(p.TargetID)
		switch {
		case target != "" && isAccountID(target):
			c.Target, c.key = target, "org:"+target
		case target != "":
			// An OU or the root: which accounts are below it is not in
			// the records, so it may apply to any of them.
			c.Target, c.key = target, "org:*"
		default:
			c.Target, c.key = cmp.Or(id, "organization"), "org:*"
		}
		switch e.EventName {
		case "AttachPolicy":
			c.Detail = "policy " + cmp.Or(id, "?") + " attached to " + cmp.Or(target, "?")
		case "DetachPolicy":
			c.Detail = "policy " + cmp.Or(id, "?") + " detached from " + cmp.Or(target, "?")
		default:
			c.Detail = "policy " + cmp.Or(id, "?") + " updated"
		}
	}
	return c, true
}

// canCause reports whether the change can make calls fail: enabling a key
// or creating a grant only ever allows more.
func (c *change) canCause() bool {
	switch c.EventName {
	case "EnableKey", "CancelKeyDeletion", "CreateGrant":
		return false
	}
	return true
}

// canFix reports whether the change can make failing calls succeed:
// disabling a key, scheduling its deletion or retiring a grant never does.
func (c *change) canFix() bool {
	switch c.EventName {
	case "DisableKey", "ScheduleKeyDeletion", "RetireGrant", "RevokeGrant":
		return false
	}
	return true
}

// isAccountID reports whether s is a 12-digit account id.
func isAccountID(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}

// words turns "PutBucketPolicy" into "put bucket policy".
func words(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 && 'a' <= s[i-1] && s[i-1] <= 'z' {
				b.WriteByte(' ')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Default bounds of the change index.
const (
	// changesPerTarget is how many changes are kept per target, the latest
	// by event time: enough to find the latest one before any denial of a
	// scan in which a resource changed a few times.
	changesPerTarget = 8
	// maxChanges caps the changes kept in all. Busy accounts log many
	// grants (AWS services create and retire them all day); when the cap
	// is reached, the older half is dropped.
	maxChanges = 1 << 16
)

// changeIndex holds the latest changes per target, bounded per target
// and in total.
type changeIndex struct {
	byKey map[string][]change // sorted by event time
	n     int
	limit int
}

func newChangeIndex(limit int) *changeIndex {
	if limit <= 0 {
		limit = maxChanges
	}
	return &changeIndex{byKey: map[string][]change{}, limit: limit}
}

// add records a change (a copy of one already held is ignored).
func (x *changeIndex) add(c change) {
	cs := x.byKey[c.key]
	i, found := slices.BinarySearchFunc(cs, c, compareChanges)
	if found {
		return
	}
	if len(cs) == changesPerTarget {
		if i == 0 {
			return // older than all kept
		}
		cs = slices.Delete(cs, 0, 1)
		i--
		x.n--
	}
	x.byKey[c.key] = slices.Insert(cs, i, c)
	x.n++
	if x.n > x.limit {
		x.compact()
	}
}

func compareChanges(a, b change) int {
	return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.EventID, b.EventID))
}

// compact drops the older half of all changes.
func (x *changeIndex) compact() {
	times := make([]time.Time, 0, x.n)
	for _, cs := range x.byKey {
		for _, c := range cs {
			times = append(times, c.EventTime)
		}
	}
	slices.SortFunc(times, time.Time.Compare)
	cut := times[len(times)/2]
	x.n = 0
	for k, cs := range x.byKey {
		cs = slices.DeleteFunc(cs, func(c change) bool { return c.EventTime.Before(cut) })
		if len(cs) == 0 {
			delete(x.byKey, k)
			continue
		}
		x.byKey[k] = slices.Clip(cs)
		x.n += len(cs)
	}
}

// len is the number of changes held.
func (x *changeIndex) len() int { return x.n }

// changeTargets calls look with each index key a finding's changes are
// looked up under (the concatenation of its parts) and the kinds of change
// relevant to it under that key, in a fixed order.
func changeTargets(f *Finding, look func(kinds kindSet, key keyParts)) {
	l, c := f.Layer, f.Control
	if f.Bucket != "" {
		var kinds kindSet
		switch {
		case l == LayerBucketPolicy && c == ControlBucketEncryption:
			kinds = kindsOf(chBucketEncryption)
		case l == LayerBucketPolicy:
			kinds = kindsOf(chBucketPolicy, chBucketBPA)
		case l == LayerACL && c == ControlBlockPublicAccess:
			kinds = kindsOf(chBucketBPA)
		case l == LayerACL:
			kinds = kindsOf(chBucketACL, chBucketPolicy)
		case l == LayerKMS:
			kinds = kindsOf(chBucketEncryption)
		case l == LayerNetwork:
			kinds = kindsOf(chBucketPolicy)
		case l == LayerUnknown || l == LayerIAM && f.Confidence == Low:
			kinds = kindsOf(chBucketPolicy, chBucketACL, chBucketBPA)
		}
		if kinds != 0 {
			look(kinds, keyParts{"s3:", f.Bucket})
			if kinds.has(chBucketBPA) && f.ResourceAccount != "" {
				look(kindsOf(chBucketBPA), keyParts{"s3acct:", f.ResourceAccount})
			}
		}
	}
	if l == LayerKMS && f.KMSKey != "" {
		look(kindsOf(chKeyPolicy, chKeyState), keyParts{"kms:", f.KMSKey})
	}
	if kind, acct, name := iamIdentity(f.Role); name != "" {
		var kinds kindSet
		switch {
		case c == ControlIdentityPolicy:
			kinds = kindsOf(chIdentity)
		case c == ControlPermissionsBoundary:
			kinds = kindsOf(chBoundary)
		case l == LayerUnknown || l == LayerIAM:
			kinds = kindsOf(chIdentity, chBoundary)
		}
		if kinds != 0 {
			look(kinds, keyParts{kind, ":", acct, "/", name})
		}
	}
	if c == ControlSCP || c == ControlRCP {
		acct := f.PrincipalAccount
		if c == ControlRCP {
			acct = f.ResourceAccount
		}
		if acct != "" {
			look(kindsOf(chOrg), keyParts{"org:", acct})
		}
		look(kindsOf(chOrg), keyParts{"org:*"})
	}
}

// keyParts are the parts of an index key, concatenated, so that looking
// one up needs no string made for it.
type keyParts [5]string

// kindSet is a set of change kinds.
type kindSet uint32

func kindsOf(kinds ...changeKind) kindSet {
	var s kindSet
	for _, k := range kinds {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k changeKind) bool { return s&(1<<k) != 0 }

// iamIdentity splits a role or user ARN into "role" or "user", its account
// and its name (the last path element).
func iamIdentity(arn string) (kind, acct, name string) {
	acct = arnAccount(arn)
	if acct == "" {
		return "", "", ""
	}
	// What follows the first ":iam::" + acct + ":".
	res, ok := "", false
	for s := arn; !ok; {
		i := strings.Index(s, ":iam::")
		if i < 0 {
			return "", "", ""
		}
		s = s[i+1:] // the next may start at this one's last ':'
		rest := s[len("iam::"):]
		if ok = strings.HasPrefix(rest, acct) && len(rest) > len(acct) && rest[len(acct)] == ':'; ok {
			res = rest[len(acct)+1:]
		}
	}
	kind, path, ok := strings.Cut(res, "/")
	if !ok || kind != "role" && kind != "user" {
		return "", "", ""
	}
	return kind, acct, path[strings.LastIndexByte(path, '/')+1:]
}

// relevant returns the changes relevant to f, oldest first: those on its
// bucket, key, role or organization of a kind that can cause its control,
// and new versions of managed policies attached to its role (by a change in
// the index) or named in its message.
func (x *changeIndex) relevant(f *Finding) []*change {
	if len(x.byKey) == 0 {
		return nil
	}
	var out []*change // the index's own, which nothing changes while they are read
	var buf [256]byte
	key := buf[:0]
	changeTargets(f, func(kinds kindSet, parts keyParts) {
		key = key[:0]
		for _, p := range parts {
			key = append(key, p...)
		}
		cs := x.byKey[string(key)] // no string is made to look it up
		for i := range cs {
			if c := &cs[i]; kinds.has(c.kind) {
				out = append(out, c)
				if c.policy != "" {
					out = appendAll(out, x.byKey["policy:"+c.policy])
				}
			}
		}
	})
	if f.Control == ControlIdentityPolicy || f.Control == ControlPermissionsBoundary {
		if arn := parseDenial(f.ErrorMessage).policyARN; strings.Contains(arn, ":iam::") {
			out = appendAll(out, x.byKey["policy:"+arn])
		}
	}
	slices.SortFunc(out, func(a, b *change) int { return compareChanges(*a, *b) })
	return slices.CompactFunc(out, func(a, b *change) bool { return a.EventID == b.EventID })
}

// appendAll appends a pointer to each of cs.
func appendAll(out []*change, cs []change) []*change {
	for i := range cs {
		out = append(out, &cs[i])
	}
	return out
}

// withChange appends to a finding's cause the note of the change that
// explains it (changeNote). Appending twice changes nothing.
func withChange(cause, note string) string {
	if cause == "" || strings.Contains(cause, note) {
		return cause
	}
	return strings.TrimSuffix(cause, ".") + " " + note + "."
}

// changeNote is the note of a change that explains a finding, in the
// words of a summary line: "(DisableKey by alice 14:26, 1m47s before the
// first denial)", for "Key … is disabled (…)." firstDenial is the first
// denial of the pattern after the change.
func changeNote(c Change, firstDenial time.Time) string {
	when := c.EventTime.UTC().Format("15:04")
	if y1, m1, d1 := c.EventTime.UTC().Date(); firstDenial.IsZero() || !(y1 == firstDenial.UTC().Year() && m1 == firstDenial.UTC().Month() && d1 == firstDenial.UTC().Day()) {
		when = c.EventTime.UTC().Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("(%s by %s %s, %s before the first denial)", c.EventName, changedBy(c.Principal), when, c.Lead)
}

// changedBy names who made a change: the session or user name at the end
// of its ARN, the account for a root ARN.
func changedBy(arn string) string {
	switch {
	case arn == "":
		return "an unknown principal"
	case strings.HasSuffix(arn, ":root") && strings.HasPrefix(arn, "arn:"):
		return "the root user of " + arnAccount(arn)
	case strings.HasPrefix(arn, "arn:") && strings.Contains(arn, "/"):
		return oneLine(arn[strings.LastIndexByte(arn, '/')+1:])
	}
	return oneLine(arn)
}
