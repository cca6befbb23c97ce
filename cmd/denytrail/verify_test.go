package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/internal/ctfake"
	"github.com/denytrail/denytrail/internal/digesttest"
	"github.com/denytrail/denytrail/internal/s3test"
)

var verifyStart = time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)

func verifyArchive(t *testing.T, key digesttest.Key) []digesttest.Object {
	return digesttest.Build(t, digesttest.Config{
		Bucket: "trail-logs", Prefix: "org/", Org: "o-abc123defg", Account: "111122223333", Region: "eu-west-1", Trail: "org-trail",
		Start: verifyStart, Hours: 4, LogsPerHour: 3,
		Records: func(h, i int) []string {
			return []string{digesttest.DeniedPut("111122223333", "eu-west-1", fmt.Sprintf("ev-%d-%d", h, i), verifyStart.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Minute))}
		},
	}, key)
}

// verifyTamperings break the archive one way each; file is the key of the
// object the problem must name (before the change).
var verifyTamperings = []struct {
	name   string
	mutate func(t *testing.T, objs []digesttest.Object, key digesttest.Key) ([]digesttest.Object, string)
}{
	{"changed byte", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) ([]digesttest.Object, string) {
		i := nthObject(objs, false, 5)
		plain := digesttest.Gunzip(t, objs[i].Data)
		plain[bytes.Index(plain, []byte(`uploader`))] = 'U' // still valid JSON
		objs[i].Data = digesttest.Gzip(plain)
		return objs, objs[i].Key
	}},
	{"deleted log", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) ([]digesttest.Object, string) {
		i := nthObject(objs, false, 2)
		return slices.Delete(slices.Clone(objs), i, i+1), objs[i].Key
	}},
	{"removed digest", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) ([]digesttest.Object, string) {
		i := nthObject(objs, true, 1)
		return slices.Delete(slices.Clone(objs), i, i+1), objs[nthObject(objs, true, 2)].Key
	}},
	{"broken signature", func(t *testing.T, objs []digesttest.Object, _ digesttest.Key) ([]digesttest.Object, string) {
		i := nthObject(objs, true, 0)
		sig := []byte(objs[i].Signature)
		sig[10] = map[bool]byte{true: '1', false: '0'}[sig[10] == '0'] // another hex digit
		objs[i].Signature = string(sig)
		return objs, objs[i].Key
	}},
	{"wrong previous hash", func(t *testing.T, objs []digesttest.Object, key digesttest.Key) ([]digesttest.Object, string) {
		i := nthObject(objs, true, 2)
		var d map[string]any
		if err := json.Unmarshal(digesttest.Gunzip(t, objs[i].Data), &d); err != nil {
			t.Fatal(err)
		}
		d["previousDigestHashValue"] = strings.Repeat("0", 64)
		plain, _ := json.Marshal(d)
		dg, err := integrity.ParseDigest(plain)
		if err != nil {
			t.Fatal(err)
		}
		objs[i].Data, objs[i].Signature = digesttest.Gzip(plain), digesttest.Sign(t, key, dg.StringToSign())
		return objs, objs[i].Key
	}},
}

// nthObject is the index of the nth digest (digest) or log file.
func nthObject(objs []digesttest.Object, digest bool, n int) int {
	for i, o := range objs {
		if (o.Signature != "") == digest {
			if n == 0 {
				return i
			}
			n--
		}
	}
	panic("no such object")
}

type verifyReport struct {
	Stats struct {
		Integrity *integrity.Summary `json:"integrity"`
	} `json:"stats"`
	Findings []struct {
		Integrity *integrity.Status `json:"integrity"`
	} `json:"findings"`
}

func decodeVerify(t *testing.T, stdout string) verifyReport {
	t.Helper()
	var r verifyReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v in %.300s", err, stdout)
	}
	if r.Stats.Integrity == nil {
		t.Fatalf("no stats.integrity in %.300s", stdout)
	}
	return r
}

func findingStatuses(r verifyReport) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Integrity == nil {
			out = append(out, "none")
		} else {
			out = append(out, f.Integrity.Status)
		}
	}
	return slices.Compact(out)
}

// TestVerifyS3 serves the archive from gofakes3 and ListPublicKeys from
// ctfake behind one --endpoint-url, as one local endpoint serving every
// service does in test setups.
func TestVerifyS3(t *testing.T) {
	fakeAWSEnv(t, "eu-west-1")
	key := digesttest.NewKey(t)
	run := func(t *testing.T, objs []digesttest.Object) (int, string, string, *ctfake.Server) {
		ct := ctfake.New()
		ct.AddPublicKeys("eu-west-1", ctfake.PublicKey{Value: key.DER, Fingerprint: key.Fingerprint, Start: verifyStart.Add(-24 * time.Hour), End: verifyStart.Add(24 * time.Hour)})
		srv := s3test.New(t, func(s3h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.Header.Get("X-Amz-Target"), "CloudTrail_") {
					ct.ServeHTTP(w, r)
					return
				}
				s3h.ServeHTTP(w, r)
			})
		}, "trail-logs")
		client := srv.Client()
		for _, o := range objs {
			in := &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(o.Key), Body: bytes.NewReader(o.Data)}
			if o.Signature != "" {
				in.Metadata = map[string]string{"signature": o.Signature, "signature-algorithm": "SHA256withRSA"}
			}
			if _, err := client.PutObject(context.Background(), in); err != nil {
				t.Fatal(err)
			}
		}
		code, stdout, stderr := runCLI("scan", "--verify", "-o", "json", "--endpoint-url", srv.URL,
			"--since", verifyStart.Format(time.RFC3339), "--until", verifyStart.Add(4*time.Hour).Format(time.RFC3339), "s3://trail-logs/org/")
		return code, stdout, stderr, ct
	}
	t.Run("clean", func(t *testing.T) {
		code, stdout, stderr, ct := run(t, verifyArchive(t, key))
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := decodeVerify(t, stdout)
		if s := r.Stats.Integrity; s.Verified != 12 || s.SignaturesOK != 4 || len(s.Problems) != 0 {
			t.Errorf("integrity: %+v", s)
		}
		if got := findingStatuses(r); !slices.Equal(got, []string{"verified"}) || len(r.Findings) != 12 {
			t.Errorf("%d findings, integrity %v: want 12, all verified", len(r.Findings), got)
		}
		var asked bool
		for _, req := range ct.Requests() {
			asked = asked || req.Operation == "ListPublicKeys" && req.Region == "eu-west-1"
		}
		if !asked {
			t.Error("ListPublicKeys was not called in eu-west-1 through --endpoint-url")
		}
	})
	for _, tc := range verifyTamperings {
		t.Run(tc.name, func(t *testing.T) {
			objs, file := tc.mutate(t, verifyArchive(t, key), key)
			code, _, stderr, _ := run(t, objs)
			if code != exitIntegrity || !strings.Contains(stderr, "s3://trail-logs/"+file) {
				t.Fatalf("exit %d, want 4 naming s3://trail-logs/%s; stderr:\n%s", code, file, stderr)
			}
		})
	}
}

func TestVerifyLocal(t *testing.T) {
	key := digesttest.NewKey(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(keys, key.ListPublicKeysJSON(verifyStart.Add(-time.Hour), verifyStart.Add(time.Hour*24)), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, objs []digesttest.Object, sidecars bool, args ...string) (int, string, string, string) {
		dir := t.TempDir()
		digesttest.WriteDir(t, dir, objs, sidecars)
		code, stdout, stderr := runCLI(append(append([]string{"scan", "--verify", "-o", "json"}, args...), dir)...)
		return code, stdout, stderr, dir
	}
	t.Run("clean with sidecars", func(t *testing.T) {
		code, stdout, stderr, _ := run(t, verifyArchive(t, key), true, "--public-keys", keys)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := decodeVerify(t, stdout)
		if s := r.Stats.Integrity; s.Verified != 12 || s.SignaturesOK != 4 || s.SignaturesNotChecked != "" {
			t.Errorf("integrity: %+v", s)
		}
		if got := findingStatuses(r); !slices.Equal(got, []string{"verified"}) {
			t.Errorf("findings' integrity %v, want verified", got)
		}
	})
	for _, tc := range verifyTamperings {
		t.Run(tc.name, func(t *testing.T) {
			objs, file := tc.mutate(t, verifyArchive(t, key), key)
			code, _, stderr, dir := run(t, objs, true, "--public-keys", keys)
			if want := filepath.Join(dir, filepath.FromSlash(file)); code != exitIntegrity || !strings.Contains(stderr, want) {
				t.Fatalf("exit %d, want 4 naming %s; stderr:\n%s", code, want, stderr)
			}
		})
	}
	t.Run("without sidecars", func(t *testing.T) {
		code, stdout, stderr, _ := run(t, verifyArchive(t, key), false)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := decodeVerify(t, stdout)
		if s := r.Stats.Integrity; s.Verified != 0 || s.HashMatched != 12 || !strings.Contains(s.SignaturesNotChecked, "sidecar") {
			t.Errorf("integrity: %+v", s)
		}
		if !strings.Contains(stderr, "signatures not checked") || strings.Contains(stderr, " verified,") && !strings.Contains(stderr, "0 signature(s) verified") {
			t.Errorf("stderr does not say signatures were not checked:\n%s", stderr)
		}
		if got := findingStatuses(r); !slices.Equal(got, []string{"unverified"}) {
			t.Errorf("findings' integrity %v, want unverified", got)
		}
		// Hashes and chain are still checked.
		objs, file := verifyTamperings[0].mutate(t, verifyArchive(t, key), key)
		code, _, stderr, dir := run(t, objs, false)
		if want := filepath.Join(dir, filepath.FromSlash(file)); code != exitIntegrity || !strings.Contains(stderr, want) {
			t.Fatalf("tampered without sidecars: exit %d, want 4 naming %s; stderr:\n%s", code, want, stderr)
		}
		objs, file = verifyTamperings[4].mutate(t, verifyArchive(t, key), key)
		code, _, stderr, dir = run(t, objs, false)
		if want := filepath.Join(dir, filepath.FromSlash(file)); code != exitIntegrity || !strings.Contains(stderr, want) {
			t.Fatalf("wrong previous hash without sidecars: exit %d, want 4 naming %s; stderr:\n%s", code, want, stderr)
		}
	})
}

// TestMirror copies the archive from S3 and verifies the copy offline,
// signatures included; a second run copies nothing, and one that finds a
// file gone copies just that.
func TestMirror(t *testing.T) {
	fakeAWSEnv(t, "eu-west-1")
	key := digesttest.NewKey(t)
	objs := verifyArchive(t, key)
	srv := s3test.New(t, nil, "trail-logs")
	client := srv.Client()
	for _, o := range objs {
		in := &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(o.Key), Body: bytes.NewReader(o.Data)}
		if o.Signature != "" {
			in.Metadata = map[string]string{"signature": o.Signature, "signature-algorithm": "SHA256withRSA"}
		}
		if _, err := client.PutObject(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(keys, key.ListPublicKeysJSON(verifyStart.Add(-time.Hour), verifyStart.Add(24*time.Hour)), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mirror := func() (int, string) {
		code, _, stderr := runCLI("mirror", "--endpoint-url", srv.URL, "--since", verifyStart.Format(time.RFC3339),
			"--until", verifyStart.Add(4*time.Hour).Format(time.RFC3339), "s3://trail-logs/org/", dir)
		return code, stderr
	}
	if code, stderr := mirror(); code != 0 || !strings.Contains(stderr, "16 object(s) copied") {
		t.Fatalf("mirror: exit %d:\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI("scan", "--verify", "--public-keys", keys, "-o", "json", dir)
	if code != 0 {
		t.Fatalf("scan --verify of the copy: exit %d:\n%s", code, stderr)
	}
	if s := decodeVerify(t, stdout).Stats.Integrity; s.Verified != 12 || s.SignaturesOK != 4 {
		t.Errorf("the copy: %+v", s)
	}
	if code, stderr := mirror(); code != 0 || !strings.Contains(stderr, "0 object(s) copied") || !strings.Contains(stderr, "16 already present") {
		t.Fatalf("second mirror: exit %d:\n%s", code, stderr)
	}
	gone := filepath.Join(dir, filepath.FromSlash(objs[nthObject(objs, true, 1)].Key)) + integrity.SidecarSuffix
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	if code, stderr := mirror(); code != 0 || !strings.Contains(stderr, "1 object(s) copied") {
		t.Fatalf("mirror after a sidecar was lost: exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(gone); err != nil {
		t.Errorf("the sidecar was not copied again: %v", err)
	}
}

// TestVerifyEndpointEnv serves S3 and CloudTrail from two servers named by
// the SDK's per-service variables, and checks that --endpoint-url wins
// over them.
func TestVerifyEndpointEnv(t *testing.T) {
	fakeAWSEnv(t, "eu-west-1")
	key := digesttest.NewKey(t)
	ct := ctfake.New()
	ct.AddPublicKeys("eu-west-1", ctfake.PublicKey{Value: key.DER, Fingerprint: key.Fingerprint, Start: verifyStart.Add(-24 * time.Hour), End: verifyStart.Add(24 * time.Hour)})
	ctSrv := httptest.NewServer(ct)
	defer ctSrv.Close()
	s3srv := s3test.New(t, nil, "trail-logs")
	client := s3srv.Client()
	for _, o := range verifyArchive(t, key) {
		in := &s3.PutObjectInput{Bucket: aws.String("trail-logs"), Key: aws.String(o.Key), Body: bytes.NewReader(o.Data)}
		if o.Signature != "" {
			in.Metadata = map[string]string{"signature": o.Signature}
		}
		if _, err := client.PutObject(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"scan", "--verify", "-o", "json", "--since", verifyStart.Format(time.RFC3339), "--until", verifyStart.Add(4 * time.Hour).Format(time.RFC3339), "s3://trail-logs/org/"}

	t.Setenv("AWS_ENDPOINT_URL_S3", s3srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", ctSrv.URL)
	code, stdout, stderr := runCLI(args...)
	if code != 0 {
		t.Fatalf("per-service endpoints: exit %d:\n%s", code, stderr)
	}
	if s := decodeVerify(t, stdout).Stats.Integrity; s.Verified != 12 || s.SignaturesOK != 4 {
		t.Errorf("per-service endpoints: %+v", s)
	}

	// --endpoint-url wins: S3's variable points nowhere.
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
	code, _, stderr = runCLI(append([]string{args[0], "--endpoint-url", s3srv.URL}, args[1:]...)...)
	if code != exitIntegrity || !strings.Contains(stderr, "ListPublicKeys") {
		// gofakes3 does not speak CloudTrail: the flag sent ListPublicKeys
		// there too, and the signatures are unverifiable.
		t.Fatalf("--endpoint-url over AWS_ENDPOINT_URL_S3: exit %d, want 4 (ListPublicKeys sent to the flag's endpoint):\n%s", code, stderr)
	}
}

// TestVerifyRendered checks that the terminal and Markdown reports say
// what --verify found, problems named, and that report --verify exits 4.
func TestVerifyRendered(t *testing.T) {
	key := digesttest.NewKey(t)
	keys := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(keys, key.ListPublicKeysJSON(verifyStart.Add(-time.Hour), verifyStart.Add(time.Hour*24)), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, file := verifyTamperings[0].mutate(t, verifyArchive(t, key), key)
	dir := t.TempDir()
	digesttest.WriteDir(t, dir, objs, true)
	name := filepath.Base(file)
	for _, format := range []string{"table", "markdown"} {
		code, stdout, stderr := runCLI("scan", "--verify", "--public-keys", keys, "-o", format, dir)
		shown := name
		if format == "markdown" {
			shown = strings.ReplaceAll(name, "_", `\_`)
		}
		if code != exitIntegrity || !strings.Contains(stdout, "11 verified, 1 tampered") || !strings.Contains(stdout, "Integrity problems (1)") || !strings.Contains(stdout, shown) {
			t.Errorf("%s: exit %d, want 4 and the integrity line and problem:\n%s\n%s", format, code, stdout, stderr)
		}
	}
	code, _, stderr := runCLI("report", "--verify", "--public-keys", keys, "--day", "2026-11-30", "--history", t.TempDir(), "--output-file", filepath.Join(t.TempDir(), "r.md"), dir)
	if code != exitIntegrity || !strings.Contains(stderr, name) {
		t.Errorf("report --verify: exit %d, want 4 naming %s:\n%s", code, name, stderr)
	}
}
