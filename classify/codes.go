package classify

import (
	"slices"
	"strings"
)

// This file is the one table of the error codes denytrail knows: every code
// the S3 and KMS references document for the calls denytrail reads, and the
// denial and credential codes other services use (for --all-failures).
// Each code maps to a fixed layer and control, or (for the access-denied
// codes) to "the message and the event decide".
//
// Sources:
//   - S3: Amazon S3 API Reference, "Error responses", List of error codes,
//     https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
//     (the same list the SDKs carry as the doc of the S3 Error type), and
//     S3 User Guide "Troubleshooting" for Object Ownership,
//     https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-error-responses.html
//   - KMS: AWS KMS API Reference, the Errors section of each action (Encrypt,
//     Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext,
//     GenerateDataKeyPair, ReEncrypt, CreateGrant, DescribeKey, ...), e.g.
//     https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html#API_Encrypt_Errors,
//     and "Common Errors", https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html
//     (every exception type the KMS API declares is listed below).
//   - CloudTrail network activity events: VpceAccessDenied,
//     https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-network-events-with-cloudtrail.html

// codeClass says how a code decides a verdict.
type codeClass uint8

const (
	codeDenial      codeClass = iota + 1 // access denied: the message and event structure decide
	codeFixed                            // the code alone decides layer and control
	codeKeyState                         // kms/kms-key-state; state names the state
	codeCredentials                      // credentials; control says which
)

// codeEntry is what one error code means. Read-only.
type codeEntry struct {
	code    string
	service string // "s3", "kms", or "" for any service
	class   codeClass
	layer   Layer
	control Control
	conf    Confidence
	state   string // for codeKeyState: "disabled", "not found", ...
	meaning string // what AWS documents the code as meaning, for evidence
}

// Shorthands for the table.
func denialCode(code, service, meaning string) codeEntry {
	return codeEntry{code: code, service: service, class: codeDenial, meaning: meaning}
}

func requestCode(code, service, meaning string) codeEntry {
	return codeEntry{code: code, service: service, class: codeFixed, layer: LayerOther, control: ControlRequestError, conf: High, meaning: meaning}
}

func keyStateCode(code, service, state, meaning string) codeEntry {
	return codeEntry{code: code, service: service, class: codeKeyState, layer: LayerKMS, control: ControlKMSKeyState, conf: High, state: state, meaning: meaning}
}

func credCode(code string, c Control, conf Confidence, meaning string) codeEntry {
	return codeEntry{code: code, class: codeCredentials, layer: LayerCredentials, control: c, conf: conf, meaning: meaning}
}

func fixedCode(code, service string, l Layer, c Control, meaning string) codeEntry {
	return codeEntry{code: code, service: service, class: codeFixed, layer: l, control: c, conf: High, meaning: meaning}
}

const (
	transient   = "a transient failure on AWS's side, not a denial: retry with backoff"
	awsDisabled = "AWS itself has blocked access (no policy of the caller's or the bucket owner's does this): contact AWS Support"
)

// errorCodes is the table, sorted by code (byte order), then service; a
// test checks. Read-only.
var errorCodes = [...]codeEntry{
	fixedCode("AccessControlListNotSupported", "s3", LayerACL, ControlObjectOwnership, "the bucket's Object Ownership is BucketOwnerEnforced (ACLs disabled) and the request carried an ACL other than bucket-owner-full-control"),
	denialCode("AccessDenied", "", "access denied"),
	denialCode("AccessDeniedException", "", "access denied"),
	denialCode("AccessDeniedFault", "", "access denied"),
	requestCode("AccessPointAlreadyOwnedByYou", "s3", "the access point already exists and is yours"),
	requestCode("AccountProblem", "s3", "a problem with the AWS account prevents the action; "+awsDisabled),
	requestCode("AllAccessDisabled", "s3", "all access to this S3 resource has been disabled by AWS; "+awsDisabled),
	requestCode("AlreadyExistsException", "kms", "the alias or resource already exists"),
	requestCode("AmbiguousGrantByEmailAddress", "s3", "the e-mail address in the grant belongs to more than one account"),
	credCode("AuthFailure", ControlInvalidCredentials, High, "AWS could not validate the credentials"),
	denialCode("AuthorizationError", "", "access denied"),
	denialCode("AuthorizationErrorException", "", "access denied"),
	credCode("AuthorizationHeaderMalformed", ControlInvalidCredentials, Medium, "the Authorization header is malformed (often its credential scope names another Region)"),
	credCode("AuthorizationQueryParametersError", ControlInvalidCredentials, Medium, "the query-string authentication (presigned URL) parameters are malformed"),
	requestCode("BadDigest", "s3", "the Content-MD5 does not match the body received"),
	requestCode("BucketAlreadyExists", "s3", "the bucket name is taken"),
	requestCode("BucketAlreadyOwnedByYou", "s3", "the bucket already exists and is yours"),
	requestCode("BucketNotEmpty", "s3", "the bucket to delete is not empty"),
	requestCode("CloudHsmClusterInUseException", "kms", "custom key store administration: the CloudHSM cluster is in use"),
	requestCode("CloudHsmClusterInvalidConfigurationException", "kms", "custom key store administration: the CloudHSM cluster is misconfigured"),
	requestCode("CloudHsmClusterNotActiveException", "kms", "custom key store administration: the CloudHSM cluster is not active"),
	requestCode("CloudHsmClusterNotFoundException", "kms", "custom key store administration: no such CloudHSM cluster"),
	requestCode("CloudHsmClusterNotRelatedException", "kms", "custom key store administration: the CloudHSM cluster is not related to the original"),
	requestCode("ConditionalRequestConflict", "s3", "a conflicting operation on the object happened during this conditional request"),
	requestCode("ConflictException", "kms", "the request conflicts with the resource's current state"),
	requestCode("CredentialsNotSupported", "s3", "this request does not take credentials"),
	requestCode("CrossLocationLoggingProhibited", "s3", "logging to a bucket in another location is not allowed"),
	requestCode("CustomKeyStoreHasCMKsException", "kms", "custom key store administration: the key store still holds keys"),
	requestCode("CustomKeyStoreInvalidStateException", "kms", "custom key store administration: the key store is not in a state that allows this"),
	requestCode("CustomKeyStoreNameInUseException", "kms", "custom key store administration: the name is taken"),
	requestCode("CustomKeyStoreNotFoundException", "kms", "custom key store administration: no such key store"),
	requestCode("DependencyTimeoutException", "kms", "KMS timed out on a dependency; "+transient),
	keyStateCode("DisabledException", "kms", "disabled", "the KMS key is disabled"),
	requestCode("DryRunOperation", "", "a DryRun: the call would have succeeded"),
	requestCode("DryRunOperationException", "kms", "a DryRun: the call would have succeeded"),
	requestCode("EncryptionTypeMismatch", "s3", "the existing object was created with a different encryption type"),
	requestCode("EntityAlreadyExists", "", "the entity already exists"),
	requestCode("EntityTooLarge", "s3", "the upload exceeds the maximum object size"),
	requestCode("EntityTooSmall", "s3", "the upload (or part) is smaller than the minimum size"),
	requestCode("ExpiredImportTokenException", "kms", "the key material import token has expired"),
	credCode("ExpiredToken", ControlExpiredCredentials, High, "the session token has expired"),
	credCode("ExpiredTokenException", ControlExpiredCredentials, High, "the session token has expired"),
	denialCode("Forbidden", "", "access denied"),
	denialCode("ForbiddenException", "", "access denied"),
	requestCode("IdempotencyParameterMismatch", "s3", "the parameters differ from an earlier request with the same idempotency token"),
	requestCode("IllegalLocationConstraintException", "s3", "the bucket's Region does not match the endpoint the request was sent to"),
	requestCode("IllegalVersioningConfigurationException", "s3", "the versioning configuration is invalid"),
	requestCode("IncompleteBody", "s3", "fewer bytes than the Content-Length arrived"),
	credCode("IncompleteSignature", ControlInvalidCredentials, High, "the request signature is incomplete"),
	requestCode("IncorrectKeyException", "kms", "the ciphertext was encrypted under a different KMS key than the one the request named"),
	requestCode("IncorrectKeyMaterialException", "kms", "the imported key material is not the key's original material"),
	requestCode("IncorrectNumberOfFilesInPostRequest", "s3", "a POST upload must carry exactly one file"),
	requestCode("IncorrectTrustAnchorException", "kms", "custom key store administration: the trust anchor certificate does not match"),
	requestCode("InlineDataTooLarge", "s3", "inline data exceeds the maximum size"),
	requestCode("InternalError", "s3", "S3 had an internal error; "+transient),
	requestCode("InternalFailure", "", "the service had an internal error; "+transient),
	credCode("InvalidAccessKeyId", ControlInvalidCredentials, High, "the access key ID does not exist"),
	requestCode("InvalidAccessPoint", "s3", "the access point is not valid"),
	requestCode("InvalidAddressingHeader", "s3", "the addressing header is invalid (the Anonymous role is required)"),
	requestCode("InvalidAliasNameException", "kms", "the alias name is not valid"),
	requestCode("InvalidArgument", "s3", "an argument of the request is invalid"),
	requestCode("InvalidArnException", "kms", "the ARN in the request is not valid"),
	fixedCode("InvalidBucketAclWithObjectOwnership", "s3", LayerACL, ControlObjectOwnership, "Object Ownership BucketOwnerEnforced (ACLs disabled) forbids a bucket ACL that grants access to others"),
	requestCode("InvalidBucketName", "s3", "the bucket name is not valid"),
	requestCode("InvalidBucketState", "s3", "the request is not valid in the bucket's current state"),
	requestCode("InvalidCiphertextException", "kms", "the ciphertext, or its encryption context, is not valid"),
	credCode("InvalidClientTokenId", ControlInvalidCredentials, High, "the access key ID or security token is not valid"),
	requestCode("InvalidDigest", "s3", "the Content-MD5 is not valid"),
	requestCode("InvalidEncryptionAlgorithmError", "s3", "the encryption algorithm in the request is not valid"),
	requestCode("InvalidGrantIdException", "kms", "the grant ID is not valid"),
	requestCode("InvalidGrantTokenException", "kms", "the grant token is not valid"),
	requestCode("InvalidImportTokenException", "kms", "the import token is not valid for this key"),
	requestCode("InvalidKeyUsageException", "kms", "the key's KeyUsage or key spec does not fit the operation (e.g. a SIGN_VERIFY or asymmetric key for Encrypt or GenerateDataKey)"),
	requestCode("InvalidLocationConstraint", "s3", "the location constraint is not valid"),
	requestCode("InvalidMarkerException", "kms", "the pagination marker is not valid"),
	requestCode("InvalidObjectState", "s3", "the action is not valid in the object's current state (e.g. archived, or locked)"),
	requestCode("InvalidPart", "s3", "a listed part was not found, or its ETag does not match"),
	requestCode("InvalidPartOrder", "s3", "the parts are not listed in ascending order"),
	requestCode("InvalidPayer", "s3", "all access to this object has been disabled by AWS; "+awsDisabled),
	requestCode("InvalidPolicyDocument", "s3", "the form does not meet the conditions of its POST policy"),
	requestCode("InvalidRange", "s3", "the requested range cannot be satisfied"),
	requestCode("InvalidRequest", "s3", "the request is not valid"),
	requestCode("InvalidSOAPRequest", "s3", "the SOAP request body is invalid"),
	credCode("InvalidSecurity", ControlInvalidCredentials, High, "the security credentials are not valid"),
	credCode("InvalidSignatureException", ControlInvalidCredentials, High, "the request signature does not match"),
	requestCode("InvalidStorageClass", "s3", "the storage class is not valid"),
	requestCode("InvalidTag", "s3", "a tag in the request is not valid"),
	requestCode("InvalidTargetBucketForLogging", "s3", "the logging target bucket is missing, not owned by you, or lacks the grants"),
	credCode("InvalidToken", ControlInvalidCredentials, High, "the token is malformed or otherwise invalid"),
	requestCode("InvalidURI", "s3", "the URI could not be parsed"),
	requestCode("InvalidWriteOffset", "s3", "the write offset does not match the object's size"),
	keyStateCode("KMS.DisabledException", "s3", "disabled", "S3 passes on KMS's DisabledException: the KMS key is disabled"),
	requestCode("KMS.InvalidKeyUsageException", "s3", "S3 passes on KMS's InvalidKeyUsageException: the key's KeyUsage or key spec does not fit SSE-KMS (a symmetric ENCRYPT_DECRYPT key is needed)"),
	keyStateCode("KMS.KMSInvalidStateException", "s3", "invalid state", "S3 passes on KMS's KMSInvalidStateException: the KMS key's state does not allow the operation"),
	keyStateCode("KMS.NotFoundException", "s3", "not found", "S3 passes on KMS's NotFoundException: no such KMS key in the bucket's account and Region"),
	requestCode("KMSInternalException", "kms", "KMS had an internal error; "+transient),
	requestCode("KMSInvalidMacException", "kms", "the MAC does not verify"),
	requestCode("KMSInvalidSignatureException", "kms", "the signature does not verify"),
	keyStateCode("KMSInvalidStateException", "kms", "invalid state", "the KMS key's state does not allow the operation (or its custom key store failed)"),
	requestCode("KeyTooLongError", "s3", "the object key is too long"),
	keyStateCode("KeyUnavailableException", "kms", "unavailable", "the KMS key is unavailable (its custom key store is disconnected or its external key manager did not answer)"),
	requestCode("LimitExceededException", "kms", "a KMS quota was exceeded"),
	requestCode("MalformedACLError", "s3", "the ACL XML is not well-formed"),
	requestCode("MalformedPOSTRequest", "s3", "the POST body is not well-formed multipart/form-data"),
	requestCode("MalformedPolicyDocumentException", "kms", "the key policy is not valid"),
	requestCode("MalformedXML", "s3", "the XML is not well-formed"),
	requestCode("MaxMessageLengthExceeded", "s3", "the request is too big"),
	requestCode("MaxPostPreDataLengthExceededError", "s3", "the POST fields before the file are too large"),
	requestCode("MetadataTooLarge", "s3", "the metadata headers exceed the maximum size"),
	requestCode("MethodNotAllowed", "s3", "the method is not allowed on this resource"),
	requestCode("MissingAttachment", "s3", "a SOAP attachment was expected"),
	credCode("MissingAuthenticationToken", ControlInvalidCredentials, High, "the request carried no valid credentials"),
	requestCode("MissingContentLength", "s3", "the Content-Length header is missing"),
	requestCode("MissingRequestBodyError", "s3", "the request body is empty"),
	requestCode("MissingSecurityElement", "s3", "the SOAP request lacks a security element"),
	requestCode("MissingSecurityHeader", "s3", "a required header is missing"),
	requestCode("NoLoggingStatusForKey", "s3", "an object has no logging status"),
	requestCode("NoSuchAccessPoint", "s3", "the access point does not exist"),
	requestCode("NoSuchBucket", "s3", "the bucket does not exist"),
	requestCode("NoSuchBucketPolicy", "s3", "the bucket has no bucket policy"),
	requestCode("NoSuchCORSConfiguration", "s3", "the bucket has no CORS configuration"),
	requestCode("NoSuchEntity", "", "the entity does not exist"),
	requestCode("NoSuchKey", "s3", "the object does not exist"),
	requestCode("NoSuchLifecycleConfiguration", "s3", "the bucket has no lifecycle configuration"),
	requestCode("NoSuchTagSet", "s3", "the resource has no tags"),
	requestCode("NoSuchUpload", "s3", "the multipart upload does not exist (wrong upload ID, or already completed or aborted)"),
	requestCode("NoSuchVersion", "s3", "the version ID does not exist"),
	requestCode("NoSuchWebsiteConfiguration", "s3", "the bucket has no website configuration"),
	denialCode("NotAuthorized", "", "access denied"),
	keyStateCode("NotFoundException", "kms", "not found", "no such KMS key (or alias) in the account and Region of the call"),
	requestCode("NotImplemented", "s3", "a header implies functionality S3 does not implement"),
	requestCode("NotSignedUp", "s3", "the account is not signed up for S3; "+awsDisabled),
	requestCode("ObjectLockConfigurationNotFoundError", "s3", "the bucket has no Object Lock configuration"),
	requestCode("OperationAborted", "s3", "a conflicting operation is in progress on this resource: try again"),
	requestCode("OptInRequired", "", "the account is not subscribed to the service or Region"),
	requestCode("OwnershipControlsNotFoundError", "s3", "the bucket has no Object Ownership controls"),
	requestCode("PermanentRedirect", "s3", "the bucket must be addressed at another endpoint (usually its own Region)"),
	requestCode("PreconditionFailed", "s3", "a precondition of the request did not hold"),
	requestCode("Redirect", "s3", "a temporary redirect"),
	credCode("RequestExpired", ControlExpiredCredentials, Medium, "the signed request (often a presigned URL) arrived after it expired"),
	requestCode("RequestIsNotMultiPartContent", "s3", "a bucket POST must be multipart/form-data"),
	requestCode("RequestLimitExceeded", "", "the request rate was throttled; "+transient),
	credCode("RequestTimeTooSkewed", ControlInvalidCredentials, Medium, "the client's clock is too far from AWS's"),
	requestCode("RequestTimeout", "s3", "the connection was idle past the timeout; "+transient),
	requestCode("RequestTorrentOfBucketError", "s3", "a bucket has no torrent"),
	requestCode("RestoreAlreadyInProgress", "s3", "a restore of the object is already in progress"),
	requestCode("ServerSideEncryptionConfigurationNotFoundError", "s3", "the bucket has no default encryption configuration"),
	requestCode("ServiceUnavailable", "", "the service could not handle the request; "+transient),
	credCode("SignatureDoesNotMatch", ControlInvalidCredentials, High, "the request signature does not match (wrong secret key, clock, or an altered request)"),
	requestCode("SlowDown", "s3", "S3 throttled the request rate; "+transient),
	requestCode("TagException", "kms", "a tag in the request is not valid"),
	requestCode("TemporaryRedirect", "s3", "a temporary redirect while DNS updates"),
	requestCode("ThrottlingException", "", "the request rate was throttled; "+transient),
	credCode("TokenRefreshRequired", ControlExpiredCredentials, High, "the token must be refreshed"),
	requestCode("TooManyBuckets", "s3", "the account's bucket quota is reached"),
	requestCode("TooManyParts", "s3", "the object would have more than 10,000 parts"),
	denialCode("Unauthorized", "", "access denied"),
	denialCode("UnauthorizedAccess", "", "access denied"),
	denialCode("UnauthorizedAccessException", "", "access denied"),
	denialCode("UnauthorizedException", "", "access denied"),
	denialCode("UnauthorizedOperation", "", "access denied"),
	requestCode("UnexpectedContent", "s3", "this request does not take a body"),
	credCode("UnrecognizedClientException", ControlInvalidCredentials, High, "the access key or security token is not valid"),
	requestCode("UnresolvableGrantByEmailAddress", "s3", "the e-mail address in the grant matches no account"),
	requestCode("UnsupportedOperationException", "kms", "the operation is not supported for this key or key store"),
	requestCode("UserKeyMustBeSpecified", "s3", "the POST lacks a required field"),
	requestCode("ValidationError", "", "a parameter failed validation"),
	requestCode("ValidationException", "", "a parameter failed validation"),
	fixedCode("VpceAccessDenied", "", LayerNetwork, ControlVPCEndpointPolicy, "the request was denied by the policy of the VPC endpoint it came through"),
	requestCode("XksKeyAlreadyInUseException", "kms", "external key store administration: the external key is in use"),
	requestCode("XksKeyInvalidConfigurationException", "kms", "external key store administration: the external key is misconfigured"),
	requestCode("XksKeyNotFoundException", "kms", "external key store administration: the external key manager has no such key"),
	requestCode("XksProxyIncorrectAuthenticationCredentialException", "kms", "external key store administration: the proxy rejected the authentication credential"),
	requestCode("XksProxyInvalidConfigurationException", "kms", "external key store administration: the proxy is misconfigured"),
	requestCode("XksProxyInvalidResponseException", "kms", "external key store administration: the proxy's response was not valid"),
	requestCode("XksProxyUriEndpointInUseException", "kms", "external key store administration: the proxy URI endpoint is in use"),
	requestCode("XksProxyUriInUseException", "kms", "external key store administration: the proxy URI is in use"),
	requestCode("XksProxyUriUnreachableException", "kms", "external key store administration: the proxy is unreachable"),
	requestCode("XksProxyVpcEndpointServiceInUseException", "kms", "external key store administration: the VPC endpoint service is in use"),
	requestCode("XksProxyVpcEndpointServiceInvalidConfigurationException", "kms", "external key store administration: the VPC endpoint service is misconfigured"),
	requestCode("XksProxyVpcEndpointServiceNotFoundException", "kms", "external key store administration: no such VPC endpoint service"),
}

// lookupCode finds the entry of an error code as written in the event, for
// the event's service: first the code itself, then without an EC2-style
// "Client." prefix, then (for S3's "KMS."-prefixed copies of KMS errors)
// the KMS code. ok is false for a code the table does not hold.
func lookupCode(code, service string) (codeEntry, bool) {
	code = strings.TrimPrefix(code, "Client.")
	if e, ok := findCode(code, service); ok {
		return e, true
	}
	if c, ok := strings.CutPrefix(code, "KMS."); ok && service == "s3" {
		return findCode(c, "kms")
	}
	// Service-prefixed spellings of the credential codes, e.g.
	// CloudTrailInvalidClientTokenIdException.
	for _, c := range [...]string{"ExpiredToken", "InvalidClientTokenId", "UnrecognizedClient", "InvalidAccessKeyId", "SignatureDoesNotMatch"} {
		if strings.HasSuffix(code, c) || strings.HasSuffix(code, c+"Exception") {
			if e, ok := findCode(c, ""); ok {
				return e, true
			}
			return findCode(c+"Exception", "")
		}
	}
	return codeEntry{}, false
}

// findCode looks code up for service, preferring a service's own entry
// over one for any service.
func findCode(code, service string) (codeEntry, bool) {
	i, _ := slices.BinarySearchFunc(errorCodes[:], code, func(e codeEntry, c string) int { return strings.Compare(e.code, c) })
	var any *codeEntry
	for ; i < len(errorCodes) && errorCodes[i].code == code; i++ {
		switch errorCodes[i].service {
		case service:
			return errorCodes[i], true
		case "":
			any = &errorCodes[i]
		}
	}
	if any != nil {
		return *any, true
	}
	return codeEntry{}, false
}
