package ctfake

import (
	"encoding/json"
	"net/http"
	"time"
)

// The X-Amz-Target of ListPublicKeys, short and as newer SDKs send it.
const (
	listKeysTarget     = "CloudTrail_20131101.ListPublicKeys"
	listKeysTargetLong = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys"
)

// PublicKey is a digest signing key the fake lists.
type PublicKey struct {
	Value       []byte // DER, PKCS#1
	Fingerprint string
	Start, End  time.Time
}

// AddPublicKeys adds keys that ListPublicKeys returns in region.
func (s *Server) AddPublicKeys(region string, keys ...PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string][]PublicKey{}
	}
	s.keys[region] = append(s.keys[region], keys...)
}

// listPublicKeys answers ListPublicKeys (JSON 1.1): the region's keys
// valid at some time in [StartTime, EndTime] (both default to now), the
// times in epoch seconds as the service sends them.
func (s *Server) listPublicKeys(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) {
	region, service, ok := credentialScope(r.Header.Get("Authorization"))
	if !ok || service != "cloudtrail" {
		writeJSONError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	var in struct {
		StartTime, EndTime *float64
		NextToken          *string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	start, end := now, now
	if in.StartTime != nil {
		start = time.Unix(int64(*in.StartTime), 0)
	}
	if in.EndTime != nil {
		end = time.Unix(int64(*in.EndTime), 0)
	}
	if end.Before(start) {
		writeJSONError(w, http.StatusBadRequest, "InvalidTimeRangeException", "the end time is before the start time")
		return
	}
	type wireKey struct {
		Value             []byte
		ValidityStartTime float64
		ValidityEndTime   float64
		Fingerprint       string
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := struct{ PublicKeyList []wireKey }{PublicKeyList: []wireKey{}}
	for _, k := range s.keys[region] {
		if k.Start.After(end) || k.End.Before(start) {
			continue
		}
		out.PublicKeyList = append(out.PublicKeyList, wireKey{k.Value, float64(k.Start.Unix()), float64(k.End.Unix()), k.Fingerprint})
	}
	s.requests = append(s.requests, Request{Time: now, Operation: "ListPublicKeys", Region: region, Status: http.StatusOK})
	writeJSON(w, "application/x-amz-json-1.1", http.StatusOK, out)
}
