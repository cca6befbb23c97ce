package synth

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// record holds the fields the tests check.
type record struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type      string `json:"type"`
		ARN       string `json:"arn"`
		AccountID string `json:"accountId"`
		InvokedBy string `json:"invokedBy"`
	} `json:"userIdentity"`
	EventTime         string `json:"eventTime"`
	EventSource       string `json:"eventSource"`
	EventName         string `json:"eventName"`
	AWSRegion         string `json:"awsRegion"`
	ErrorCode         string `json:"errorCode"`
	ErrorMessage      string `json:"errorMessage"`
	RequestParameters struct {
		BucketName        string            `json:"bucketName"`
		Key               string            `json:"key"`
		ACL               string            `json:"x-amz-acl"`
		SSE               string            `json:"x-amz-server-side-encryption"`
		EncryptionContext map[string]string `json:"encryptionContext"`
	} `json:"requestParameters"`
	AdditionalEventData *struct {
		SignatureVersion     string `json:"SignatureVersion"`
		AuthenticationMethod string `json:"AuthenticationMethod"`
		AmzID2               string `json:"x-amz-id-2"`
	} `json:"additionalEventData"`
	RequestID string `json:"requestID"`
	EventID   string `json:"eventID"`
	Resources []struct {
		AccountID string `json:"accountId"`
		Type      string `json:"type"`
		ARN       string `json:"ARN"`
	} `json:"resources"`
	EventCategory      string `json:"eventCategory"`
	RecipientAccountID string `json:"recipientAccountId"`
	SharedEventID      string `json:"sharedEventID"`
	VPCEndpointID      string `json:"vpcEndpointId"`

	raw  json.RawMessage
	time time.Time
	file string
}

type archiveFile struct {
	key     string
	content []byte // uncompressed
	records []*record
	labels  []Label
	digest  bool
}

var (
	logKeyRE    = regexp.MustCompile(`^(?:(.+)/)?AWSLogs/(?:(o-[a-z0-9]{10,32})/)?([0-9]{12})/CloudTrail/([a-z]{2}(?:-[a-z]+)+-[0-9])/([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{12})_CloudTrail_([a-z0-9-]+)_([0-9]{8}T[0-9]{4}Z)_[A-Za-z0-9]{16}\.json\.gz$`)
	digestKeyRE = regexp.MustCompile(`^(?:(.+)/)?AWSLogs/(?:(o-[a-z0-9]{10,32})/)?([0-9]{12})/CloudTrail-Digest/([a-z]{2}(?:-[a-z]+)+-[0-9])/([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{12})_CloudTrail-Digest_([a-z0-9-]+)_[A-Za-z0-9_.-]+_[a-z0-9-]+_([0-9]{8}T[0-9]{6}Z)\.json\.gz$`)
)

func gunzip(t testing.TB, key string, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return b
}

// generate runs Generate and decodes every file.
func generate(t testing.TB, cfg Config) []*archiveFile {
	t.Helper()
	var files []*archiveFile
	err := Generate(context.Background(), cfg, func(f File) error {
		af := &archiveFile{key: f.Key, content: gunzip(t, f.Key, f.Data), labels: f.Labels}
		if strings.Contains(f.Key, "/CloudTrail-Digest/") {
			af.digest = true
			files = append(files, af)
			return nil
		}
		var doc struct {
			Records []json.RawMessage
		}
		if err := json.Unmarshal(af.content, &doc); err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		for i, raw := range doc.Records {
			r := &record{raw: raw, file: f.Key}
			if err := json.Unmarshal(raw, r); err != nil {
				t.Fatalf("%s#%d: %v", f.Key, i, err)
			}
			tm, err := time.Parse(time.RFC3339, r.EventTime)
			if err != nil {
				t.Fatalf("%s#%d: eventTime: %v", f.Key, i, err)
			}
			r.time = tm
			af.records = append(af.records, r)
		}
		files = append(files, af)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func allRecords(files []*archiveFile) []*record {
	var rs []*record
	for _, f := range files {
		rs = append(rs, f.records...)
	}
	return rs
}

// coverageConfig is a moderate archive in which every scenario appears.
func coverageConfig() Config {
	return Config{Seed: 7, OrgID: "o-abc123defg", RecordsPerFile: 25, FailureRate: 0.2, Digests: true}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 42, OrgID: "o-abc123defg", Duration: 30 * time.Minute, RecordsPerFile: 40, FailureRate: 0.1, Digests: true}
	collect := func(cfg Config) []File {
		var fs []File
		if err := Generate(context.Background(), cfg, func(f File) error { fs = append(fs, f); return nil }); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	a, b := collect(cfg), collect(cfg)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("got %d and %d files", len(a), len(b))
	}
	for i := range a {
		if a[i].Key != b[i].Key || !bytes.Equal(a[i].Data, b[i].Data) || !slices.Equal(a[i].Labels, b[i].Labels) {
			t.Fatalf("file %d differs between runs: %s vs %s", i, a[i].Key, b[i].Key)
		}
	}
	cfg.Seed = 43
	c := collect(cfg)
	if c[0].Key == a[0].Key || bytes.Equal(c[0].Data, a[0].Data) {
		t.Errorf("a different seed gave the same first file %s", c[0].Key)
	}
}

func TestKeyLayout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		prefix string
		org    string
	}{
		{"account trail", Config{}, "", ""},
		{"organization trail", Config{OrgID: "o-abc123defg"}, "", "o-abc123defg"},
		{"prefix", Config{Prefix: "/central/logs/", OrgID: "o-zyx987wvut1"}, "central/logs", "o-zyx987wvut1"},
		{"prefix account trail", Config{Prefix: "trails"}, "trails", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Seed, cfg.Duration, cfg.RecordsPerFile, cfg.Digests = 3, 70*time.Minute, 5, true
			cfg.Accounts = []string{"111122223333", "444455556666", "777700001111"}
			cfg.Regions = []string{"us-east-1", "ap-southeast-2"}
			files := generate(t, cfg)
			logs, digests := 0, 0
			seen := map[string]bool{}
			for _, f := range files {
				if seen[f.key] {
					t.Errorf("key %s generated twice", f.key)
				}
				seen[f.key] = true
				re := logKeyRE
				if f.digest {
					re = digestKeyRE
					digests++
				} else {
					logs++
				}
				m := re.FindStringSubmatch(f.key)
				if m == nil {
					t.Fatalf("key %q does not match CloudTrail's layout", f.key)
				}
				prefix, org, acct, region, yyyy, mm, dd, nameAcct, nameRegion, stamp := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10]
				if prefix != tc.prefix || org != tc.org {
					t.Errorf("%s: prefix %q org %q, want %q %q", f.key, prefix, org, tc.prefix, tc.org)
				}
				if nameAcct != acct || nameRegion != region {
					t.Errorf("%s: file name names %s/%s, folder %s/%s", f.key, nameAcct, nameRegion, acct, region)
				}
				if stamp[:8] != yyyy+mm+dd {
					t.Errorf("%s: folder date %s%s%s, name time %s", f.key, yyyy, mm, dd, stamp)
				}
				for i, r := range f.records {
					if r.RecipientAccountID != acct || r.AWSRegion != region {
						t.Errorf("%s#%d: record for %s/%s in the folder of %s/%s", f.key, i, r.RecipientAccountID, r.AWSRegion, acct, region)
					}
				}
			}
			// 70 minutes every 5 minutes: 14 deliveries for 6 account/Region
			// pairs; digests at +1h and +2h.
			if logs != 14*6 || digests != 2*6 {
				t.Errorf("got %d log files and %d digests, want %d and %d", logs, digests, 14*6, 2*6)
			}
		})
	}
}

// TestCoverageArchive checks one moderate archive: its records look like
// CloudTrail's and every scenario appears with its expected signals.
func TestCoverageArchive(t *testing.T) {
	files := generate(t, coverageConfig())
	t.Run("records", func(t *testing.T) { checkRecords(t, files) })
	t.Run("scenarios", func(t *testing.T) { checkScenarios(t, files) })
}

func checkRecords(t *testing.T, files []*archiveFile) {
	var unordered bool
	interleaved := 0 // failures that follow an unscripted success
	categories := map[string]int{}
	identities := map[string]int{}
	for _, f := range files {
		if f.digest {
			continue
		}
		scripted := map[string]bool{}
		for _, l := range f.labels {
			scripted[l.EventID] = true
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, f.content); err != nil {
			t.Fatalf("%s: %v", f.key, err)
		}
		if !bytes.Equal(compact.Bytes(), f.content) {
			t.Errorf("%s is not compact JSON", f.key)
		}
		if !bytes.HasPrefix(f.content, []byte(`{"Records":[{"eventVersion":`)) {
			t.Errorf("%s does not start like a CloudTrail log file", f.key)
		}
		delivery, err := time.Parse("20060102T1504Z", logKeyRE.FindStringSubmatch(f.key)[10])
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range f.records {
			if !bytes.HasPrefix(r.raw, []byte(`{"eventVersion":"1.`)) {
				t.Errorf("%s#%d: first key is not eventVersion: %.40s", f.key, i, r.raw)
			}
			if r.time.Before(delivery.Add(-15*time.Minute)) || r.time.After(delivery) {
				t.Errorf("%s#%d: eventTime %s outside [delivery-15m, delivery]", f.key, i, r.EventTime)
			}
			if len(r.EventID) != 36 || r.EventID[14] != '4' {
				t.Errorf("%s#%d: eventID %q is not a UUID v4", f.key, i, r.EventID)
			}
			if r.RequestID == "" || r.EventSource == "" || r.EventName == "" || r.EventCategory == "" {
				t.Errorf("%s#%d: missing requestID, eventSource, eventName or eventCategory", f.key, i)
			}
			categories[r.EventCategory]++
			identities[r.UserIdentity.Type]++
			if r.EventName == "UploadPart" && (r.RequestParameters.ACL != "" || r.RequestParameters.SSE != "") {
				t.Errorf("%s#%d: UploadPart with x-amz-acl or SSE headers, which only CreateMultipartUpload carries", f.key, i)
			}
			if r.EventCategory == "Data" {
				if r.RequestParameters.BucketName == "" || r.AdditionalEventData == nil || r.AdditionalEventData.SignatureVersion != "SigV4" || r.AdditionalEventData.AmzID2 == "" {
					t.Errorf("%s#%d: S3 data event without bucketName or additionalEventData: %s", f.key, i, r.raw)
				}
				if len(r.Resources) == 0 || r.Resources[len(r.Resources)-1].Type != "AWS::S3::Bucket" {
					t.Errorf("%s#%d: S3 data event without its bucket resource", f.key, i)
				}
			}
			if i > 0 && r.time.Before(f.records[i-1].time) {
				unordered = true
			}
			if i > 0 && r.ErrorCode != "" && !scripted[f.records[i-1].EventID] {
				interleaved++
			}
		}
	}
	if !unordered {
		t.Error("records are sorted by eventTime in every file; CloudTrail files are in no particular order")
	}
	if interleaved == 0 {
		t.Error("failures always lead their files; records should be in no particular order")
	}
	for _, c := range []string{"Data", "Management", "NetworkActivity"} {
		if categories[c] == 0 {
			t.Errorf("no %s events", c)
		}
	}
	for _, ty := range []string{"AssumedRole", "IAMUser", "AWSService"} {
		if identities[ty] == 0 {
			t.Errorf("no %s identities", ty)
		}
	}
}

// scenarioSignals is what the failed records of each scenario must show:
// an errorCode and a phrase of the errorMessage, per event source. A
// scenario's records must match one of its entries.
var scenarioSignals = map[string][]struct{ source, code, phrase string }{
	"s3-identity-explicit-deny":        {{"s3", "AccessDenied", " identity-based policy"}},
	"s3-identity-no-allow":             {{"s3", "AccessDenied", "because no identity-based policy allows the s3:PutObject action"}},
	"ec2-identity-no-allow":            {{"ec2", "Client.UnauthorizedOperation", "because no identity-based policy allows the ec2:RunInstances action"}},
	"s3-bucket-policy-explicit-deny":   {{"s3", "AccessDenied", "with an explicit deny in a resource-based policy"}},
	"s3-bucket-policy-no-allow":        {{"s3", "AccessDenied", "because no resource-based policy allows the s3:PutObject action"}},
	"s3-sse-c-blocked":                 {{"s3", "AccessDenied", "because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C)"}},
	"kms-key-policy-explicit-deny":     {{"kms", "AccessDeniedException", "with an explicit deny in a resource-based policy"}},
	"kms-key-policy-no-allow":          {{"kms", "AccessDeniedException", "because no resource-based policy allows the kms:GenerateDataKey action"}},
	"s3-kms-resource-not-in-region":    {{"s3", "AccessDenied", "kms:GenerateDataKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access"}},
	"kms-identity-no-allow":            {{"kms", "AccessDeniedException", "because no identity-based policy allows the kms:Decrypt action"}},
	"s3-kms-identity-no-allow":         {{"s3", "AccessDenied", "kms:GenerateDataKey on resource: arn:aws:kms:"}},
	"kms-key-disabled":                 {{"kms", "DisabledException", " is disabled."}},
	"kms-key-pending-deletion":         {{"kms", "KMSInvalidStateException", " is pending deletion."}},
	"kms-key-not-found":                {{"kms", "NotFoundException", "arn:aws:kms:"}},
	"s3-kms-key-disabled":              {{"s3", "KMS.DisabledException", " is disabled."}},
	"s3-kms-key-pending-deletion":      {{"s3", "KMS.KMSInvalidStateException", " is pending deletion."}},
	"s3-kms-key-not-found":             {{"s3", "KMS.NotFoundException", "does not exist"}},
	"s3-scp-explicit-deny":             {{"s3", "AccessDenied", "with an explicit deny in a service control policy"}},
	"s3-scp-no-allow":                  {{"s3", "AccessDenied", "because no service control policy allows the s3:PutObject action"}},
	"kms-scp-explicit-deny":            {{"kms", "AccessDeniedException", "with an explicit deny in a Service Control Policy"}},
	"s3-rcp-explicit-deny":             {{"s3", "AccessDenied", "with an explicit deny in a resource control policy"}},
	"s3-permissions-boundary-no-allow": {{"s3", "AccessDenied", "because no permissions boundary allows the s3:PutObject action"}},
	"s3-session-policy-no-allow":       {{"s3", "AccessDenied", "because no session policy allows the s3:PutObject action"}},
	"s3-sessions-policy-explicit-deny": {{"s3", "AccessDenied", "with an explicit deny in a sessions policy"}},
	"s3-acl-not-supported":             {{"s3", "AccessControlListNotSupported", "The bucket does not allow ACLs"}},
	"s3-cross-account-no-canned-acl":   {{"s3", "AccessDenied", "Access Denied"}},
	"s3-block-public-acls":             {{"s3", "AccessDenied", "because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access"}},
	"s3-vpce-access-denied":            {{"s3", "VpceAccessDenied", "VPC endpoint policy"}},
	"s3-vpce-policy-no-allow":          {{"s3", "AccessDenied", "because no VPC endpoint policy allows the s3:PutObject action"}},
	"sts-expired-token":                {{"sts", "ExpiredToken", "expired"}},
	"kms-expired-token":                {{"kms", "ExpiredTokenException", "expired"}},
	"iam-invalid-client-token":         {{"iam", "InvalidClientTokenId", "invalid"}},
	"kms-unrecognized-client":          {{"kms", "UnrecognizedClientException", "invalid"}},
	"s3-denied-no-context":             {{"s3", "AccessDenied", ""}},
	"s3-no-such-bucket":                {{"s3", "NoSuchBucket", "The specified bucket does not exist"}},
	"kms-incorrect-key":                {{"kms", "IncorrectKeyException", "The key ID in the request does not identify"}},
	"s3-kms-correlated": {
		{"s3", "AccessDenied", "Access Denied"},
		{"kms", "AccessDeniedException", "because no resource-based policy allows the kms:GenerateDataKey action"}},
	"s3-kms-correlated-bucket-key": {
		{"s3", "AccessDenied", "Access Denied"},
		{"kms", "AccessDenied", "kms:GenerateDataKey on resource: arn:aws:kms:"}},
	"duplicate-delivery":                {{"s3", "AccessDenied", "with an explicit deny in a resource-based policy"}},
	"cross-account-shared-event":        {{"s3", "AccessDenied", "with an explicit deny in a resource-based policy"}},
	"bucket-policy-change-then-denials": {{"s3", "AccessDenied", "with an explicit deny in a resource-based policy"}},
	"key-policy-change-then-denials":    {{"kms", "AccessDeniedException", "with an explicit deny in a resource-based policy"}},
	"key-disabled-then-denials":         {{"s3", "KMS.DisabledException", " is disabled."}},
	"role-policy-attach-then-denials":   {{"s3", "AccessDenied", "with an explicit deny in an identity-based policy"}},
	"role-inline-policy-then-denials":   {{"s3", "AccessDenied", "with an explicit deny in an identity-based policy"}},
	"scp-attach-then-denials":           {{"s3", "AccessDenied", "with an explicit deny in a service control policy"}},
	"failed-policy-change":              {{"iam", "AccessDenied", "because no identity-based policy allows the iam:PutRolePolicy action"}},
}

// changeEvents are the successful changes that open each incident scenario.
var changeEvents = map[string][]string{
	"bucket-policy-change-then-denials": {"PutBucketPolicy"},
	"key-policy-change-then-denials":    {"PutKeyPolicy"},
	"key-disabled-then-denials":         {"DisableKey"},
	"role-policy-attach-then-denials":   {"AttachRolePolicy"},
	"role-inline-policy-then-denials":   {"PutRolePolicy"},
	"scp-attach-then-denials":           {"AttachPolicy"},
}

func TestScenarioList(t *testing.T) {
	layers := map[string][]string{
		"iam":           {"identity-policy"},
		"bucket-policy": {"bucket-policy", "bucket-encryption"},
		"kms":           {"kms-key-policy", "identity-policy", "kms-key-state"},
		"org-controls":  {"scp", "rcp", "permissions-boundary", "session-policy"},
		"acl-ownership": {"object-ownership", "acl", "block-public-access"},
		"network":       {"vpc-endpoint-policy"},
		"credentials":   {"expired-credentials", "invalid-credentials"},
		"unknown":       {"unknown"},
		"other":         {"request-error"},
	}
	covered := map[string]bool{}
	names := map[string]bool{}
	for _, s := range Scenarios() {
		if names[s.Name] {
			t.Errorf("scenario %s listed twice", s.Name)
		}
		names[s.Name] = true
		if !slices.Contains(layers[s.Layer], s.Control) {
			t.Errorf("scenario %s: %s/%s is not a layer/control of DESIGN.md §2", s.Name, s.Layer, s.Control)
		}
		covered[s.Layer+"/"+s.Control] = true
		if s.Description == "" {
			t.Errorf("scenario %s has no description", s.Name)
		}
		if _, ok := scenarioSignals[s.Name]; !ok {
			t.Errorf("scenario %s has no expected signals in this test", s.Name)
		}
	}
	for layer, controls := range layers {
		for _, c := range controls {
			if !covered[layer+"/"+c] {
				t.Errorf("no scenario for %s/%s", layer, c)
			}
		}
	}
	if len(names) != len(scenarioSignals) {
		t.Errorf("%d scenarios, %d in the test's table", len(names), len(scenarioSignals))
	}
}

func checkScenarios(t *testing.T, files []*archiveFile) {
	byID := map[string][]*record{}
	for _, r := range allRecords(files) {
		byID[r.EventID] = append(byID[r.EventID], r)
	}
	scenarios := map[string]Scenario{}
	for _, s := range Scenarios() {
		scenarios[s.Name] = s
	}
	failed := map[string][]*record{}
	changes := map[string][]*record{}
	labelled := map[string]bool{}
	for _, f := range files {
		for _, l := range f.labels {
			labelled[l.EventID] = true
			s, ok := scenarios[l.Scenario]
			if !ok {
				t.Fatalf("%s: label names unknown scenario %q", f.key, l.Scenario)
			}
			var r *record
			for _, c := range f.records {
				if c.EventID == l.EventID {
					r = c
				}
			}
			if r == nil {
				t.Fatalf("%s: labelled event %s is not in the file", f.key, l.EventID)
			}
			if l.Layer == "" {
				if r.ErrorCode != "" {
					t.Errorf("%s: %s record %s has errorCode %s but no expected verdict", f.key, l.Scenario, l.EventID, r.ErrorCode)
				}
				changes[l.Scenario] = append(changes[l.Scenario], r)
				continue
			}
			if l.Layer != s.Layer || l.Control != s.Control {
				t.Errorf("%s: label %s/%s differs from scenario %s's %s/%s", f.key, l.Layer, l.Control, s.Name, s.Layer, s.Control)
			}
			if r.ErrorCode == "" {
				t.Errorf("%s: %s record %s has no errorCode", f.key, l.Scenario, l.EventID)
			}
			failed[l.Scenario] = append(failed[l.Scenario], r)
		}
	}
	for _, r := range allRecords(files) {
		if r.ErrorCode != "" && !labelled[r.EventID] {
			t.Errorf("%s: failed record %s %s belongs to no scenario", r.file, r.EventName, r.EventID)
		}
	}

	for _, s := range Scenarios() {
		rs := failed[s.Name]
		if len(rs) == 0 {
			t.Errorf("scenario %s does not appear", s.Name)
			continue
		}
		for _, r := range rs {
			ok := false
			for _, sig := range scenarioSignals[s.Name] {
				if r.EventSource == sig.source+".amazonaws.com" && r.ErrorCode == sig.code && strings.Contains(r.ErrorMessage, sig.phrase) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("scenario %s: record %s (%s %s %q) lacks the expected signal", s.Name, r.EventID, r.EventSource, r.ErrorCode, r.ErrorMessage)
			}
		}
		if names, ok := changeEvents[s.Name]; ok {
			cs := changes[s.Name]
			if len(cs) == 0 || !slices.Contains(names, cs[0].EventName) {
				t.Errorf("scenario %s: no successful %v before the denials", s.Name, names)
				continue
			}
			// Each change is followed, within minutes, by at least 3 denials.
			for _, c := range cs {
				n := 0
				for _, r := range rs {
					if d := r.time.Sub(c.time); d > 0 && d <= 10*time.Minute {
						n++
					}
				}
				if n < 3 {
					t.Errorf("scenario %s: change %s at %s followed by %d denials", s.Name, c.EventID, c.EventTime, n)
				}
			}
		}
	}

	// The ACL case: a caller from outside the organization, no canned ACL.
	for _, r := range failed["s3-cross-account-no-canned-acl"] {
		if r.UserIdentity.AccountID == r.RecipientAccountID || r.RequestParameters.ACL != "" || r.Resources[1].AccountID != r.RecipientAccountID {
			t.Errorf("s3-cross-account-no-canned-acl %s: caller %s, bucket owner %s, recipient %s, x-amz-acl %q",
				r.EventID, r.UserIdentity.AccountID, r.Resources[1].AccountID, r.RecipientAccountID, r.RequestParameters.ACL)
		}
	}
	for _, r := range failed["s3-denied-no-context"] {
		if r.ErrorMessage != "" || r.UserIdentity.Type != "Unknown" || r.UserIdentity.AccountID != "" {
			t.Errorf("s3-denied-no-context %s: errorMessage %q, identity %s in %q", r.EventID, r.ErrorMessage, r.UserIdentity.Type, r.UserIdentity.AccountID)
		}
	}
	for _, r := range failed["s3-vpce-access-denied"] {
		if r.EventCategory != "NetworkActivity" || r.VPCEndpointID == "" {
			t.Errorf("s3-vpce-access-denied %s: category %s, vpcEndpointId %q", r.EventID, r.EventCategory, r.VPCEndpointID)
		}
	}

	checkCorrelated(t, failed["s3-kms-correlated"], false)
	checkCorrelated(t, failed["s3-kms-correlated-bucket-key"], true)

	// Duplicates: the same eventID delivered twice, byte for byte.
	for _, r := range failed["duplicate-delivery"] {
		if copies := byID[r.EventID]; len(copies) != 2 || !bytes.Equal(copies[0].raw, copies[1].raw) {
			t.Errorf("duplicate-delivery %s appears %d times", r.EventID, len(copies))
		}
	}
	for id, rs := range byID {
		if len(rs) > 1 && !slices.ContainsFunc(failed["duplicate-delivery"], func(r *record) bool { return r.EventID == id }) {
			t.Errorf("eventID %s appears %d times outside duplicate-delivery", id, len(rs))
		}
	}

	// Cross-account: one sharedEventID, two eventIDs, both accounts.
	shared := map[string][]*record{}
	for _, r := range failed["cross-account-shared-event"] {
		shared[r.SharedEventID] = append(shared[r.SharedEventID], r)
	}
	for id, rs := range shared {
		if id == "" || len(rs) != 2 || rs[0].EventID == rs[1].EventID || rs[0].RecipientAccountID == rs[1].RecipientAccountID ||
			rs[0].RequestID != rs[1].RequestID {
			t.Errorf("cross-account-shared-event sharedEventID %q: %d records, not one per account with distinct eventIDs", id, len(rs))
		}
	}
}

// checkCorrelated checks the S3 ↔ KMS incident shape of DESIGN.md §2.2.
func checkCorrelated(t *testing.T, rs []*record, bucketKey bool) {
	t.Helper()
	var puts, kms []*record
	for _, r := range rs {
		if r.EventSource == "s3.amazonaws.com" {
			puts = append(puts, r)
		} else {
			kms = append(kms, r)
		}
	}
	if len(puts) == 0 || len(puts) != len(kms) {
		t.Fatalf("correlated (bucket key %v): %d uploads, %d KMS calls", bucketKey, len(puts), len(kms))
	}
	for _, p := range puts {
		object := "arn:aws:s3:::" + p.RequestParameters.BucketName + "/" + p.RequestParameters.Key
		want := object
		if bucketKey {
			want = "arn:aws:s3:::" + p.RequestParameters.BucketName
		}
		found := false
		for _, k := range kms {
			d := p.time.Sub(k.time)
			if k.UserIdentity.ARN == p.UserIdentity.ARN && k.UserIdentity.InvokedBy == "s3.amazonaws.com" &&
				k.RequestParameters.EncryptionContext["aws:s3:arn"] == want && d >= 0 && d <= 2*time.Second &&
				len(k.Resources) == 1 && k.Resources[0].Type == "AWS::KMS::Key" && strings.Contains(k.ErrorMessage, k.Resources[0].ARN) {
				found = true
			}
		}
		if !found {
			t.Errorf("correlated (bucket key %v): no KMS denial matches upload %s of %s", bucketKey, p.EventID, object)
		}
	}
}

func TestFailureRate(t *testing.T) {
	for _, rate := range []float64{0.01, 0.2, -1} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			cfg := Config{Seed: 11, RecordsPerFile: 50, FailureRate: rate}
			// Records are compact and errorCode is a top-level key only, so
			// counting byte patterns counts records and failures.
			total, failed := 0, 0
			err := Generate(context.Background(), cfg, func(f File) error {
				b := gunzip(t, f.Key, f.Data)
				total += bytes.Count(b, []byte(`{"eventVersion":"`))
				failed += bytes.Count(b, []byte(`"errorCode":"`))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if total != 12*4*50 {
				t.Fatalf("%d records, want %d", total, 12*4*50)
			}
			want := max(rate, 0) * float64(total)
			// The generator owes failures to the rate and pays them one
			// scenario at a time: it ends at most one record short and at
			// most one incident (a burst of up to 6, or a duplicated pair) over.
			if float64(failed) < want-1 || float64(failed) > want+7 {
				t.Errorf("rate %v: %d of %d records failed, want about %.0f", rate, failed, total, want)
			}
		})
	}
}

func TestDigests(t *testing.T) {
	cfg := Config{Seed: 5, OrgID: "o-abc123defg", Prefix: "org", Duration: 150 * time.Minute, RecordsPerFile: 10, Digests: true}
	files := generate(t, cfg)
	logHash := map[string]string{}
	digestHash := map[string]string{}
	byHour := map[string]int{} // account/region/hour -> log files
	for _, f := range files {
		sum := sha256.Sum256(f.content)
		if f.digest {
			digestHash[f.key] = hex.EncodeToString(sum[:])
			continue
		}
		logHash[f.key] = hex.EncodeToString(sum[:])
		m := logKeyRE.FindStringSubmatch(f.key)
		tm, _ := time.Parse("20060102T1504Z", m[10])
		byHour[fmt.Sprint(m[3], m[4], tm.Truncate(time.Hour))]++
	}
	listed := map[string]bool{}
	n := 0
	for _, f := range files {
		if !f.digest {
			continue
		}
		n++
		var d struct {
			AWSAccountID            string  `json:"awsAccountId"`
			DigestStartTime         string  `json:"digestStartTime"`
			DigestEndTime           string  `json:"digestEndTime"`
			DigestS3Object          string  `json:"digestS3Object"`
			PreviousDigestS3Object  *string `json:"previousDigestS3Object"`
			PreviousDigestHashValue *string `json:"previousDigestHashValue"`
			LogFiles                []struct {
				S3Object        string `json:"s3Object"`
				HashValue       string `json:"hashValue"`
				HashAlgorithm   string `json:"hashAlgorithm"`
				NewestEventTime string `json:"newestEventTime"`
				OldestEventTime string `json:"oldestEventTime"`
			} `json:"logFiles"`
		}
		if err := json.Unmarshal(f.content, &d); err != nil {
			t.Fatalf("%s: %v", f.key, err)
		}
		m := digestKeyRE.FindStringSubmatch(f.key)
		if d.DigestS3Object != f.key || d.AWSAccountID != m[3] {
			t.Errorf("%s: digestS3Object %s, account %s", f.key, d.DigestS3Object, d.AWSAccountID)
		}
		start, _ := time.Parse(time.RFC3339, d.DigestStartTime)
		end, _ := time.Parse(time.RFC3339, d.DigestEndTime)
		if end.Sub(start) != time.Hour || end.Format("20060102T150405Z") != m[10] {
			t.Errorf("%s: covers %s to %s", f.key, d.DigestStartTime, d.DigestEndTime)
		}
		if want := byHour[fmt.Sprint(m[3], m[4], start)]; len(d.LogFiles) != want {
			t.Errorf("%s lists %d log files, %d were delivered in its hour", f.key, len(d.LogFiles), want)
		}
		for _, l := range d.LogFiles {
			if logHash[l.S3Object] != l.HashValue || l.HashAlgorithm != "SHA-256" {
				t.Errorf("%s: hash of %s is %s, want %s", f.key, l.S3Object, l.HashValue, logHash[l.S3Object])
			}
			listed[l.S3Object] = true
		}
		if start.Equal(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)) { // the default Start
			if d.PreviousDigestS3Object != nil {
				t.Errorf("%s: the first digest names a previous one", f.key)
			}
		} else if d.PreviousDigestS3Object == nil || digestHash[*d.PreviousDigestS3Object] != *d.PreviousDigestHashValue {
			t.Errorf("%s: previous digest hash does not match", f.key)
		}
	}
	if len(listed) != len(logHash) {
		t.Errorf("digests list %d of %d log files", len(listed), len(logHash))
	}
	if n != 3*4 {
		t.Errorf("%d digests, want 12 (3 hours, 4 account/Region pairs)", n)
	}
}

func TestCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Generate(ctx, Config{}, func(File) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("after cancelling in the first callback: err %v, %d callbacks", err, calls)
	}
	calls = 0
	err = Generate(ctx, Config{}, func(File) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("with a cancelled context: err %v, %d callbacks", err, calls)
	}
	stop := errors.New("stop")
	calls = 0
	err = Generate(context.Background(), Config{}, func(File) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("callback error: got %v after %d callbacks", err, calls)
	}
}

func TestInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Accounts: []string{"12345"}}, "Accounts[0]"},
		{Config{Accounts: []string{}}, "no Accounts"},
		{Config{Accounts: []string{"111122223333", "111122223333"}}, "twice"},
		{Config{Regions: []string{"us-east-1", "mars"}}, "Regions[1]"},
		{Config{OrgID: "org-1"}, "OrgID"},
		{Config{FileEvery: time.Second}, "FileEvery"},
		{Config{FailureRate: 1.5}, "FailureRate"},
		{Config{RecordsPerFile: -1}, "RecordsPerFile"},
		{Config{Prefix: "a//b"}, "Prefix"},
	} {
		err := Generate(context.Background(), tc.cfg, func(File) error { t.Fatal("callback called for an invalid Config"); return nil })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %s", tc.cfg, err, tc.want)
		}
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Seed: 9, Duration: 10 * time.Minute, RecordsPerFile: 5, Prefix: "p", Digests: true}
	if err := WriteDir(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := Generate(context.Background(), cfg, func(f File) error {
		n++
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Key)))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs on disk", f.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	onDisk := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, _ error) error {
		if !d.IsDir() {
			onDisk++
		}
		return nil
	})
	if onDisk != n {
		t.Errorf("%d files on disk, %d generated", onDisk, n)
	}
	// A file where a folder must go: the error names the path.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "p"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(context.Background(), bad, cfg); err == nil || !strings.Contains(err.Error(), filepath.Join(bad, "p")) {
		t.Errorf("WriteDir over a file: %v", err)
	}
}

func TestAppendStr(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "new\nline\ttab\r", "\x00\x1f\x7f", "résumé ✓ 🎉", "<script>&amp;</script>", "a|b`c`"} {
		b := appendStr(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Errorf("appendStr(%q) = %s, decodes to %q (%v)", s, b, got, err)
		}
	}
	tm := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := string(appendTime(nil, tm)); got != "2026-01-02T03:04:05Z" {
		t.Errorf("appendTime = %s", got)
	}
	if got := string(appendInt(nil, -1234567890)); got != "-1234567890" {
		t.Errorf("appendInt = %s", got)
	}
}

// BenchmarkGenerate measures generation speed in uncompressed JSON bytes
// (the MB/s column), gzip included.
func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Seed: 1, OrgID: "o-abc123defg"}
	var size int64
	if err := Generate(context.Background(), cfg, func(f File) error {
		size += int64(len(gunzip(b, f.Key, f.Data)))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Generate(context.Background(), cfg, func(File) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
