package classify

import (
	"cmp"
	"strings"
)

// Field is one event field a verdict read, named by its path in the record.
type Field struct {
	Name  string
	Value string
}

// Fields lists the fields Judge reads, in a fixed order, for `denytrail
// explain`: identity, call, error, resource, request details. Fields the
// record lacks are left out, except the absences a verdict draws on
// (errorMessage, and tlsDetails on S3 calls), shown as "(absent)".
func Fields(e *Event) []Field {
	const absent = "(absent)"
	fs := make([]Field, 0, 32)
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, Field{name, value})
		}
	}
	add("eventID", e.EventID)
	add("eventTime", e.EventTimeRaw)
	add("eventSource", e.EventSource)
	add("eventName", e.EventName)
	add("eventCategory", e.EventCategory)
	add("awsRegion", e.AWSRegion)
	add("errorCode", e.ErrorCode)
	if e.ErrorMessage == "" {
		add("errorMessage", absent)
	} else {
		add("errorMessage", e.ErrorMessage)
	}
	u := &e.UserIdentity
	add("userIdentity.type", u.Type)
	add("userIdentity.arn", u.ARN)
	add("userIdentity.principalId", u.PrincipalID)
	add("userIdentity.accountId", u.AccountID)
	add("userIdentity.accessKeyId", u.AccessKeyID)
	add("userIdentity.invokedBy", u.InvokedBy)
	add("userIdentity.sessionContext.sessionIssuer.arn", u.SessionContext.SessionIssuer.ARN)
	add("recipientAccountId", e.RecipientAccountID)
	for _, r := range e.Resources {
		add("resources["+cmp.Or(r.Type, "?")+"].ARN", r.ARN)
		add("resources["+cmp.Or(r.Type, "?")+"].accountId", r.AccountID)
	}
	rp := &e.RequestParameters
	add("requestParameters.bucketName", rp.BucketName)
	add("requestParameters.key", rp.Key)
	add("requestParameters.x-amz-acl", rp.ACL)
	add("requestParameters.x-amz-server-side-encryption", rp.SSE)
	add("requestParameters.x-amz-server-side-encryption-aws-kms-key-id", rp.SSEKMSKeyID)
	add("requestParameters.x-amz-server-side-encryption-customer-algorithm", rp.SSECustomerAlgorithm)
	add("requestParameters.keyId", rp.KeyID)
	add(`requestParameters.encryptionContext["aws:s3:arn"]`, rp.EncryptionContext["aws:s3:arn"])
	add("vpcEndpointId", e.VPCEndpoint())
	add("sourceIPAddress", e.SourceIPAddress)
	add("userAgent", e.UserAgent)
	if t := e.TLSDetails; t != nil {
		add("tlsDetails.tlsVersion", t.TLSVersion)
		add("tlsDetails.cipherSuite", t.CipherSuite)
	} else if e.EventSource == "s3.amazonaws.com" {
		add("tlsDetails", absent)
	}
	add("additionalEventData.AuthenticationMethod", e.AdditionalEventData.AuthenticationMethod)
	add("additionalEventData.SignatureVersion", e.AdditionalEventData.SignatureVersion)
	if len(e.Warnings) > 0 {
		add("parse warnings", strings.Join(e.Warnings, "; "))
	}
	return fs
}
