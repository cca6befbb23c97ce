package classify

import (
	"cmp"
	"slices"
	"strings"
)

// This file holds every remediation: one function per control, chosen in
// remedy. Each says in one sentence what blocked the call (the cause),
// names the principal, action and resource in prose, and puts every
// command it suggests in Commands (shell.go quotes them); the prose refers
// to the commands by what they do and never holds one.

// rem is a remediation being written: prose, cause and commands.
type rem struct {
	f     *facts
	prose []string
	cause string
	commandSet
}

// say appends a sentence (or several) to the prose.
func (r *rem) say(format string, args ...any) {
	r.prose = append(r.prose, sprintf(format, args...))
}

// remedy returns the remediation prose, the one-sentence cause and the
// commands of a verdict.
func remedy(layer Layer, c Control, f *facts) (remediation, cause string, commands []Command) {
	r := &rem{f: f, prose: make([]string, 0, 4)}
	switch c {
	case ControlIdentityPolicy:
		if layer == LayerKMS {
			r.kmsIdentity()
		} else {
			r.identity()
		}
	case ControlBucketPolicy:
		r.bucketPolicy()
	case ControlBucketEncryption:
		r.cause = sprintf("Bucket %s blocks uploads that use SSE-C (customer-provided keys).", f.bucketName())
		r.say("Bucket %s blocks uploads that use SSE-C (customer-provided keys), so %s was refused for %s. Upload with SSE-S3 or SSE-KMS instead; if SSE-C is required, change the bucket's default encryption configuration (its BlockedEncryptionTypes), which the command below shows.",
			f.bucketName(), f.action, f.principal)
		r.getBucketEncryption()
	case ControlKMSKeyPolicy:
		r.keyPolicy()
	case ControlKMSKeyState:
		r.keyState()
	case ControlSCP:
		r.scp()
	case ControlRCP:
		r.rcp()
	case ControlPermissionsBoundary:
		r.boundary()
	case ControlSessionPolicy:
		r.cause = sprintf("The session policy of %s %s %s on %s.", who(f.principal), denyVerb(f), f.action, f.onWhat())
		r.say("The session policy of %s %s %s on %s. It was passed when the session was created (the Policy or PolicyArns of AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML or GetFederationToken); the session can do only what both the role's policies and the session policy allow. Find the AssumeRole event that created the session (sts.amazonaws.com, requestParameters.policy and policyArns) and re-create the session with a session policy allowing %s on %s, or without one.",
			f.principal, denyVerb(f), f.action, f.resourceName(), f.action, f.resourceName())
	case ControlObjectOwnership:
		r.cause = sprintf("Bucket %s has ACLs disabled (Object Ownership BucketOwnerEnforced) and the %s carried an ACL.", f.bucketName(), f.e.EventName)
		r.say("Bucket %s has Object Ownership set to BucketOwnerEnforced (ACLs disabled), and %s sent %s with an ACL (x-amz-acl: %s). Stop sending the ACL (only bucket-owner-full-control is still accepted), or, if ACLs are really needed, change the setting, which the command below shows.",
			f.bucketName(), f.principal, f.action, cmp.Or(f.e.RequestParameters.ACL, "present"))
		r.add(Check, "show the bucket's Object Ownership", "aws", "s3api", "get-bucket-ownership-controls", "--bucket", bucketValue(f.e.Bucket()))
	case ControlACL:
		r.acl()
	case ControlBlockPublicAccess:
		r.cause = sprintf("Block Public Access (BlockPublicAcls) refused the public ACL %s on %s.", cmp.Or(f.e.RequestParameters.ACL, "in the request"), f.onWhat())
		r.say("The %s request by %s set a public ACL (x-amz-acl: %s) on %s, and Block Public Access (BlockPublicAcls) is on for the bucket or account %s. Drop the public ACL (grant access through a bucket policy or CloudFront instead); if public access is intended, check and change the settings the commands below show.",
			f.action, f.principal, cmp.Or(f.e.RequestParameters.ACL, "public"), f.resourceName(), cmp.Or(f.owner, "of the bucket"))
		r.publicAccessBlock()
	case ControlVPCEndpointPolicy:
		r.vpcEndpoint()
	case ControlExpiredCredentials:
		r.expired()
	case ControlInvalidCredentials:
		r.invalid()
	case ControlRequestError:
		r.requestError()
	default:
		r.unknown()
	}
	r.encoded()
	return r.result()
}

// result is the prose, cause and commands, the prose and cause each one
// line whatever the values they quote.
func (r *rem) result() (remediation, cause string, commands []Command) {
	return oneLine(strings.Join(append(r.prose, r.hints...), " ")), oneLine(r.cause), r.cmds
}

// identity: the caller's identity-based policies (layer iam).
func (r *rem) identity() {
	f := r.f
	res, scope := f.s3Grant(false)
	switch {
	case f.d.kind == kindExplicit:
		r.cause = sprintf("An identity-based policy of %s explicitly denies %s on %s%s.", who(f.role), f.action, f.onWhat(), f.policyNamed())
		r.say("An identity-based policy of %s explicitly denies %s on %s%s. Find the Deny statement in what is attached to %s (the commands below list it and evaluate the call) and narrow it or exempt this request; an explicit deny overrides every Allow.",
			f.principal, f.action, f.resourceName(), f.namedPolicy(), f.role)
		r.listPolicies(f.role)
		r.simulate(f.resource, f.action)
	case f.d.kind == kindNoAllow:
		r.cause = sprintf("No identity-based policy of %s allows %s on %s (AWS names the policy type).", who(f.role), f.action, f.onWhat())
		r.say("No identity-based policy of %s allows %s on %s. Add to %s the statement %s, which grants on %s.",
			f.principal, f.action, f.resourceName(), f.role, allowStatement(f.action, res), scope)
		r.say("The commands below list what is attached, add it as an inline policy, and confirm with the policy simulator.")
		r.listPolicies(f.role)
		r.putPolicy(f.role, f.action, res)
		r.simulate(f.resource, f.action)
	default:
		r.cause = sprintf("Probably no identity-based policy of %s allows %s on %s (AWS gave no reason).", who(f.role), f.action, f.onWhat())
		r.say("AWS gave no reason; for a same-account call the most common cause is that no identity-based policy of %s allows %s on %s. Confirm with the policy simulator (below); if it reports allowed, the denial comes from elsewhere: check the resource's policy, then SCPs and permissions boundaries. The fix for a missing permission is the statement %s attached to %s, which grants on %s.",
			f.principal, f.action, f.resourceName(), allowStatement(f.action, res), f.role, scope)
		r.simulate(f.resource, f.action)
		if f.e.EventSource == "s3.amazonaws.com" {
			r.getBucketPolicy()
		}
		r.sseKMSUpload()
		r.listPolicies(f.role)
	}
	if hasFoldPrefix(f.action, "sts:AssumeRole") {
		r.say("For %s the target role's trust policy must allow %s too (the get-role command below shows it).", f.action, f.principal)
		r.add(Check, "show the target role's trust policy", "aws", "iam", "get-role", "--role-name", iamNameValue(iamName(f.resource)), "--query", "Role.AssumeRolePolicyDocument")
	}
}

// sseKMSUpload adds, for an S3 upload that asked for SSE-KMS, the key side
// of a bare denial: S3 calls kms:GenerateDataKey as the caller, so the key
// policy and the caller's IAM policy must allow it for that key.
func (r *rem) sseKMSUpload() {
	f := r.f
	rp := &f.e.RequestParameters
	if f.e.EventSource != "s3.amazonaws.com" || !strings.HasPrefix(strings.ToLower(rp.SSE), "aws:kms") {
		return
	}
	key := rp.SSEKMSKeyID
	if key == "" {
		r.say("The upload asked for SSE-KMS without naming a key, so S3 used the bucket's default key (get-bucket-encryption, below) and called kms:GenerateDataKey on it as %s: the key policy and %s's IAM policy must both allow that, and a bare Access Denied is also what a KMS refusal looks like.", f.principal, f.role)
		r.getBucketEncryption()
		return
	}
	r.say("The upload asked for SSE-KMS with key %s, so S3 called kms:GenerateDataKey on that key as %s: the key policy of %s (get-key-policy, below) and %s's IAM policy must both allow it, and a bare Access Denied is also what a KMS refusal looks like.", key, f.principal, key, f.role)
	r.getKeyPolicy(key)
	if isKeyARN(key) {
		r.simulate(key, "kms:GenerateDataKey")
	}
}

// kmsIdentity: the caller's identity-based policies lack a kms: permission.
func (r *rem) kmsIdentity() {
	f := r.f
	key := f.keyName()
	grant := "the key ARN (describe-key gives it)"
	if isKeyARN(key) {
		grant = allowStatement(f.action, iamLiteral(key))
	}
	switch {
	case f.d.kind == kindExplicit:
		r.cause = sprintf("An identity-based policy of %s explicitly denies %s on key %s%s.", who(f.role), f.action, key, f.policyNamed())
		r.say("An identity-based policy of %s explicitly denies %s on key %s%s. Find the Deny in what is attached to %s (listed by the commands below) and narrow it (look for conditions on kms:ViaService, kms:EncryptionContext or aws:SourceVpce).",
			f.principal, f.action, key, f.namedPolicy(), f.role)
		r.listPolicies(f.role)
		r.simulate(key, f.action)
	case f.d.kind == kindNoAllow:
		r.cause = sprintf("No identity-based policy of %s allows %s on key %s (AWS names the policy type).", who(f.role), f.action, key)
		r.say("No identity-based policy of %s allows %s on key %s. Add to %s the statement %s, which grants on this key only; the key policy must also allow it, directly or by delegating to IAM with the account-root statement (get-key-policy, below). S3 uploads with SSE-KMS need kms:GenerateDataKey, and kms:Decrypt for multipart uploads.",
			f.principal, f.action, key, f.role, grant)
		r.getKeyPolicy(key)
		if isKeyARN(key) {
			r.putPolicy(f.role, f.action, iamLiteral(key))
		}
		r.simulate(key, f.action)
	default:
		r.cause = sprintf("Probably no identity-based policy of %s allows %s on key %s, or the key policy does not (AWS gave no reason).", who(f.role), f.action, key)
		r.say("AWS gave no reason; for a same-account caller the usual cause is that no identity-based policy of %s allows %s on key %s. Check it with the policy simulator, and the key policy (it must allow the caller or delegate to IAM), with the commands below; either may be missing. The fix for the IAM side is %s attached to %s.",
			f.principal, f.action, key, grant, f.role)
		r.simulate(key, f.action)
		r.getKeyPolicy(key)
	}
}

// bucketPolicy: the bucket policy (or access point policy) denies or
// does not allow; also the structural cross-account and anonymous cases.
func (r *rem) bucketPolicy() {
	f := r.f
	b := f.bucketName()
	res, scope := f.s3Grant(true)
	grant := jsonText(statement{Effect: "Allow", Principal: map[string]string{"AWS": f.grantee()}, Action: f.action, Resource: res})
	bpa := "Block Public Access denials (IgnorePublicAcls, RestrictPublicBuckets) read like resource-based policy denials too. What tells them apart is the Block Public Access settings of the bucket and of its account (below): if RestrictPublicBuckets or IgnorePublicAcls is true and the access relies on a public grant (a bucket policy statement with Principal \"*\" and no narrowing condition, or a public ACL), Block Public Access is what denies; otherwise the bucket policy."
	switch {
	case f.why == "anonymous":
		r.cause = sprintf("An unsigned (anonymous) %s on %s was denied: nothing public allows it, or Block Public Access overrides it.", f.action, f.onWhat())
		r.say("An unsigned (anonymous) request for %s on %s was denied. Only a bucket policy (or ACL) granting Principal \"*\" allows it, and Block Public Access (RestrictPublicBuckets, IgnorePublicAcls) overrides that: check both with the commands below. If the request should have been signed, the client sent no credentials.",
			f.action, f.resourceName())
		r.getBucketPolicy()
		r.add(Check, "show the bucket's Block Public Access settings", "aws", "s3api", "get-public-access-block", "--bucket", bucketValue(f.e.Bucket()))
		return
	case f.why == "cross-account":
		r.cause = sprintf("The bucket policy of %s (account %s) probably does not grant %s from account %s %s (AWS gave no reason).", b, f.owner, who(f.role), f.caller, f.action)
		r.say("%s (account %s) was denied %s on %s in account %s, and S3 gave no reason. A cross-account request needs both the bucket policy of %s granting the caller, e.g. %s, which grants on %s, and the caller's own IAM policy allowing %s (the policy simulator, below, checks that side). The bucket owner can check the policy, including Deny statements on aws:PrincipalOrgID, aws:SourceVpce or encryption headers, with get-bucket-policy (below).",
			f.principal, f.caller, f.action, f.resourceName(), f.owner, b, grant, scope, f.action)
		r.simulate(f.resource, f.action)
		r.getBucketPolicy()
		return
	case f.d.kind == kindExplicit:
		r.cause = sprintf("The bucket policy of %s explicitly denies %s to %s%s.", b, f.action, who(f.role), f.policyNamed())
		r.say("The bucket policy of %s explicitly denies %s on %s to %s. Inspect it (get-bucket-policy, below) and find the Deny whose conditions this request meets. %s Fix the request, or narrow the Deny (e.g. exempt %s with aws:PrincipalArn). If the request went through an access point, check its policy too (s3control get-access-point-policy). %s",
			b, f.action, f.resourceName(), f.principal, f.denyConditions(), f.role, bpa)
		r.getBucketPolicy()
		r.publicAccessBlock()
		return
	}
	r.cause = sprintf("No statement in the bucket policy of %s allows %s for %s (AWS names the policy type).", b, f.action, who(f.role))
	r.say("No statement in the bucket policy of %s allows %s on %s for %s. Add %s to it, which grants on %s (get-bucket-policy, below, shows the current policy); a caller from another account also needs %s in its own IAM policy. If the request went through an access point, its policy must allow it as well. %s",
		b, f.action, f.resourceName(), f.principal, grant, scope, f.action, bpa)
	r.getBucketPolicy()
	r.publicAccessBlock()
}

// keyPolicy: the KMS key policy, including the Region form and KMS
// denials that another service (S3) reported.
func (r *rem) keyPolicy() {
	f := r.f
	key := f.keyName()
	action := cmp.Or(f.kmsAct, f.action)
	grant := jsonText(statement{Effect: "Allow", Principal: map[string]string{"AWS": f.grantee()}, Action: action, Resource: "*"})
	switch f.why {
	case "region":
		region := f.e.AWSRegion
		if kr := arnRegion(key); kr != "" && region != "" && kr != region {
			r.cause = sprintf("Key %s is in Region %s, but the call was in %s: a key works only in its own Region.", key, kr, region)
			r.say("KMS refused %s on %s for %s because the key is in Region %s and the call was made in %s: a KMS key can be used only in its own Region, and S3 can use only a key in the bucket's Region. Use a key in %s (or a multi-Region replica of this key there) and point the bucket's default encryption or the request at it (the commands below show both).",
				action, key, f.principal, kr, region, region)
			r.describeKey(key, "")
			r.getBucketEncryption()
			return
		}
		r.cause = sprintf("KMS refused %s on key %s: the key is not in Region %s or account, or its key policy refuses %s.", action, key, cmp.Or(region, "of the call"), who(f.role))
		r.say("KMS refused %s on %s for %s: the key may not exist in Region %s or in the account the request named, or its key policy does not allow the caller or explicitly denies it. What tells them apart is describe-key in Region %s (below): it fails with NotFoundException when the key is missing or in another Region (compare the Region in the key ARN with %s; S3 can use only a key in the bucket's Region); if it describes the key, the key policy refuses: read it (get-key-policy, below) and add %s.",
			action, key, f.principal, cmp.Or(region, "of the call"), cmp.Or(region, "of the call"), cmp.Or(region, "the call's Region"), grant)
		r.describeKey(key, "")
		r.getKeyPolicy(key)
		r.bucketEncryptionHint()
	case "kms-via-service":
		viaGrant := grant
		if f.e.EventSource == "s3.amazonaws.com" {
			viaGrant = viaServiceStatement(f.grantee(), f.e.EventName, f.e.AWSRegion)
		}
		r.cause = sprintf("KMS refused %s on key %s when %s used it for %s (S3 passes on the KMS error).", action, key, strings.ToUpper(f.e.Service()), who(f.role))
		r.say("%s needed %s on key %s on behalf of %s for %s on %s, and KMS refused. Either the key policy does not allow the caller (add %s; get-key-policy, below) or the caller's IAM policy lacks %s on the key (the policy simulator, below, checks that). SSE-KMS uploads need kms:GenerateDataKey, and kms:Decrypt for multipart uploads. The matching KMS event (invokedBy %s) names the resolved key ARN.",
			strings.ToUpper(f.e.Service()), action, key, f.principal, f.e.EventName, cmp.Or(eventResource(f.e), "the resource"), viaGrant, action, f.e.EventSource)
		r.getKeyPolicy(key)
		if isKeyARN(key) {
			r.simulate(key, action)
		}
		r.bucketEncryptionHint()
	case "fallback":
		r.cause = sprintf("The key policy of %s (account %s) probably does not allow %s from account %s to call %s (AWS gave no reason).", key, f.owner, who(f.role), f.caller, action)
		r.say("AWS gave no reason. %s (account %s) called %s on key %s in account %s: a cross-account KMS call needs both the key policy allowing the caller or its account (get-key-policy, below; add %s) and the caller's IAM policy allowing %s on the key ARN (the policy simulator, below).",
			f.principal, f.caller, action, key, f.owner, grant, action)
		r.getKeyPolicy(key)
		r.simulate(key, action)
	case "unknown-policy":
		r.cause = sprintf("A %q %s %s on key %s for %s.", f.d.phrase, denyVerb(f), action, key, who(f.role))
		r.say("AWS says a %q %s %s on key %s for %s; denytrail does not know this policy type. Look it up in the IAM documentation, and check the key policy and the caller's IAM policies (below).",
			f.d.phrase, denyVerb(f), action, key, f.principal)
		r.getKeyPolicy(key)
		r.simulate(key, action)
	case "cut":
		r.cause = sprintf("A policy refused %s on key %s for %s; CloudTrail cut the message before it said which.", action, key, who(f.role))
		r.say("The message was cut at CloudTrail's 1 KB limit before it named the policy that refused %s on key %s for %s. Check the key policy and the caller's IAM policies (below), then SCPs and session policies; or repeat the call to read the whole message.",
			action, key, f.principal)
		r.getKeyPolicy(key)
		r.simulate(key, action)
	default:
		if f.d.kind == kindExplicit {
			r.cause = sprintf("The key policy of %s explicitly denies %s to %s%s.", key, action, who(f.role), f.policyNamed())
			r.say("The key policy of %s explicitly denies %s to %s%s. Inspect it (get-key-policy, below) and find the Deny whose conditions this request meets (often kms:ViaService, kms:CallerAccount, aws:SourceVpce, aws:PrincipalOrgID or an encryption-context condition%s); narrow it or exempt the caller.",
				key, action, f.principal, f.namedPolicy(), f.contextNote())
			r.getKeyPolicy(key)
			return
		}
		r.cause = sprintf("The key policy of %s does not allow %s to call %s (AWS names the policy type).", key, who(f.role), action)
		r.say("The key policy of %s does not allow %s to call %s. Add the statement %s (read the policy with get-key-policy, below, then write it back with put-key-policy), or create a grant for %s (below). A caller from another account also needs %s on the key ARN in its own IAM policy.",
			key, f.principal, action, grant, f.role, action)
		r.getKeyPolicy(key)
		r.add(Fix, "grant the caller the denied operation on the key", "aws", "kms", "create-grant", "--key-id", keyValue(key), "--grantee-principal", iamARNValue(f.role), "--operations", kmsOperation(action))
	}
}

// contextNote names the encryption context of a KMS call S3 made: with an
// S3 Bucket Key it is the bucket ARN, not the object's.
func (f *facts) contextNote() string {
	ctx := f.e.RequestParameters.EncryptionContext["aws:s3:arn"]
	if ctx == "" {
		return ""
	}
	if _, key := splitS3ARN(ctx); key == "" {
		return sprintf("; this call's encryption context is aws:s3:arn = %s, the bucket ARN, because the bucket uses an S3 Bucket Key: a condition on the object ARN never matches", ctx)
	}
	return sprintf("; this call's encryption context is aws:s3:arn = %s", ctx)
}

// kmsOperation is a KMS action without its "kms:" prefix, as create-grant
// takes it, checked.
func kmsOperation(action string) value {
	op, ok := strings.CutPrefix(action, "kms:")
	v := actionValue(action)
	v.s, v.what = op, "KMS operation"
	v.ok = v.ok && ok
	return v
}

// keyState: a key that cannot be used, whatever the policies say.
func (r *rem) keyState() {
	f := r.f
	key := f.keyName()
	k := keyValue(key)
	switch f.state {
	case "disabled":
		r.cause = sprintf("Key %s is disabled.", key)
		r.say("Key %s is disabled, so %s failed for %s. Enable it (below) or use another key.", key, f.action, f.principal)
		r.describeKey(key, "KeyMetadata.KeyState")
		r.add(Fix, "enable the key", r.kmsWords(key, "enable-key", "--key-id", k)...)
	case "pending deletion":
		r.cause = sprintf("Key %s is scheduled for deletion.", key)
		r.say("Key %s is scheduled for deletion, so %s failed for %s. If it is still needed, cancel the deletion before the waiting period ends, then enable it (below); once deleted, data encrypted under it cannot be decrypted.", key, f.action, f.principal)
		r.describeKey(key, "KeyMetadata.[KeyState,DeletionDate]")
		r.add(Fix, "cancel the key's deletion", r.kmsWords(key, "cancel-key-deletion", "--key-id", k)...)
		r.add(Fix, "enable the key again", r.kmsWords(key, "enable-key", "--key-id", k)...)
	case "pending import":
		r.cause = sprintf("Key %s has no key material (PendingImport).", key)
		r.say("Key %s has no key material (PendingImport), so %s failed for %s. Import it: get-parameters-for-import, then import-key-material (see the AWS KMS guide for the wrapping options).", key, f.action, f.principal)
		r.describeKey(key, "KeyMetadata.[KeyState,Origin]")
	case "unavailable":
		r.cause = sprintf("Key %s is unavailable: its custom key store is disconnected or did not answer.", key)
		r.say("Key %s is unavailable, so %s failed for %s: its custom key store is disconnected or its external key manager did not answer. Check the key stores (below) and reconnect (connect-custom-key-store).", key, f.action, f.principal)
		r.add(Check, "show the custom key stores and their connection state", r.kmsWords(key, "describe-custom-key-stores")...)
	case "wrong region":
		_, kr, cr, _ := f.keyRegion()
		r.cause = sprintf("Key %s is in Region %s, but the call ran in %s: a KMS key works only in its own Region.", key, kr, cr)
		r.say("Key %s is in Region %s, but %s for %s ran in %s, and a KMS key is used only in its own Region (S3 uses only keys in the bucket's Region). Use a key in %s (a multi-Region key's replica there, or a new key; the aliases there are listed below), and fix the client's or the bucket's key setting.", key, kr, f.action, f.principal, cr, cr)
		r.add(Check, "list the key aliases in the call's Region", "aws", "kms", "list-aliases", "--region", regionValue(cr))
	case "not found":
		r.cause = sprintf("KMS found no key %s in Region %s.", key, cmp.Or(f.e.AWSRegion, "of the call"))
		r.say("KMS found no key %s in Region %s for %s's %s. Check the key ID or alias, and that it is in this Region and account (describe-key, below); an alias resolves only in its own account and Region.", key, cmp.Or(f.e.AWSRegion, "of the call"), f.principal, f.action)
		r.describeKey(key, "")
	default:
		r.cause = sprintf("Key %s is not in a usable state.", key)
		r.say("Key %s is not in a usable state, so %s failed for %s. See its state (below), then enable it, cancel its deletion, import its material or reconnect its key store, as the state requires.", key, f.action, f.principal)
		r.describeKey(key, "KeyMetadata.KeyState")
	}
	r.bucketEncryptionHint()
}

// scp: a service control policy on the caller's account.
func (r *rem) scp() {
	f := r.f
	acct := cmp.Or(f.caller, "<caller account>")
	r.cause = sprintf("A service control policy %s %s on %s for %s (account %s).", denyVerb(f), f.action, f.onWhat(), who(f.role), acct)
	r.say("A service control policy %s %s on %s for %s (account %s). List the SCPs on the account and on each OU above it, from the management account or a delegated administrator (below).",
		denyVerb(f), f.action, f.resourceName(), f.principal, acct)
	r.orgPolicies(f.caller, "SERVICE_CONTROL_POLICY")
	if f.d.kind == kindNoAllow {
		r.say("Here no SCP allows %s: an allow-list SCP on the path to the account must include it.", f.action)
	} else {
		r.say("No IAM Allow overrides an SCP: the SCP's Deny must change, e.g. exempt %s with a condition on aws:PrincipalArn.", f.role)
	}
}

// rcp: a resource control policy on the resource's account.
func (r *rem) rcp() {
	f := r.f
	acct := cmp.Or(f.owner, "<resource account>")
	r.cause = sprintf("A resource control policy of account %s %s %s on %s for %s.", acct, denyVerb(f), f.action, f.onWhat(), who(f.role))
	r.say("A resource control policy %s %s on %s for %s; RCPs apply to the resource's account (%s). List them, and those of each OU above it, from the management account or a delegated administrator (below). RCPs commonly deny identities outside the organization (aws:PrincipalOrgID) or requests without TLS (aws:SecureTransport); a bucket or key policy cannot override them.",
		denyVerb(f), f.action, f.resourceName(), f.principal, acct)
	r.orgPolicies(f.owner, "RESOURCE_CONTROL_POLICY")
}

// orgPolicies adds the Organizations commands that list the policies of
// filter on an account and its parents, and describe the named one.
func (r *rem) orgPolicies(acct, filter string) {
	f := r.f
	r.add(Check, "list the "+strings.ToLower(strings.ReplaceAll(filter, "_", " "))+"s attached to the account", "aws", "organizations", "list-policies-for-target", "--target-id", accountValue(acct), "--filter", filter)
	r.add(Check, "find the OU above the account (repeat for each parent)", "aws", "organizations", "list-parents", "--child-id", accountValue(acct))
	if id := policyID(f.d.policyARN); id != "" {
		r.say("The message names the policy (describe-policy, below).")
		r.add(Check, "show the policy the message names", "aws", "organizations", "describe-policy", "--policy-id", policyIDValue(id))
	}
}

// boundary: the permissions boundary of the caller's role or user.
func (r *rem) boundary() {
	f := r.f
	kind := iamKind(f.role)
	r.add(Check, "show the "+kind+"'s permissions boundary", "aws", "iam", "get-"+kind, "--"+kind+"-name", iamNameValue(iamName(f.role)), "--query", strings.ToUpper(kind[:1])+kind[1:]+".PermissionsBoundary")
	if f.d.kind == kindExplicit {
		r.cause = sprintf("The permissions boundary of %s explicitly denies %s on %s.", who(f.role), f.action, f.onWhat())
		r.say("The permissions boundary of %s explicitly denies %s on %s. Find it (below) and narrow the Deny in that policy (get-policy-version); an identity-policy Allow cannot override it.",
			f.role, f.action, f.resourceName())
		return
	}
	res, scope := f.s3Grant(false)
	r.cause = sprintf("The permissions boundary of %s does not allow %s on %s.", who(f.role), f.action, f.onWhat())
	r.say("The permissions boundary of %s does not allow %s on %s: a boundary caps the identity policies, so both must allow the action. Find it (below) and add %s to the boundary policy, which allows %s, or remove the boundary if it is not meant to apply.",
		f.role, f.action, f.resourceName(), allowStatement(f.action, res), scope)
}

// acl: a cross-account upload without bucket-owner-full-control.
func (r *rem) acl() {
	f := r.f
	sent := "without an x-amz-acl header"
	if acl := f.e.RequestParameters.ACL; acl != "" {
		sent = sprintf("with x-amz-acl %q", acl)
	}
	r.cause = sprintf("The cross-account %s by %s lacked the ACL bucket-owner-full-control, which bucket policies commonly require (AWS gave no reason).", f.e.EventName, who(f.role))
	r.say("%s (account %s) sent %s to %s in account %s %s. Bucket policies commonly deny cross-account uploads that lack x-amz-acl: bucket-owner-full-control (Condition StringEquals s3:x-amz-acl = bucket-owner-full-control): retry with that canned ACL (the CLI's --acl bucket-owner-full-control option; SDKs: ACL=bucket-owner-full-control). If that does not help, the alternative is that the bucket policy does not grant %s %s at all: the bucket owner can check it (below). With Object Ownership set to BucketOwnerEnforced the ACL is unnecessary and such a condition can be dropped.",
		f.principal, f.caller, f.e.EventName, f.resourceName(), f.owner, sent, f.principal, f.action)
	r.getBucketPolicy()
}

// vpcEndpoint: a VPC endpoint policy.
func (r *rem) vpcEndpoint() {
	f := r.f
	v := f.e.VPCEndpoint()
	r.cause = sprintf("The policy of VPC endpoint %s %s %s on %s for %s.", cmp.Or(v, "(not named in the event)"), denyVerb(f), f.action, f.onWhat(), who(f.role))
	r.say("The policy of VPC endpoint %s %s %s on %s for %s. Inspect it (below), and allow %s on %s for the caller (for SSE-KMS uploads the KMS endpoint's policy must also allow kms:GenerateDataKey). Note that S3 and KMS usually do not log requests denied by a VPC endpoint policy at all (only as network activity events, where a trail records them), so other calls through this endpoint may have been denied without any record.",
		cmp.Or(v, "(not named in the event)"), denyVerb(f), f.action, f.resourceName(), f.principal, f.action, f.resourceName())
	words := []any{"aws", "ec2", "describe-vpc-endpoints"}
	if v != "" {
		words = append(words, "--vpc-endpoint-ids", vpceValue(v), "--query", "VpcEndpoints[].PolicyDocument")
	} else {
		reg := regionValue(f.e.AWSRegion)
		svc := value{s: "Name=service-name,Values=com.amazonaws." + reg.s + "." + f.e.Service(), what: reg.what, ok: reg.ok && isService(f.e.Service())}
		if !reg.ok {
			svc.s = reg.s
		}
		words = append(words, "--filters", svc, "--query", "VpcEndpoints[].[VpcEndpointId,PolicyDocument]")
	}
	words = append(words, r.regionFlag(f.e.AWSRegion)...)
	r.add(Check, "show the VPC endpoint's policy", words...)
}

// expired: expired session credentials or an expired signed request.
func (r *rem) expired() {
	f := r.f
	if f.code == "RequestExpired" {
		r.cause = sprintf("The signed request by %s reached AWS after it expired (a presigned URL used late, or a client clock that is off).", who(f.principal))
		r.say("The signed request by %s for %s reached AWS after it expired (%s): a presigned URL used after its expiry, or a client clock that is off. Issue a new URL (signed with credentials that outlive it) or fix the client's clock (NTP).",
			f.principal, f.action, f.e.ErrorCode)
		return
	}
	r.cause = sprintf("The temporary credentials of %s had expired.", who(f.principal))
	r.say("The temporary credentials of %s had expired when it called %s (%s). Refresh them (re-assume the role, or sign in again through IAM Identity Center) and confirm who the client now is (get-caller-identity, below), make sure the client refreshes credentials before they expire, and check the session length (DurationSeconds, and the role's MaxSessionDuration, below). A presigned URL stops working when the credentials that signed it expire.",
		f.principal, f.action, f.e.ErrorCode)
	r.add(Check, "show which credentials the client uses", "aws", "sts", "get-caller-identity")
	if iamKind(f.role) == "role" && strings.Contains(f.role, ":role/") {
		r.add(Check, "show the role's maximum session length", "aws", "iam", "get-role", "--role-name", iamNameValue(iamName(f.role)), "--query", "Role.MaxSessionDuration")
	}
}

// invalid: credentials AWS does not accept.
func (r *rem) invalid() {
	f := r.f
	key := ""
	if k := f.e.UserIdentity.AccessKeyID; k != "" {
		key = sprintf(" (access key %s)", k)
	}
	r.cause = sprintf("AWS rejected the credentials%s (%s).", key, f.e.ErrorCode)
	s := sprintf("AWS rejected the credentials%s the client used for %s as %s (%s): the access key is unknown, deleted or deactivated, the session token is malformed, or the secret key does not match. Run get-caller-identity (below) with the same profile or environment to see which credentials the client uses",
		key, f.action, cmp.Or(f.principal, "an unidentified caller"), f.e.ErrorCode)
	r.add(Check, "show which credentials the client uses", "aws", "sts", "get-caller-identity")
	if iamKind(f.principal) == "user" && strings.Contains(f.principal, ":user/") {
		s += ", and list the user's access keys (below) to see which are active"
		r.add(Check, "list the user's access keys and whether they are active", "aws", "iam", "list-access-keys", "--user-name", iamNameValue(iamName(f.principal)))
	}
	s += "."
	switch f.code {
	case "SignatureDoesNotMatch", "RequestTimeTooSkewed", "InvalidSignatureException":
		s += " A signature mismatch also comes from a wrong secret key, a client clock that is off, or a proxy that alters the request."
	}
	r.say("%s", s)
}

// requestError: a failure that is not a denial.
func (r *rem) requestError() {
	f := r.f
	r.cause = sprintf("%s is not an authorization failure: the request itself was wrong.", f.e.ErrorCode)
	s := sprintf("%s is not an authorization failure: the request itself was wrong, and no policy change will help.", f.e.ErrorCode)
	if m := f.entry.meaning; strings.Contains(m, awsDisabled) {
		r.cause = sprintf("%s: AWS itself has blocked access to %s; no policy does this.", f.e.ErrorCode, f.onWhat())
		r.say("%s is not a policy denial: %s. No change to IAM, bucket or key policies will help %s; the owner of %s (account %s) should open a case with AWS Support.",
			f.e.ErrorCode, m, f.principal, f.resourceName(), cmp.Or(f.owner, "owning it"))
		return
	}
	switch f.code {
	case "NoSuchBucket":
		s += sprintf(" Bucket %s does not exist: check its name (and the Region the client targets).", f.bucketName())
		r.cause = sprintf("Bucket %s does not exist (%s).", f.bucketName(), f.e.ErrorCode)
	case "NoSuchKey":
		s += sprintf(" Object %s does not exist.", f.resourceName())
	case "IncorrectKeyException":
		s += sprintf(" The ciphertext was encrypted under a different KMS key than the one the request named (%s): decrypt with the key recorded in the ciphertext, or omit KeyId for symmetric keys.", f.keyName())
	case "InvalidCiphertextException":
		s += " The ciphertext is corrupted, or the encryption context does not match the one used to encrypt."
	case "InvalidKeyUsageException":
		r.cause = sprintf("Key %s cannot be used for %s: its key usage or spec does not fit.", f.keyName(), f.action)
		s += sprintf(" Key %s cannot be used for %s: its KeyUsage or key spec does not fit the operation (S3 SSE-KMS needs a symmetric ENCRYPT_DECRYPT key). Check them (below) and use a suitable key.", f.keyName(), f.action)
		r.describeKey(f.keyName(), "KeyMetadata.[KeyUsage,KeySpec]")
	case "DryRunOperation", "DryRunOperationException":
		s += " This was a DryRun: the caller has the permission."
		r.cause = "A DryRun call: the caller has the permission."
	default:
		if m := f.e.ErrorMessage; m != "" {
			s += sprintf(" AWS says: %q.", clip(m, 300))
		}
	}
	r.say("%s", s)
}

// unknown: a denial that points nowhere denytrail can name.
func (r *rem) unknown() {
	f := r.f
	order := "the caller's IAM policies (the policy simulator, below), the resource's own policy, SCPs and RCPs (below), the permissions boundary and any session policy"
	orgChecks := func() {
		r.simulate(f.resource, f.action)
		r.add(Check, "list the service control policies attached to the caller's account", "aws", "organizations", "list-policies-for-target", "--target-id", accountValue(f.caller), "--filter", "SERVICE_CONTROL_POLICY")
	}
	switch f.why {
	case "trust":
		r.cause = sprintf("The trust policy of role %s %s %s for %s.", f.resourceName(), denyVerb(f), f.action, who(f.principal))
		r.say("The trust policy of role %s %s %s for %s. Inspect it (below); it must name the caller (or its account) as Principal for %s, and the caller's own IAM policy must allow %s on the role.",
			f.resourceName(), denyVerb(f), f.action, f.principal, f.action, f.action)
		r.add(Check, "show the role's trust policy", "aws", "iam", "get-role", "--role-name", iamNameValue(iamName(f.resource)), "--query", "Role.AssumeRolePolicyDocument")
	case "resource-other":
		r.cause = sprintf("The resource-based policy of %s %s %s for %s.", f.resourceName(), denyVerb(f), f.action, who(f.principal))
		r.say("The resource-based policy of %s %s %s for %s. Inspect that resource's policy with the %s CLI and allow the caller there (a caller from another account also needs %s in its own IAM policy).",
			f.resourceName(), denyVerb(f), f.action, f.principal, f.e.Service(), f.action)
	case "unknown-policy":
		r.cause = sprintf("A %q %s %s on %s for %s.", f.d.phrase, denyVerb(f), f.action, f.onWhat(), who(f.principal))
		r.say("AWS says a %q %s %s on %s for %s; denytrail does not know this policy type, so look it up in the IAM documentation. Meanwhile check %s.",
			f.d.phrase, denyVerb(f), f.action, f.resourceName(), f.principal, order)
		orgChecks()
	case "cut":
		r.cause = sprintf("A policy refused %s on %s for %s; CloudTrail cut the message before it said which.", f.action, f.onWhat(), who(f.principal))
		r.say("The message was cut at CloudTrail's 1 KB limit before it named the policy that refused %s on %s for %s. Repeat the call to read the whole message, or check in turn %s.",
			f.action, f.resourceName(), f.principal, order)
		orgChecks()
	case "cross-account":
		r.cause = sprintf("%s from account %s was denied %s on %s in account %s; AWS gave no reason.", who(f.principal), f.caller, f.action, f.onWhat(), f.owner)
		r.say("AWS gave no reason. %s (account %s) was denied %s on %s in account %s: a cross-account call needs both the resource's policy in %s allowing the caller and the caller's IAM policy allowing %s. Check %s.",
			f.principal, f.caller, f.action, f.resourceName(), f.owner, f.owner, f.action, order)
		orgChecks()
	default:
		r.cause = sprintf("Nothing in the event says what denied %s on %s for %s.", f.action, f.onWhat(), who(f.principal))
		r.say("Nothing in the event says what denied %s on %s for %s. Check in turn %s. The event that would settle it is the same call with an enhanced errorMessage (same account or organization), or the resource owner's copy of this event.",
			f.action, f.resourceName(), f.principal, order)
		orgChecks()
	}
}

// encoded adds how to decode an encoded authorization message.
func (r *rem) encoded() {
	d := &r.f.d
	switch {
	case d.encoded == "":
	case d.truncated:
		r.say("The encoded authorization message was cut with the rest of the errorMessage and cannot be decoded; repeat the call to get it whole.")
	default:
		r.say("Decode the full reason with decode-authorization-message (below; needs sts:DecodeAuthorizationMessage).")
		r.add(Check, "decode the encoded authorization message", "aws", "sts", "decode-authorization-message", "--encoded-message", checked(d.encoded, "encoded authorization message", isEncodedID), "--query", "DecodedMessage", "--output", "text")
	}
}

// The commands several remediations suggest.

// simulate adds the policy simulator for the caller's role or user, for
// the actions ("a or b" for either of two) on resource.
func (r *rem) simulate(resource string, actions ...string) {
	words := []any{"aws", "iam", "simulate-principal-policy", "--policy-source-arn", iamARNValue(r.f.role), "--action-names"}
	for _, a := range actions {
		for _, one := range strings.Split(a, " or ") {
			words = append(words, actionValue(one))
		}
	}
	if strings.HasPrefix(resource, "arn:") {
		words = append(words, "--resource-arns", text(resource))
	}
	r.add(Check, "evaluate the caller's IAM policies for the call", words...)
}

// listPolicies adds the commands that list what is attached to a role or
// user.
func (r *rem) listPolicies(arn string) {
	name := iamNameValue(iamName(arn))
	switch {
	case strings.Contains(arn, ":user/"):
		r.add(Check, "list the user's managed policies", "aws", "iam", "list-attached-user-policies", "--user-name", name)
		r.add(Check, "list the user's inline policies", "aws", "iam", "list-user-policies", "--user-name", name)
		r.add(Check, "list the user's groups (their policies apply too)", "aws", "iam", "list-groups-for-user", "--user-name", name)
	case strings.Contains(arn, ":role/"):
		r.add(Check, "list the role's managed policies", "aws", "iam", "list-attached-role-policies", "--role-name", name)
		r.add(Check, "list the role's inline policies", "aws", "iam", "list-role-policies", "--role-name", name)
	}
}

// putPolicy adds the inline policy allowing action on resource (a Resource
// already escaped for IAM) to a role or user.
func (r *rem) putPolicy(arn, action, resource string) {
	kind := iamKind(arn)
	if !strings.Contains(arn, ":"+kind+"/") {
		return
	}
	a := actionValue(action)
	name := "allow-" + strings.NewReplacer(":", "-").Replace(strings.ToLower(action))
	if !a.ok {
		r.hint(a)
		return
	}
	r.add(Fix, "add an inline policy allowing the call", "aws", "iam", "put-"+kind+"-policy", "--"+kind+"-name", iamNameValue(iamName(arn)),
		"--policy-name", name, "--policy-document", policyDocument(statement{Effect: "Allow", Action: action, Resource: resource}))
}

// getBucketPolicy adds the command that shows the bucket policy.
func (r *rem) getBucketPolicy() {
	r.add(Check, "show the bucket policy", "aws", "s3api", "get-bucket-policy", "--bucket", bucketValue(r.f.e.Bucket()), "--query", "Policy", "--output", "text")
}

// getBucketEncryption adds the command that shows the bucket's default
// encryption.
func (r *rem) getBucketEncryption() {
	r.add(Check, "show the bucket's default encryption and key", "aws", "s3api", "get-bucket-encryption", "--bucket", bucketValue(r.f.e.Bucket()))
}

// publicAccessBlock adds the commands that show Block Public Access for the
// bucket and for its account.
func (r *rem) publicAccessBlock() {
	r.add(Check, "show the bucket's Block Public Access settings", "aws", "s3api", "get-public-access-block", "--bucket", bucketValue(r.f.e.Bucket()))
	r.add(Check, "show the account's Block Public Access settings", "aws", "s3control", "get-public-access-block", "--account-id", accountValue(r.f.owner))
}

// getKeyPolicy adds the command that shows a key's policy.
func (r *rem) getKeyPolicy(key string) {
	r.add(Check, "show the key policy", r.kmsWords(key, "get-key-policy", "--key-id", keyValue(key), "--policy-name", "default", "--query", "Policy", "--output", "text")...)
}

// describeKey adds describe-key for a key, with a --query when given.
func (r *rem) describeKey(key, query string) {
	words := []any{"describe-key", "--key-id", keyValue(key)}
	if query != "" {
		words = append(words, "--query", query)
	}
	r.add(Check, "describe the key (fails with NotFoundException when it is not in that Region and account)", r.kmsWords(key, words...)...)
}

// kmsWords is "aws kms" and the words, in the key's Region: the one in its
// ARN, else the call's.
func (r *rem) kmsWords(key string, words ...any) []any {
	return append(append([]any{"aws", "kms"}, words...), r.regionFlag(cmp.Or(arnRegion(key), r.f.e.AWSRegion))...)
}

// regionFlag is --region and the Region, or nothing when it is unknown.
func (r *rem) regionFlag(region string) []any {
	if region == "" {
		return nil
	}
	return []any{"--region", regionValue(region)}
}

// bucketEncryptionHint points S3 calls at the bucket's default key.
func (r *rem) bucketEncryptionHint() {
	if r.f.e.EventSource != "s3.amazonaws.com" {
		return
	}
	r.say("If the request named no key, S3 used the bucket's default (get-bucket-encryption, below).")
	r.getBucketEncryption()
}

// The names remediations quote.

// denyVerb says "explicitly denies" or "does not allow".
func denyVerb(f *facts) string {
	if f.d.kind == kindNoAllow {
		return "does not allow"
	}
	if f.d.kind == kindExplicit {
		return "explicitly denies"
	}
	return "denied"
}

// namedPolicy quotes the policy ARN the message names, if any.
func (f *facts) namedPolicy() string {
	if f.d.policyARN == "" {
		return ""
	}
	return " (" + f.d.policyARN + ")"
}

// policyNamed is namedPolicy for the cause: "" or " (policy NAME)".
func (f *facts) policyNamed() string {
	if f.d.policyARN == "" {
		return ""
	}
	return " (policy " + iamName(f.d.policyARN) + ")"
}

// resourceName is the resource for prose.
func (f *facts) resourceName() string { return cmp.Or(f.resource, "the resource") }

// onWhat is the resource for a cause: "bucket NAME" for S3 calls, "key
// ARN" for KMS calls, else the resource.
func (f *facts) onWhat() string {
	switch {
	case f.e.EventSource == "s3.amazonaws.com" && f.e.Bucket() != "":
		return "bucket " + f.e.Bucket()
	case f.e.EventSource == "kms.amazonaws.com":
		return "key " + f.keyName()
	}
	return f.resourceName()
}

// bucketName is the bucket for prose.
func (f *facts) bucketName() string { return cmp.Or(f.e.Bucket(), "<bucket>") }

// s3Grant is the Resource a suggested S3 grant names, escaped for IAM, and
// in words what it covers and why: the key's folder (prefix/*) when the key
// has one; else, for a same-account identity grant, the bucket's objects,
// and for a grant to another account only the key itself; a bucket-level
// resource as it is. Non-S3 resources are granted as denied.
func (f *facts) s3Grant(cross bool) (resource, scope string) {
	bucket, key := f.e.Bucket(), f.e.ObjectKey()
	if f.e.EventSource != "s3.amazonaws.com" || bucket == "" {
		if b, k := splitS3ARN(f.resource); b != "" {
			bucket, key = b, k
		} else {
			return iamLiteral(cmp.Or(f.resource, "*")), "the denied resource"
		}
	}
	arn := "arn:" + partition(f.e.AWSRegion) + ":s3:::" + iamLiteral(bucket)
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return arn + "/" + iamLiteral(key[:i+1]) + "*", sprintf("the objects under the key's folder %q in bucket %s, not the whole bucket (other keys in that folder are likely written by the same job; any *, ? or $ in the folder name is escaped so that it matches only itself)", key[:i+1], bucket)
	}
	switch {
	case key == "" && !f.s3Action():
		return arn, "bucket " + bucket + " itself, as denied"
	case key == "":
		return arn + "/*", "every object in bucket " + bucket + " (the event names no key); narrow it if the caller should write only some keys"
	case cross:
		return arn + "/" + iamLiteral(key), sprintf("only the denied key %q (it has no folder, and a grant to another account should not cover the whole bucket; any *, ? or $ in it is escaped so that it matches only itself)", key)
	}
	return arn + "/*", "every object in bucket " + bucket + " (the key has no folder, and a grant on one exact key breaks the next upload); narrow it if the caller should write only some keys"
}

// keyName is the KMS key for prose and commands.
func (f *facts) keyName() string {
	if k := f.e.KMSKey(); k != "" {
		return k
	}
	if strings.Contains(f.resource, ":kms:") {
		return f.resource
	}
	return "<key>"
}

// grantee is the principal a resource policy statement should name: the
// caller's role or user ARN, else its account.
func (f *facts) grantee() string { return grantee(f.role, f.caller, f.e.AWSRegion) }

// allowStatement is an identity-policy statement allowing action on
// resource (already escaped for IAM), as JSON.
func allowStatement(action, resource string) string {
	return jsonText(statement{Effect: "Allow", Action: cmp.Or(action, "<action>"), Resource: cmp.Or(resource, "*")})
}

// who names a principal for a cause: "role NAME", "user NAME", "account
// ID", else the ARN as it is.
func who(arn string) string {
	switch {
	case strings.Contains(arn, ":role/"):
		return "role " + iamName(arn)
	case strings.Contains(arn, ":user/"):
		return "user " + iamName(arn)
	case strings.Contains(arn, ":assumed-role/"):
		if r := roleFromSessionARN(arn); r != "" {
			return "role " + iamName(r)
		}
	case strings.HasSuffix(arn, ":root") && strings.HasPrefix(arn, "arn:"):
		return "account " + arnAccount(arn)
	case arn == "":
		return "the caller"
	}
	return arn
}

// iamKind says whether an IAM ARN names a "role" or a "user".
func iamKind(arn string) string {
	switch {
	case strings.Contains(arn, ":role/"):
		return "role"
	case strings.Contains(arn, ":user/"):
		return "user"
	}
	return "role"
}

// iamName is the last path element of an IAM role or user ARN.
func iamName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 && strings.HasPrefix(arn, "arn:") {
		return arn[i+1:]
	}
	return arn
}

// policyID is the p-… id at the end of an Organizations policy ARN.
func policyID(arn string) string {
	i := strings.LastIndexByte(arn, '/')
	if i < 0 || !strings.Contains(arn, ":organizations::") {
		return ""
	}
	return arn[i+1:]
}

// remedyCorrelated is the remediation, cause and commands of an upload S3
// failed because KMS refused the call it made for it: u is the upload, k
// the KMS event, each as judged alone.
func remedyCorrelated(u, k *Finding) (remediation, cause string, commands []Command) {
	key := cmp.Or(k.KMSKey, u.KMSKey, "<key>")
	role := cmp.Or(k.Role, u.Role, u.Principal)
	region := cmp.Or(k.Region, u.Region)
	acts := []string{"kms:GenerateDataKey"}
	if u.EventName != "PutObject" && u.EventName != "CopyObject" {
		acts = append(acts, "kms:Decrypt")
	}
	kmsAction := cmp.Or(k.Action, "kms:GenerateDataKey")
	// The encryption context S3 passed: the object ARN, or with an S3
	// Bucket Key the bucket ARN (the KMS event's context then names no key).
	ctx := s3ObjectARN(k)
	if k.Bucket == "" {
		ctx = s3ObjectARN(u)
	}
	keyStmt := viaServiceStatement(grantee(role, u.PrincipalAccount, region), u.EventName, region)
	iamRes := "the key ARN (describe-key gives it)"
	if isKeyARN(key) {
		iamRes = jsonText(statement{Effect: "Allow", Action: actions(acts...), Resource: iamLiteral(key)})
	}
	// The shared command builders read the role, bucket and Region.
	ev := &Event{AWSRegion: region}
	ev.RequestParameters.BucketName = u.Bucket
	r := &rem{f: &facts{e: ev, role: role}}
	r.say("S3 could not encrypt the %s by %s to %s with SSE-KMS: KMS refused %s on key %s (KMS event %s).",
		u.EventName, u.Principal, s3ObjectARN(u), kmsAction, key, k.EventID)
	d := parseDenial(k.ErrorMessage)
	switch {
	case k.Control == ControlKMSKeyState || k.Layer != LayerKMS && k.Layer != LayerUnknown:
		r.prose = append(r.prose, k.Remediation)
		r.cause, r.cmds = k.Cause, slices.Clone(k.Commands)
		if k.Control == ControlKMSKeyState {
			r.say("If the upload named no key, S3 used the bucket's default (get-bucket-encryption, below).")
			r.getBucketEncryption()
		}
		return r.result()
	case d.policy == policyIdentity && d.kind == kindExplicit:
		r.cause = sprintf("An identity-based policy of %s explicitly denies %s on key %s for its SSE-KMS upload.", who(role), kmsAction, key)
		r.say("An identity-based policy of %s explicitly denies it: find the Deny in what is attached to %s (listed by the commands below), often a condition on kms:ViaService, kms:EncryptionContext or aws:SourceVpce.",
			u.Principal, role)
		r.listPolicies(role)
	case d.policy == policyIdentity:
		r.cause = sprintf("No identity-based policy of %s allows %s on key %s, which its SSE-KMS upload needs.", who(role), kmsAction, key)
		r.say("The IAM policy of %s does not allow it: attach %s to %s (SSE-KMS uploads need kms:GenerateDataKey, and kms:Decrypt for multipart uploads; the statement grants on this key only), and make sure the key policy allows the account to delegate to IAM (get-key-policy, below).",
			role, iamRes, role)
		if isKeyARN(key) {
			r.putCorrelatedPolicy(role, acts, key)
		}
		r.getKeyPolicy(key)
	case d.kind == kindRegion:
		if kr := arnRegion(key); kr != "" && region != "" && kr != region {
			r.cause = sprintf("Key %s is in Region %s, but bucket %s is in %s: S3 can use only a key in the bucket's Region.", key, kr, u.Bucket, region)
			r.say("The key is in Region %s and bucket %s is in %s: S3 can use only a KMS key in the bucket's Region, so this upload cannot succeed with this key. Use a key in %s (or a multi-Region replica of this key there) in the request or the bucket's default encryption (get-bucket-encryption, below).",
				kr, u.Bucket, region, region)
			r.getBucketEncryption()
			break
		}
		r.cause = sprintf("KMS refused %s on key %s for %s: the key is not in the bucket's Region %s, or its key policy refuses the call.", kmsAction, key, who(role), cmp.Or(region, "of the bucket"))
		r.say("KMS says the key does not exist in this Region, or no key policy allows the call, or one denies it. What tells them apart is describe-key in the bucket's Region %s (below): it fails with NotFoundException when the key is not there (an SSE-KMS key must be in the bucket's Region; check the Region in the key ARN and the bucket's default key, below); if it describes the key, the key policy is what refuses: add %s to it.",
			cmp.Or(region, "of the bucket"), keyStmt)
		r.describeKey(key, "")
		r.getBucketEncryption()
		r.getKeyPolicy(key)
	case d.kind == kindExplicit:
		bk := ""
		if k.Bucket != "" && k.Key == "" {
			bk = " (the bucket ARN, not the object's: the bucket uses an S3 Bucket Key, so a condition on the object ARN never matches)"
		}
		r.cause = sprintf("The key policy of %s explicitly denies %s to %s for its SSE-KMS upload.", key, kmsAction, who(role))
		r.say("The key policy explicitly denies it: find the Deny this call meets (get-key-policy, below; often kms:ViaService, kms:CallerAccount, aws:SourceVpce, aws:PrincipalOrgID or an encryption-context condition; S3 calls with kms:ViaService %s and encryption context aws:s3:arn = %s%s) and narrow it or exempt %s for %s.",
			"s3."+cmp.Or(region, "<region>")+".amazonaws.com", ctx, bk, role, strings.Join(acts, " and "))
		r.getKeyPolicy(key)
	case d.policy == policyResource:
		r.cause = sprintf("The key policy of %s does not allow %s to use it for SSE-KMS uploads.", key, who(role))
		r.say("No statement of the key policy allows %s to use the key: add %s (read it with get-key-policy, below, and write it back with put-key-policy), or create a grant (below). A caller from another account also needs %s in its own IAM policy.",
			role, keyStmt, iamRes)
		r.getKeyPolicy(key)
		ops := []any{}
		for _, a := range acts {
			ops = append(ops, kmsOperation(a))
		}
		r.add(Fix, "grant the caller the operations SSE-KMS uploads need on the key", append(r.kmsWords(key, "create-grant", "--key-id", keyValue(key), "--grantee-principal", iamARNValue(role), "--operations"), ops...)...)
	default:
		r.cause = sprintf("KMS refused %s on key %s for %s's SSE-KMS upload: the key policy or its IAM policy lacks it.", kmsAction, key, who(role))
		r.say("The KMS event does not say which policy refused. Either the key policy does not allow %s (add %s; get-key-policy, below) or its IAM policy lacks the permission (attach %s). What tells them apart is the policy simulator (below), which evaluates the IAM side; if it allows, the key policy refuses.",
			role, keyStmt, iamRes)
		r.getKeyPolicy(key)
		if isKeyARN(key) {
			r.simulate(key, "kms:GenerateDataKey")
		}
	}
	return r.result()
}

// putCorrelatedPolicy adds the inline policy allowing the KMS actions of an
// SSE-KMS upload on one key.
func (r *rem) putCorrelatedPolicy(arn string, acts []string, key string) {
	kind := iamKind(arn)
	if !strings.Contains(arn, ":"+kind+"/") {
		return
	}
	r.add(Fix, "add an inline policy allowing SSE-KMS uploads with the key", "aws", "iam", "put-"+kind+"-policy", "--"+kind+"-name", iamNameValue(iamName(arn)),
		"--policy-name", "allow-sse-kms-uploads", "--policy-document", policyDocument(statement{Effect: "Allow", Action: actions(acts...), Resource: iamLiteral(key)}))
}

// grantee is the principal a key or bucket policy statement should name:
// the role or user ARN, else the caller's account root.
func grantee(role, account, region string) string {
	switch {
	case strings.HasPrefix(role, "arn:"):
		return role
	case account != "" && account != "anonymous":
		return "arn:" + partition(region) + ":iam::" + account + ":root"
	}
	return "<principal ARN>"
}

// viaServiceStatement is the key policy statement that lets principal use
// a key for S3 uploads only: kms:GenerateDataKey, and kms:Decrypt for the
// multipart calls, through S3 in the Region.
func viaServiceStatement(principal, eventName, region string) string {
	acts := []string{"kms:GenerateDataKey"}
	if eventName != "PutObject" && eventName != "CopyObject" {
		acts = append(acts, "kms:Decrypt")
	}
	return jsonText(statement{Effect: "Allow", Principal: map[string]string{"AWS": principal}, Action: actions(acts...), Resource: "*",
		Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "s3." + cmp.Or(region, "<region>") + ".amazonaws.com"}}})
}

// denyConditions says, for each condition key bucket policies commonly
// deny on, what this request carried and whether such a Deny matches it.
func (f *facts) denyConditions() string {
	e, rp := f.e, &f.e.RequestParameters
	var parts []string
	switch sse := strings.ToLower(rp.SSE); {
	case rp.SSECustomerAlgorithm != "":
		parts = append(parts, "it used SSE-C (x-amz-server-side-encryption-customer-algorithm), so a Deny requiring s3:x-amz-server-side-encryption = aws:kms matches")
	case sse == "" && carriesACL(e.EventName):
		parts = append(parts, "it carried no x-amz-server-side-encryption header, so a Deny on s3:x-amz-server-side-encryption (Null = true, or StringNotEquals aws:kms) matches")
	case sse == "aws:kms" || sse == "aws:kms:dsse":
		if rp.SSEKMSKeyID != "" {
			parts = append(parts, sprintf("it asked for SSE-KMS with key %s, so a Deny on s3:x-amz-server-side-encryption-aws-kms-key-id matches unless the policy names that key", rp.SSEKMSKeyID))
		} else {
			parts = append(parts, "it asked for SSE-KMS without naming a key, so a Deny requiring a specific s3:x-amz-server-side-encryption-aws-kms-key-id matches")
		}
	case sse != "":
		parts = append(parts, sprintf("it carried x-amz-server-side-encryption %q, so a Deny requiring aws:kms matches", rp.SSE))
	}
	switch {
	case e.TLSDetails != nil && e.TLSDetails.TLSVersion != "":
		parts = append(parts, sprintf("it came over %s, so an aws:SecureTransport = false Deny does not match", e.TLSDetails.TLSVersion))
	case e.TLSDetails == nil && eventVersionAtLeast(e.EventVersion, 1, 8):
		parts = append(parts, "it came without TLS (no tlsDetails), so a Deny on aws:SecureTransport = false matches")
	}
	if v := e.VPCEndpoint(); v != "" {
		parts = append(parts, sprintf("it came through VPC endpoint %s, so a Deny with StringNotEquals aws:SourceVpce matches unless it lists %s", v, v))
	} else if isIPAddress(e.SourceIPAddress) {
		parts = append(parts, sprintf("it came from %s, not through a VPC endpoint, so a Deny requiring aws:SourceVpce (or aws:SourceIp outside %s) matches", e.SourceIPAddress, e.SourceIPAddress))
	}
	if carriesACL(e.EventName) {
		if rp.ACL == "" {
			parts = append(parts, "it carried no x-amz-acl, so a Deny requiring s3:x-amz-acl = bucket-owner-full-control matches")
		} else if rp.ACL != "bucket-owner-full-control" {
			parts = append(parts, sprintf("it carried x-amz-acl %q, so a Deny requiring s3:x-amz-acl = bucket-owner-full-control matches", rp.ACL))
		}
	}
	if len(parts) == 0 {
		return "The record shows none of the request details such conditions test (aws:SecureTransport, aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID, s3:x-amz-server-side-encryption, s3:x-amz-acl); check them in turn."
	}
	return "This request: " + strings.Join(parts, "; ") + ". Other keys to check: aws:PrincipalOrgID, aws:PrincipalArn."
}
