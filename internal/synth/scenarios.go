package synth

import (
	"encoding/base64"
	"strconv"
	"time"
)

// Scenario is one scripted failure shape the generator plants, with the
// verdict the classifier should give it (DESIGN.md §2). Layer and Control use
// the classify package's string values.
type Scenario struct {
	// Name identifies the scenario in Label.Scenario, e.g. "s3-scp-explicit-deny".
	Name string
	// Layer and Control are the expected verdict for the scenario's failed
	// records (for an incident, for the incident as a whole).
	Layer   string
	Control string
	// Description says what the records show, in one sentence.
	Description string
}

// Scenarios returns every scripted failure scenario, in a fixed order.
func Scenarios() []Scenario {
	ss := scripts()
	out := make([]Scenario, len(ss))
	for i := range ss {
		out[i] = ss[i].Scenario
	}
	return out
}

// script is a scenario with the code that plants it. run writes the
// scenario's records into the round and returns how many of them failed.
type script struct {
	Scenario
	run func(g *gen, rd *round, sc *script) int
}

const (
	layerIAM     = "iam"
	layerBucket  = "bucket-policy"
	layerKMS     = "kms"
	layerOrg     = "org-controls"
	layerACL     = "acl-ownership"
	layerNetwork = "network"
	layerCreds   = "credentials"
	layerUnknown = "unknown"
	layerOther   = "other"

	ctlIdentity   = "identity-policy"
	ctlBucket     = "bucket-policy"
	ctlBucketEnc  = "bucket-encryption"
	ctlKeyPolicy  = "kms-key-policy"
	ctlKeyState   = "kms-key-state"
	ctlSCP        = "scp"
	ctlRCP        = "rcp"
	ctlBoundary   = "permissions-boundary"
	ctlSession    = "session-policy"
	ctlOwnership  = "object-ownership"
	ctlACL        = "acl"
	ctlBPA        = "block-public-access"
	ctlVPCE       = "vpc-endpoint-policy"
	ctlExpired    = "expired-credentials"
	ctlInvalid    = "invalid-credentials"
	ctlUnknown    = "unknown"
	ctlRequestErr = "request-error"
)

// Message pieces, as AWS writes them (DESIGN.md §2.1).
func explicitDeny(article, policy string) string {
	return "with an explicit deny in " + article + " " + policy
}
func noAllow(policy, action string) string {
	return "because no " + policy + " allows the " + action + " action"
}

// s3Denied is S3's enhanced access-denied message: the resource ARN is quoted.
func s3Denied(p *principal, action string, o *s3op, why string) string {
	return "User: " + p.arn + " is not authorized to perform: " + action + " on resource: \"" + o.b.arn() + "/" + o.key + "\" " + why
}

// kmsDenied is KMS's access-denied message: the key ARN is not quoted.
func kmsDenied(p *principal, action, keyARN, why string) string {
	return "User: " + p.arn + " is not authorized to perform: " + action + " on resource: " + keyARN + " " + why
}

const kmsThisResource = " on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"

// s3DenyScript plants one failed upload whose errorMessage is built by msg.
func s3DenyScript(name, layer, control, desc string, msg func(g *gen, o *s3op) string, opts ...func(g *gen, rd *round, f *fileBuf, o *s3op)) script {
	return script{Scenario{name, layer, control, desc}, func(g *gen, rd *round, sc *script) int {
		f := g.anyFile(rd)
		o := g.upload(f, nil, nil)
		for _, opt := range opts {
			opt(g, rd, f, o)
		}
		g.s3Deny(f, g.when(rd), sc, o, "AccessDenied", msg(g, o))
		return 1
	}}
}

// kmsDenyScript plants one direct KMS call of op by who (a principal of the
// file's account) that fails with code and the errorMessage msg builds. The
// key is the account's own in the file's region, unless key picks another.
func kmsDenyScript(name, layer, control, desc string, who func(*account) *principal, op, code string,
	key func(g *gen, f *fileBuf) kmsKey, msg func(p *principal, k kmsKey) string) script {
	return script{Scenario{name, layer, control, desc}, func(g *gen, rd *round, sc *script) int {
		f := g.anyFile(rd)
		a := g.w.accts[f.acct]
		k := a.keys[f.region]
		if key != nil {
			k = key(g, f)
		}
		p := who(a)
		g.kmsCall(f, g.when(rd), sc, p, op, k, k.arn, code, msg(p, k))
		return 1
	}}
}

func scripts() []script {
	return []script{
		s3DenyScript("s3-identity-explicit-deny", layerIAM, ctlIdentity,
			"an upload denied by an explicit deny in the caller's identity-based policy, sometimes naming the policy ARN",
			func(g *gen, o *s3op) string {
				m := s3Denied(o.who, "s3:PutObject", o, explicitDeny(pick(g.r, []string{"an", "the"}), "identity-based policy"))
				if g.r.chance(0.4) {
					m += ": arn:aws:iam::" + o.who.acct + ":policy/DenyUploadsOutsideApprovedPrefixes"
				}
				return m
			}),
		s3DenyScript("s3-identity-no-allow", layerIAM, ctlIdentity,
			"an upload implicitly denied: no identity-based policy allows s3:PutObject",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("identity-based policy", "s3:PutObject"))
			}),
		{Scenario{"ec2-identity-no-allow", layerIAM, ctlIdentity,
			"EC2 Client.UnauthorizedOperation with an encoded authorization message, truncated at 1 KB by CloudTrail"}, ec2Unauthorized},
		s3DenyScript("s3-bucket-policy-explicit-deny", layerBucket, ctlBucket,
			"an upload denied by an explicit deny in the bucket policy; some requests came without TLS (aws:SecureTransport)",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "resource-based policy"))
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) { o.noTLS = g.r.chance(0.4) }),
		s3DenyScript("s3-bucket-policy-no-allow", layerBucket, ctlBucket,
			"a cross-account upload from another account of the organization that no bucket policy allows",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("resource-based policy", "s3:PutObject"))
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) { o.who = g.otherAccount(f).pipeline }),
		s3DenyScript("s3-sse-c-blocked", layerBucket, ctlBucketEnc,
			"an SSE-C upload to a bucket that blocks SSE-C",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, "because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C).")
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) { o.headers().ssec, o.sse, o.sseKey = true, "", "" }),
		kmsDenyScript("kms-key-policy-explicit-deny", layerKMS, ctlKeyPolicy,
			"a direct kms:Decrypt denied by an explicit deny in the key policy",
			func(a *account) *principal { return a.pipeline }, "Decrypt", "AccessDeniedException", nil,
			func(p *principal, k kmsKey) string {
				return kmsDenied(p, "kms:Decrypt", k.arn, explicitDeny("a", "resource-based policy"))
			}),
		kmsDenyScript("kms-key-policy-no-allow", layerKMS, ctlKeyPolicy,
			"a kms:GenerateDataKey on another account's key whose key policy does not allow the caller",
			func(a *account) *principal { return a.etl }, "GenerateDataKey", "AccessDeniedException",
			func(g *gen, f *fileBuf) kmsKey { return g.otherAccount(f).keys[f.region] },
			func(p *principal, k kmsKey) string {
				return kmsDenied(p, "kms:GenerateDataKey", k.arn, noAllow("resource-based policy", "kms:GenerateDataKey"))
			}),
		s3DenyScript("s3-kms-resource-not-in-region", layerKMS, ctlKeyPolicy,
			"an SSE-KMS upload naming a key in another Region: S3 reports the KMS denial 'on this resource because the resource does not exist in this Region…'",
			func(g *gen, o *s3op) string {
				return "User: " + o.who.arn + " is not authorized to perform: kms:GenerateDataKey" + kmsThisResource
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) {
				a := g.w.accts[f.acct]
				other := a.keys[(f.region+1)%len(a.keys)]
				if len(a.keys) == 1 {
					other = g.otherAccount(f).keys[f.region]
				}
				o.headers()
				o.sse, o.sseKey = "aws:kms", other.arn
			}),
		kmsDenyScript("kms-identity-no-allow", layerKMS, ctlIdentity,
			"a direct kms:Decrypt the caller's identity-based policy does not allow",
			func(a *account) *principal { return a.etl }, "Decrypt", "AccessDeniedException", nil,
			func(p *principal, k kmsKey) string {
				return kmsDenied(p, "kms:Decrypt", k.arn, noAllow("identity-based policy", "kms:Decrypt"))
			}),
		{Scenario{"s3-kms-identity-no-allow", layerKMS, ctlIdentity,
			"an upload S3 refused because the caller may not use kms:GenerateDataKey on the bucket's key (S3's AccessDenied names the KMS action)"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			a := g.w.accts[f.acct]
			key := a.keys[f.region]
			o := g.upload(f, nil, a.buckets[f.region][0]).headers()
			o.sse, o.sseKey = "", ""
			if g.r.chance(0.5) {
				// Otherwise default bucket encryption applies and the key
				// appears only in the message.
				o.sse, o.sseKey = "aws:kms", key.arn
			}
			g.s3Deny(f, g.when(rd), sc, o, "AccessDenied",
				kmsDenied(o.who, "kms:GenerateDataKey", key.arn, noAllow("identity-based policy", "kms:GenerateDataKey")))
			return 1
		}},
		kmsStateScript("kms-key-disabled", "DisabledException", "a direct KMS call on a disabled key", func(k kmsKey) string { return k.arn + " is disabled." }),
		kmsStateScript("kms-key-pending-deletion", "KMSInvalidStateException", "a direct KMS call on a key pending deletion", func(k kmsKey) string { return k.arn + " is pending deletion." }),
		{Scenario{"kms-key-not-found", layerKMS, ctlKeyState,
			"a direct KMS call naming a key or alias that does not exist (no resources in the event)"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			a := g.w.accts[f.acct]
			gone := newKey(g.r, a.id, g.w.regions[f.region], "anycompany-archive")
			keyID, msg := gone.alias, "Alias "+gone.alias+" is not found."
			if g.r.chance(0.5) {
				keyID, msg = gone.arn, "Key '"+gone.arn+"' does not exist"
			}
			g.kmsCall(f, g.when(rd), sc, a.pipeline, "GenerateDataKey", kmsKey{}, keyID, "NotFoundException", msg)
			return 1
		}},
		s3KMSStateScript("s3-kms-key-disabled", "KMS.DisabledException", func(k kmsKey) string { return k.arn + " is disabled." }),
		s3KMSStateScript("s3-kms-key-pending-deletion", "KMS.KMSInvalidStateException", func(k kmsKey) string { return k.arn + " is pending deletion." }),
		s3KMSStateScript("s3-kms-key-not-found", "KMS.NotFoundException", func(k kmsKey) string { return "Key '" + k.arn + "' does not exist" }),
		s3DenyScript("s3-scp-explicit-deny", layerOrg, ctlSCP,
			"an upload denied by an explicit deny in a service control policy, sometimes with the policy ARN appended",
			func(g *gen, o *s3op) string {
				m := s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "service control policy"))
				if g.r.chance(0.5) {
					m += ": " + g.w.scpARN
				}
				return m
			}),
		s3DenyScript("s3-scp-no-allow", layerOrg, ctlSCP,
			"an upload implicitly denied: no service control policy allows s3:PutObject",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("service control policy", "s3:PutObject"))
			}),
		kmsDenyScript("kms-scp-explicit-deny", layerOrg, ctlSCP,
			"a kms:Decrypt denied by a 'Service Control Policy' (capitalised, as some services write it)",
			func(a *account) *principal { return a.admin }, "Decrypt", "AccessDeniedException", nil,
			func(p *principal, k kmsKey) string {
				return kmsDenied(p, "kms:Decrypt", k.arn, explicitDeny("a", "Service Control Policy"))
			}),
		s3DenyScript("s3-rcp-explicit-deny", layerOrg, ctlRCP,
			"an upload denied by an explicit deny in a resource control policy",
			func(g *gen, o *s3op) string {
				m := s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "resource control policy"))
				if g.r.chance(0.5) {
					m += ": " + g.w.rcpARN
				}
				return m
			}),
		s3DenyScript("s3-permissions-boundary-no-allow", layerOrg, ctlBoundary,
			"an upload the role's permissions boundary does not allow",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("permissions boundary", "s3:PutObject"))
			}),
		s3DenyScript("s3-session-policy-no-allow", layerOrg, ctlSession,
			"an upload the session policy passed to AssumeRole does not allow",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("session policy", "s3:PutObject"))
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) { o.who = g.w.accts[f.acct].etl }),
		s3DenyScript("s3-sessions-policy-explicit-deny", layerOrg, ctlSession,
			"an upload denied by an explicit deny in a 'sessions policy' (AWS's variant noun)",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "sessions policy"))
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) { o.who = g.w.accts[f.acct].etl }),
		{Scenario{"s3-acl-not-supported", layerACL, ctlOwnership,
			"an upload carrying an ACL to a bucket whose Object Ownership is BucketOwnerEnforced (AccessControlListNotSupported)"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			o := g.upload(f, nil, nil).headers()
			o.acl = pick(g.r, []string{"bucket-owner-read", "authenticated-read", "private"})
			g.s3Deny(f, g.when(rd), sc, o, "AccessControlListNotSupported", "The bucket does not allow ACLs")
			return 1
		}},
		{Scenario{"s3-cross-account-no-canned-acl", layerACL, ctlACL,
			"a partner outside the organization uploads without x-amz-acl bucket-owner-full-control and gets a bare 'Access Denied'"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			o := g.upload(f, g.w.partner.uploader, g.w.accts[f.acct].buckets[f.region][0]).headers()
			o.acl = ""
			g.s3Deny(f, g.when(rd), sc, o, "AccessDenied", "Access Denied")
			return 1
		}},
		s3DenyScript("s3-block-public-acls", layerACL, ctlBPA,
			"a public-read upload refused by BlockPublicAcls",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, "because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.")
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) {
				o.headers()
				o.who, o.acl = g.w.accts[f.acct].admin, pick(g.r, []string{"public-read", "public-read-write"})
			}),
		{Scenario{"s3-vpce-access-denied", layerNetwork, ctlVPCE,
			"a VpceAccessDenied network activity event: the VPC endpoint policy refused an upload"}, vpceNetworkEvent},
		s3DenyScript("s3-vpce-policy-no-allow", layerNetwork, ctlVPCE,
			"an upload through a VPC endpoint whose endpoint policy does not allow it",
			func(g *gen, o *s3op) string {
				return s3Denied(o.who, "s3:PutObject", o, noAllow("VPC endpoint policy", "s3:PutObject"))
			},
			func(g *gen, rd *round, f *fileBuf, o *s3op) {
				o.who, o.vpce = g.w.accts[f.acct].uploader, g.w.accts[f.acct].vpce[f.region]
			}),
		{Scenario{"sts-expired-token", layerCreds, ctlExpired,
			"an sts:AssumeRole with an expired session token"}, func(g *gen, rd *round, sc *script) int {
			return g.credFailure(rd, sc, "sts.amazonaws.com", "AssumeRole", "ExpiredToken", "The security token included in the request is expired")
		}},
		{Scenario{"kms-expired-token", layerCreds, ctlExpired,
			"a kms:Decrypt with an expired session token"}, func(g *gen, rd *round, sc *script) int {
			return g.credFailure(rd, sc, "kms.amazonaws.com", "Decrypt", "ExpiredTokenException", "The security token included in the request is expired")
		}},
		{Scenario{"iam-invalid-client-token", layerCreds, ctlInvalid,
			"an IAM call signed with an unknown access key"}, func(g *gen, rd *round, sc *script) int {
			return g.credFailure(rd, sc, "iam.amazonaws.com", "GetRole", "InvalidClientTokenId", "The security token included in the request is invalid.")
		}},
		{Scenario{"kms-unrecognized-client", layerCreds, ctlInvalid,
			"a KMS call with an invalid security token"}, func(g *gen, rd *round, sc *script) int {
			return g.credFailure(rd, sc, "kms.amazonaws.com", "GenerateDataKey", "UnrecognizedClientException", "The security token included in the request is invalid.")
		}},
		{Scenario{"s3-denied-no-context", layerUnknown, ctlUnknown,
			"an upload denied with no errorMessage and an Unknown identity without an account: nothing says which layer"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			o := g.upload(f, nil, nil)
			o.failed = true
			e := &g.e
			g.s3Object(e, f, g.when(rd), o)
			e.errCode, e.resp = "AccessDenied", nil
			e.ident = g.identity(func(w *jw) {
				w.str("type", "Unknown")
				w.str("principalId", o.who.id)
				w.str("accessKeyId", o.who.akid)
			})
			g.emit(f, e, sc, sc.Layer, sc.Control)
			return 1
		}},
		{Scenario{"s3-no-such-bucket", layerOther, ctlRequestErr,
			"an upload to a bucket that does not exist (NoSuchBucket): a failure, not a denial"}, func(g *gen, rd *round, sc *script) int {
			f := g.anyFile(rd)
			real := g.w.accts[f.acct].buckets[f.region][0]
			typo := "anycompany-upload-" + real.owner + "-" + g.w.regions[f.region]
			o := g.upload(f, nil, &bucket{name: typo, host: typo + ".s3." + g.w.regions[f.region] + ".amazonaws.com"})
			g.s3Deny(f, g.when(rd), sc, o, "NoSuchBucket", "The specified bucket does not exist")
			return 1
		}},
		kmsDenyScript("kms-incorrect-key", layerOther, ctlRequestErr,
			"a kms:Decrypt naming a different key than the ciphertext's (IncorrectKeyException)",
			func(a *account) *principal { return a.pipeline }, "Decrypt", "IncorrectKeyException", nil,
			func(*principal, kmsKey) string {
				return "The key ID in the request does not identify a CMK that can perform this operation."
			}),
		{Scenario{"s3-kms-correlated", layerKMS, ctlKeyPolicy,
			"incident: a PutObject denied with a bare 'Access Denied' and, within seconds, the S3-invoked kms:GenerateDataKey denied by the key policy (encryption context = object ARN)"},
			func(g *gen, rd *round, sc *script) int { return g.correlated(rd, sc, 0) }},
		{Scenario{"s3-kms-correlated-bucket-key", layerKMS, ctlKeyPolicy,
			"incident: as s3-kms-correlated, on a bucket with an S3 Bucket Key (encryption context = bucket ARN)"},
			func(g *gen, rd *round, sc *script) int { return g.correlated(rd, sc, 1) }},
		{Scenario{"duplicate-delivery", layerBucket, ctlBucket,
			"a bucket-policy denial delivered twice with the same eventID (the copy usually in the next file)"}, duplicateDelivery},
		{Scenario{"cross-account-shared-event", layerBucket, ctlBucket,
			"a cross-account upload denied by the bucket policy, delivered to both accounts: same sharedEventID, different eventIDs"}, crossAccountShared},
		{Scenario{"bucket-policy-change-then-denials", layerBucket, ctlBucket,
			"a successful PutBucketPolicy followed by a burst of uploads denied by the bucket policy"}, bucketPolicyChange},
		{Scenario{"key-policy-change-then-denials", layerKMS, ctlKeyPolicy,
			"a successful PutKeyPolicy followed by a burst of KMS calls denied by the key policy"}, keyPolicyChange},
		{Scenario{"key-disabled-then-denials", layerKMS, ctlKeyState,
			"a successful DisableKey followed by uploads failing with KMS.DisabledException"}, keyDisabled},
		{Scenario{"role-policy-attach-then-denials", layerIAM, ctlIdentity,
			"a successful AttachRolePolicy (a deny policy) followed by the role's uploads denied by its identity-based policy"},
			func(g *gen, rd *round, sc *script) int { return g.rolePolicyChange(rd, sc, true) }},
		{Scenario{"role-inline-policy-then-denials", layerIAM, ctlIdentity,
			"a successful PutRolePolicy followed by the role's uploads denied by its identity-based policy"},
			func(g *gen, rd *round, sc *script) int { return g.rolePolicyChange(rd, sc, false) }},
		{Scenario{"scp-attach-then-denials", layerOrg, ctlSCP,
			"a successful Organizations AttachPolicy in the management account followed by SCP denials in the target account"}, scpAttach},
		{Scenario{"failed-policy-change", layerIAM, ctlIdentity,
			"a PutRolePolicy that was itself denied: a change that did not happen"}, failedPolicyChange},
	}
}

func kmsStateScript(name, code, desc string, msg func(kmsKey) string) script {
	return script{Scenario{name, layerKMS, ctlKeyState, desc}, func(g *gen, rd *round, sc *script) int {
		f := g.anyFile(rd)
		a := g.w.accts[f.acct]
		key := a.retired[f.region]
		op := pick(g.r, []string{"Decrypt", "GenerateDataKey", "Encrypt"})
		g.kmsCall(f, g.when(rd), sc, pick(g.r, []*principal{a.pipeline, a.etl}), op, key, key.arn, code, msg(key))
		return 1
	}}
}

func s3KMSStateScript(name, code string, msg func(kmsKey) string) script {
	return script{Scenario{name, layerKMS, ctlKeyState,
		"an SSE-KMS upload S3 refused with " + code + " because of the key's state"}, func(g *gen, rd *round, sc *script) int {
		f := g.anyFile(rd)
		key := g.w.accts[f.acct].retired[f.region]
		o := g.upload(f, nil, g.w.accts[f.acct].buckets[f.region][0]).headers()
		o.sse, o.sseKey = "aws:kms", key.arn
		g.s3Deny(f, g.when(rd), sc, o, code, msg(key))
		return 1
	}}
}

// round is one delivery time: a file for every account and Region.
type round struct {
	t     time.Time
	files []*fileBuf // by account*len(regions) + region
	last  bool
}

func (g *gen) file(rd *round, acct, region int) *fileBuf {
	return rd.files[acct*len(g.w.regions)+region]
}

func (g *gen) anyFile(rd *round) *fileBuf { return pick(g.r, rd.files) }

// otherAccount returns another account of the organization, or the partner
// when there is only one.
func (g *gen) otherAccount(f *fileBuf) *account {
	if len(g.w.accts) == 1 {
		return g.w.partner
	}
	return g.w.accts[(f.acct+1+g.r.intn(len(g.w.accts)-1))%len(g.w.accts)]
}

// when returns an eventTime 5 to 15 minutes before the round's delivery.
func (g *gen) when(rd *round) time.Time {
	return rd.t.Add(-g.r.dur(5*time.Minute, 15*time.Minute))
}

// upload returns a write to a bucket of f's account by who (nil: one of the
// account's S3 principals) into b (nil: one of f's buckets).
func (g *gen) upload(f *fileBuf, who *principal, b *bucket) *s3op {
	a := g.w.accts[f.acct]
	if who == nil {
		who = pick(g.r, a.s3)
	}
	if b == nil {
		b = pick(g.r, a.buckets[f.region])
	}
	o := &g.op
	*o = s3op{who: who, b: b, key: objectKey(g.r, g.names(f)), name: "PutObject"}
	switch n := g.r.intn(100); {
	case n < 8:
		o.name = "CreateMultipartUpload"
	case n < 13:
		o.name = "UploadPart"
	case n < 18:
		o.name = "CopyObject"
	}
	if o.name == "UploadPart" {
		// Parts carry neither ACL nor SSE-KMS headers: those go on
		// CreateMultipartUpload.
		return o
	}
	if who.acct != b.owner && b.owner != "" && g.r.chance(0.7) {
		o.acl = "bucket-owner-full-control"
	}
	if b.kms && g.r.chance(0.3) {
		o.sse = "aws:kms"
		if g.r.chance(0.5) && b.owner != "" {
			o.sseKey = g.accountByID(b.owner).keys[f.region].arn
		}
	}
	return o
}

// headers makes o a request that can carry ACL and encryption headers.
func (o *s3op) headers() *s3op {
	if o.name == "UploadPart" {
		o.name = "PutObject"
	}
	return o
}

func (g *gen) accountByID(id string) *account {
	for _, a := range g.w.accts {
		if a.id == id {
			return a
		}
	}
	return g.w.partner
}

// s3Deny writes o as a failed S3 call.
func (g *gen) s3Deny(f *fileBuf, t time.Time, sc *script, o *s3op, code, msg string) *ev {
	o.failed = true
	e := &g.e
	g.s3Object(e, f, t, o)
	e.errCode, e.errMsg = code, msg
	e.resp = nil
	g.emit(f, e, sc, sc.Layer, sc.Control)
	return e
}

// kmsCall writes a direct KMS call by p; key is the resolved key (zero when
// KMS could not resolve it), keyID what the request named. code "" is success.
func (g *gen) kmsCall(f *fileBuf, t time.Time, sc *script, p *principal, op string, key kmsKey, keyID, code, msg string) {
	e := &g.e
	g.base(e, f, p, t, "kms.amazonaws.com", op)
	e.readOnly = true
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	switch op {
	case "Decrypt":
		if g.r.chance(0.5) {
			q.str("keyId", keyID)
		}
		q.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	case "Encrypt":
		q.str("keyId", keyID)
		q.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	default:
		q.str("keyId", keyID)
		q.str("keySpec", "AES_256")
	}
	q.obj("encryptionContext")
	q.str("tenant", "acme-"+strconv.Itoa(g.r.intn(40)))
	q.end()
	q.end()
	e.req = q.b
	if key.arn != "" {
		e.addResource(key.acct, "AWS::KMS::Key", key.arn)
	}
	e.errCode, e.errMsg = code, msg
	layer, control := "", ""
	if code != "" && sc != nil {
		layer, control = sc.Layer, sc.Control
	}
	g.emit(f, e, sc, layer, control)
}

// identity renders a userIdentity object with fill into its own buffer.
func (g *gen) identity(fill func(w *jw)) []byte {
	w := &g.idw
	w.b = w.b[:0]
	w.begin()
	fill(w)
	w.end()
	return w.b
}

func ec2Unauthorized(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	p := pick(g.r, []*principal{a.etl, a.ci})
	e := &g.e
	g.base(e, f, p, g.when(rd), "ec2.amazonaws.com", "RunInstances")
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.obj("instancesSet")
	q.arr("items")
	q.elem()
	q.str("imageId", "ami-0"+g.r.chars(16, hexDigits))
	q.num("minCount", 1)
	q.num("maxCount", 1)
	q.end()
	q.endArr()
	q.end()
	q.str("instanceType", pick(g.r, []string{"t3.micro", "m7i.large", "c7g.xlarge"}))
	q.obj("blockDeviceMapping")
	q.end()
	q.boolean("disableApiTermination", false)
	q.end()
	e.req = q.b
	blob := make([]byte, 900)
	for i := range blob {
		blob[i] = byte(g.r.intn(256))
	}
	msg := "You are not authorized to perform this operation. User: " + p.arn +
		" is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:" + e.region + ":" + a.id +
		":instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: " +
		base64.RawURLEncoding.EncodeToString(blob)
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	e.errCode, e.errMsg = "Client.UnauthorizedOperation", msg
	g.emit(f, e, sc, sc.Layer, sc.Control)
	return 1
}

func vpceNetworkEvent(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	p := pick(g.r, []*principal{a.uploader, a.pipeline})
	b := pick(g.r, a.buckets[f.region])
	e := &g.e
	g.base(e, f, p, g.when(rd), "s3.amazonaws.com", "PutObject")
	e.version = "1.09"
	e.ident = g.identity(func(w *jw) {
		w.str("type", "AWSAccount")
		w.str("principalId", p.id)
		w.str("accountId", p.acct)
	})
	e.agent = e.s3agent
	e.ip = "10." + strconv.Itoa(g.r.intn(256)) + "." + strconv.Itoa(g.r.intn(256)) + "." + strconv.Itoa(1+g.r.intn(254))
	e.errCode, e.errMsg = "VpceAccessDenied", "The request was denied due to a VPC endpoint policy"
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("bucketName", b.name)
	q.str("key", objectKey(g.r, g.names(f)))
	q.end()
	e.req = q.b
	e.requestID = g.r.chars(16, upperAlnum)
	e.eventType, e.mgmt, e.category = "AwsVpceEvent", false, "NetworkActivity"
	e.shared = g.r.uuid()
	e.vpce, e.vpceAcct = a.vpce[f.region], a.id
	e.tlsHost = ""
	g.emit(f, e, sc, sc.Layer, sc.Control)
	return 1
}

func (g *gen) credFailure(rd *round, sc *script, source, name, code, msg string) int {
	f := g.anyFile(rd)
	if source == "iam.amazonaws.com" {
		f = g.file(rd, f.acct, g.w.home)
	}
	a := g.w.accts[f.acct]
	p := pick(g.r, []*principal{a.etl, a.pipeline, a.backup})
	e := &g.e
	g.base(e, f, p, g.when(rd), source, name)
	e.ident = g.identity(func(w *jw) {
		if p.kind == kindUser {
			w.str("type", "IAMUser")
		} else {
			w.str("type", "AssumedRole")
		}
		w.str("principalId", p.id)
		if code != "InvalidClientTokenId" && code != "UnrecognizedClientException" {
			w.str("arn", p.arn)
		}
		w.str("accountId", p.acct)
		w.str("accessKeyId", p.akid[:4]+g.r.chars(16, upperAlnum))
	})
	e.readOnly = true
	e.errCode, e.errMsg = code, msg
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	switch name {
	case "AssumeRole":
		q.str("roleArn", a.uploader.roleARN)
		q.str("roleSessionName", "chained-"+strconv.Itoa(g.r.intn(10000)))
	case "GetRole":
		q.str("roleName", a.pipeline.role)
	case "Decrypt":
		q.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	default:
		q.str("keyId", a.keys[f.region].alias)
		q.str("keySpec", "AES_256")
	}
	q.end()
	e.req = q.b
	g.emit(f, e, sc, sc.Layer, sc.Control)
	return 1
}

// correlated plants a denied upload and the denied GenerateDataKey S3 made
// for it. variant 1 uses a bucket with an S3 Bucket Key.
func (g *gen) correlated(rd *round, sc *script, variant int) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	b := a.buckets[f.region][variant] // uploads (no Bucket Key) or analytics (Bucket Key)
	o := g.upload(f, pick(g.r, []*principal{a.uploader, a.pipeline, a.etl}), b)
	o.name = "PutObject"
	t := g.when(rd)
	key := a.keys[f.region]
	g.s3Deny(f, t, sc, o, "AccessDenied", "Access Denied")
	keyID := key.arn
	if o.sseKey != "" {
		keyID = o.sseKey
	} else if g.r.chance(0.5) {
		keyID = key.alias
	}
	e := &g.e
	g.kmsViaS3(e, f, t.Add(-time.Duration(g.r.intn(2))*time.Second), o, "GenerateDataKey", key, keyID)
	if variant == 0 {
		e.errCode, e.errMsg = "AccessDeniedException", kmsDenied(o.who, "kms:GenerateDataKey", key.arn, noAllow("resource-based policy", "kms:GenerateDataKey"))
	} else {
		e.errCode, e.errMsg = "AccessDenied", kmsDenied(o.who, "kms:GenerateDataKey", key.arn, explicitDeny("a", "resource-based policy"))
	}
	g.emit(f, e, sc, sc.Layer, sc.Control)
	return 2
}

func duplicateDelivery(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	o := g.upload(f, nil, nil)
	// The copy goes into the next file of the same account and Region, so
	// the original must also fit that file's 15-minute window.
	next := !rd.last && g.every <= 10*time.Minute
	t := g.when(rd)
	if next {
		t = rd.t.Add(-g.r.dur(5*time.Minute, 15*time.Minute-g.every))
	}
	start := len(f.recs)
	g.s3Deny(f, t, sc, o, "AccessDenied", s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "resource-based policy")))
	rec := f.recs[start:]
	lab := f.labels[len(f.labels)-1]
	if next {
		i := f.acct*len(g.w.regions) + f.region
		g.carry[i] = append(g.carry[i], carried{rec: append([]byte(nil), rec...), t: t, label: lab})
	} else {
		f.offs = append(f.offs, len(f.recs))
		f.recs = append(f.recs, rec...)
		f.labels = append(f.labels, lab)
	}
	return 2
}

func crossAccountShared(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	caller := g.w.accts[f.acct]
	owner := g.otherAccount(f)
	if owner == g.w.partner {
		// One account: the call comes from the partner and is delivered once.
		caller, owner = g.w.partner, g.w.accts[f.acct]
	}
	var ownerFile *fileBuf
	for i, a := range g.w.accts {
		if a == owner {
			ownerFile = g.file(rd, i, f.region)
		}
	}
	o := g.upload(ownerFile, caller.pipeline, owner.buckets[f.region][0])
	o.name = "PutObject"
	e := g.s3Deny(ownerFile, g.when(rd), sc, o, "AccessDenied",
		s3Denied(caller.pipeline, "s3:PutObject", o, explicitDeny("a", "resource-based policy")))
	if caller == g.w.partner {
		return 1
	}
	callerFile := g.file(rd, f.acct, f.region)
	e.eventID = g.r.uuid()
	e.recipient = caller.id
	e.foreign = false
	g.emit(callerFile, e, sc, sc.Layer, sc.Control)
	return 2
}

// changeTime is early in the round's window, leaving room for a burst after.
func (g *gen) changeTime(rd *round) time.Time {
	return rd.t.Add(-g.r.dur(13*time.Minute, 15*time.Minute))
}

func (g *gen) burstTimes(t0 time.Time) []time.Time {
	n := g.r.between(3, 6)
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = t0.Add(g.r.dur(20*time.Second, 8*time.Minute))
	}
	return ts
}

func bucketPolicyChange(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	b := a.buckets[f.region][0]
	t0 := g.changeTime(rd)
	e := &g.e
	g.base(e, f, pick(g.r, []*principal{a.admin, a.ci}), t0, "s3.amazonaws.com", "PutBucketPolicy")
	e.requestID = g.r.chars(16, upperAlnum)
	e.tlsHost = b.host
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.obj("bucketPolicy")
	q.str("Version", "2012-10-17")
	q.arr("Statement")
	q.elem()
	q.str("Sid", "DenyUploadsWithoutDataKey")
	q.str("Effect", "Deny")
	q.str("Principal", "*")
	q.str("Action", "s3:PutObject")
	q.str("Resource", b.arn()+"/*")
	q.obj("Condition")
	q.obj("StringNotEqualsIfExists")
	q.str("s3:x-amz-server-side-encryption-aws-kms-key-id", a.keys[f.region].arn)
	q.end()
	q.end()
	q.end()
	q.endArr()
	q.end()
	q.str("bucketName", b.name)
	q.str("Host", b.host)
	q.str("policy", "")
	q.end()
	e.req = q.b
	e.addl = g.bucketCallAddl(300, 200, 0, 0)
	e.addResource(a.id, "AWS::S3::Bucket", b.arn())
	g.emit(f, e, sc, "", "")
	ts := g.burstTimes(t0)
	for _, t := range ts {
		o := g.upload(f, pick(g.r, []*principal{a.uploader, a.pipeline}), b)
		o.sseKey = ""
		g.s3Deny(f, t, sc, o, "AccessDenied", s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "resource-based policy")))
	}
	return len(ts)
}

func keyPolicyChange(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	key := a.keys[f.region]
	t0 := g.changeTime(rd)
	e := &g.e
	g.base(e, f, a.admin, t0, "kms.amazonaws.com", "PutKeyPolicy")
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("keyId", key.arn)
	q.str("policyName", "default")
	q.str("policy", `{
  "Version" : "2012-10-17",
  "Id" : "key-policy",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : { "AWS" : "arn:aws:iam::`+a.id+`:root" },
    "Action" : "kms:*",
    "Resource" : "*"
  }, {
    "Sid" : "DenyOutsideS3",
    "Effect" : "Deny",
    "Principal" : "*",
    "Action" : [ "kms:Decrypt", "kms:GenerateDataKey" ],
    "Resource" : "*",
    "Condition" : { "StringNotEquals" : { "kms:ViaService" : "s3.`+g.w.regions[f.region]+`.amazonaws.com" } }
  } ]
}`)
	q.boolean("bypassPolicyLockoutSafetyCheck", false)
	q.end()
	e.req = q.b
	e.addResource(a.id, "AWS::KMS::Key", key.arn)
	g.emit(f, e, sc, "", "")
	ts := g.burstTimes(t0)
	for _, t := range ts {
		p := pick(g.r, []*principal{a.pipeline, a.etl})
		op := pick(g.r, []string{"Decrypt", "GenerateDataKey"})
		g.kmsCall(f, t, sc, p, op, key, key.arn, "AccessDeniedException",
			kmsDenied(p, "kms:"+op, key.arn, explicitDeny("a", "resource-based policy")))
	}
	return len(ts)
}

func keyDisabled(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	key := a.retired[f.region]
	t0 := g.changeTime(rd)
	e := &g.e
	g.base(e, f, pick(g.r, []*principal{a.admin, a.ci}), t0, "kms.amazonaws.com", "DisableKey")
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("keyId", key.arn)
	q.end()
	e.req = q.b
	e.addResource(a.id, "AWS::KMS::Key", key.arn)
	g.emit(f, e, sc, "", "")
	ts := g.burstTimes(t0)
	for _, t := range ts {
		o := g.upload(f, pick(g.r, []*principal{a.uploader, a.pipeline}), a.buckets[f.region][1]).headers()
		o.sse, o.sseKey = "aws:kms", key.arn
		g.s3Deny(f, t, sc, o, "KMS.DisabledException", key.arn+" is disabled.")
	}
	return len(ts)
}

func (g *gen) rolePolicyChange(rd *round, sc *script, attach bool) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	iamFile := g.file(rd, f.acct, g.w.home)
	role := a.uploader
	if !attach {
		role = a.pipeline
	}
	policyARN := "arn:aws:iam::" + a.id + ":policy/DenyUnencryptedPutObject"
	t0 := g.changeTime(rd)
	e := &g.e
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("roleName", role.role)
	if attach {
		g.base(e, iamFile, pick(g.r, []*principal{a.admin, a.ci}), t0, "iam.amazonaws.com", "AttachRolePolicy")
		q.str("policyArn", policyARN)
	} else {
		g.base(e, iamFile, pick(g.r, []*principal{a.admin, a.ci}), t0, "iam.amazonaws.com", "PutRolePolicy")
		q.str("policyName", "restrict-uploads")
		q.str("policyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}]}`)
	}
	q.end()
	e.req = q.b
	g.emit(iamFile, e, sc, "", "")
	ts := g.burstTimes(t0)
	for _, t := range ts {
		o := g.upload(f, role, nil)
		o.sse, o.sseKey = "", ""
		why := explicitDeny("an", "identity-based policy")
		if attach && g.r.chance(0.5) {
			why += ": " + policyARN
		}
		g.s3Deny(f, t, sc, o, "AccessDenied", s3Denied(role, "s3:PutObject", o, why))
	}
	return len(ts)
}

func scpAttach(g *gen, rd *round, sc *script) int {
	mgmt := g.w.accts[0]
	target := len(g.w.accts) - 1
	region := g.r.intn(len(g.w.regions))
	mf := g.file(rd, 0, g.w.home)
	t0 := g.changeTime(rd)
	e := &g.e
	g.base(e, mf, mgmt.admin, t0, "organizations.amazonaws.com", "AttachPolicy")
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("policyId", g.w.scpARN[len(g.w.scpARN)-len("p-12345678"):])
	q.str("targetId", g.w.accts[target].id)
	q.end()
	e.req = q.b
	g.emit(mf, e, sc, "", "")
	tf := g.file(rd, target, region)
	ts := g.burstTimes(t0)
	for _, t := range ts {
		o := g.upload(tf, nil, nil)
		m := s3Denied(o.who, "s3:PutObject", o, explicitDeny("a", "service control policy"))
		if g.r.chance(0.5) {
			m += ": " + g.w.scpARN
		}
		g.s3Deny(tf, t, sc, o, "AccessDenied", m)
	}
	return len(ts)
}

func failedPolicyChange(g *gen, rd *round, sc *script) int {
	f := g.anyFile(rd)
	a := g.w.accts[f.acct]
	iamFile := g.file(rd, f.acct, g.w.home)
	p := a.etl
	e := &g.e
	g.base(e, iamFile, p, g.when(rd), "iam.amazonaws.com", "PutRolePolicy")
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("roleName", a.uploader.role)
	q.str("policyName", "allow-all-uploads")
	q.str("policyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	q.end()
	e.req = q.b
	e.errCode = "AccessDenied"
	e.errMsg = "User: " + p.arn + " is not authorized to perform: iam:PutRolePolicy on resource: role " + a.uploader.role + " " + noAllow("identity-based policy", "iam:PutRolePolicy")
	g.emit(iamFile, e, sc, sc.Layer, sc.Control)
	return 1
}
