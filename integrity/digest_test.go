package integrity_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/internal/digesttest"
)

// The fields of a digest file and of its logFiles entries, as the
// CloudTrail User Guide ("CloudTrail digest file structure") lists them.
var (
	documentedDigest = []string{"awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object",
		"digestPublicKeyFingerprint", "digestSignatureAlgorithm", "newestEventTime", "oldestEventTime",
		"previousDigestS3Bucket", "previousDigestS3Object", "previousDigestHashValue", "previousDigestHashAlgorithm",
		"previousDigestSignature", "logFiles"}
	documentedLogFile = []string{"s3Bucket", "s3Object", "hashValue", "hashAlgorithm", "newestEventTime", "oldestEventTime"}
)

// TestGeneratorFormat holds the test generator to the documented format,
// so that the verification tests test against what CloudTrail writes.
func TestGeneratorFormat(t *testing.T) {
	key := digesttest.NewKey(t)
	cfg := testConfig()
	cfg.Hours = 2
	var digests int
	for _, o := range digesttest.Build(t, cfg, key) {
		if o.Signature == "" {
			continue
		}
		digests++
		var d map[string]json.RawMessage
		if err := json.Unmarshal(digesttest.Gunzip(t, o.Data), &d); err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(maps.Keys(d)); !slices.Equal(got, slices.Sorted(slices.Values(documentedDigest))) {
			t.Errorf("%s: fields %v, documented %v", o.Key, got, documentedDigest)
		}
		var files []map[string]json.RawMessage
		json.Unmarshal(d["logFiles"], &files)
		for _, f := range files {
			if got := slices.Sorted(maps.Keys(f)); !slices.Equal(got, slices.Sorted(slices.Values(documentedLogFile))) {
				t.Errorf("%s: logFiles fields %v, documented %v", o.Key, got, documentedLogFile)
			}
		}
		if !strings.Contains(o.Key, "/CloudTrail-Digest/eu-west-1/") || !strings.HasSuffix(o.Key, "Z.json.gz") {
			t.Errorf("digest key %s is not in the documented location", o.Key)
		}
	}
	if digests != 2 {
		t.Fatalf("%d digests, want 2", digests)
	}
}

// TestParseDigestFirstOfChain reads a digest shaped like the documented
// sample's first digest of a chain: previous fields null, no log files;
// its string to sign ends in "null".
func TestParseDigestFirstOfChain(t *testing.T) {
	const doc = `{"awsAccountId":"111122223333","digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z",
"digestS3Bucket":"amzn-s3-demo-bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
"digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA",
"newestEventTime":null,"oldestEventTime":null,"previousDigestS3Bucket":null,"previousDigestS3Object":null,
"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[]}`
	d, err := integrity.ParseDigest(digesttest.Gzip([]byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(d.StringToSign(), "\n")
	want := []string{"2015-08-17T15:01:31Z", "amzn-s3-demo-bucket/" + d.S3Object, d.SHA256, "null"}
	if !slices.Equal(lines, want) || len(d.SHA256) != 64 || !d.End.Equal(time.Date(2015, 8, 17, 15, 1, 31, 0, time.UTC)) {
		t.Errorf("string to sign %q, want %q", lines, want)
	}
	for _, bad := range []string{
		strings.Replace(doc, "SHA256withRSA", "SHA1withRSA", 1),
		strings.Replace(doc, `"digestEndTime":"2015-08-17T15:01:31Z"`, `"digestEndTime":"yesterday"`, 1),
		`{"logFiles":[{"s3Object":"x","hashValue":"ab","hashAlgorithm":"MD5"}]}`,
		`[1,2`,
	} {
		if _, err := integrity.ParseDigest([]byte(bad)); err == nil {
			t.Errorf("ParseDigest accepted %.80s", bad)
		}
	}
}

func TestReadPublicKeys(t *testing.T) {
	key := digesttest.NewKey(t)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two regions' outputs one after the other.
	in := append(key.ListPublicKeysJSON(start, start.Add(time.Hour)), key.ListPublicKeysJSON(start, start.Add(2*time.Hour))...)
	keys, err := integrity.ReadPublicKeys(bytes.NewReader(in))
	if err != nil || len(keys) != 2 || keys[0].Fingerprint != key.Fingerprint || !keys[1].End.Equal(start.Add(2*time.Hour)) {
		t.Fatalf("%v %+v", err, keys)
	}
	wrong := bytes.Replace(in, []byte(key.Fingerprint), []byte(strings.Repeat("0", 32)), 1)
	if _, err := integrity.ReadPublicKeys(bytes.NewReader(wrong)); err == nil || !strings.Contains(err.Error(), "MD5") {
		t.Errorf("a fingerprint that is not the key's MD5: %v", err)
	}
	if _, err := integrity.ReadPublicKeys(strings.NewReader(`{"PublicKeyList":[]}`)); err == nil {
		t.Error("no keys accepted")
	}
}
