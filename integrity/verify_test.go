package integrity_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/internal/digesttest"
	"github.com/denytrail/denytrail/internal/s3test"
)

var start = time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC) // the chain crosses midnight

func testConfig() digesttest.Config {
	return digesttest.Config{
		Bucket: "trail-logs", Prefix: "org/", Org: "o-abc123defg", Account: "111122223333", Region: "eu-west-1", Trail: "org-trail",
		Start: start, Hours: 4, LogsPerHour: 3,
		Records: func(h, i int) []string {
			return []string{digesttest.DeniedPut("111122223333", "eu-west-1", fmt.Sprintf("ev-%d-%d", h, i), start.Add(time.Duration(h)*time.Hour))}
		},
	}
}

// hashLogs feeds every log file (not digests or sidecars) under root to
// v as the scan does, and returns their names.
func hashLogs(t *testing.T, v *integrity.Verifier, names map[string][]byte) {
	t.Helper()
	for name, data := range names {
		w, done := v.Hash(name)
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, zr)
		done(err)
	}
}

func localLogs(t *testing.T, dir string) map[string][]byte {
	logs := map[string][]byte{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() && strings.Contains(p, "/CloudTrail/") {
			b, _ := os.ReadFile(p)
			logs[p] = b
		}
		return nil
	})
	return logs
}

type mutation func(t *testing.T, objs []digesttest.Object, key digesttest.Key) []digesttest.Object

func logIndex(objs []digesttest.Object, n int) int {
	for i, o := range objs {
		if strings.Contains(o.Key, "/CloudTrail/") {
			if n == 0 {
				return i
			}
			n--
		}
	}
	panic("no such log")
}

func digestIndex(objs []digesttest.Object, n int) int {
	for i, o := range objs {
		if o.Signature != "" {
			if n == 0 {
				return i
			}
			n--
		}
	}
	panic("no such digest")
}

// The tampering every test runs, and what it must report: the problem's
// kind and the base name of the file it names.
var tamperings = []struct {
	name   string
	mutate mutation
	kind   string
	file   func(objs []digesttest.Object) string // before the mutation
}{
	{"changed byte", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) []digesttest.Object {
		i := logIndex(objs, 4)
		plain := digesttest.Gunzip(t, objs[i].Data)
		plain[bytes.Index(plain, []byte("uploader"))] = 'U'
		objs[i].Data = digesttest.Gzip(plain)
		return objs
	}, "tampered", func(objs []digesttest.Object) string { return objs[logIndex(objs, 4)].Key }},
	{"deleted log", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) []digesttest.Object {
		return slices.Delete(objs, logIndex(objs, 7), logIndex(objs, 7)+1)
	}, "missing", func(objs []digesttest.Object) string { return objs[logIndex(objs, 7)].Key }},
	{"removed digest", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) []digesttest.Object {
		return slices.Delete(objs, digestIndex(objs, 1), digestIndex(objs, 1)+1)
	}, "chain", func(objs []digesttest.Object) string { return objs[digestIndex(objs, 2)].Key }},
	{"broken signature", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) []digesttest.Object {
		i := digestIndex(objs, 2)
		sig := []byte(objs[i].Signature)
		sig[10] = map[bool]byte{true: '1', false: '0'}[sig[10] == '0'] // another hex digit
		objs[i].Signature = string(sig)
		return objs
	}, "signature", func(objs []digesttest.Object) string { return objs[digestIndex(objs, 2)].Key }},
	{"wrong previous hash", func(t *testing.T, objs []digesttest.Object, key digesttest.Key) []digesttest.Object {
		// Rewritten and re-signed with the right key: only the chain
		// can tell.
		i := digestIndex(objs, 3)
		var d map[string]any
		json.Unmarshal(digesttest.Gunzip(t, objs[i].Data), &d)
		d["previousDigestHashValue"] = strings.Repeat("ab", 32)
		plain, _ := json.Marshal(d)
		dg, err := integrity.ParseDigest(plain)
		if err != nil {
			t.Fatal(err)
		}
		objs[i].Data = digesttest.Gzip(plain)
		objs[i].Signature = digesttest.Sign(t, key, dg.StringToSign())
		return objs
	}, "chain", func(objs []digesttest.Object) string { return objs[digestIndex(objs, 3)].Key }},
}

func problemNamed(sum *integrity.Summary, kind, file string) bool {
	for _, p := range sum.Problems {
		if p.Kind == kind && strings.HasSuffix(filepath.ToSlash(p.File), file) {
			return true
		}
	}
	return false
}

func TestLocalWithSidecars(t *testing.T) {
	key := digesttest.NewKey(t)
	keys, err := integrity.ReadPublicKeys(bytes.NewReader(key.ListPublicKeysJSON(start.Add(-time.Hour), start.Add(24*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, objs []digesttest.Object) (map[string]integrity.Status, *integrity.Summary) {
		dir := t.TempDir()
		digesttest.WriteDir(t, dir, objs, true)
		v := integrity.New(integrity.Config{Since: start, Until: start.Add(3 * time.Hour), Keys: keys})
		hashLogs(t, v, localLogs(t, dir))
		return v.Finish(context.Background())
	}
	t.Run("clean", func(t *testing.T) {
		status, sum := run(t, digesttest.Build(t, testConfig(), key))
		if sum.Failed() || sum.Verified != 12 || sum.SignaturesOK != 4 || sum.SignaturesNotChecked != "" {
			t.Fatalf("clean archive: %+v", sum)
		}
		for name, st := range status {
			if st.Status != integrity.Verified {
				t.Errorf("%s: %+v", name, st)
			}
		}
	})
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			objs := digesttest.Build(t, testConfig(), key)
			file := tc.file(objs)
			_, sum := run(t, tc.mutate(t, objs, key))
			if !sum.Failed() || !problemNamed(sum, tc.kind, file) {
				t.Fatalf("want a %s problem naming %s; got %+v", tc.kind, file, sum.Problems)
			}
		})
	}
}

func TestLocalWithoutSidecars(t *testing.T) {
	key := digesttest.NewKey(t)
	objs := digesttest.Build(t, testConfig(), key)
	dir := t.TempDir()
	digesttest.WriteDir(t, dir, objs, false)
	v := integrity.New(integrity.Config{})
	hashLogs(t, v, localLogs(t, dir))
	status, sum := v.Finish(context.Background())
	if sum.Failed() || sum.Verified != 0 || sum.HashMatched != 12 || !strings.Contains(sum.SignaturesNotChecked, "sidecar") {
		t.Fatalf("%+v", sum)
	}
	for name, st := range status {
		if st.Status != integrity.Unverified || !strings.Contains(st.Reason, "not checked") {
			t.Errorf("%s: %+v, want unverified: signature not checked", name, st)
		}
	}
	// The hash and chain are still checked.
	for _, tc := range tamperings {
		if tc.kind == "signature" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			objs := digesttest.Build(t, testConfig(), key)
			file := tc.file(objs)
			dir := t.TempDir()
			digesttest.WriteDir(t, dir, tc.mutate(t, objs, key), false)
			v := integrity.New(integrity.Config{})
			hashLogs(t, v, localLogs(t, dir))
			_, sum := v.Finish(context.Background())
			if !problemNamed(sum, tc.kind, file) {
				t.Fatalf("want a %s problem naming %s; got %+v", tc.kind, file, sum.Problems)
			}
		})
	}
}

func TestS3(t *testing.T) {
	key := digesttest.NewKey(t)
	keys, err := integrity.ReadPublicKeys(bytes.NewReader(key.ListPublicKeysJSON(start.Add(-time.Hour), start.Add(24*time.Hour))))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, objs []digesttest.Object) *integrity.Summary {
		srv := s3test.New(t, nil, "trail-logs")
		client := srv.Client()
		logs := map[string][]byte{}
		for _, o := range objs {
			in := &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(o.Key), Body: bytes.NewReader(o.Data)}
			if o.Signature != "" {
				in.Metadata = map[string]string{"signature": o.Signature, "signature-algorithm": "SHA256withRSA"}
			} else {
				logs["s3://trail-logs/"+o.Key] = o.Data
			}
			if _, err := client.PutObject(context.Background(), in); err != nil {
				t.Fatal(err)
			}
		}
		var asked []string
		v := integrity.New(integrity.Config{
			Since: start, Until: start.Add(3 * time.Hour),
			S3: func(context.Context, string) (integrity.S3API, error) { return client, nil },
			ListPublicKeys: func(_ context.Context, region string, _, _ time.Time) ([]integrity.PublicKey, error) {
				asked = append(asked, region)
				return keys, nil
			},
		})
		hashLogs(t, v, logs)
		_, sum := v.Finish(context.Background())
		if !slices.Equal(asked, []string{"eu-west-1"}) {
			t.Errorf("ListPublicKeys asked for %v, want the digests' region once", asked)
		}
		return sum
	}
	t.Run("clean", func(t *testing.T) {
		if sum := run(t, digesttest.Build(t, testConfig(), key)); sum.Failed() || sum.Verified != 12 || sum.SignaturesOK != 4 {
			t.Fatalf("clean archive: %+v", sum)
		}
	})
	for _, tc := range tamperings {
		t.Run(tc.name, func(t *testing.T) {
			objs := digesttest.Build(t, testConfig(), key)
			file := tc.file(objs)
			sum := run(t, tc.mutate(t, objs, key))
			if !sum.Failed() || !problemNamed(sum, tc.kind, file) {
				t.Fatalf("want a %s problem naming %s; got %+v", tc.kind, file, sum.Problems)
			}
		})
	}
}

// TestInterrupted checks that a verification cut short says so and
// reports no failure it could not establish.
func TestInterrupted(t *testing.T) {
	key := digesttest.NewKey(t)
	dir := t.TempDir()
	digesttest.WriteDir(t, dir, digesttest.Build(t, testConfig(), key), true)
	v := integrity.New(integrity.Config{})
	hashLogs(t, v, localLogs(t, dir))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, sum := v.Finish(ctx)
	if sum.Failed() || sum.Verified != 0 || len(sum.Notes) == 0 || !strings.Contains(sum.Notes[len(sum.Notes)-1].Reason, "interrupted") {
		t.Fatalf("%+v", sum)
	}
}

// TestKeyRotationAndEmptyHours signs the first hours with one key and the
// rest with another, with an hour that delivered no log files.
func TestKeyRotationAndEmptyHours(t *testing.T) {
	k1, k2 := digesttest.NewKey(t), digesttest.NewKey(t)
	cfg := testConfig()
	cfg.Empty = []int{1}
	dir := t.TempDir()
	digesttest.WriteDir(t, dir, digesttest.Build(t, cfg, k1, k2), true)
	run := func(keys ...digesttest.Key) *integrity.Summary {
		var all []integrity.PublicKey
		for _, k := range keys {
			got, err := integrity.ReadPublicKeys(bytes.NewReader(k.ListPublicKeysJSON(start, start.Add(4*time.Hour))))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, got...)
		}
		v := integrity.New(integrity.Config{Keys: all})
		hashLogs(t, v, localLogs(t, dir))
		_, sum := v.Finish(context.Background())
		return sum
	}
	if sum := run(k1, k2); sum.Failed() || sum.Verified != 9 || sum.Digests != 4 || sum.SignaturesOK != 4 {
		t.Fatalf("both keys: %+v", sum)
	}
	sum := run(k1)
	if sum.BadSignatures != 2 || !strings.Contains(sum.Problems[0].Reason, k2.Fingerprint) {
		t.Fatalf("without the second key: %+v", sum)
	}
}

func FuzzParseDigest(f *testing.F) {
	f.Add([]byte(`{"digestStartTime":"2015-08-17T14:01:31Z","digestEndTime":"2015-08-17T15:01:31Z","digestS3Bucket":"b","digestS3Object":"AWSLogs/1/CloudTrail-Digest/r/2015/08/17/x.json.gz","digestSignatureAlgorithm":"SHA256withRSA","previousDigestSignature":null,"logFiles":[]}`))
	f.Add(digesttest.Gzip([]byte(`{"logFiles":[{"s3Object":"a","hashValue":"00","hashAlgorithm":"SHA-256"}]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := integrity.ParseDigest(data)
		if err != nil {
			return
		}
		if len(d.SHA256) != 64 || d.End.IsZero() || !strings.HasPrefix(d.StringToSign(), d.EndTime+"\n"+d.S3Bucket+"/"+d.S3Object+"\n"+d.SHA256+"\n") {
			t.Fatalf("accepted digest with %q", d.StringToSign())
		}
	})
}

// TestBackfill adds a log file the hourly digests do not list: not covered
// (with why) until a signed backfill digest lists it; the backfill digest
// stays outside the chain.
func TestBackfill(t *testing.T) {
	key := digesttest.NewKey(t)
	objs := digesttest.Build(t, testConfig(), key)
	late := objs[logIndex(objs, 4)]
	late.Key = strings.Replace(late.Key, "_000101.json.gz", "_late0001.json.gz", 1)
	plain := digesttest.Gunzip(t, late.Data)
	sum := sha256.Sum256(plain)
	dk := strings.Replace(objs[digestIndex(objs, 1)].Key, "Z.json.gz", "Z_backfill.json.gz", 1)
	d, _ := json.Marshal(map[string]any{
		"awsAccountId": "111122223333", "digestStartTime": start.Add(time.Hour).Format(time.RFC3339), "digestEndTime": start.Add(2 * time.Hour).Format(time.RFC3339),
		"digestS3Bucket": "trail-logs", "digestS3Object": dk, "digestPublicKeyFingerprint": key.Fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
		"newestEventTime": nil, "oldestEventTime": nil, "previousDigestS3Bucket": nil, "previousDigestS3Object": nil, "previousDigestHashValue": nil,
		"previousDigestHashAlgorithm": nil, "previousDigestSignature": nil,
		"logFiles": []map[string]any{{"s3Bucket": "trail-logs", "s3Object": late.Key, "hashValue": hex.EncodeToString(sum[:]), "hashAlgorithm": "SHA-256",
			"newestEventTime": start.Format(time.RFC3339), "oldestEventTime": start.Format(time.RFC3339)}},
	})
	dg, err := integrity.ParseDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	backfill := digesttest.Object{Key: dk, Data: digesttest.Gzip(d), Signature: digesttest.Sign(t, key, dg.StringToSign())}
	keys, _ := integrity.ReadPublicKeys(bytes.NewReader(key.ListPublicKeysJSON(start, start.Add(4*time.Hour))))
	run := func(objs []digesttest.Object) (map[string]integrity.Status, *integrity.Summary) {
		dir := t.TempDir()
		digesttest.WriteDir(t, dir, objs, true)
		v := integrity.New(integrity.Config{Keys: keys})
		hashLogs(t, v, localLogs(t, dir))
		return v.Finish(context.Background())
	}
	status, s := run(append(slices.Clone(objs), late))
	var why string
	for name, st := range status {
		if strings.HasSuffix(name, "_late0001.json.gz") {
			why = st.Reason
		}
	}
	if s.NotCovered != 1 || s.Verified != 12 || !strings.Contains(why, "listed in none") {
		t.Errorf("without the backfill digest: %q, %+v", why, s)
	}
	if _, s := run(append(slices.Clone(objs), late, backfill)); s.Failed() || s.Verified != 13 || s.Digests != 5 || s.SignaturesOK != 5 || s.BrokenChains != 0 {
		t.Errorf("with the backfill digest: %+v", s)
	}
}
