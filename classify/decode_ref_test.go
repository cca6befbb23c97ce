package classify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseRef is Parse as it was before the single-pass decoder: validation
// and decoding by encoding/json into a wire struct. It is the reference
// FuzzParse and TestParseMatchesReference hold Parse to, and the baseline
// of BenchmarkParse.
func parseRef(raw []byte) (*Event, error) {
	start := bytes.TrimLeft(raw, " \t\r\n")
	if len(start) == 0 {
		return nil, errors.New("empty record")
	}
	if start[0] != '{' {
		return nil, fmt.Errorf("record is not a JSON object: it starts with %q", start[0])
	}
	e := new(Event)
	w := struct {
		*eventAlias
		EventTime           json.RawMessage        `json:"eventTime"`
		Timestamp           json.RawMessage        `json:"@timestamp"`
		ReadOnly            refFlexBool            `json:"readOnly"`
		ManagementEvent     refFlexBool            `json:"managementEvent"`
		RequestParameters   refRequestParameters   `json:"requestParameters"`
		AdditionalEventData refAdditionalEventData `json:"additionalEventData"`
	}{eventAlias: (*eventAlias)(e)}
	if err := json.Unmarshal(raw, &w); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
		case errors.As(err, &te):
			e.Warnings = append(e.Warnings, fmt.Sprintf("field %s: unexpected JSON %s, left empty (the first such field; others may follow)", te.Field, te.Value))
		default:
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
	}
	e.ReadOnly, e.ManagementEvent = bool(w.ReadOnly), bool(w.ManagementEvent)
	e.RequestParameters, e.AdditionalEventData = w.RequestParameters.RequestParameters, w.AdditionalEventData.AdditionalEventData
	e.EventTimeRaw, e.EventTime = refParseTime(w.EventTime)
	if e.EventTime.IsZero() {
		if len(w.EventTime) == 0 || string(w.EventTime) == "null" {
			if raw, t := refParseTime(w.Timestamp); !t.IsZero() {
				e.EventTimeRaw, e.EventTime = raw, t
				e.Warnings = append(e.Warnings, "eventTime: missing, @timestamp used instead")
			} else {
				e.Warnings = append(e.Warnings, "eventTime: missing")
			}
		} else {
			e.Warnings = append(e.Warnings, fmt.Sprintf("eventTime: %q is unparsable or outside years 0001-9999, time left unknown", e.EventTimeRaw))
		}
	}
	if p := e.RequestParameters.problem; p != "" {
		e.Warnings = append(e.Warnings, "requestParameters: "+p)
	}
	if p := e.AdditionalEventData.problem; p != "" {
		e.Warnings = append(e.Warnings, "additionalEventData: "+p)
	}
	if e.ErrorCode != "" && !bytes.Contains(raw, []byte(`"errorCode"`)) {
		e.Warnings = append(e.Warnings, fmt.Sprintf("errorCode %q ignored: its key is not spelled \"errorCode\"", e.ErrorCode))
		e.ErrorCode = ""
	}
	return e, nil
}

// eventAlias has Event's fields without its methods, so that the wire
// struct can embed it and shadow the fields that need tolerance.
type eventAlias Event

// refParseTime and refParseTimeAny are the former parseTime, which decoded
// a string eventTime with encoding/json.
func refParseTime(v json.RawMessage) (string, time.Time) {
	raw, t := refParseTimeAny(v)
	if t.Before(minEventTime) || t.After(maxEventTime) {
		return raw, time.Time{}
	}
	return raw, t
}

func refParseTimeAny(v json.RawMessage) (string, time.Time) {
	if len(v) == 0 || string(v) == "null" {
		return "", time.Time{}
	}
	if v[0] != '"' {
		s := string(v)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || f > float64(maxEventTime.UnixMilli()) {
			return s, time.Time{}
		}
		if f >= 1e11 {
			return s, time.UnixMilli(int64(f)).UTC()
		}
		return s, time.Unix(int64(f), 0).UTC()
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return string(v), time.Time{}
	}
	t := strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if tm, err := time.Parse(layout, t); err == nil {
			return s, tm.UTC()
		}
	}
	if u := strings.ToUpper(t); u != t {
		for _, layout := range timeLayouts[:4] {
			if tm, err := time.Parse(layout, u); err == nil {
				return s, tm.UTC()
			}
		}
	}
	return s, time.Time{}
}

// refFlexBool decodes true, false, "true", "false" and null.
type refFlexBool bool

func (b *refFlexBool) UnmarshalJSON(data []byte) error {
	switch strings.ToLower(strings.Trim(string(data), `"`)) {
	case "true":
		*b = true
	default:
		*b = false
	}
	return nil
}

// refObjectBytes returns the JSON object in data: data itself, or the
// object a JSON string holds. It returns nil for null, and a problem for
// anything else.
func refObjectBytes(data []byte) (obj []byte, problem string) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || string(data) == "null":
		return nil, ""
	case data[0] == '{':
		return data, ""
	case data[0] == '"':
		var s string
		if json.Unmarshal(data, &s) == nil {
			if t := strings.TrimSpace(s); t == "" || t == "null" {
				return nil, ""
			} else if t[0] == '{' && json.Valid([]byte(t)) {
				return []byte(t), ""
			}
		}
		return nil, "a string that does not hold a JSON object, ignored"
	default:
		return nil, fmt.Sprintf("a JSON %s, not an object, ignored", refJSONKind(data[0]))
	}
}

func refJSONKind(c byte) string {
	switch {
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	default:
		return "number"
	}
}

type refRequestParameters struct{ RequestParameters }

func (rp *refRequestParameters) UnmarshalJSON(data []byte) error {
	p := &rp.RequestParameters
	*p = RequestParameters{}
	obj, problem := refObjectBytes(data)
	if obj == nil {
		p.problem = problem
		return nil
	}
	var w struct {
		BucketName           flexString            `json:"bucketName"`
		Key                  flexString            `json:"key"`
		ACL                  flexString            `json:"x-amz-acl"`
		SSE                  flexString            `json:"x-amz-server-side-encryption"`
		SSEKMSKeyID          flexString            `json:"x-amz-server-side-encryption-aws-kms-key-id"`
		SSECustomerAlgorithm flexString            `json:"x-amz-server-side-encryption-customer-algorithm"`
		KeyID                flexString            `json:"keyId"`
		EncryptionContext    map[string]flexString `json:"encryptionContext"`
	}
	if err := json.Unmarshal(obj, &w); err != nil {
		p.problem = "encryptionContext is not an object, ignored"
	}
	p.Raw = append(json.RawMessage(nil), obj...)
	p.BucketName, p.Key, p.ACL = string(w.BucketName), string(w.Key), string(w.ACL)
	p.SSE, p.SSEKMSKeyID, p.SSECustomerAlgorithm = string(w.SSE), string(w.SSEKMSKeyID), string(w.SSECustomerAlgorithm)
	p.KeyID = string(w.KeyID)
	if len(w.EncryptionContext) > 0 {
		p.EncryptionContext = make(map[string]string, len(w.EncryptionContext))
		for k, v := range w.EncryptionContext {
			p.EncryptionContext[k] = string(v)
		}
	}
	return nil
}

type refAdditionalEventData struct{ AdditionalEventData }

func (ra *refAdditionalEventData) UnmarshalJSON(data []byte) error {
	a := &ra.AdditionalEventData
	*a = AdditionalEventData{}
	obj, problem := refObjectBytes(data)
	if obj == nil {
		a.problem = problem
		return nil
	}
	var w struct {
		AuthenticationMethod flexString `json:"AuthenticationMethod"`
		SignatureVersion     flexString `json:"SignatureVersion"`
		CipherSuite          flexString `json:"CipherSuite"`
		XAmzID2              flexString `json:"x-amz-id-2"`
		VPCEndpointID        flexString `json:"vpcEndpointId"`
	}
	_ = json.Unmarshal(obj, &w)
	a.AuthenticationMethod, a.SignatureVersion = string(w.AuthenticationMethod), string(w.SignatureVersion)
	a.CipherSuite, a.XAmzID2, a.VPCEndpointID = string(w.CipherSuite), string(w.XAmzID2), string(w.VPCEndpointID)
	return nil
}
