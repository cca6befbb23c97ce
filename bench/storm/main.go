// Command storm writes the archive of a denial storm: one application
// retrying one denied upload, each retry leaving the PutObject denial
// (a bare Access Denied) and the GenerateDataKey denial S3 made for it,
// in CloudTrail's S3 layout, records in no order within a file. The
// storm benchmark (bench/storm.sh) scans it at several sizes.
//
//	go run ./bench/storm -retries 40000 -out /tmp/storm-40k
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	retries := flag.Int("retries", 10000, "retries of the denied upload (each leaves two records)")
	perMinute := flag.Int("per-minute", 3000, "retries a minute")
	perFile := flag.Int("records-per-file", 2000, "records per log file")
	out := flag.String("out", "", "`DIR` to write the archive into (must not exist or be empty)")
	flag.Parse()
	if err := run(*retries, *perMinute, *perFile, *out); err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		os.Exit(1)
	}
}

const (
	account = "111122223333"
	session = "arn:aws:sts::111122223333:assumed-role/app-uploader/i-0abc123"
	role    = "arn:aws:iam::111122223333:role/app-uploader"
	bucket  = "anycompany-uploads"
	key     = "exports/daily.csv"
	keyARN  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func identity(invokedBy string) string {
	s := fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0abc123","arn":%q,"accountId":%q,"accessKeyId":"ASIAEXAMPLE",`+
		`"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":%q,"accountId":%q,"userName":"app-uploader"},`+
		`"attributes":{"creationDate":"2026-11-26T00:00:00Z","mfaAuthenticated":"false"}}`, session, account, role, account)
	if invokedBy != "" {
		s += fmt.Sprintf(`,"invokedBy":%q`, invokedBy)
	}
	return s + "}"
}

func upload(id string, t time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":%q,"eventSource":"s3.amazonaws.com","eventName":"PutObject",`+
		`"awsRegion":"us-east-1","sourceIPAddress":"10.0.1.17","userAgent":"aws-sdk-go-v2/1.30.0","errorCode":"AccessDenied","errorMessage":"Access Denied",`+
		`"requestParameters":{"bucketName":%q,"Host":"%s.s3.us-east-1.amazonaws.com","key":%q,"x-amz-server-side-encryption":"aws:kms"},`+
		`"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":1048576,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"abc","bytesTransferredOut":0},`+
		`"requestID":"%s","eventID":%q,"readOnly":false,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::%s/%s"},{"accountId":%q,"type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::%s"}],`+
		`"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":%q,"eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.s3.us-east-1.amazonaws.com"}}`,
		identity(""), t.Format(time.RFC3339), bucket, bucket, key, id[:16], id, bucket, key, account, bucket, account, bucket)
}

func generateDataKey(id string, t time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":%q,"eventSource":"kms.amazonaws.com","eventName":"GenerateDataKey",`+
		`"awsRegion":"us-east-1","sourceIPAddress":"s3.amazonaws.com","userAgent":"s3.amazonaws.com","errorCode":"AccessDenied",`+
		`"errorMessage":"User: %s is not authorized to perform: kms:GenerateDataKey on resource: %s because no resource-based policy allows the kms:GenerateDataKey action",`+
		`"requestParameters":{"keyId":"alias/uploads","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::%s/%s"},"keySpec":"AES_256"},"responseElements":null,`+
		`"requestID":"%s","eventID":%q,"readOnly":true,"resources":[{"accountId":%q,"type":"AWS::KMS::Key","ARN":%q}],`+
		`"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":%q,"eventCategory":"Management"}`,
		identity("s3.amazonaws.com"), t.Format(time.RFC3339), session, keyARN, bucket, key, id[:16], id, account, keyARN, account)
}

func uuid(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func run(retries, perMinute, perFile int, out string) error {
	if out == "" {
		return errors.New("-out is required")
	}
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty", out)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var recs []string
	files := 0
	flush := func(last time.Time) error {
		r.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"Records":[`))
		for i, rec := range recs {
			if i > 0 {
				zw.Write([]byte{','})
			}
			zw.Write([]byte(rec))
		}
		zw.Write([]byte(`]}`))
		if err := zw.Close(); err != nil {
			return err
		}
		delivered := last.Add(5 * time.Minute)
		dir := filepath.Join(out, "AWSLogs", account, "CloudTrail", "us-east-1", delivered.Format("2006/01/02"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		name := fmt.Sprintf("%s_CloudTrail_us-east-1_%s_%06d.json.gz", account, delivered.Format("20060102T1504Z"), files)
		files++
		recs = recs[:0]
		return os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644)
	}
	var last time.Time
	for i := range retries {
		// CloudTrail's event times are whole seconds.
		last = start.Add(time.Duration(i) * time.Minute / time.Duration(perMinute)).Truncate(time.Second)
		recs = append(recs, upload(uuid(r), last), generateDataKey(uuid(r), last))
		if len(recs) >= perFile {
			if err := flush(last); err != nil {
				return err
			}
		}
	}
	if len(recs) > 0 {
		if err := flush(last); err != nil {
			return err
		}
	}
	fmt.Printf("storm: %s: %d retries, %d records in %d files\n", out, retries, 2*retries, files)
	return nil
}
