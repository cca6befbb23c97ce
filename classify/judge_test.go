package classify

import (
	"strings"
	"testing"
)

// judgeCase is one event and the verdict it must get.
type judgeCase struct {
	name    string
	event   map[string]any
	layer   Layer
	control Control
	conf    Confidence
	// evidence and remedy are substrings that must appear in some evidence
	// line and in the remediation.
	evidence []string
	remedy   []string
	// noRemedy are substrings the remediation must not contain.
	noRemedy []string
}

// truncatedKey returns an object key that makes
// userPrefix(key) + `" ` + tail exactly 1024 bytes, the way CloudTrail cuts
// a long errorMessage, and that message.
func truncatedKey(tail string) (key, msg string) {
	head := "User: " + sessionARN + " is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::dest-bucket/"
	n := 1024 - len(head) - len(`"`) - len(tail) - len("long/")
	key = "long/" + strings.Repeat("x", n)
	return key, head + key + `"` + tail
}

func judgeCases() []judgeCase {
	s3, kms := s3Base(), kmsBase()
	msg := func(ctx string) string { return userPrefixS3 + ctx }
	kmsMsg := func(action, on, ctx string) string {
		return "User: " + sessionARN + " is not authorized to perform: " + action + " " + on + " " + ctx
	}
	cutKey, cutMsg := truncatedKey(" with an explicit deny in a service con")
	ambKey, ambMsg := truncatedKey(" with an explicit deny in a res")
	artKey, artMsg := truncatedKey(" with an explicit deny in a ")
	explKey, explMsg := truncatedKey(" with an expl")
	fullKey, fullMsg := truncatedKey(" because no identity-based policy allows the s3:PutObject action")
	resKey := "deep/" + strings.Repeat("y", 1100)
	resMsg := (userPrefixS3[:strings.Index(userPrefixS3, "arn:aws:s3:::")] + "arn:aws:s3:::dest-bucket/" + resKey + `" with an explicit deny in a service control policy`)[:1024]
	cross := with(s3, "resources", []any{
		map[string]any{"type": "AWS::S3::Object", "ARN": objectARN},
		map[string]any{"accountId": ownerAcct, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::dest-bucket"},
	})
	keyState := func(code, m string) map[string]any {
		return with(kms, "errorCode", code, "errorMessage", m)
	}

	return []judgeCase{
		// Enhanced messages: every policy type, explicit deny and no allow.
		{name: "identity no allow", event: with(s3, "errorMessage", msg("because no identity-based policy allows the s3:PutObject action")),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High,
			evidence: []string{`because no identity-based policy allows the s3:PutObject action`, "no allow", sessionARN},
			remedy:   []string{"No identity-based policy of " + sessionARN, "s3:PutObject", objectARN, "Add to " + roleARN, "list-attached-role-policies --role-name Uploader", "simulate-principal-policy --policy-source-arn " + roleARN}},
		{name: "identity explicit deny, article an", event: with(s3, "errorMessage", msg("with an explicit deny in an identity-based policy")),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High,
			evidence: []string{"with an explicit deny in an identity-based policy", "an explicit deny in the identity-based policy"},
			remedy:   []string{"explicitly denies s3:PutObject on " + objectARN, "Deny statement", sessionARN},
			noRemedy: []string{"No identity-based policy"}},
		{name: "identity explicit deny with policy ARN", event: with(s3, "errorMessage", msg("with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/DenyUploads")),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High,
			evidence: []string{`names the policy: "arn:aws:iam::111122223333:policy/DenyUploads"`},
			remedy:   []string{"(arn:aws:iam::111122223333:policy/DenyUploads)", "s3:PutObject"}},
		{name: "bucket policy explicit deny", event: with(s3, "errorMessage", msg("with an explicit deny in a resource-based policy")),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: High,
			evidence: []string{"with an explicit deny in a resource-based policy"},
			remedy:   []string{"bucket policy of dest-bucket explicitly denies s3:PutObject", sessionARN, "aws s3api get-bucket-policy --bucket dest-bucket", "IgnorePublicAcls", "access point"}},
		{name: "bucket policy no allow, article the", event: with(s3, "errorMessage", msg("because no resource-based policy allows the s3:PutObject action")),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: High,
			evidence: []string{"because no resource-based policy allows"},
			remedy:   []string{"No statement in the bucket policy of dest-bucket allows s3:PutObject", `"Principal":{"AWS":"` + roleARN + `"}`}},
		{name: "resource-based with article the", event: with(s3, "errorMessage", msg("with an explicit deny in the resource-based policy")),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: High,
			evidence: []string{"in the resource-based policy"}, remedy: []string{"explicitly denies"}},
		{name: "scp explicit deny", event: with(s3, "errorMessage", msg("with an explicit deny in a service control policy")),
			layer: LayerOrgControls, control: ControlSCP, conf: High,
			evidence: []string{`with an explicit deny in a service control policy"`},
			remedy:   []string{"aws organizations list-policies-for-target --target-id 111122223333 --filter SERVICE_CONTROL_POLICY", "explicitly denies s3:PutObject on " + objectARN, sessionARN, "No IAM Allow overrides"}},
		{name: "scp capitalised with policy ARN and console link", event: with(s3, "errorMessage", msg("with an explicit deny in a Service Control Policy: arn:aws:organizations::999988887777:policy/o-abc123def4/service_control_policy/p-examplescp. For more information, see https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html")),
			layer: LayerOrgControls, control: ControlSCP, conf: High,
			evidence: []string{"Service Control Policy", `names the policy: "arn:aws:organizations::999988887777:policy/o-abc123def4/service_control_policy/p-examplescp"`, `links to "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"`},
			remedy:   []string{"describe-policy --policy-id p-examplescp", "--filter SERVICE_CONTROL_POLICY"}},
		{name: "scp no allow", event: with(s3, "errorMessage", msg("because no service control policy allows the s3:PutObject action")),
			layer: LayerOrgControls, control: ControlSCP, conf: High,
			evidence: []string{"because no service control policy allows the s3:PutObject action"},
			remedy:   []string{"does not allow s3:PutObject", "allow-list SCP"}, noRemedy: []string{"No IAM Allow overrides"}},
		{name: "rcp explicit deny, cross-account", event: with(cross, "errorMessage", msg("with an explicit deny in a resource control policy")),
			layer: LayerOrgControls, control: ControlRCP, conf: High,
			evidence: []string{"resource control policy"},
			remedy:   []string{"--target-id 444455556666 --filter RESOURCE_CONTROL_POLICY", "s3:PutObject", objectARN}},
		{name: "permissions boundary explicit deny", event: with(s3, "errorMessage", msg("with an explicit deny in a permissions boundary")),
			layer: LayerOrgControls, control: ControlPermissionsBoundary, conf: High,
			evidence: []string{"permissions boundary"},
			remedy:   []string{"permissions boundary of " + roleARN + " explicitly denies s3:PutObject on " + objectARN, "aws iam get-role --role-name Uploader --query Role.PermissionsBoundary"}},
		{name: "permissions boundary no allow", event: with(s3, "errorMessage", msg("because no permissions boundary allows the s3:PutObject action")),
			layer: LayerOrgControls, control: ControlPermissionsBoundary, conf: High,
			remedy: []string{"does not allow s3:PutObject", `{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::dest-bucket/reports/2024/*"}`, "the key's folder"}},
		{name: "session policy no allow", event: with(s3, "errorMessage", msg("because no session policy allows the s3:PutObject action")),
			layer: LayerOrgControls, control: ControlSessionPolicy, conf: High,
			evidence: []string{"no session policy allows"},
			remedy:   []string{"session policy of " + sessionARN + " does not allow s3:PutObject on " + objectARN, "AssumeRole"}},
		{name: "sessions policy (AWS's variant noun)", event: with(s3, "errorMessage", msg("with an explicit deny in a sessions policy")),
			layer: LayerOrgControls, control: ControlSessionPolicy, conf: High,
			evidence: []string{"sessions policy"}, remedy: []string{"explicitly denies s3:PutObject"}},
		{name: "vpc endpoint policy named in message", event: with(s3, "errorMessage", msg("because no VPC endpoint policy allows the s3:PutObject action"), "vpcEndpointId", "vpce-0a1b2c3d"),
			layer: LayerNetwork, control: ControlVPCEndpointPolicy, conf: High,
			evidence: []string{"VPC endpoint policy"},
			remedy:   []string{"vpce-0a1b2c3d", "do not log requests denied by a VPC endpoint policy", "s3:PutObject", objectARN}},
		{name: "org control wins over kms action", event: with(kms, "errorMessage", kmsMsg("kms:GenerateDataKey", "on this resource", "with an explicit deny in a service control policy")),
			layer: LayerOrgControls, control: ControlSCP, conf: High, remedy: []string{"kms:GenerateDataKey"}},

		// KMS policy denials.
		{name: "kms key policy no allow, on this resource", event: with(kms, "errorMessage", kmsMsg("kms:GenerateDataKey", "on this resource", "because no resource-based policy allows the kms:GenerateDataKey action")),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: High,
			evidence: []string{`resource "this resource"`, `encryptionContext["aws:s3:arn"]: "` + objectARN, `invokedBy: "s3.amazonaws.com"`},
			remedy:   []string{"key policy of " + keyARN + " does not allow " + sessionARN + " to call kms:GenerateDataKey", `"Principal":{"AWS":"` + roleARN + `"}`, "aws kms get-key-policy --key-id " + keyARN}},
		{name: "kms key policy explicit deny", event: with(kms, "errorMessage", kmsMsg("kms:GenerateDataKey", "on resource: "+keyARN, "with an explicit deny in a resource-based policy")),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: High,
			remedy: []string{"key policy of " + keyARN + " explicitly denies kms:GenerateDataKey", "kms:ViaService"}},
		{name: "kms identity, AccessDeniedException", event: with(kms, "eventName", "Decrypt", "errorCode", "AccessDeniedException", "errorMessage", kmsMsg("kms:Decrypt", "on resource: "+keyARN, "because no identity-based policy allows the kms:Decrypt action")),
			layer: LayerKMS, control: ControlIdentityPolicy, conf: High,
			evidence: []string{"no identity-based policy allows the kms:Decrypt action"},
			remedy:   []string{"No identity-based policy of " + sessionARN + " allows kms:Decrypt on key " + keyARN, `"Resource":"` + keyARN + `"`}},
		{name: "kms identity, AccessDenied spelling", event: with(kms, "eventName", "Decrypt", "errorCode", "AccessDenied", "errorMessage", kmsMsg("kms:Decrypt", "on resource: "+keyARN, "because no identity-based policy allows the kms:Decrypt action")),
			layer: LayerKMS, control: ControlIdentityPolicy, conf: High, remedy: []string{"kms:Decrypt", keyARN}},
		{name: "kms region form", event: with(kms, "errorMessage", kmsMsg("kms:GenerateDataKey", "on this resource", "because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Medium,
			evidence: []string{"does not exist in this Region", "may not exist in this Region"},
			remedy:   []string{"Region us-east-1", "aws kms describe-key --key-id " + keyARN + " --region us-east-1", sessionARN}},
		{name: "kms plain denial, cross-account key", event: with(kms, "resources", []any{map[string]any{"accountId": ownerAcct, "type": "AWS::KMS::Key", "ARN": otherKeyARN}}),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Low,
			evidence: []string{`"111122223333" differs from the resource owner "444455556666" (the key ARN)`, "errorMessage: absent"},
			remedy:   []string{"cross-account KMS call needs both", otherKeyARN, "kms:GenerateDataKey"}},
		{name: "kms plain denial, same account", event: kms,
			layer: LayerKMS, control: ControlIdentityPolicy, conf: Low,
			remedy: []string{"kms:GenerateDataKey", keyARN, "get-key-policy"}},

		// S3 reporting KMS denials.
		{name: "PutObject names kms:GenerateDataKey with policy type", event: with(s3, "requestParameters.x-amz-server-side-encryption", "aws:kms", "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" because no identity-based policy allows the kms:GenerateDataKey action"),
			layer: LayerKMS, control: ControlIdentityPolicy, conf: High,
			evidence: []string{`x-amz-server-side-encryption: "aws:kms"`},
			remedy:   []string{"kms:GenerateDataKey", keyARN, sessionARN}},
		{name: "PutObject names kms:GenerateDataKey, no policy type", event: with(s3, "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN, "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Medium,
			evidence: []string{"errorMessage names kms:GenerateDataKey", `x-amz-server-side-encryption-aws-kms-key-id: "` + keyARN},
			remedy:   []string{"S3 needed kms:GenerateDataKey on key " + keyARN + " on behalf of " + sessionARN, "kms:Decrypt for multipart"}},
		{name: "UploadPart names kms:Decrypt", event: with(s3, "eventName", "UploadPart", "errorMessage", "User: "+sessionARN+" is not authorized to perform: kms:Decrypt on resource: "+keyARN),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Medium, remedy: []string{"kms:Decrypt", keyARN}},
		{name: "PutObject kms region form", event: with(s3, "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN, "errorMessage", kmsMsg("kms:GenerateDataKey", "on this resource", "because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access")),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Medium, remedy: []string{keyARN, "get-bucket-encryption --bucket dest-bucket"}},

		// Key state.
		{name: "kms disabled", event: keyState("DisabledException", keyARN+" is disabled."),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{"is disabled.", "the key is disabled"}, remedy: []string{"aws kms enable-key --key-id " + keyARN}},
		{name: "kms pending deletion", event: keyState("KMSInvalidStateException", keyARN+" is pending deletion."),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{"the key is pending deletion"}, remedy: []string{"aws kms cancel-key-deletion --key-id " + keyARN}},
		{name: "kms pending import", event: keyState("KMSInvalidStateException", keyARN+" is pending import."),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{"the key is pending import"}, remedy: []string{"import-key-material", "describe-key --key-id " + keyARN}},
		{name: "kms unavailable", event: keyState("KMSInvalidStateException", keyARN+" is unavailable."),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{"the key is unavailable"}, remedy: []string{"custom key store", keyARN}},
		{name: "kms KeyUnavailableException", event: keyState("KeyUnavailableException", ""),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High, remedy: []string{"connect-custom-key-store"}},
		{name: "kms not found", event: keyState("NotFoundException", "Key 'arn:aws:kms:us-east-1:111122223333:alias/uploads' does not exist"),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{"no such key"}, remedy: []string{"Region us-east-1", "alias resolves only in its own account and Region"}},
		{name: "kms invalid state, other message", event: keyState("KMSInvalidStateException", "The external key store proxy rejected the request."),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High, remedy: []string{"describe-key --key-id " + keyARN + " --query KeyMetadata.KeyState"}},
		{name: "s3 KMS.DisabledException", event: with(s3, "errorCode", "KMS.DisabledException", "errorMessage", keyARN+" is disabled.", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High,
			evidence: []string{`errorCode "KMS.DisabledException": S3 passes on KMS's DisabledException`}, remedy: []string{"enable-key --key-id " + keyARN, "get-bucket-encryption --bucket dest-bucket"}},
		{name: "s3 KMS.KMSInvalidStateException", event: with(s3, "errorCode", "KMS.KMSInvalidStateException", "errorMessage", keyARN+" is pending deletion.", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", keyARN),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High, remedy: []string{"cancel-key-deletion --key-id " + keyARN}},
		{name: "s3 KMS.NotFoundException", event: with(s3, "errorCode", "KMS.NotFoundException", "errorMessage", "Invalid keyId alias/nope", "requestParameters.x-amz-server-side-encryption-aws-kms-key-id", "alias/nope"),
			layer: LayerKMS, control: ControlKMSKeyState, conf: High, remedy: []string{"alias/nope", "describe-key"}},

		// ACLs, Block Public Access, bucket encryption.
		{name: "AccessControlListNotSupported", event: with(s3, "errorCode", "AccessControlListNotSupported", "errorMessage", "The bucket does not allow ACLs", "requestParameters.x-amz-acl", "public-read"),
			layer: LayerACL, control: ControlObjectOwnership, conf: High,
			evidence: []string{"BucketOwnerEnforced", `x-amz-acl: "public-read"`}, remedy: []string{"get-bucket-ownership-controls --bucket dest-bucket", "public-read", sessionARN}},
		{name: "BlockPublicAcls", event: with(s3, "requestParameters.x-amz-acl", "public-read", "errorMessage", msg("because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.")),
			layer: LayerACL, control: ControlBlockPublicAccess, conf: High,
			evidence: []string{"BlockPublicAcls"}, remedy: []string{"get-public-access-block --bucket dest-bucket", "public-read", objectARN}},
		{name: "SSE-C blocked", event: with(s3, "requestParameters.x-amz-server-side-encryption-customer-algorithm", "AES256", "errorMessage", msg("because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type")),
			layer: LayerBucketPolicy, control: ControlBucketEncryption, conf: High,
			evidence: []string{"SSE-C", `customer-algorithm: "AES256"`}, remedy: []string{"Bucket dest-bucket blocks uploads that use SSE-C", "get-bucket-encryption --bucket dest-bucket", sessionARN}},

		// Network.
		{name: "VpceAccessDenied", event: with(s3, "eventCategory", "NetworkActivity", "eventType", "AwsVpceEvent", "errorCode", "VpceAccessDenied", "errorMessage", "The request was denied due to a VPC endpoint policy", "vpcEndpointId", "vpce-0a1b2c3d"),
			layer: LayerNetwork, control: ControlVPCEndpointPolicy, conf: High,
			evidence: []string{`vpcEndpointId: "vpce-0a1b2c3d"`, `eventCategory: "NetworkActivity"`},
			remedy:   []string{"describe-vpc-endpoints --vpc-endpoint-ids vpce-0a1b2c3d", "usually do not log", sessionARN, "s3:PutObject", objectARN}},

		// Plain Access Denied: structure decides.
		{name: "cross-account PutObject without canned ACL", event: cross,
			layer: LayerACL, control: ControlACL, conf: Medium,
			evidence: []string{`"111122223333" differs from the resource owner "444455556666" (resources[AWS::S3::Bucket].accountId)`, "x-amz-acl: absent"},
			remedy:   []string{"bucket-owner-full-control", "get-bucket-policy --bucket dest-bucket", "alternative", sessionARN, "s3:PutObject"}},
		{name: "cross-account PutObject with private ACL", event: with(cross, "requestParameters.x-amz-acl", []any{"private"}),
			layer: LayerACL, control: ControlACL, conf: Medium,
			evidence: []string{`x-amz-acl: "private", not bucket-owner-full-control`}, remedy: []string{`with x-amz-acl "private"`}},
		{name: "cross-account PutObject with bucket-owner-full-control", event: with(cross, "requestParameters.x-amz-acl", "bucket-owner-full-control"),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: Medium,
			evidence: []string{`x-amz-acl: "bucket-owner-full-control": the canned ACL is present`},
			remedy:   []string{"cross-account request needs both", `"Principal":{"AWS":"` + roleARN + `"}`, "account 444455556666", "s3:PutObject", objectARN}},
		{name: "cross-account UploadPart (carries no ACL)", event: with(cross, "eventName", "UploadPart"),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: Medium},
		{name: "same-account plain Access Denied", event: s3,
			layer: LayerIAM, control: ControlIdentityPolicy, conf: Low,
			evidence: []string{`"Access Denied": names no policy type`, "same-account call", `sourceIPAddress: "203.0.113.7"`},
			remedy:   []string{"most common cause", "simulate-principal-policy --policy-source-arn " + roleARN + " --action-names s3:PutObject --resource-arns " + objectARN, "get-bucket-policy --bucket dest-bucket"}},
		{name: "same-account, no errorMessage, details quoted", event: with(s3, "errorMessage", nil, "tlsDetails", nil, "vpcEndpointId", "vpce-0a1b2c3d",
			"additionalEventData.AuthenticationMethod", "QueryString", "requestParameters.x-amz-server-side-encryption", "AES256"),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: Low,
			evidence: []string{"errorMessage: absent", "tlsDetails: absent", "aws:SecureTransport", `vpcEndpointId: "vpce-0a1b2c3d"`, "aws:SourceVpce", `"QueryString": a presigned URL`, `x-amz-server-side-encryption: "AES256"`}},
		{name: "bucket owner only in recipientAccountId", event: with(s3, "resources", nil),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: Low,
			evidence: []string{"bucket owner's copy of this event would settle it"}},
		{name: "anonymous request", event: with(s3, "userIdentity", map[string]any{"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}),
			layer: LayerBucketPolicy, control: ControlBucketPolicy, conf: Medium,
			evidence: []string{"anonymous"}, remedy: []string{"Principal \"*\"", "get-public-access-block --bucket dest-bucket"}},

		// Credentials (S3 does not log them; other services do).
		credCase("ExpiredToken", ControlExpiredCredentials, High),
		credCase("ExpiredTokenException", ControlExpiredCredentials, High),
		credCase("TokenRefreshRequired", ControlExpiredCredentials, High),
		credCase("InvalidAccessKeyId", ControlInvalidCredentials, High),
		credCase("InvalidClientTokenId", ControlInvalidCredentials, High),
		credCase("SignatureDoesNotMatch", ControlInvalidCredentials, High),
		credCase("InvalidToken", ControlInvalidCredentials, High),
		credCase("UnrecognizedClientException", ControlInvalidCredentials, High),
		credCase("CloudTrailInvalidClientTokenIdException", ControlInvalidCredentials, High),

		// Not denials.
		otherCase(with(s3, "errorCode", "NoSuchBucket", "errorMessage", "The specified bucket does not exist"), "Bucket dest-bucket does not exist"),
		otherCase(with(kms, "eventName", "Decrypt", "errorCode", "IncorrectKeyException", "errorMessage", "The key ID in the request does not identify a CMK that can perform this operation."), "different KMS key"),
		otherCase(with(kms, "errorCode", "ValidationException", "errorMessage", "1 validation error detected"), "1 validation error detected"),
		otherCase(with(s3, "eventName", "GetObject", "errorCode", "NoSuchKey", "errorMessage", "The specified key does not exist."), objectARN),

		// What AWS names but denytrail does not model.
		{name: "unknown policy type", event: with(s3, "errorMessage", msg("with an explicit deny in a galactic firewall policy")),
			layer: LayerUnknown, control: ControlUnknown, conf: Low,
			evidence: []string{`a policy type denytrail does not know ("galactic firewall policy")`},
			remedy:   []string{`"galactic firewall policy"`, "explicitly denies s3:PutObject on " + objectARN, sessionARN}},
		{name: "unknown policy type on kms action", event: with(kms, "errorMessage", kmsMsg("kms:GenerateDataKey", "on this resource", "because no quantum policy allows the kms:GenerateDataKey action")),
			layer: LayerKMS, control: ControlKMSKeyPolicy, conf: Low,
			evidence: []string{`"quantum policy"`}, remedy: []string{`"quantum policy" does not allow kms:GenerateDataKey`}},
		{name: "role trust policy", event: with(kms, "eventSource", "sts.amazonaws.com", "eventName", "AssumeRole", "resources", nil, "userIdentity.invokedBy", nil,
			"errorMessage", "User: "+sessionARN+" is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/Deployer because no role trust policy allows the sts:AssumeRole action"),
			layer: LayerUnknown, control: ControlUnknown, conf: Medium,
			evidence: []string{"role trust policy"}, remedy: []string{"aws iam get-role --role-name Deployer --query Role.AssumeRolePolicyDocument", sessionARN}},
		{name: "encoded authorization message", event: with(kms, "eventSource", "ec2.amazonaws.com", "eventName", "RunInstances", "errorCode", "Client.UnauthorizedOperation", "resources", nil, "userIdentity.invokedBy", nil,
			"errorMessage", "You are not authorized to perform this operation. User: "+sessionARN+" is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: Xb1kLmNoPqRsTuVw-yz0123456789"),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High,
			evidence: []string{"encoded authorization failure message", "ec2:RunInstances"},
			remedy:   []string{"aws sts decode-authorization-message", "ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*", roleARN}},

		// 1 KB truncation.
		{name: "truncated mid-phrase, one candidate", event: with(s3, "requestParameters.key", cutKey, "errorMessage", cutMsg),
			layer: LayerOrgControls, control: ControlSCP, conf: Medium,
			evidence: []string{"1 KB limit: it was cut mid-phrase", "service control policy"}, remedy: []string{"SERVICE_CONTROL_POLICY"}},
		{name: "truncated mid-phrase, ambiguous", event: with(s3, "requestParameters.key", ambKey, "errorMessage", ambMsg),
			layer: LayerUnknown, control: ControlUnknown, conf: Low,
			evidence: []string{"cut mid-phrase", "resource-based policy or resource control policy"}, remedy: []string{"cut at CloudTrail's 1 KB limit", "s3:PutObject"}},
		{name: "truncated after the article", event: with(s3, "requestParameters.key", artKey, "errorMessage", artMsg),
			layer: LayerUnknown, control: ControlUnknown, conf: Low,
			evidence: []string{"cut mid-phrase", "identity-based policy or resource-based policy or service control policy"}},
		{name: "truncated inside 'with an explicit deny'", event: with(s3, "requestParameters.key", explKey, "errorMessage", explMsg),
			layer: LayerUnknown, control: ControlUnknown, conf: Low,
			evidence: []string{`"…with an expl": ends mid-phrase`, "which could be any policy type"}},
		{name: "at the limit but complete", event: with(s3, "requestParameters.key", fullKey, "errorMessage", fullMsg),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: High},
		{name: "truncated inside the resource", event: with(s3, "requestParameters.key", resKey, "errorMessage", resMsg),
			layer: LayerIAM, control: ControlIdentityPolicy, conf: Low,
			evidence: []string{"no closing quote", "probably cut before naming a policy type"}},
	}
}

func credCase(code string, c Control, conf Confidence) judgeCase {
	e := with(kmsBase(), "eventSource", "sts.amazonaws.com", "eventName", "GetCallerIdentity", "errorCode", code, "errorMessage", "The security token included in the request is invalid", "resources", nil, "userIdentity.invokedBy", nil)
	word := map[Control]string{ControlExpiredCredentials: "had expired", ControlInvalidCredentials: "rejected the credentials"}[c]
	return judgeCase{name: "credentials " + code, event: e, layer: LayerCredentials, control: c, conf: conf,
		evidence: []string{code}, remedy: []string{word, code, "sts:GetCallerIdentity", sessionARN}}
}

func otherCase(e map[string]any, remedy string) judgeCase {
	return judgeCase{name: "not a denial " + e["errorCode"].(string), event: e, layer: LayerOther, control: ControlRequestError, conf: High,
		remedy: []string{"not an authorization failure", remedy}}
}

func TestJudge(t *testing.T) {
	for _, tc := range judgeCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := mustParse(t, raw(t, tc.event))
			v := Judge(e)
			if v.Layer != tc.layer || v.Control != tc.control || v.Confidence != tc.conf {
				t.Errorf("verdict = %s/%s/%s, want %s/%s/%s\nevidence:\n  %s\nremediation: %s",
					v.Layer, v.Control, v.Confidence, tc.layer, tc.control, tc.conf, strings.Join(v.Evidence, "\n  "), v.Remediation)
			}
			if len(v.Evidence) == 0 || v.Evidence[0] != `errorCode: "`+e.ErrorCode+`"` {
				t.Errorf("evidence does not start with the errorCode: %q", v.Evidence)
			}
			all := strings.Join(v.Evidence, "\n")
			if strings.Contains(all+v.Remediation, "%!") {
				t.Errorf("formatting error in verdict:\n%s\n%s", all, v.Remediation)
			}
			for _, want := range tc.evidence {
				if !strings.Contains(all, want) {
					t.Errorf("evidence lacks %q:\n  %s", want, strings.Join(v.Evidence, "\n  "))
				}
			}
			for _, want := range tc.remedy {
				if !strings.Contains(remedyText(v.Remediation, v.Commands), want) {
					t.Errorf("remediation and commands lack %q:\n%s", want, remedyText(v.Remediation, v.Commands))
				}
			}
			for _, bad := range tc.noRemedy {
				if strings.Contains(remedyText(v.Remediation, v.Commands), bad) {
					t.Errorf("remediation or commands have %q:\n%s", bad, remedyText(v.Remediation, v.Commands))
				}
			}
			// Every denial's remediation names who, what and where.
			if v.Layer != LayerOther && v.Layer != LayerCredentials {
				who := "Uploader"
				if e.UserIdentity.AccountID == "anonymous" {
					who = "anonymous"
				}
				for _, want := range []string{who, remedyAction(e)} {
					if !strings.Contains(v.Remediation, want) {
						t.Errorf("remediation does not name %q:\n%s", want, v.Remediation)
					}
				}
			}
		})
	}
}

// remedyAction is the action a remediation must name for the test events.
func remedyAction(e *Event) string {
	if d := parseDenial(e.ErrorMessage); d.action != "" {
		return d.action
	}
	return eventAction(e)
}

func TestJudgeNotFailed(t *testing.T) {
	e := mustParse(t, raw(t, with(s3Base(), "errorCode", nil, "errorMessage", nil)))
	if v := Judge(e); v.Layer != "" || v.Control != "" || v.Evidence != nil || v.Remediation != "" {
		t.Errorf("Judge of a successful call = %+v, want the zero Verdict", v)
	}
}

// TestJudgeExplicitVersusNoAllow checks the two phrasings lead to different
// evidence and remediation for every policy type, with the same control.
func TestJudgeExplicitVersusNoAllow(t *testing.T) {
	for _, p := range []string{"identity-based policy", "resource-based policy", "service control policy", "resource control policy", "permissions boundary", "session policy", "VPC endpoint policy"} {
		deny := Judge(mustParse(t, raw(t, with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a "+p))))
		noAllow := Judge(mustParse(t, raw(t, with(s3Base(), "errorMessage", userPrefixS3+"because no "+p+" allows the s3:PutObject action"))))
		if deny.Control != noAllow.Control || deny.Layer != noAllow.Layer {
			t.Errorf("%s: explicit deny %s/%s, no allow %s/%s: same policy, different control", p, deny.Layer, deny.Control, noAllow.Layer, noAllow.Control)
		}
		if deny.Remediation == noAllow.Remediation {
			t.Errorf("%s: same remediation for explicit deny and no allow", p)
		}
		if !strings.Contains(strings.Join(deny.Evidence, "\n"), "an explicit deny in") {
			t.Errorf("%s: explicit deny evidence: %q", p, deny.Evidence)
		}
		if !strings.Contains(strings.Join(noAllow.Evidence, "\n"), "no allow:") {
			t.Errorf("%s: no allow evidence: %q", p, noAllow.Evidence)
		}
	}
}

func TestParseDenial(t *testing.T) {
	tests := []struct {
		msg                     string
		principal, action, res  string
		kind                    denyKind
		policy                  policyType
		phrase, policyARN, link string
		this                    bool
	}{
		{msg: `User: arn:aws:iam::1:user/a is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy`,
			principal: "arn:aws:iam::1:user/a", action: "s3:GetObject", res: "arn:aws:s3:::b/k", kind: kindExplicit, policy: policyResource, phrase: "resource-based policy"},
		{msg: `USER: arn:aws:iam::1:user/a IS NOT AUTHORIZED TO PERFORM: kms:Decrypt ON THIS RESOURCE BECAUSE NO IDENTITY-BASED POLICY ALLOWS THE kms:Decrypt ACTION`,
			principal: "arn:aws:iam::1:user/a", action: "kms:Decrypt", this: true, kind: kindNoAllow, policy: policyIdentity, phrase: "IDENTITY-BASED POLICY"},
		{msg: `User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a service control policy: arn:aws:organizations::9:policy/o-1/service_control_policy/p-1`,
			principal: "arn:aws:sts::1:assumed-role/r/s", action: "s3:PutObject", res: "arn:aws:s3:::b/k", kind: kindExplicit, policy: policySCP, phrase: "service control policy", policyARN: "arn:aws:organizations::9:policy/o-1/service_control_policy/p-1"},
		{msg: `User: arn:aws:iam::1:user/a is not authorized to perform: s3:PutObject because no permissions boundary allows the s3:PutObject action. See https://console.aws.amazon.com/iam/home#/policies.`,
			principal: "arn:aws:iam::1:user/a", action: "s3:PutObject", kind: kindNoAllow, policy: policyBoundary, phrase: "permissions boundary", link: "https://console.aws.amazon.com/iam/home#/policies"},
		{msg: `User is not authorized to perform: rds:StopActivityStream`, action: "rds:StopActivityStream"},
		{msg: `Access Denied`},
		{msg: ``},
	}
	for _, tc := range tests {
		d := parseDenial(tc.msg)
		if d.principal != tc.principal || d.action != tc.action || d.resource != tc.res || d.thisResource != tc.this ||
			d.kind != tc.kind || d.policy != tc.policy || d.phrase != tc.phrase || d.policyARN != tc.policyARN || d.link != tc.link {
			t.Errorf("parseDenial(%q) =\n %+v", tc.msg, d)
		}
	}
}
