package report

import (
	"bufio"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The attributes OCSF 1.x requires of a Detection Finding (class 2004):
// those of the base event and the finding class, and of the objects they
// hold (ocsf-schema: events/base_event.json, events/findings/finding.json,
// events/findings/detection_finding.json, objects/metadata.json,
// objects/product.json, objects/finding_info.json).
var ocsfRequired = []string{"activity_id", "category_uid", "class_uid", "type_uid", "severity_id", "time",
	"metadata", "metadata.version", "metadata.product", "metadata.product.vendor_name",
	"finding_info", "finding_info.uid", "finding_info.title"}

func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = o[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestOCSFDetectionFindings(t *testing.T) {
	for _, r := range []*Report{fixtureReport(), hostileReport()} {
		out := render(t, OCSF, r)
		assertJSONSafe(t, out)
		assertTerminalSafe(t, out)
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<22)
		n := 0
		for sc.Scan() {
			var doc map[string]any
			if err := json.Unmarshal(sc.Bytes(), &doc); err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			p := r.Patterns[n]
			for _, k := range ocsfRequired {
				if v, ok := lookupPath(doc, k); !ok || v == nil || v == "" {
					t.Errorf("pattern %s: required attribute %s missing", p.ID, k)
				}
			}
			num := func(k string) int { v, _ := lookupPath(doc, k); f, _ := v.(float64); return int(f) }
			if num("class_uid") != 2004 || num("category_uid") != 2 || num("type_uid") != num("class_uid")*100+num("activity_id") {
				t.Errorf("class %d category %d type %d", num("class_uid"), num("category_uid"), num("type_uid"))
			}
			if s := num("severity_id"); s < 0 || s > 6 {
				t.Errorf("severity_id %d", s)
			}
			if v, _ := lookupPath(doc, "metadata.version"); v != OCSFVersion {
				t.Errorf("metadata.version %v", v)
			}
			if v, _ := lookupPath(doc, "finding_info.uid"); v != "denytrail-"+p.ID {
				t.Errorf("finding_info.uid %v, want the pattern's stable ID", v)
			}
			if int64(num("time")) != p.LastSeen.UnixMilli() && !p.LastSeen.IsZero() {
				t.Errorf("time %d", num("time"))
			}
			ev, _ := doc["evidences"].([]any)
			if want := min(p.Count, maxEvidence); len(ev) != want {
				t.Errorf("pattern %s: %d evidences, want %d", p.ID, len(ev), want)
			}
			for _, e := range ev {
				if op, _ := lookupPath(e.(map[string]any), "api.operation"); op == nil {
					t.Errorf("evidence without api.operation: %v", e)
				}
				if c, _ := lookupPath(e.(map[string]any), "data.class_uid"); c != float64(6003) {
					t.Errorf("evidence is not an API Activity (6003): %v", c)
				}
			}
			n++
		}
		if n != len(r.Patterns) {
			t.Errorf("%d OCSF lines for %d patterns", n, len(r.Patterns))
		}
		if again := render(t, OCSF, r); again != out {
			t.Error("rendering the same report twice gives different documents")
		}
	}
}

var (
	productARN = regexp.MustCompile(`^arn:aws:securityhub:[a-z0-9-]*:[0-9]*:product/[0-9]*/default$`)
	asffFields = []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt",
		"UpdatedAt", "Severity", "Title", "Description", "Resources"}
)

func TestASFFFindings(t *testing.T) {
	for hostile, r := range []*Report{fixtureReport(), hostileReport()} {
		out := render(t, ASFF, r)
		assertJSONSafe(t, out)
		var docs []map[string]any
		if err := json.Unmarshal([]byte(out), &docs); err != nil {
			t.Fatal(err)
		}
		if len(docs) != len(r.Patterns) {
			t.Fatalf("%d ASFF findings for %d patterns", len(docs), len(r.Patterns))
		}
		ids := map[string]bool{}
		for i, d := range docs {
			// A hostile account ID is left out rather than copied in.
			if a, _ := d["AwsAccountId"].(string); !accountID.MatchString(a) && !(hostile == 1 && a == "") {
				t.Errorf("AwsAccountId %q", a)
			}
			for _, k := range asffFields {
				if k == "AwsAccountId" && hostile == 1 {
					continue
				}
				if v, ok := d[k]; !ok || v == nil || v == "" {
					t.Errorf("finding %d: required field %s missing", i, k)
				}
			}
			id, _ := d["Id"].(string)
			if ids[id] || !strings.HasSuffix(id, "/"+r.Patterns[i].ID) {
				t.Errorf("Id %q is not unique or not the pattern's", id)
			}
			ids[id] = true
			if d["SchemaVersion"] != ASFFSchemaVersion {
				t.Errorf("SchemaVersion %v", d["SchemaVersion"])
			}
			if !productARN.MatchString(d["ProductArn"].(string)) {
				t.Errorf("ProductArn %v", d["ProductArn"])
			}
			for _, k := range []string{"CreatedAt", "UpdatedAt"} {
				if _, err := time.Parse(time.RFC3339Nano, d[k].(string)); err != nil {
					t.Errorf("%s: %v", k, err)
				}
			}
			if l, _ := lookupPath(d, "Severity.Label"); l != "MEDIUM" && l != "LOW" && l != "INFORMATIONAL" {
				t.Errorf("Severity.Label %v", l)
			}
			if len(d["Title"].(string)) > asffTitleMax || len(d["Description"].(string)) > asffDescriptionMax {
				t.Errorf("title or description over ASFF's limits")
			}
			for _, res := range d["Resources"].([]any) {
				m := res.(map[string]any)
				if m["Type"] == "" || m["Id"] == "" {
					t.Errorf("resource %v", m)
				}
			}
			if b, _ := json.Marshal(d); len(b) >= 240<<10 {
				t.Errorf("finding %d is %d bytes, over Security Hub's 240 KB", i, len(b))
			}
		}
	}
}

func TestClipBytesKeepsCharacters(t *testing.T) {
	s := strings.Repeat("é", 300)
	got := clipBytes(s, asffTitleMax)
	if len(got) > asffTitleMax || !strings.HasSuffix(got, "…") || !json.Valid([]byte(`"`+got+`"`)) || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("clip: %d bytes %q", len(got), got[len(got)-8:])
	}
}
