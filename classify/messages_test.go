package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// realMessage is one file of testdata/messages: an error AWS returned, as
// someone published it, and the verdict it must get.
type realMessage struct {
	Source       string         `json:"source"`  // where it was published
	Licence      string         `json:"licence"` // under what terms it is quoted
	Note         string         `json:"note"`
	EventSource  string         `json:"eventSource"`
	EventName    string         `json:"eventName"`
	ErrorCode    string         `json:"errorCode"`
	ErrorMessage string         `json:"errorMessage"`
	Event        map[string]any `json:"event"` // further event fields, by path (see with)
	Want         struct {
		Layer      Layer      `json:"layer"`
		Control    Control    `json:"control"`
		Confidence Confidence `json:"confidence"`
		Evidence   []string   `json:"evidence"`
	} `json:"want"`
}

// messageEvent puts a real message into a failed call of its service: the
// same-account upload or S3-invoked KMS call of the other tests, or a
// plain call for other services.
func (m *realMessage) event() map[string]any {
	var e map[string]any
	switch m.EventSource {
	case "s3.amazonaws.com":
		e = s3Base()
	case "kms.amazonaws.com":
		e = kmsBase()
	default:
		e = with(kmsBase(), "eventSource", m.EventSource, "resources", nil, "userIdentity.invokedBy", nil,
			"requestParameters", map[string]any{}, "sourceIPAddress", "203.0.113.7")
	}
	e = with(e, "eventName", m.EventName, "errorCode", m.ErrorCode, "errorMessage", m.ErrorMessage)
	for k, v := range m.Event {
		e = with(e, k, v)
	}
	return e
}

// TestRealMessages classifies every real AWS error message in
// testdata/messages: messages users pasted in public issue threads, AWS
// documentation examples and responses other projects recorded, none from
// ../shared/corpus. Each file names its source and licence.
func TestRealMessages(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "messages", "*.json"))
	if err != nil || len(files) < 40 {
		t.Fatalf("%d real messages in testdata/messages (want at least 40): %v", len(files), err)
	}
	perLayer := map[Layer]int{}
	for _, fn := range files {
		t.Run(strings.TrimSuffix(filepath.Base(fn), ".json"), func(t *testing.T) {
			b, err := os.ReadFile(fn)
			if err != nil {
				t.Fatal(err)
			}
			var m realMessage
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("%s: %v", fn, err)
			}
			if !strings.HasPrefix(m.Source, "https://") || m.Licence == "" || m.EventSource == "" || m.ErrorCode == "" || m.Want.Layer == "" {
				t.Fatalf("%s lacks its source, licence, event source, code or verdict", fn)
			}
			perLayer[m.Want.Layer]++
			v := Judge(mustParse(t, raw(t, m.event())))
			all := strings.Join(v.Evidence, "\n")
			if v.Layer != m.Want.Layer || v.Control != m.Want.Control || v.Confidence != m.Want.Confidence {
				t.Errorf("verdict %s/%s/%s, want %s/%s/%s\nmessage: %q\nevidence:\n  %s\nremediation: %s",
					v.Layer, v.Control, v.Confidence, m.Want.Layer, m.Want.Control, m.Want.Confidence, m.ErrorMessage, strings.ReplaceAll(all, "\n", "\n  "), v.Remediation)
			}
			if !strings.Contains(all, `"`+m.ErrorCode+`"`) {
				t.Errorf("evidence does not quote the error code:\n%s", all)
			}
			for _, w := range m.Want.Evidence {
				if !strings.Contains(all, w) {
					t.Errorf("evidence lacks %q:\n%s", w, all)
				}
			}
		})
	}
	for _, l := range []Layer{LayerIAM, LayerBucketPolicy, LayerKMS, LayerOrgControls, LayerACL, LayerNetwork, LayerCredentials, LayerOther} {
		if perLayer[l] == 0 {
			t.Errorf("no real message of layer %s", l)
		}
	}
	layers := make([]string, 0, len(perLayer))
	for l, n := range perLayer {
		layers = append(layers, fmt.Sprintf("%s %d", l, n))
	}
	slices.Sort(layers)
	t.Logf("%d real messages: %s", len(files), strings.Join(layers, ", "))
}
