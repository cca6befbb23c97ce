package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// benchParseRecords are records as CloudTrail writes them (key order,
// whitespace-free, the fields Parse skips included): a denied PutObject,
// the denied GenerateDataKey S3 made for it, and a large successful change
// (a PutBucketPolicy with its policy and many statements).
func benchParseRecords() []struct {
	name string
	rec  []byte
} {
	put := `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:session-1","arn":"` + sessionARN + `","accountId":"` + callerAcct + `","accessKeyId":"ASIAEXAMPLEKEY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"` + roleARN + `","accountId":"` + callerAcct + `","userName":"Uploader"},"attributes":{"creationDate":"2024-10-17T21:40:02Z","mfaAuthenticated":"false"}}},"eventTime":"2024-10-17T21:48:45Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"[aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#s3.cp]","errorCode":"AccessDenied","errorMessage":` + jsonString(userPrefixS3+"with an explicit deny in a service control policy") + `,"requestParameters":{"X-Amz-Date":"20241017T214845Z","bucketName":"` + bucket + `","X-Amz-Algorithm":"AWS4-HMAC-SHA256","x-amz-acl":"bucket-owner-full-control","x-amz-server-side-encryption":"aws:kms","X-Amz-SignedHeaders":"content-md5;host;x-amz-acl;x-amz-server-side-encryption","Host":"dest-bucket.s3.us-east-1.amazonaws.com","X-Amz-Expires":"300","key":"` + objectKey + `"},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Yk9vT0t4R3hJcGZ0b1l2bHh5eDVDZz09","bytesTransferredOut":243},"requestID":"9X3DHAJ8VZ0QKB1M","eventID":"11111111-aaaa-bbbb-cccc-000000000001","readOnly":false,"resources":[{"type":"AWS::S3::Object","ARN":"` + objectARN + `"},{"accountId":"` + callerAcct + `","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::dest-bucket"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"` + callerAcct + `","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"dest-bucket.s3.us-east-1.amazonaws.com"}}`
	kms := `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:session-1","arn":"` + sessionARN + `","accountId":"` + callerAcct + `","accessKeyId":"ASIAEXAMPLEKEY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"` + roleARN + `","accountId":"` + callerAcct + `","userName":"Uploader"},"attributes":{"creationDate":"2024-10-17T21:40:02Z","mfaAuthenticated":"false"}},"invokedBy":"s3.amazonaws.com"},"eventTime":"2024-10-17T21:48:45Z","eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey","awsRegion":"us-east-1","sourceIPAddress":"s3.amazonaws.com","userAgent":"s3.amazonaws.com","errorCode":"AccessDenied","errorMessage":"User: ` + sessionARN + ` is not authorized to perform: kms:GenerateDataKey on this resource because no resource-based policy allows the kms:GenerateDataKey action","requestParameters":{"keyId":"alias/uploads","encryptionContext":{"aws:s3:arn":"` + objectARN + `"},"keySpec":"AES_256"},"responseElements":null,"requestID":"4e2d6a7b-0c1f-4a8e-9b3d-5f6a7b8c9d0e","eventID":"22222222-aaaa-bbbb-cccc-000000000002","readOnly":true,"resources":[{"accountId":"` + callerAcct + `","type":"AWS::KMS::Key","ARN":"` + keyARN + `"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"` + callerAcct + `","eventCategory":"Management"}`
	var stmts []string
	for i := range 40 {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"Statement%d","Effect":"Deny","Principal":{"AWS":["arn:aws:iam::%012d:role/App%d","arn:aws:iam::%012d:root"]},"Action":["s3:PutObject","s3:PutObjectAcl","s3:GetObject"],"Resource":["arn:aws:s3:::dest-bucket/prefix-%d/*"],"Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms","aws:SourceVpce":"vpce-0a1b2c3d%d"},"Bool":{"aws:SecureTransport":"false"}}}`, i, 100000000000+i, i, 200000000000+i, i, i))
	}
	policy := `{"Version":"2012-10-17","Id":"big","Statement":[` + strings.Join(stmts, ",") + `]}`
	big := `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:admin","arn":"arn:aws:sts::` + callerAcct + `:assumed-role/Admin/admin","accountId":"` + callerAcct + `","accessKeyId":"ASIAEXAMPLEKEY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::` + callerAcct + `:role/Admin","accountId":"` + callerAcct + `","userName":"Admin"},"webIdFederationData":{},"attributes":{"creationDate":"2024-10-17T21:40:02Z","mfaAuthenticated":"true"}}},"eventTime":"2024-10-17T21:40:45Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketPolicy","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"[Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.70.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.31.0 os/linux lang/go#1.22.7 md/GOOS#linux md/GOARCH#amd64 api/s3#1.63.3]","requestParameters":{"bucketPolicy":` + policy + `,"bucketName":"` + bucket + `","Host":"dest-bucket.s3.us-east-1.amazonaws.com","policy":""},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":9876,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Yk9vT0t4R3hJcGZ0b1l2bHh5eDVDZz09","bytesTransferredOut":0},"requestID":"9X3DHAJ8VZ0QKB1N","eventID":"33333333-aaaa-bbbb-cccc-000000000003","readOnly":false,"resources":[{"accountId":"` + callerAcct + `","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::dest-bucket"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"` + callerAcct + `","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"dest-bucket.s3.us-east-1.amazonaws.com"}}`
	return []struct {
		name string
		rec  []byte
	}{{"putobject-denied", []byte(put)}, {"kms-denied", []byte(kms)}, {"bucket-policy-change", []byte(big)}}
}

// BenchmarkParse compares Parse with the encoding/json reference it
// replaced, on each record, and with json.Valid before it: the JSON check
// the reader made of every record scan keeps before it left it to Parse.
func BenchmarkParse(b *testing.B) {
	validThenParse := func(rec []byte) (*Event, error) {
		if !json.Valid(rec) {
			return nil, errors.New("invalid JSON")
		}
		return Parse(rec)
	}
	for _, r := range benchParseRecords() {
		for _, impl := range []struct {
			name  string
			parse func([]byte) (*Event, error)
		}{{"new", Parse}, {"valid+new", validThenParse}, {"ref", parseRef}} {
			b.Run(r.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(r.rec)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.parse(r.rec); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// Deep arrays in a field read as a joined string cost encoding/json's
// reference time quadratic in the depth (each level decoded its own bytes
// again); Parse reads them once. A 6 KB record of 3000 nested arrays took
// the reference about 0.2 s.
func BenchmarkParseDeepJoin(b *testing.B) {
	rec := []byte(`{"requestParameters":{"bucketName":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}}`)
	for _, impl := range []struct {
		name  string
		parse func([]byte) (*Event, error)
	}{{"new", Parse}, {"ref", parseRef}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := impl.parse(rec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The benchmark records are valid, realistic and agree with the reference.
func TestBenchParseRecords(t *testing.T) {
	for _, r := range benchParseRecords() {
		sameAsReference(t, r.rec)
		e := mustParse(t, r.rec)
		if len(e.Warnings) != 0 || e.EventID == "" || e.Role() == "" || e.Bucket() == "" {
			t.Errorf("%s: %+v", r.name, e)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
