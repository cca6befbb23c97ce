package classify

import (
	"cmp"
	"fmt"
	"strings"
)

// This file holds every remediation text: one function per control,
// chosen in remedy. Each names the principal, action and resource, says
// what to check with which command, and what to change.

// remedy returns the remediation for a verdict.
func remedy(layer Layer, c Control, f *facts) string {
	var s string
	switch c {
	case ControlIdentityPolicy:
		if layer == LayerKMS {
			s = remedyKMSIdentity(f)
		} else {
			s = remedyIdentity(f)
		}
	case ControlBucketPolicy:
		s = remedyBucketPolicy(f)
	case ControlBucketEncryption:
		s = fmt.Sprintf("Bucket %s blocks uploads that use SSE-C (customer-provided keys), so %s was refused for %s. Upload with SSE-S3 or SSE-KMS instead; if SSE-C is required, change the bucket's default encryption configuration (its BlockedEncryptionTypes): aws s3api get-bucket-encryption --bucket %s.",
			f.bucketName(), f.action, f.principal, f.bucketName())
	case ControlKMSKeyPolicy:
		s = remedyKeyPolicy(f)
	case ControlKMSKeyState:
		s = remedyKeyState(f)
	case ControlSCP:
		s = remedySCP(f)
	case ControlRCP:
		s = remedyRCP(f)
	case ControlPermissionsBoundary:
		s = remedyBoundary(f)
	case ControlSessionPolicy:
		s = remedySession(f)
	case ControlObjectOwnership:
		s = fmt.Sprintf("Bucket %s has Object Ownership set to BucketOwnerEnforced (ACLs disabled), and %s sent %s with an ACL (x-amz-acl: %s). Stop sending the ACL (only bucket-owner-full-control is still accepted), or, if ACLs are really needed, change the setting: aws s3api get-bucket-ownership-controls --bucket %s.",
			f.bucketName(), f.principal, f.action, cmp.Or(f.e.RequestParameters.ACL, "present"), f.bucketName())
	case ControlACL:
		s = remedyACL(f)
	case ControlBlockPublicAccess:
		s = fmt.Sprintf("The %s request by %s set a public ACL (x-amz-acl: %s) on %s, and Block Public Access (BlockPublicAcls) is on for the bucket or account %s. Drop the public ACL (grant access through a bucket policy or CloudFront instead); if public access is intended, check and change the setting: aws s3api get-public-access-block --bucket %s; aws s3control get-public-access-block --account-id %s.",
			f.action, f.principal, cmp.Or(f.e.RequestParameters.ACL, "public"), f.resourceName(), cmp.Or(f.owner, "of the bucket"), f.bucketName(), cmp.Or(f.owner, "<bucket owner account>"))
	case ControlVPCEndpointPolicy:
		s = remedyVPCEndpoint(f)
	case ControlExpiredCredentials:
		s = remedyExpired(f)
	case ControlInvalidCredentials:
		s = remedyInvalid(f)
	case ControlRequestError:
		s = remedyRequestError(f)
	default:
		s = remedyUnknown(f)
	}
	return s + remedyEncoded(f)
}

// remedyIdentity: the caller's identity-based policies (layer iam).
func remedyIdentity(f *facts) string {
	list, sim := f.listPolicies(), f.simulate()
	var s string
	switch {
	case f.d.kind == kindExplicit:
		s = fmt.Sprintf("An identity-based policy of %s explicitly denies %s on %s%s. Find the Deny statement in what is attached to %s (%s) and narrow it or exempt this request; an explicit deny overrides every Allow. Confirm with: %s.",
			f.principal, f.action, f.resourceName(), f.namedPolicy(), f.role, list, sim)
	case f.d.kind == kindNoAllow:
		s = fmt.Sprintf("No identity-based policy of %s allows %s on %s. Add to %s a statement %s (%s shows what is attached)%s, then confirm with: %s.",
			f.principal, f.action, f.resourceName(), f.role, allowStatement(f.action, f.resource), list, putPolicyCommand(f.role, f.action, f.resource), sim)
	default:
		s = fmt.Sprintf("AWS gave no reason; for a same-account call the most common cause is that no identity-based policy of %s allows %s on %s. Confirm with: %s; if it reports allowed, the denial comes from elsewhere: check the resource's policy%s, then SCPs and permissions boundaries. The fix for a missing permission is a statement %s attached to %s (%s).",
			f.principal, f.action, f.resourceName(), sim, f.bucketPolicyHint(), allowStatement(f.action, f.resource), f.role, list)
	}
	if hasFoldPrefix(f.action, "sts:AssumeRole") {
		s += fmt.Sprintf(" For %s the target role's trust policy must allow %s too: aws iam get-role --role-name %s --query Role.AssumeRolePolicyDocument.", f.action, f.principal, iamName(f.resource))
	}
	return s
}

// remedyKMSIdentity: the caller's identity-based policies lack a kms: permission.
func remedyKMSIdentity(f *facts) string {
	key := f.keyName()
	switch {
	case f.d.kind == kindExplicit:
		return fmt.Sprintf("An identity-based policy of %s explicitly denies %s on key %s%s. Find the Deny in what is attached to %s (%s) and narrow it (look for conditions on kms:ViaService, kms:EncryptionContext or aws:SourceVpce). Confirm with: %s.",
			f.principal, f.action, key, f.namedPolicy(), f.role, f.listPolicies(), f.simulate())
	case f.d.kind == kindNoAllow:
		return fmt.Sprintf("No identity-based policy of %s allows %s on key %s. Add to %s a statement %s; the key policy must also allow it, directly or by delegating to IAM with the account-root statement (aws kms get-key-policy --key-id %s --policy-name default). S3 uploads with SSE-KMS need kms:GenerateDataKey, and kms:Decrypt for multipart uploads. Confirm with: %s.",
			f.principal, f.action, key, f.role, allowStatement(f.action, f.keyARNOr("*")), key, f.simulate())
	}
	return fmt.Sprintf("AWS gave no reason; for a same-account caller the usual cause is that no identity-based policy of %s allows %s on key %s. Check it with %s, and the key policy with aws kms get-key-policy --key-id %s --policy-name default (it must allow the caller or delegate to IAM); either may be missing. The fix for the IAM side is %s attached to %s.",
		f.principal, f.action, key, f.simulate(), key, allowStatement(f.action, f.keyARNOr("*")), f.role)
}

// remedyBucketPolicy: the bucket policy (or access point policy) denies or
// does not allow; also the structural cross-account and anonymous cases.
func remedyBucketPolicy(f *facts) string {
	b := f.bucketName()
	get := fmt.Sprintf("aws s3api get-bucket-policy --bucket %s --query Policy --output text", b)
	bpa := fmt.Sprintf("Block Public Access denials (IgnorePublicAcls, RestrictPublicBuckets) read like resource-based policy denials too. What tells them apart: aws s3api get-public-access-block --bucket %s (and the account's, aws s3control get-public-access-block --account-id %s); if RestrictPublicBuckets or IgnorePublicAcls is true and the access relies on a public grant (a bucket policy statement with Principal \"*\" and no narrowing condition, or a public ACL), Block Public Access is what denies; otherwise the bucket policy.",
		b, cmp.Or(f.owner, "<bucket owner account>"))
	grant := fmt.Sprintf(`{"Effect":"Allow","Principal":{"AWS":%q},"Action":%q,"Resource":%q}`, f.grantee(), f.action, f.bucketResource())
	switch {
	case f.why == "anonymous":
		return fmt.Sprintf("An unsigned (anonymous) request for %s on %s was denied. Only a bucket policy (or ACL) granting Principal \"*\" allows it, and Block Public Access (RestrictPublicBuckets, IgnorePublicAcls) overrides that: check %s and aws s3api get-public-access-block --bucket %s. If the request should have been signed, the client sent no credentials.",
			f.action, f.resourceName(), get, b)
	case f.why == "cross-account":
		return fmt.Sprintf("%s (account %s) was denied %s on %s in account %s, and S3 gave no reason. A cross-account request needs both the bucket policy of %s granting the caller, e.g. %s, and the caller's own IAM policy allowing %s (check with %s). The bucket owner can check the policy, including Deny statements on aws:PrincipalOrgID, aws:SourceVpce or encryption headers: %s.",
			f.principal, f.caller, f.action, f.resourceName(), f.owner, b, grant, f.action, f.simulate(), get)
	case f.d.kind == kindExplicit:
		return fmt.Sprintf("The bucket policy of %s explicitly denies %s on %s to %s. Inspect it: %s, and find the Deny whose conditions this request meets. %s Fix the request, or narrow the Deny (e.g. exempt %s with aws:PrincipalArn). If the request went through an access point, check its policy too (aws s3control get-access-point-policy). %s",
			b, f.action, f.resourceName(), f.principal, get, f.denyConditions(), f.role, bpa)
	}
	return fmt.Sprintf("No statement in the bucket policy of %s allows %s on %s for %s. Add %s to it (%s shows the current one); a caller from another account also needs %s in its own IAM policy. If the request went through an access point, its policy must allow it as well. %s",
		b, f.action, f.resourceName(), f.principal, grant, get, f.action, bpa)
}

// remedyKeyPolicy: the KMS key policy, including the Region form and KMS
// denials that another service (S3) reported.
func remedyKeyPolicy(f *facts) string {
	key := f.keyName()
	get := fmt.Sprintf("aws kms get-key-policy --key-id %s --policy-name default", key)
	action := f.action
	if f.kmsAct != "" {
		action = f.kmsAct
	}
	grant := fmt.Sprintf(`{"Effect":"Allow","Principal":{"AWS":%q},"Action":%q,"Resource":"*"}`, f.grantee(), action)
	switch f.why {
	case "region":
		return fmt.Sprintf("KMS refused %s on %s for %s: the key may not exist in Region %s or in the account the request named, or its key policy does not allow the caller or explicitly denies it. What tells them apart: aws kms describe-key --key-id %s --region %s fails with NotFoundException when the key is missing or in another Region (compare the Region in the key ARN with %s; S3 can use only a key in the bucket's Region); if it describes the key, the key policy refuses: %s, and add %s.%s",
			action, key, f.principal, cmp.Or(f.e.AWSRegion, "of the call"), key, cmp.Or(f.e.AWSRegion, "<region>"), cmp.Or(f.e.AWSRegion, "the call's Region"), get, grant, f.bucketEncryptionHint())
	case "kms-via-service":
		viaGrant := grant
		if f.e.EventSource == "s3.amazonaws.com" {
			viaGrant = viaServiceStatement(f.grantee(), f.e.EventName, f.e.AWSRegion)
		}
		return fmt.Sprintf("%s needed %s on key %s on behalf of %s for %s on %s, and KMS refused. Either the key policy does not allow the caller (add %s: %s) or the caller's IAM policy lacks %s on the key (check with %s). SSE-KMS uploads need kms:GenerateDataKey, and kms:Decrypt for multipart uploads. The matching KMS event (invokedBy %s) names the resolved key ARN.%s",
			strings.ToUpper(f.e.Service()), action, key, f.principal, f.e.EventName, cmp.Or(eventResource(f.e), "the resource"), viaGrant, get, action, f.simulate(), f.e.EventSource, f.bucketEncryptionHint())
	case "fallback":
		return fmt.Sprintf("AWS gave no reason. %s (account %s) called %s on key %s in account %s: a cross-account KMS call needs both the key policy allowing the caller or its account (%s; add %s) and the caller's IAM policy allowing %s on the key ARN (check with %s).",
			f.principal, f.caller, action, key, f.owner, get, grant, action, f.simulate())
	case "unknown-policy":
		return fmt.Sprintf("AWS says a %q %s %s on key %s for %s; denytrail does not know this policy type. Look it up in the IAM documentation, and check the key policy (%s) and the caller's IAM policies (%s).",
			f.d.phrase, denyVerb(f), action, key, f.principal, get, f.simulate())
	case "cut":
		return fmt.Sprintf("The message was cut at CloudTrail's 1 KB limit before it named the policy that refused %s on key %s for %s. Check the key policy (%s), the caller's IAM policies (%s), then SCPs and session policies; or repeat the call to read the whole message.",
			action, key, f.principal, get, f.simulate())
	}
	if f.d.kind == kindExplicit {
		return fmt.Sprintf("The key policy of %s explicitly denies %s to %s%s. Inspect it: %s, and find the Deny whose conditions this request meets (often kms:ViaService, kms:CallerAccount, aws:SourceVpce, aws:PrincipalOrgID or an encryption-context condition); narrow it or exempt the caller.",
			key, action, f.principal, f.namedPolicy(), get)
	}
	return fmt.Sprintf("The key policy of %s does not allow %s to call %s. Add a statement %s (%s, then aws kms put-key-policy), or create a grant (aws kms create-grant --key-id %s --grantee-principal %s --operations %s). A caller from another account also needs %s on the key ARN in its own IAM policy.",
		key, f.principal, action, grant, get, key, f.role, strings.TrimPrefix(action, "kms:"), action)
}

// remedyKeyState: a key that cannot be used, whatever the policies say.
func remedyKeyState(f *facts) string {
	key, hint := f.keyName(), f.bucketEncryptionHint()
	desc := fmt.Sprintf("aws kms describe-key --key-id %s --query KeyMetadata.KeyState", key)
	var s string
	switch f.state {
	case "disabled":
		s = fmt.Sprintf("Key %s is disabled, so %s failed for %s. Enable it (aws kms enable-key --key-id %s) or use another key.", key, f.action, f.principal, key)
	case "pending deletion":
		s = fmt.Sprintf("Key %s is scheduled for deletion, so %s failed for %s. If it is still needed, cancel before the waiting period ends (aws kms cancel-key-deletion --key-id %s, then aws kms enable-key --key-id %s); once deleted, data encrypted under it cannot be decrypted.", key, f.action, f.principal, key, key)
	case "pending import":
		s = fmt.Sprintf("Key %s has no key material (PendingImport), so %s failed for %s. Import it: aws kms get-parameters-for-import, then aws kms import-key-material --key-id %s.", key, f.action, f.principal, key)
	case "unavailable":
		s = fmt.Sprintf("Key %s is unavailable, so %s failed for %s: its custom key store is disconnected or its external key manager did not answer. Check aws kms describe-custom-key-stores and reconnect (aws kms connect-custom-key-store).", key, f.action, f.principal)
	case "wrong region":
		_, kr, cr, _ := f.keyRegion()
		s = fmt.Sprintf("Key %s is in Region %s, but %s for %s ran in %s, and a KMS key is used only in its own Region (S3 uses only keys in the bucket's Region). Use a key in %s (a multi-Region key's replica there, or a new key: aws kms list-aliases --region %s), and fix the client's or the bucket's key setting.", key, kr, f.action, f.principal, cr, cr, cr)
	case "not found":
		s = fmt.Sprintf("KMS found no key %s in Region %s for %s's %s. Check the key ID or alias, and that it is in this Region and account (aws kms describe-key --key-id %s --region %s); an alias resolves only in its own account and Region.", key, cmp.Or(f.e.AWSRegion, "of the call"), f.principal, f.action, key, cmp.Or(f.e.AWSRegion, "<region>"))
	default:
		s = fmt.Sprintf("Key %s is not in a usable state, so %s failed for %s. See its state with %s, then enable it, cancel its deletion, import its material or reconnect its key store, as the state requires.", key, f.action, f.principal, desc)
	}
	return s + hint
}

// remedySCP: a service control policy on the caller's account.
func remedySCP(f *facts) string {
	acct := cmp.Or(f.caller, "<caller account>")
	s := fmt.Sprintf("A service control policy %s %s on %s for %s (account %s). List the SCPs on the account and on each OU above it, from the management account or a delegated administrator: aws organizations list-policies-for-target --target-id %s --filter SERVICE_CONTROL_POLICY (and aws organizations list-parents --child-id %s for the OUs).",
		denyVerb(f), f.action, f.resourceName(), f.principal, acct, acct, acct)
	if id := policyID(f.d.policyARN); id != "" {
		s += fmt.Sprintf(" The message names the policy: aws organizations describe-policy --policy-id %s.", id)
	}
	if f.d.kind == kindNoAllow {
		s += fmt.Sprintf(" Here no SCP allows %s: an allow-list SCP on the path to the account must include it.", f.action)
	} else {
		s += fmt.Sprintf(" No IAM Allow overrides an SCP: the SCP's Deny must change, e.g. exempt %s with a condition on aws:PrincipalArn.", f.role)
	}
	return s
}

// remedyRCP: a resource control policy on the resource's account.
func remedyRCP(f *facts) string {
	acct := cmp.Or(f.owner, "<resource account>")
	s := fmt.Sprintf("A resource control policy %s %s on %s for %s; RCPs apply to the resource's account (%s). List them from the management account or a delegated administrator: aws organizations list-policies-for-target --target-id %s --filter RESOURCE_CONTROL_POLICY (and for each OU above it: aws organizations list-parents --child-id %s). RCPs commonly deny identities outside the organization (aws:PrincipalOrgID) or requests without TLS (aws:SecureTransport); a bucket or key policy cannot override them.",
		denyVerb(f), f.action, f.resourceName(), f.principal, acct, acct, acct)
	if id := policyID(f.d.policyARN); id != "" {
		s += fmt.Sprintf(" The message names the policy: aws organizations describe-policy --policy-id %s.", id)
	}
	return s
}

// remedyBoundary: the permissions boundary of the caller's role or user.
func remedyBoundary(f *facts) string {
	kind, name := iamKind(f.role), iamName(f.role)
	get := fmt.Sprintf("aws iam get-%s --%s-name %s --query %s.PermissionsBoundary", kind, kind, name, strings.ToUpper(kind[:1])+kind[1:])
	if f.d.kind == kindExplicit {
		return fmt.Sprintf("The permissions boundary of %s explicitly denies %s on %s. Find it with %s and narrow the Deny in that policy (aws iam get-policy-version); an identity-policy Allow cannot override it.",
			f.role, f.action, f.resourceName(), get)
	}
	return fmt.Sprintf("The permissions boundary of %s does not allow %s on %s: a boundary caps the identity policies, so both must allow the action. Find it with %s and add %s to the boundary policy, or remove the boundary if it is not meant to apply.",
		f.role, f.action, f.resourceName(), get, allowStatement(f.action, f.resource))
}

// remedySession: the session policy passed when the session was created.
func remedySession(f *facts) string {
	return fmt.Sprintf("The session policy of %s %s %s on %s. It was passed when the session was created (the Policy or PolicyArns of AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML or GetFederationToken); the session can do only what both the role's policies and the session policy allow. Find the AssumeRole event that created the session (sts.amazonaws.com, requestParameters.policy and policyArns) and re-create the session with a session policy allowing %s on %s, or without one.",
		f.principal, denyVerb(f), f.action, f.resourceName(), f.action, f.resourceName())
}

// remedyACL: a cross-account upload without bucket-owner-full-control.
func remedyACL(f *facts) string {
	sent := "without an x-amz-acl header"
	if acl := f.e.RequestParameters.ACL; acl != "" {
		sent = fmt.Sprintf("with x-amz-acl %q", acl)
	}
	return fmt.Sprintf("%s (account %s) sent %s to %s in account %s %s. Bucket policies commonly deny cross-account uploads that lack x-amz-acl: bucket-owner-full-control (Condition StringEquals s3:x-amz-acl = bucket-owner-full-control): retry with that canned ACL (aws s3 cp ... --acl bucket-owner-full-control; SDKs: ACL=bucket-owner-full-control). If that does not help, the alternative is that the bucket policy does not grant %s %s at all: the bucket owner can check with aws s3api get-bucket-policy --bucket %s. With Object Ownership set to BucketOwnerEnforced the ACL is unnecessary and such a condition can be dropped.",
		f.principal, f.caller, f.e.EventName, f.resourceName(), f.owner, sent, f.principal, f.action, f.bucketName())
}

// remedyVPCEndpoint: a VPC endpoint policy.
func remedyVPCEndpoint(f *facts) string {
	v := f.e.VPCEndpoint()
	check := "aws ec2 describe-vpc-endpoints --filters Name=service-name,Values=com.amazonaws.<region>." + f.e.Service() + " --query 'VpcEndpoints[].[VpcEndpointId,PolicyDocument]'"
	if v != "" {
		check = fmt.Sprintf("aws ec2 describe-vpc-endpoints --vpc-endpoint-ids %s --query 'VpcEndpoints[].PolicyDocument'", v)
	}
	return fmt.Sprintf("The policy of VPC endpoint %s %s %s on %s for %s. Inspect it: %s, and allow %s on %s for the caller (for SSE-KMS uploads the KMS endpoint's policy must also allow kms:GenerateDataKey). Note that S3 and KMS usually do not log requests denied by a VPC endpoint policy at all (only as network activity events, where a trail records them), so other calls through this endpoint may have been denied without any record.",
		cmp.Or(v, "(not named in the event)"), denyVerb(f), f.action, f.resourceName(), f.principal, check, f.action, f.resourceName())
}

// remedyExpired: expired session credentials or an expired signed request.
func remedyExpired(f *facts) string {
	if f.code == "RequestExpired" {
		return fmt.Sprintf("The signed request by %s for %s reached AWS after it expired (%s): a presigned URL used after its expiry, or a client clock that is off. Issue a new URL (signed with credentials that outlive it) or fix the client's clock (NTP).",
			f.principal, f.action, f.e.ErrorCode)
	}
	return fmt.Sprintf("The temporary credentials of %s had expired when it called %s (%s). Refresh them (re-assume the role, or aws sso login) and confirm who the client now is with aws sts get-caller-identity, make sure the client refreshes credentials before they expire, and check the session length (DurationSeconds, the role's MaxSessionDuration: aws iam get-role --role-name %s --query Role.MaxSessionDuration). A presigned URL stops working when the credentials that signed it expire.",
		f.principal, f.action, f.e.ErrorCode, iamName(f.role))
}

// remedyInvalid: credentials AWS does not accept.
func remedyInvalid(f *facts) string {
	key := ""
	if k := f.e.UserIdentity.AccessKeyID; k != "" {
		key = fmt.Sprintf(" (access key %s)", k)
	}
	s := fmt.Sprintf("AWS rejected the credentials%s the client used for %s as %s (%s): the access key is unknown, deleted or deactivated, the session token is malformed, or the secret key does not match. Run aws sts get-caller-identity with the same profile or environment to see which credentials the client uses",
		key, f.action, cmp.Or(f.principal, "an unidentified caller"), f.e.ErrorCode)
	if iamKind(f.principal) == "user" {
		s += fmt.Sprintf(", and aws iam list-access-keys --user-name %s to see which keys are active", iamName(f.principal))
	}
	s += "."
	switch f.code {
	case "SignatureDoesNotMatch", "RequestTimeTooSkewed", "InvalidSignatureException":
		s += " A signature mismatch also comes from a wrong secret key, a client clock that is off, or a proxy that alters the request."
	}
	return s
}

// remedyRequestError: a failure that is not a denial.
func remedyRequestError(f *facts) string {
	s := fmt.Sprintf("%s is not an authorization failure: the request itself was wrong, and no policy change will help.", f.e.ErrorCode)
	if m := f.entry.meaning; strings.Contains(m, awsDisabled) {
		return fmt.Sprintf("%s is not a policy denial: %s. No change to IAM, bucket or key policies will help %s; the owner of %s (account %s) should open a case with AWS Support.",
			f.e.ErrorCode, m, f.principal, f.resourceName(), cmp.Or(f.owner, "owning it"))
	}
	switch f.code {
	case "NoSuchBucket":
		s += fmt.Sprintf(" Bucket %s does not exist: check its name (and the Region the client targets).", f.bucketName())
	case "NoSuchKey":
		s += fmt.Sprintf(" Object %s does not exist.", f.resourceName())
	case "IncorrectKeyException":
		s += fmt.Sprintf(" The ciphertext was encrypted under a different KMS key than the one the request named (%s): decrypt with the key recorded in the ciphertext, or omit KeyId for symmetric keys.", f.keyName())
	case "InvalidCiphertextException":
		s += " The ciphertext is corrupted, or the encryption context does not match the one used to encrypt."
	case "InvalidKeyUsageException":
		s += fmt.Sprintf(" Key %s cannot be used for %s: its KeyUsage or key spec does not fit the operation (S3 SSE-KMS needs a symmetric ENCRYPT_DECRYPT key). Check aws kms describe-key --key-id %s --query 'KeyMetadata.[KeyUsage,KeySpec]' and use a suitable key.", f.keyName(), f.action, f.keyName())
	case "DryRunOperation", "DryRunOperationException":
		s += " This was a DryRun: the caller has the permission."
	default:
		if m := f.e.ErrorMessage; m != "" {
			s += fmt.Sprintf(" AWS says: %q.", clip(m, 300))
		}
	}
	return s
}

// remedyUnknown: a denial that points nowhere denytrail can name.
func remedyUnknown(f *facts) string {
	order := fmt.Sprintf("the caller's IAM policies (%s), the resource's own policy, SCPs and RCPs (aws organizations list-policies-for-target --target-id %s --filter SERVICE_CONTROL_POLICY), the permissions boundary and any session policy",
		f.simulate(), cmp.Or(f.caller, "<account>"))
	switch f.why {
	case "trust":
		return fmt.Sprintf("The trust policy of role %s %s %s for %s. Inspect it: aws iam get-role --role-name %s --query Role.AssumeRolePolicyDocument; it must name the caller (or its account) as Principal for %s, and the caller's own IAM policy must allow %s on the role.",
			f.resourceName(), denyVerb(f), f.action, f.principal, iamName(f.resource), f.action, f.action)
	case "resource-other":
		return fmt.Sprintf("The resource-based policy of %s %s %s for %s. Inspect that resource's policy with the %s CLI and allow the caller there (a caller from another account also needs %s in its own IAM policy).",
			f.resourceName(), denyVerb(f), f.action, f.principal, f.e.Service(), f.action)
	case "unknown-policy":
		return fmt.Sprintf("AWS says a %q %s %s on %s for %s; denytrail does not know this policy type, so look it up in the IAM documentation. Meanwhile check %s.",
			f.d.phrase, denyVerb(f), f.action, f.resourceName(), f.principal, order)
	case "cut":
		return fmt.Sprintf("The message was cut at CloudTrail's 1 KB limit before it named the policy that refused %s on %s for %s. Repeat the call to read the whole message, or check in turn %s.",
			f.action, f.resourceName(), f.principal, order)
	case "cross-account":
		return fmt.Sprintf("AWS gave no reason. %s (account %s) was denied %s on %s in account %s: a cross-account call needs both the resource's policy in %s allowing the caller and the caller's IAM policy allowing %s. Check %s.",
			f.principal, f.caller, f.action, f.resourceName(), f.owner, f.owner, f.action, order)
	}
	return fmt.Sprintf("Nothing in the event says what denied %s on %s for %s. Check in turn %s. The event that would settle it is the same call with an enhanced errorMessage (same account or organization), or the resource owner's copy of this event.",
		f.action, f.resourceName(), f.principal, order)
}

// remedyEncoded adds how to decode an encoded authorization message.
func remedyEncoded(f *facts) string {
	switch {
	case f.d.encoded == "":
		return ""
	case f.d.truncated:
		return " The encoded authorization message was cut with the rest of the errorMessage and cannot be decoded; repeat the call to get it whole."
	}
	return " Decode the full reason: aws sts decode-authorization-message --encoded-message <the encoded message in errorMessage> (needs sts:DecodeAuthorizationMessage)."
}

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

// resourceName is the resource for prose.
func (f *facts) resourceName() string { return cmp.Or(f.resource, "the resource") }

// bucketName is the bucket for prose and commands.
func (f *facts) bucketName() string { return cmp.Or(f.e.Bucket(), "<bucket>") }

// bucketResource is the ARN a bucket policy statement grants on.
func (f *facts) bucketResource() string {
	if f.resource != "" && strings.Contains(f.resource, ":s3:::") {
		return f.resource
	}
	return "arn:" + partition(f.e.AWSRegion) + ":s3:::" + f.bucketName() + "/*"
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

// keyARNOr is the key ARN, or def when the event does not have it.
func (f *facts) keyARNOr(def string) string {
	if k := f.keyName(); strings.HasPrefix(k, "arn:") && !strings.Contains(k, ":alias/") {
		return k
	}
	return def
}

// bucketPolicyHint names the bucket-policy command for S3 calls.
func (f *facts) bucketPolicyHint() string {
	if f.e.EventSource != "s3.amazonaws.com" {
		return ""
	}
	return fmt.Sprintf(" (aws s3api get-bucket-policy --bucket %s)", f.bucketName())
}

// bucketEncryptionHint points S3 calls at the bucket's default key.
func (f *facts) bucketEncryptionHint() string {
	if f.e.EventSource != "s3.amazonaws.com" {
		return ""
	}
	return fmt.Sprintf(" If the request named no key, S3 used the bucket's default: aws s3api get-bucket-encryption --bucket %s.", f.bucketName())
}

// listPolicies is the CLI that lists the policies attached to the caller.
func (f *facts) listPolicies() string { return listPoliciesOf(f.role) }

// grantee is the principal a resource policy statement should name: the
// caller's role or user ARN, else its account.
func (f *facts) grantee() string { return grantee(f.role, f.caller, f.e.AWSRegion) }

// simulate is the CLI that evaluates the caller's policies for the call.
func (f *facts) simulate() string {
	src := f.role
	if !strings.HasPrefix(src, "arn:") {
		src = "<principal ARN>"
	}
	s := fmt.Sprintf("aws iam simulate-principal-policy --policy-source-arn %s --action-names %s", src, cmp.Or(f.action, "<action>"))
	if strings.HasPrefix(f.resource, "arn:") {
		s += " --resource-arns " + f.resource
	}
	return s
}

// allowStatement is an identity-policy statement allowing action on resource.
func allowStatement(action, resource string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Action":%q,"Resource":%q}`, cmp.Or(action, "<action>"), cmp.Or(resource, "*"))
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
	return cmp.Or(arn, "<name>")
}

// policyID is the p-… id at the end of an Organizations policy ARN.
func policyID(arn string) string {
	i := strings.LastIndexByte(arn, '/')
	if i < 0 || !strings.Contains(arn, ":organizations::") {
		return ""
	}
	return arn[i+1:]
}

// remedyCorrelated is the remediation of an upload S3 failed because KMS
// refused the call it made for it: u is the upload, k the KMS event, each
// as judged alone.
func remedyCorrelated(u, k *Finding) string {
	key := cmp.Or(k.KMSKey, u.KMSKey, "<key>")
	role := cmp.Or(k.Role, u.Role, u.Principal)
	region := cmp.Or(k.Region, u.Region)
	actions := `"kms:GenerateDataKey"`
	if u.EventName != "PutObject" && u.EventName != "CopyObject" {
		actions = `["kms:GenerateDataKey","kms:Decrypt"]`
	}
	via := "s3." + cmp.Or(region, "<region>") + ".amazonaws.com"
	keyStmt := viaServiceStatement(grantee(role, u.PrincipalAccount, region), u.EventName, region)
	iamStmt := fmt.Sprintf(`{"Effect":"Allow","Action":%s,"Resource":%q}`, actions, key)
	getKey := fmt.Sprintf("aws kms get-key-policy --key-id %s --policy-name default", key)
	s := fmt.Sprintf("S3 could not encrypt the %s by %s to %s with SSE-KMS: KMS refused %s on key %s (KMS event %s). ",
		u.EventName, u.Principal, s3ObjectARN(u), cmp.Or(k.Action, "kms:GenerateDataKey"), key, k.EventID)
	d := parseDenial(k.ErrorMessage)
	switch {
	case k.Control == ControlKMSKeyState || k.Layer != LayerKMS && k.Layer != LayerUnknown:
		return s + k.Remediation
	case d.policy == policyIdentity && d.kind == kindExplicit:
		s += fmt.Sprintf("An identity-based policy of %s explicitly denies it: find the Deny in what is attached to %s (%s), often a condition on kms:ViaService, kms:EncryptionContext or aws:SourceVpce.",
			u.Principal, role, listPoliciesOf(role))
	case d.policy == policyIdentity:
		s += fmt.Sprintf("The IAM policy of %s does not allow it: attach %s to %s (SSE-KMS uploads need kms:GenerateDataKey, and kms:Decrypt for multipart uploads), and make sure the key policy allows the account to delegate to IAM (%s).",
			role, iamStmt, role, getKey)
	case d.kind == kindRegion:
		s += fmt.Sprintf("KMS says the key does not exist in this Region, or no key policy allows the call, or one denies it. What tells them apart: aws kms describe-key --key-id %s --region %s fails with NotFoundException when the key is not in the bucket's Region %s (an SSE-KMS key must be in the bucket's Region; check the Region in the key ARN and the bucket's default key: aws s3api get-bucket-encryption --bucket %s); if it describes the key, the key policy is what refuses: add %s to it (%s).",
			key, cmp.Or(region, "<region>"), cmp.Or(region, "of the bucket"), cmp.Or(u.Bucket, "<bucket>"), keyStmt, getKey)
	case d.kind == kindExplicit:
		s += fmt.Sprintf("The key policy explicitly denies it: find the Deny this call meets in %s (often kms:ViaService, kms:CallerAccount, aws:SourceVpce, aws:PrincipalOrgID or an encryption-context condition; S3 calls with kms:ViaService %s and encryption context aws:s3:arn = %s) and narrow it or exempt %s for %s.",
			getKey, via, s3ObjectARN(u), role, strings.Trim(strings.ReplaceAll(actions, `","`, " and "), `[]"`))
	case d.policy == policyResource:
		s += fmt.Sprintf("No statement of the key policy allows %s to use the key: add %s (%s, then aws kms put-key-policy), or a grant: aws kms create-grant --key-id %s --grantee-principal %s --operations GenerateDataKey Decrypt. A caller from another account also needs %s in its own IAM policy.",
			role, keyStmt, getKey, key, role, iamStmt)
	default:
		s += fmt.Sprintf("The KMS event does not say which policy refused. Either the key policy does not allow %s (add %s; %s) or its IAM policy lacks the permission (attach %s). What tells them apart: aws iam simulate-principal-policy --policy-source-arn %s --action-names kms:GenerateDataKey --resource-arns %s evaluates the IAM side; if it allows, the key policy refuses.",
			role, keyStmt, getKey, iamStmt, role, key)
	}
	return s
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

// listPoliciesOf is the CLI that lists what is attached to a role or user.
func listPoliciesOf(arn string) string {
	name := iamName(arn)
	if iamKind(arn) == "user" {
		return fmt.Sprintf("aws iam list-attached-user-policies --user-name %s; aws iam list-user-policies --user-name %s; aws iam list-groups-for-user --user-name %s", name, name, name)
	}
	if strings.Contains(arn, ":role/") {
		return fmt.Sprintf("aws iam list-attached-role-policies --role-name %s; aws iam list-role-policies --role-name %s", name, name)
	}
	return "aws iam get-account-authorization-details"
}

// viaServiceStatement is the key policy statement that lets principal use
// a key for S3 uploads only: kms:GenerateDataKey, and kms:Decrypt for the
// multipart calls, through S3 in the Region.
func viaServiceStatement(principal, eventName, region string) string {
	actions := `"kms:GenerateDataKey"`
	if eventName != "PutObject" && eventName != "CopyObject" {
		actions = `["kms:GenerateDataKey","kms:Decrypt"]`
	}
	return fmt.Sprintf(`{"Effect":"Allow","Principal":{"AWS":%q},"Action":%s,"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":%q}}}`,
		principal, actions, "s3."+cmp.Or(region, "<region>")+".amazonaws.com")
}

// putPolicyCommand is the CLI that adds an inline policy allowing action
// on resource to a role or user, or "" for other principals.
func putPolicyCommand(arn, action, resource string) string {
	kind := iamKind(arn)
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":"+kind+"/") || action == "" {
		return ""
	}
	doc := `{"Version":"2012-10-17","Statement":[` + allowStatement(action, resource) + `]}`
	return fmt.Sprintf("; e.g. aws iam put-%s-policy --%s-name %s --policy-name allow-%s --policy-document '%s'",
		kind, kind, iamName(arn), strings.NewReplacer(":", "-", "*", "all").Replace(strings.ToLower(action)), doc)
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
			parts = append(parts, fmt.Sprintf("it asked for SSE-KMS with key %s, so a Deny on s3:x-amz-server-side-encryption-aws-kms-key-id matches unless the policy names that key", rp.SSEKMSKeyID))
		} else {
			parts = append(parts, "it asked for SSE-KMS without naming a key, so a Deny requiring a specific s3:x-amz-server-side-encryption-aws-kms-key-id matches")
		}
	case sse != "":
		parts = append(parts, fmt.Sprintf("it carried x-amz-server-side-encryption %q, so a Deny requiring aws:kms matches", rp.SSE))
	}
	switch {
	case e.TLSDetails != nil && e.TLSDetails.TLSVersion != "":
		parts = append(parts, fmt.Sprintf("it came over %s, so an aws:SecureTransport = false Deny does not match", e.TLSDetails.TLSVersion))
	case e.TLSDetails == nil && eventVersionAtLeast(e.EventVersion, 1, 8):
		parts = append(parts, "it came without TLS (no tlsDetails), so a Deny on aws:SecureTransport = false matches")
	}
	if v := e.VPCEndpoint(); v != "" {
		parts = append(parts, fmt.Sprintf("it came through VPC endpoint %s, so a Deny with StringNotEquals aws:SourceVpce matches unless it lists %s", v, v))
	} else if isIPAddress(e.SourceIPAddress) {
		parts = append(parts, fmt.Sprintf("it came from %s, not through a VPC endpoint, so a Deny requiring aws:SourceVpce (or aws:SourceIp outside %s) matches", e.SourceIPAddress, e.SourceIPAddress))
	}
	if carriesACL(e.EventName) {
		if rp.ACL == "" {
			parts = append(parts, "it carried no x-amz-acl, so a Deny requiring s3:x-amz-acl = bucket-owner-full-control matches")
		} else if rp.ACL != "bucket-owner-full-control" {
			parts = append(parts, fmt.Sprintf("it carried x-amz-acl %q, so a Deny requiring s3:x-amz-acl = bucket-owner-full-control matches", rp.ACL))
		}
	}
	if len(parts) == 0 {
		return "The record shows none of the request details such conditions test (aws:SecureTransport, aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID, s3:x-amz-server-side-encryption, s3:x-amz-acl); check them in turn."
	}
	return "This request: " + strings.Join(parts, "; ") + ". Other keys to check: aws:PrincipalOrgID, aws:PrincipalArn."
}
