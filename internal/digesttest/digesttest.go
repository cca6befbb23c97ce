// Package digesttest builds CloudTrail log archives with signed digest
// chains for tests: log files, hourly digests in the documented format
// (CloudTrail User Guide, "CloudTrail digest file structure") chained by
// hash and signature, each signed SHA256withRSA with a test key, the
// signature as CloudTrail stores it (hex, x-amz-meta-signature).
package digesttest

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Key is a test signing key and its public half as ListPublicKeys gives it.
type Key struct {
	Private     *rsa.PrivateKey
	DER         []byte // PKCS#1 RSAPublicKey
	Fingerprint string // hex MD5 of DER
}

// NewKey generates a 2048-bit test key.
func NewKey(t testing.TB) Key {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PublicKey(&k.PublicKey)
	sum := md5.Sum(der)
	return Key{Private: k, DER: der, Fingerprint: hex.EncodeToString(sum[:])}
}

// ListPublicKeysJSON is the key as `aws cloudtrail list-public-keys`
// prints it.
func (k Key) ListPublicKeysJSON(start, end time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"PublicKeyList": []map[string]any{{
		"Value":             base64.StdEncoding.EncodeToString(k.DER),
		"ValidityStartTime": start.UTC().Format(time.RFC3339),
		"ValidityEndTime":   end.UTC().Format(time.RFC3339),
		"Fingerprint":       k.Fingerprint,
	}}})
	return b
}

// Object is one object of the archive.
type Object struct {
	Key  string
	Data []byte
	// Signature is a digest's hex signature (x-amz-meta-signature); ""
	// for log files.
	Signature string
}

// Config describes an archive: one account and region of a trail,
// Hours hourly digests from Start, LogsPerHour log files in each hour.
type Config struct {
	Bucket, Prefix string // Prefix: "" or ending in "/"
	Org            string // "o-…" for an organization trail, or ""
	Account        string
	Region         string
	Trail          string
	Start          time.Time
	Hours          int
	LogsPerHour    int
	// Records returns the records of log file i of hour h.
	Records func(h, i int) []string
	// Empty lists hours with no log files: their digests list none.
	Empty []int
}

// Build returns the archive's objects: every log file, then every digest,
// in key order within each hour. With several keys, the hours are split
// between them in order (a key rotation).
func Build(t testing.TB, cfg Config, keys ...Key) []Object {
	t.Helper()
	acct := cfg.Prefix + "AWSLogs/"
	if cfg.Org != "" {
		acct += cfg.Org + "/"
	}
	acct += cfg.Account + "/"
	var objs []Object
	var prevKey, prevHash, prevSig string
	for h := range cfg.Hours {
		start := cfg.Start.Add(time.Duration(h) * time.Hour)
		end := start.Add(time.Hour)
		key := keys[min(h*len(keys)/cfg.Hours, len(keys)-1)]
		var files []map[string]any
		var oldest, newest string
		n := cfg.LogsPerHour
		if slices.Contains(cfg.Empty, h) {
			n = 0
		}
		for i := range n {
			deliver := start.Add(time.Duration(i+1) * time.Hour / time.Duration(n+1))
			k := fmt.Sprintf("%sCloudTrail/%s/%s/%s_CloudTrail_%s_%s_%04x%02d.json.gz", acct, cfg.Region, deliver.Format("2006/01/02"),
				cfg.Account, cfg.Region, deliver.Format("20060102T1504Z"), h, i)
			plain := []byte(`{"Records":[` + strings.Join(cfg.Records(h, i), ",") + `]}`)
			sum := sha256.Sum256(plain)
			objs = append(objs, Object{Key: k, Data: Gzip(plain)})
			evTime := deliver.Add(-5 * time.Minute).Format(time.RFC3339)
			if oldest == "" {
				oldest = evTime
			}
			newest = evTime
			files = append(files, map[string]any{
				"s3Bucket": cfg.Bucket, "s3Object": k, "hashValue": hex.EncodeToString(sum[:]), "hashAlgorithm": "SHA-256",
				"newestEventTime": evTime, "oldestEventTime": evTime,
			})
		}
		dk := fmt.Sprintf("%sCloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz", acct, cfg.Region, end.Format("2006/01/02"),
			cfg.Account, cfg.Region, cfg.Trail, cfg.Region, end.Format("20060102T150405Z"))
		d := map[string]any{
			"awsAccountId":                cfg.Account,
			"digestStartTime":             start.Format(time.RFC3339),
			"digestEndTime":               end.Format(time.RFC3339),
			"digestS3Bucket":              cfg.Bucket,
			"digestS3Object":              dk,
			"digestPublicKeyFingerprint":  key.Fingerprint,
			"digestSignatureAlgorithm":    "SHA256withRSA",
			"newestEventTime":             nullable(newest),
			"oldestEventTime":             nullable(oldest),
			"previousDigestS3Bucket":      nil,
			"previousDigestS3Object":      nil,
			"previousDigestHashValue":     nil,
			"previousDigestHashAlgorithm": nil,
			"previousDigestSignature":     nil,
			"logFiles":                    files,
		}
		if files == nil {
			d["logFiles"] = []any{}
		}
		if prevKey != "" {
			d["previousDigestS3Bucket"] = cfg.Bucket
			d["previousDigestS3Object"] = prevKey
			d["previousDigestHashValue"] = prevHash
			d["previousDigestHashAlgorithm"] = "SHA-256"
			d["previousDigestSignature"] = prevSig
		}
		plain, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(plain)
		prev := "null"
		if prevSig != "" {
			prev = prevSig
		}
		toSign := end.Format(time.RFC3339) + "\n" + cfg.Bucket + "/" + dk + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev
		sig := Sign(t, key, toSign)
		objs = append(objs, Object{Key: dk, Data: Gzip(plain), Signature: sig})
		prevKey, prevHash, prevSig = dk, hex.EncodeToString(sum[:]), sig
	}
	return objs
}

// Sign returns the hex SHA256withRSA signature of msg.
func Sign(t testing.TB, key Key, msg string) string {
	h := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.Private, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sig)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Gunzip decompresses b.
func Gunzip(t testing.TB, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WriteDir writes the objects under dir, keys as paths, and with
// sidecars each digest's signature in "<digest>.meta.json".
func WriteDir(t testing.TB, dir string, objs []Object, sidecars bool) {
	t.Helper()
	for _, o := range objs {
		p := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, o.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if sidecars && o.Signature != "" {
			meta, _ := json.Marshal(map[string]string{"x-amz-meta-signature": o.Signature, "x-amz-meta-signature-algorithm": "SHA256withRSA"})
			if err := os.WriteFile(p+".meta.json", meta, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// DeniedPut is a denied PutObject record at t, the kind of record a scan
// keeps.
func DeniedPut(account, region, id string, t time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:job","arn":"arn:aws:sts::%[1]s:assumed-role/uploader/job","accountId":"%[1]s"},`+
		`"eventTime":"%[2]s","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"%[3]s","sourceIPAddress":"192.0.2.1",`+
		`"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::%[1]s:assumed-role/uploader/job is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::uploads/%[4]s\" because no identity-based policy allows the s3:PutObject action",`+
		`"requestParameters":{"bucketName":"uploads","key":"%[4]s"},"eventID":"%[4]s","readOnly":false,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"%[1]s","eventCategory":"Data",`+
		`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::uploads/%[4]s"},{"accountId":"%[1]s","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::uploads"}]}`,
		account, t.UTC().Format(time.RFC3339), region, id)
}
