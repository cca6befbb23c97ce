// Package ctfake is a fake AWS CloudTrail LookupEvents endpoint (and the
// AWS Account ListRegions call that "cloudtrail://all" needs) for tests. It
// speaks the real wire protocols, so tests drive it through the real
// aws-sdk-go-v2 clients: JSON 1.1 for CloudTrail, REST-JSON for Account.
//
// Like the service it pages newest first, at most 50 events a page, filters
// by time window and one lookup attribute, takes the Region from the SigV4
// credential scope, and throttles more than 2 requests per second per
// Region with a ThrottlingException. Faults can be injected per Region, and
// every request is recorded for assertions.
package ctfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// The quotas and limits of the real service.
const (
	// RateLimit is the number of LookupEvents requests per Region that the
	// service accepts in any one-second window.
	RateLimit = 2
	// MaxResults is the largest (and default) page size of LookupEvents.
	MaxResults = 50
)

// Both X-Amz-Target spellings the service accepts: the SDK sends the
// short one, older clients the fully qualified one.
const (
	lookupTarget     = "CloudTrail_20131101.LookupEvents"
	lookupTargetLong = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
)

// Resource is a resource named in an event summary.
type Resource struct {
	Type string
	Name string
}

// Event is one event as LookupEvents returns it: a summary of a few
// fields, and the full record as a JSON string.
type Event struct {
	ID          string
	Name        string
	Source      string
	Time        time.Time
	Username    string
	AccessKeyID string
	ReadOnly    string // "true" or "false", as in the record
	Resources   []Resource
	// CloudTrailEvent is the record, exactly as the service returns it.
	CloudTrailEvent string
}

// EventFromRecord builds the event summary the service would derive from a
// CloudTrail record (eventID, eventName, eventSource, eventTime,
// userIdentity, readOnly, resources).
func EventFromRecord(raw []byte) (Event, error) {
	var r struct {
		EventID      string `json:"eventID"`
		EventName    string `json:"eventName"`
		EventSource  string `json:"eventSource"`
		EventTime    string `json:"eventTime"`
		ReadOnly     *bool  `json:"readOnly"`
		UserIdentity struct {
			UserName    string `json:"userName"`
			ARN         string `json:"arn"`
			AccessKeyID string `json:"accessKeyId"`
		} `json:"userIdentity"`
		Resources []struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return Event{}, fmt.Errorf("ctfake: record: %w", err)
	}
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return Event{}, fmt.Errorf("ctfake: record %s: eventTime: %w", r.EventID, err)
	}
	ev := Event{
		ID:              r.EventID,
		Name:            r.EventName,
		Source:          r.EventSource,
		Time:            t,
		Username:        r.UserIdentity.UserName,
		AccessKeyID:     r.UserIdentity.AccessKeyID,
		CloudTrailEvent: string(raw),
	}
	if ev.Username == "" {
		if i := strings.LastIndexByte(r.UserIdentity.ARN, '/'); i >= 0 {
			ev.Username = r.UserIdentity.ARN[i+1:]
		}
	}
	if r.ReadOnly != nil {
		ev.ReadOnly = strconv.FormatBool(*r.ReadOnly)
	}
	for _, res := range r.Resources {
		ev.Resources = append(ev.Resources, Resource{Type: res.Type, Name: res.ARN})
	}
	return ev, nil
}

// Fault is an error response the server gives instead of a page.
type Fault struct {
	Status  int    // HTTP status code
	Type    string // error type, e.g. "ThrottlingException"
	Message string
	// After is the number of requests in the Region answered normally
	// before the fault starts.
	After int
	// Times is the number of requests that get the fault; 0 means every
	// request after After.
	Times int
}

// Throttling is the service's answer to too many requests, n times.
func Throttling(n int) Fault {
	return Fault{Status: http.StatusBadRequest, Type: "ThrottlingException", Message: "Rate exceeded", Times: n}
}

// AccessDenied is the answer to a caller without cloudtrail:LookupEvents.
// (The SDK reads the error type from the body whatever the status.)
func AccessDenied() Fault {
	return Fault{
		Status: http.StatusForbidden,
		Type:   "AccessDeniedException",
		Message: "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: " +
			"cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action",
	}
}

// ExpiredToken is the answer to a request signed with expired temporary
// credentials.
func ExpiredToken() Fault {
	return Fault{Status: http.StatusBadRequest, Type: "ExpiredTokenException", Message: "The security token included in the request is expired"}
}

// Request is one request the server received.
type Request struct {
	Time      time.Time
	Operation string // "LookupEvents" or "ListRegions"
	Region    string // from the SigV4 credential scope
	Token     string // the NextToken sent; "" for a first page
	Attribute string // the lookup attribute as "Key=Value"; "" for none
	Status    int
	// Error is the error type of the response; "" on success.
	Error string
	// Injected says the error came from Inject, not from the rate limit.
	Injected bool
	// Events is the number of events in the page returned.
	Events int
}

// Server is the fake. Configure it before serving; its methods are safe
// for concurrent use.
type Server struct {
	mu       sync.Mutex
	events   map[string][]Event // per Region, newest first
	faults   map[string][]*Fault
	served   map[string]int         // requests per Region that reached fault injection
	recent   map[string][]time.Time // per Region, within the last second
	requests []Request
	optIn    map[string]string // Region -> RegionOptStatus
	acctErr  *Fault
	seq      int
	limit    int                    // requests per Region per second
	keys     map[string][]PublicKey // ListPublicKeys, per Region
}

// New returns an empty fake.
func New() *Server {
	return &Server{
		events: make(map[string][]Event),
		faults: make(map[string][]*Fault),
		served: make(map[string]int),
		recent: make(map[string][]time.Time),
		optIn:  make(map[string]string),
		limit:  RateLimit,
	}
}

// SetRateLimit changes the requests per Region accepted in any one-second
// window from RateLimit to n, for tests of retry logic that should not
// have to run at the real quota.
func (s *Server) SetRateLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = n
}

// Add stores events in region.
func (s *Server) Add(region string, evs ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := append(s.events[region], evs...)
	slices.SortStableFunc(l, func(a, b Event) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	s.events[region] = l
}

// AddRecords stores CloudTrail records in region, summarised as the
// service would (see EventFromRecord).
func (s *Server) AddRecords(region string, records ...[]byte) error {
	evs := make([]Event, 0, len(records))
	for _, raw := range records {
		ev, err := EventFromRecord(raw)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	s.Add(region, evs...)
	return nil
}

// Inject makes LookupEvents requests in region fail with f. Faults apply
// in the order injected, each after the previous one is used up.
func (s *Server) Inject(region string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[region] = append(s.faults[region], &f)
}

// SetRegions sets the account's Regions for ListRegions: name -> opt-in
// status (ENABLED, ENABLED_BY_DEFAULT, DISABLED, ENABLING, DISABLING).
func (s *Server) SetRegions(status map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optIn = make(map[string]string, len(status))
	for k, v := range status {
		s.optIn[k] = v
	}
}

// InjectListRegions makes every ListRegions request fail with f.
func (s *Server) InjectListRegions(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acctErr = &f
}

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ServeHTTP answers LookupEvents and ListPublicKeys (POST / with the
// CloudTrail X-Amz-Target) and ListRegions (POST /listRegions).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "cannot read the request body")
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/listRegions":
		s.listRegions(w, r, body, now)
	case r.Method == http.MethodPost && r.URL.Path == "/" && (r.Header.Get("X-Amz-Target") == listKeysTarget || r.Header.Get("X-Amz-Target") == listKeysTargetLong):
		s.listPublicKeys(w, r, body, now)
	case r.Method == http.MethodPost && r.URL.Path == "/":
		s.lookupEvents(w, r, body, now)
	default:
		writeJSONError(w, http.StatusNotFound, "UnknownOperationException", "no such operation")
	}
}

// credentialScope returns the Region and service of a SigV4 Authorization
// header: "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ...".
func credentialScope(h string) (region, service string, ok bool) {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return "", "", false
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[2] == "" {
		return "", "", false
	}
	return parts[2], parts[3], true
}

type lookupInput struct {
	StartTime        *float64
	EndTime          *float64
	MaxResults       *int
	NextToken        *string
	EventCategory    string
	LookupAttributes []struct {
		AttributeKey   string
		AttributeValue string
	}
}

// pageToken is what a NextToken encodes: where the next page starts, and
// the query it belongs to (the service rejects a token used with
// different parameters).
type pageToken struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func (s *Server) lookupEvents(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) {
	if t := r.Header.Get("X-Amz-Target"); t != lookupTarget && t != lookupTargetLong {
		writeJSONError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+strconv.Quote(t))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", "unexpected Content-Type "+strconv.Quote(ct))
		return
	}
	region, service, ok := credentialScope(r.Header.Get("Authorization"))
	if !ok || service != "cloudtrail" {
		writeJSONError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	var in lookupInput
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		writeJSONError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	req := Request{Time: now, Operation: "LookupEvents", Region: region}
	if in.NextToken != nil {
		req.Token = *in.NextToken
	}
	if len(in.LookupAttributes) > 0 {
		req.Attribute = in.LookupAttributes[0].AttributeKey + "=" + in.LookupAttributes[0].AttributeValue
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(f Fault, injected bool) {
		req.Status, req.Error, req.Injected = f.Status, f.Type, injected
		s.requests = append(s.requests, req)
		writeJSONError(w, f.Status, f.Type, f.Message)
	}

	// The rate limit: every request counts, throttled ones included.
	win := s.recent[region]
	for len(win) > 0 && !win[0].After(now.Add(-time.Second)) {
		win = win[1:]
	}
	win = append(win, now)
	s.recent[region] = win
	if len(win) > s.limit {
		fail(Throttling(1), false)
		return
	}
	n := s.served[region]
	s.served[region]++
	if f := s.fault(region, n); f != nil {
		fail(*f, true)
		return
	}

	limit := MaxResults
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	var keep func(Event) bool
	switch {
	case limit < 1 || limit > MaxResults:
		fail(Fault{Status: 400, Type: "InvalidMaxResultsException", Message: "MaxResults must be between 1 and 50"}, false)
		return
	case in.StartTime != nil && in.EndTime != nil && *in.StartTime > *in.EndTime:
		fail(Fault{Status: 400, Type: "InvalidTimeRangeException", Message: "Start time must be earlier than end time"}, false)
		return
	case len(in.LookupAttributes) > 1:
		fail(Fault{Status: 400, Type: "InvalidLookupAttributesException", Message: "You can only specify one lookup attribute"}, false)
		return
	case len(in.LookupAttributes) == 1:
		var err error
		keep, err = attributeFilter(in.LookupAttributes[0].AttributeKey, in.LookupAttributes[0].AttributeValue)
		if err != nil {
			fail(Fault{Status: 400, Type: "InvalidLookupAttributesException", Message: err.Error()}, false)
			return
		}
	}
	if in.EventCategory != "" && in.EventCategory != "insight" {
		fail(Fault{Status: 400, Type: "InvalidEventCategoryException", Message: "invalid event category"}, false)
		return
	}

	query := fmt.Sprintf("%s|%v|%v|%s|%s", region, ptrVal(in.StartTime), ptrVal(in.EndTime), req.Attribute, in.EventCategory)
	offset := 0
	if in.NextToken != nil {
		var t pageToken
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err == nil {
			err = json.Unmarshal(b, &t)
		}
		if err != nil || t.Query != query || t.Offset < 0 {
			fail(Fault{Status: 400, Type: "InvalidNextTokenException", Message: "Invalid NextToken"}, false)
			return
		}
		offset = t.Offset
	}

	var match []Event
	if in.EventCategory == "" { // no Insights events here
		for _, ev := range s.events[region] {
			sec := float64(ev.Time.UnixMilli()) / 1000
			if (in.StartTime != nil && sec < *in.StartTime) || (in.EndTime != nil && sec > *in.EndTime) {
				continue
			}
			if keep != nil && !keep(ev) {
				continue
			}
			match = append(match, ev)
		}
	}
	offset = min(offset, len(match))
	page := match[offset:min(offset+limit, len(match))]

	out := lookupOutput{Events: make([]wireEvent, 0, len(page))}
	for _, ev := range page {
		out.Events = append(out.Events, toWire(ev))
	}
	if next := offset + len(page); next < len(match) {
		b, _ := json.Marshal(pageToken{Offset: next, Query: query})
		tok := base64.RawURLEncoding.EncodeToString(b)
		out.NextToken = &tok
	}
	req.Status, req.Events = http.StatusOK, len(page)
	s.requests = append(s.requests, req)
	s.seq++
	w.Header().Set("x-amzn-RequestId", fmt.Sprintf("ctfake-%08d", s.seq))
	writeJSON(w, "application/x-amz-json-1.1", http.StatusOK, out)
}

// fault returns the injected fault for the region's request number n
// (counted from 0), or nil.
func (s *Server) fault(region string, n int) *Fault {
	start := 0
	for _, f := range s.faults[region] {
		if n < start+f.After {
			return nil
		}
		if f.Times == 0 || n < start+f.After+f.Times {
			return f
		}
		start += f.After + f.Times
	}
	return nil
}

func attributeFilter(key, value string) (func(Event) bool, error) {
	field := map[string]func(Event) string{
		"EventId":     func(e Event) string { return e.ID },
		"EventName":   func(e Event) string { return e.Name },
		"EventSource": func(e Event) string { return e.Source },
		"Username":    func(e Event) string { return e.Username },
		"AccessKeyId": func(e Event) string { return e.AccessKeyID },
		"ReadOnly":    func(e Event) string { return e.ReadOnly },
	}[key]
	if field != nil {
		return func(e Event) bool { return field(e) == value }, nil
	}
	switch key {
	case "ResourceType", "ResourceName":
		return func(e Event) bool {
			for _, r := range e.Resources {
				if (key == "ResourceType" && r.Type == value) || (key == "ResourceName" && r.Name == value) {
					return true
				}
			}
			return false
		}, nil
	}
	return nil, fmt.Errorf("unknown lookup attribute key %q", key)
}

type lookupOutput struct {
	Events    []wireEvent
	NextToken *string `json:",omitempty"`
}

type wireResource struct {
	ResourceType string `json:",omitempty"`
	ResourceName string `json:",omitempty"`
}

type wireEvent struct {
	EventId         string         `json:",omitempty"`
	EventName       string         `json:",omitempty"`
	ReadOnly        string         `json:",omitempty"`
	AccessKeyId     string         `json:",omitempty"`
	EventTime       json.Number    `json:",omitempty"` // epoch seconds
	EventSource     string         `json:",omitempty"`
	Username        string         `json:",omitempty"`
	Resources       []wireResource `json:",omitempty"`
	CloudTrailEvent string         `json:",omitempty"`
}

func toWire(ev Event) wireEvent {
	w := wireEvent{
		EventId:         ev.ID,
		EventName:       ev.Name,
		ReadOnly:        ev.ReadOnly,
		AccessKeyId:     ev.AccessKeyID,
		EventSource:     ev.Source,
		Username:        ev.Username,
		CloudTrailEvent: ev.CloudTrailEvent,
	}
	if !ev.Time.IsZero() {
		w.EventTime = json.Number(strconv.FormatFloat(float64(ev.Time.UnixMilli())/1000, 'f', -1, 64))
	}
	for _, r := range ev.Resources {
		w.Resources = append(w.Resources, wireResource{ResourceType: r.Type, ResourceName: r.Name})
	}
	return w
}

func ptrVal[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// listRegions answers the Account API's ListRegions (REST-JSON). It pages
// 10 Regions at a time unless MaxResults says otherwise, so that callers'
// pagination is exercised.
func (s *Server) listRegions(w http.ResponseWriter, r *http.Request, body []byte, now time.Time) {
	region, service, ok := credentialScope(r.Header.Get("Authorization"))
	if !ok || service != "account" {
		writeRESTError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	var in struct {
		MaxResults              *int
		NextToken               *string
		RegionOptStatusContains []string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeRESTError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Time: now, Operation: "ListRegions", Region: region}
	if in.NextToken != nil {
		req.Token = *in.NextToken
	}
	fail := func(status int, typ, msg string, injected bool) {
		req.Status, req.Error, req.Injected = status, typ, injected
		s.requests = append(s.requests, req)
		writeRESTError(w, status, typ, msg)
	}
	if f := s.acctErr; f != nil {
		fail(f.Status, f.Type, f.Message, true)
		return
	}
	limit := 10
	if in.MaxResults != nil {
		limit = *in.MaxResults
	}
	if limit < 1 || limit > 50 {
		fail(http.StatusBadRequest, "ValidationException", "MaxResults must be between 1 and 50", false)
		return
	}
	names := make([]string, 0, len(s.optIn))
	for name, st := range s.optIn {
		if len(in.RegionOptStatusContains) == 0 || slices.Contains(in.RegionOptStatusContains, st) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	offset := 0
	if in.NextToken != nil {
		n, err := strconv.Atoi(*in.NextToken)
		if err != nil || n < 0 || n > len(names) {
			fail(http.StatusBadRequest, "ValidationException", "invalid NextToken", false)
			return
		}
		offset = n
	}
	type wireRegion struct{ RegionName, RegionOptStatus string }
	var out struct {
		Regions   []wireRegion
		NextToken *string `json:",omitempty"`
	}
	out.Regions = []wireRegion{}
	for _, name := range names[offset:min(offset+limit, len(names))] {
		out.Regions = append(out.Regions, wireRegion{name, s.optIn[name]})
	}
	if next := offset + limit; next < len(names) {
		tok := strconv.Itoa(next)
		out.NextToken = &tok
	}
	req.Status = http.StatusOK
	s.requests = append(s.requests, req)
	writeJSON(w, "application/json", http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeJSONError writes a JSON 1.1 error: the type in "__type".
func writeJSONError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, "application/x-amz-json-1.1", status, map[string]string{"__type": typ, "message": msg})
}

// writeRESTError writes a REST-JSON error: the type in X-Amzn-ErrorType.
func writeRESTError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, "application/json", status, map[string]string{"message": msg})
}

// Client returns a CloudTrail client for region that sends its requests
// to the fake at url, with static test credentials and the SDK's default
// retryer. optFns adjust it further.
func Client(url, region string, optFns ...func(*cloudtrail.Options)) *cloudtrail.Client {
	return cloudtrail.NewFromConfig(testConfig(region), append([]func(*cloudtrail.Options){
		func(o *cloudtrail.Options) { o.BaseEndpoint = aws.String(url) },
	}, optFns...)...)
}

// AccountClient returns an AWS Account client that sends its requests to
// the fake at url.
func AccountClient(url string) *account.Client {
	return account.NewFromConfig(testConfig("us-east-1"), func(o *account.Options) {
		o.BaseEndpoint = aws.String(url)
	})
}

func testConfig(region string) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDCTFAKE", "ctfake-secret", ""),
	}
}
