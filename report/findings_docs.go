package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
)

// This file renders patterns as findings for the tools security teams
// already watch: OCSF Detection Findings (a SIEM, Security Lake) and AWS
// Security Finding Format documents (Security Hub). One document per
// pattern, with a stable ID, so that a re-run updates a finding instead of
// adding one.

// OCSFVersion is the OCSF schema version the ocsf format writes.
const OCSFVersion = "1.3.0"

// ASFFSchemaVersion is the ASFF version the asff format writes.
const ASFFSchemaVersion = "2018-10-08"

// maxEvidence is how many failed calls a finding document quotes.
const maxEvidence = 10

// patternSamples returns, per pattern ID, its first findings in event
// time order, at most maxEvidence each.
func patternSamples(r *Report) map[string][]*classify.Finding {
	out := map[string][]*classify.Finding{}
	for i := range r.Findings {
		f := &r.Findings[i]
		id := classify.PatternKey(*f) // what Patterns groups by
		if len(out[id]) < maxEvidence {
			out[id] = append(out[id], f)
		}
	}
	return out
}

func reportPatterns(r *Report) []classify.Pattern {
	if r.Patterns == nil && len(r.Findings) > 0 {
		return classify.Patterns(r.Findings) // built without New
	}
	return r.Patterns
}

// severity maps a pattern to OCSF's severity_id and ASFF's label: a
// request error is informational, a low-confidence guess low, any other
// denial medium (an upload that fails is lost work, not an intrusion).
func severity(p *classify.Pattern, samples []*classify.Finding) (int, string) {
	switch {
	case p.Layer == classify.LayerOther:
		return 1, "Informational"
	case len(samples) > 0 && samples[0].Confidence == classify.Low:
		return 2, "Low"
	}
	return 3, "Medium"
}

func confidenceID(c classify.Confidence) (int, string) {
	switch c {
	case classify.Low:
		return 1, "Low"
	case classify.Medium:
		return 2, "Medium"
	case classify.High:
		return 3, "High"
	}
	return 0, "Unknown"
}

// patternTitle is a finding's one-line title.
func patternTitle(p *classify.Pattern) string {
	return string(p.Layer) + "/" + string(p.Control) + ": " + p.Action + " denied for " + p.Principal + " on " + p.Resource
}

// resourceOf names a pattern's resource: its ARN and AWS type.
func resourceOf(p *classify.Pattern) (arn, typ string) {
	switch {
	case strings.HasPrefix(p.Resource, "arn:aws") && strings.Contains(p.Resource, ":kms:"):
		return p.Resource, "AWS::KMS::Key"
	case strings.HasPrefix(p.Resource, "arn:"):
		return p.Resource, "Other"
	case p.Resource != "":
		return "arn:aws:s3:::" + p.Resource, "AWS::S3::Bucket"
	}
	return "", ""
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// renderOCSF writes one OCSF Detection Finding (class 2004) per pattern,
// one per line, with the failed calls as evidence.
func renderOCSF(w *stickyWriter, r *Report) error {
	samples := patternSamples(r)
	for _, p := range reportPatterns(r) {
		s := samples[p.ID]
		sevID, sev := severity(&p, s)
		doc := map[string]any{
			"activity_id": 1, "activity_name": "Create",
			"category_uid": 2, "category_name": "Findings",
			"class_uid": 2004, "class_name": "Detection Finding",
			"type_uid": 200401, "type_name": "Detection Finding: Create",
			"severity_id": sevID, "severity": sev,
			"status_id": 1, "status": "New",
			"is_alert": true,
			// The finding is as new as the newest denial it covers: a
			// re-run over the same logs writes the same document.
			"time":       millis(p.LastSeen),
			"start_time": millis(p.FirstSeen),
			"end_time":   millis(p.LastSeen),
			"message":    p.Cause,
			"count":      p.Count,
			"metadata": map[string]any{
				"version":  OCSFVersion,
				"product":  map[string]any{"name": "denytrail", "vendor_name": "denytrail"},
				"uid":      "denytrail-" + p.ID,
				"profiles": []string{"cloud"},
			},
			"finding_info": map[string]any{
				"uid":                  "denytrail-" + p.ID,
				"title":                patternTitle(&p),
				"desc":                 p.Cause,
				"types":                []string{string(p.Layer), string(p.Control)},
				"first_seen_time":      millis(p.FirstSeen),
				"last_seen_time":       millis(p.LastSeen),
				"related_events_count": p.Count,
				"analytic":             map[string]any{"name": string(p.Control), "uid": string(p.Layer) + "/" + string(p.Control), "type_id": 1, "type": "Rule"},
			},
		}
		if len(s) > 0 {
			cid, c := confidenceID(s[0].Confidence)
			doc["confidence_id"], doc["confidence"] = cid, c
			doc["cloud"] = map[string]any{"provider": "AWS", "region": s[0].Region, "account": map[string]any{"uid": s[0].ResourceAccount}}
			doc["remediation"] = map[string]any{"desc": s[0].Remediation, "references": commandLines(p.Commands)}
		}
		if arn, typ := resourceOf(&p); arn != "" {
			doc["resources"] = []map[string]any{{"uid": arn, "type": typ, "name": p.Resource, "cloud_partition": "aws"}}
		}
		var evidences, related []map[string]any
		for _, f := range s {
			evidences = append(evidences, ocsfEvidence(f))
			related = append(related, map[string]any{"uid": f.EventID, "type_uid": 600399, "type": "API Activity: Other",
				"first_seen_time": millis(f.EventTime), "last_seen_time": millis(f.EventTime)})
		}
		doc["evidences"] = orEmpty(evidences)
		doc["finding_info"].(map[string]any)["related_events"] = orEmpty(related)
		if err := writeJSONLine(w, doc); err != nil {
			return err
		}
	}
	return nil
}

// ocsfEvidence is one failed call as OCSF evidence: the API call (class
// API Activity, 6003, names its parts so), who made it and from where.
func ocsfEvidence(f *classify.Finding) map[string]any {
	svc, _, _ := strings.Cut(f.EventSource, ".")
	ev := map[string]any{
		"api": map[string]any{
			"operation": f.EventName,
			"service":   map[string]any{"name": f.EventSource},
			"request":   map[string]any{"uid": f.EventID},
			"response":  map[string]any{"error": f.ErrorCode, "error_message": f.ErrorMessage},
		},
		"actor": map[string]any{"user": map[string]any{"uid": f.Principal, "account": map[string]any{"uid": f.PrincipalAccount}}},
		"data": map[string]any{
			"class_uid": 6003, "event_time": f.EventTime.UTC().Format(time.RFC3339), "action": f.Action,
			"service": svc, "bucket": f.Bucket, "key": f.Key, "kms_key": f.KMSKey, "origin": f.Origin,
		},
	}
	if f.SourceIPAddress != "" {
		ev["src_endpoint"] = map[string]any{"ip": f.SourceIPAddress}
	}
	return ev
}

func commandLines(cs []classify.Command) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Line)
	}
	return out
}

// writeJSONLine writes v as one line of JSON, escaped like every JSON
// output (jsonSafe).
func writeJSONLine(w *stickyWriter, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(buf.Bytes()))
	return err
}

// ASFF's limits on text fields (AWS Security Hub User Guide, "ASFF
// required attributes" and "optional top-level attributes").
const (
	asffTitleMax       = 256
	asffDescriptionMax = 1024
	asffRecommendMax   = 512
)

var (
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	regionName = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
)

// ASFFFinding is one finding in the AWS Security Finding Format, with the
// fields denytrail fills.
type ASFFFinding struct {
	SchemaVersion   string            `json:"SchemaVersion"`
	ID              string            `json:"Id"`
	ProductArn      string            `json:"ProductArn"`
	GeneratorID     string            `json:"GeneratorId"`
	AwsAccountID    string            `json:"AwsAccountId"`
	Types           []string          `json:"Types"`
	CreatedAt       string            `json:"CreatedAt"`
	UpdatedAt       string            `json:"UpdatedAt"`
	FirstObservedAt string            `json:"FirstObservedAt"`
	LastObservedAt  string            `json:"LastObservedAt"`
	Severity        ASFFSeverity      `json:"Severity"`
	Title           string            `json:"Title"`
	Description     string            `json:"Description"`
	ProductName     string            `json:"ProductName"`
	CompanyName     string            `json:"CompanyName"`
	Region          string            `json:"Region,omitempty"`
	RecordState     string            `json:"RecordState"`
	ProductFields   map[string]string `json:"ProductFields"`
	Remediation     *ASFFRemediation  `json:"Remediation,omitempty"`
	Resources       []ASFFResource    `json:"Resources"`
}

// ASFFSeverity is a finding's severity label.
type ASFFSeverity struct {
	Label string `json:"Label"`
}

// ASFFRemediation is what to do about a finding.
type ASFFRemediation struct {
	Recommendation struct {
		Text string `json:"Text"`
	} `json:"Recommendation"`
}

// ASFFResource is a resource a finding concerns.
type ASFFResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition"`
	Region    string `json:"Region,omitempty"`
}

// ASFFFindings returns one AWS Security Finding Format document per
// pattern. Each Id is stable (denytrail/ACCOUNT/REGION/PATTERN), so a
// re-import updates the finding. The product is the account's default
// custom product, arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default.
func ASFFFindings(r *Report) []ASFFFinding {
	samples := patternSamples(r)
	out := []ASFFFinding{}
	for _, p := range reportPatterns(r) {
		s := samples[p.ID]
		// Both come from the logs: only well-formed values go into the
		// IDs and the product ARN.
		account, region := "", ""
		if len(s) > 0 {
			for _, a := range append([]string{s[0].ResourceAccount, s[0].PrincipalAccount}, s[0].RecipientAccounts...) {
				if accountID.MatchString(a) {
					account = a
					break
				}
			}
			if regionName.MatchString(s[0].Region) {
				region = s[0].Region
			}
		}
		_, sev := severity(&p, s)
		f := ASFFFinding{
			SchemaVersion:   ASFFSchemaVersion,
			ID:              "denytrail/" + account + "/" + region + "/" + p.ID,
			ProductArn:      "arn:aws:securityhub:" + region + ":" + account + ":product/" + account + "/default",
			GeneratorID:     "denytrail/" + string(p.Layer) + "/" + string(p.Control),
			AwsAccountID:    account,
			Types:           []string{"Software and Configuration Checks/denytrail/" + string(p.Layer)},
			CreatedAt:       rfc3339(p.FirstSeen),
			UpdatedAt:       rfc3339(p.LastSeen),
			FirstObservedAt: rfc3339(p.FirstSeen),
			LastObservedAt:  rfc3339(p.LastSeen),
			Severity:        ASFFSeverity{Label: strings.ToUpper(sev)},
			Title:           clipBytes(patternTitle(&p), asffTitleMax),
			Description:     clipBytes(cmp.Or(p.Cause, patternTitle(&p)), asffDescriptionMax),
			ProductName:     "denytrail",
			CompanyName:     "denytrail",
			Region:          region,
			RecordState:     "ACTIVE",
			ProductFields: map[string]string{
				"denytrail/pattern": p.ID, "denytrail/layer": string(p.Layer), "denytrail/control": string(p.Control),
				"denytrail/principal": clipBytes(p.Principal, 2048), "denytrail/action": clipBytes(p.Action, 2048),
				"denytrail/count": strconv.Itoa(p.Count),
			},
		}
		if len(s) > 0 && s[0].Remediation != "" {
			f.Remediation = &ASFFRemediation{}
			f.Remediation.Recommendation.Text = clipBytes(s[0].Remediation, asffRecommendMax)
		}
		res := ASFFResource{Type: "Other", ID: clipBytes(cmp.Or(p.Resource, "unknown"), 512), Partition: "aws", Region: region}
		if arn, typ := resourceOf(&p); arn != "" {
			res.ID = clipBytes(arn, 512)
			switch typ {
			case "AWS::S3::Bucket":
				res.Type = "AwsS3Bucket"
			case "AWS::KMS::Key":
				res.Type = "AwsKmsKey"
			}
		}
		f.Resources = []ASFFResource{res}
		out = append(out, f)
	}
	return out
}

// renderASFF writes the ASFF documents as one JSON array, the shape
// `aws securityhub batch-import-findings --findings file://…` reads.
func renderASFF(w *stickyWriter, r *Report) error {
	docs := ASFFFindings(r)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	enc.SetIndent("", "  ")
	if err := enc.Encode(docs); err != nil {
		return err
	}
	_, err := w.Write(jsonSafe(buf.Bytes()))
	return err
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return time.Unix(0, 0).UTC().Format(time.RFC3339)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// clipBytes cuts s to at most n bytes on a character boundary, marking the
// cut. Invalid UTF-8 is replaced first, as JSON encoding would (growing it).
func clipBytes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
