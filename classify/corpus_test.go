package classify

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/denytrail/denytrail/internal/corpus"
)

// corpusFiles returns the JSON files of one corpus folder, failing when the
// folder holds none (a corpus that is present must not be checked vacuously).
func corpusFiles(t *testing.T, sub, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpus.Dir(t), sub, pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no %s files in corpus/%s: %v", pattern, sub, err)
	}
	return files
}

func TestCorpusPantherS3Denials(t *testing.T) {
	all := Filter{AllFailures: true}
	denials := 0
	for _, fn := range corpusFiles(t, "panther-analysis", "*.json") {
		if filepath.Base(fn) == "index.json" {
			continue
		}
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(fn), err)
			continue
		}
		checkMayMatch(t, filepath.Base(fn), b)
		if e.EventSource != "s3.amazonaws.com" || !e.Failed() {
			continue
		}
		if !all.MayMatch(b) || !all.Match(e) {
			t.Errorf("%s: not matched by Filter{AllFailures: true}", filepath.Base(fn))
		}
		v := Judge(e)
		if !strings.Contains(e.ErrorCode, "AccessDenied") {
			// Not a denial (NoSuchLifecycleConfiguration): a request error.
			if v.Layer != LayerOther || v.Control != ControlRequestError {
				t.Errorf("%s: %s: verdict %s/%s, want other/request-error", filepath.Base(fn), e.ErrorCode, v.Layer, v.Control)
			}
			continue
		}
		denials++
		if v.Layer == LayerOther || v.Layer == "" || v.Remediation == "" || len(v.Evidence) == 0 {
			t.Errorf("%s: %s %s: verdict %+v", filepath.Base(fn), e.EventName, e.ErrorCode, v)
		}
		if strings.HasPrefix(filepath.Base(fn), "aws_vpce_access_denied__00") && (v.Layer != LayerNetwork || v.Control != ControlVPCEndpointPolicy) {
			t.Errorf("%s: layer %s/%s, want network/vpc-endpoint-policy", filepath.Base(fn), v.Layer, v.Control)
		}
	}
	if denials != 11 {
		t.Errorf("found %d S3 denials in panther-analysis, want the 11 SOURCE.txt lists", denials)
	}
}

func TestCorpusKMSDeveloperGuide(t *testing.T) {
	parsed := 0
	for _, fn := range corpusFiles(t, "awsdocs-kms-developer-guide", "*.json") {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Parse(b)
		if filepath.Base(fn) == "ct-decrypt.md__example1.json" {
			// Invalid JSON exactly as AWS published it: a clear error, no panic.
			if err == nil || !strings.Contains(err.Error(), "invalid JSON at byte") {
				t.Errorf("%s: Parse error = %v, want an invalid-JSON error with its offset", filepath.Base(fn), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(fn), err)
			continue
		}
		parsed++
		if !(Filter{}).MayMatch(b) || !(Filter{}).Match(e) {
			t.Errorf("%s: a failed KMS call not matched by the default filter", filepath.Base(fn))
		}
		checkMayMatch(t, filepath.Base(fn), b)
		// InvalidKeyUsageException is a request error (the key's usage does
		// not fit the operation), like IncorrectKeyException; the other
		// examples are key states.
		wantLayer, wantControl := LayerKMS, ControlKMSKeyState
		if e.ErrorCode == "InvalidKeyUsageException" {
			wantLayer, wantControl = LayerOther, ControlRequestError
		}
		if v := Judge(e); v.Layer != wantLayer || v.Control != wantControl {
			t.Errorf("%s: %s: %s/%s, want %s/%s", filepath.Base(fn), e.ErrorCode, v.Layer, v.Control, wantLayer, wantControl)
		}
	}
	if parsed != 2 {
		t.Errorf("parsed %d KMS examples, want 2", parsed)
	}
}

// Stratus Red Team: real, anonymised attack runs in JSON arrays; its
// denials are EC2/STS/Organizations calls.
func TestCorpusStratusRedTeam(t *testing.T) {
	all := Filter{AllFailures: true}
	var failures, denials int
	for _, fn := range corpusFiles(t, "stratus-red-team/detonation-logs", "*.json") {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		var recs []json.RawMessage
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatalf("%s: %v", filepath.Base(fn), err)
		}
		for i, r := range recs {
			e, err := Parse(r)
			if err != nil {
				t.Errorf("%s#%d: %v", filepath.Base(fn), i, err)
				continue
			}
			checkMayMatch(t, filepath.Base(fn), r)
			if !e.Failed() {
				continue
			}
			failures++
			if !all.Match(e) {
				t.Errorf("%s#%d: failure not matched by AllFailures", filepath.Base(fn), i)
			}
			if (Filter{}).Match(e) {
				t.Errorf("%s#%d: %s matched by the default filter", filepath.Base(fn), i, e.EventSource)
			}
			v := Judge(e)
			switch {
			case strings.Contains(e.ErrorMessage, "because no identity-based policy allows"):
				denials++
				if v.Layer != LayerIAM || v.Control != ControlIdentityPolicy || v.Confidence != High {
					t.Errorf("%s#%d: %s/%s/%s, want iam/identity-policy/high", filepath.Base(fn), i, v.Layer, v.Control, v.Confidence)
				}
			case e.ErrorCode == "AccessDenied":
				denials++
				if v.Layer == LayerOther {
					t.Errorf("%s#%d: denial judged other", filepath.Base(fn), i)
				}
			case v.Layer != LayerOther:
				t.Errorf("%s#%d: %s judged %s, want other", filepath.Base(fn), i, e.ErrorCode, v.Layer)
			}
		}
	}
	if failures != 52 || denials != 51 {
		t.Errorf("%d failures, %d denials; SOURCE.txt says 52 and 51", failures, denials)
	}
}

// OTRF: logstash-enriched NDJSON without a single failure: a negative control.
func TestCorpusOTRFNegativeControl(t *testing.T) {
	fn := corpusFiles(t, "otrf-security-datasets", "*.json")[0]
	f, err := os.Open(fn)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, s3 := 0, 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		n++
		e, err := Parse(line)
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if (Filter{AllFailures: true}).Match(e) {
			t.Errorf("line %d: %s %s matched, but the dataset has no failures", n, e.EventSource, e.EventName)
		}
		if e.EventTime.IsZero() {
			t.Errorf("line %d: eventTime %q not parsed", n, e.EventTimeRaw)
		}
		if e.EventSource == "s3.amazonaws.com" {
			s3++
		}
		checkMayMatch(t, filepath.Base(fn), line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 103 || s3 != 11 {
		t.Errorf("%d records, %d from S3; SOURCE.txt says 103 and 11", n, s3)
	}
}
