package classify

import (
	"bytes"
	"fmt"
	"strings"
)

// Filter decides which failed calls count (DESIGN.md §2.4). The zero value
// is the default: failed calls to s3.amazonaws.com of the actions that need
// s3:PutObject, and every failed call to kms.amazonaws.com.
type Filter struct {
	// AllFailures counts every failed call of any service; it overrides
	// Events.
	AllFailures bool
	// Events, when not empty, replaces the default set with patterns of
	// the form "service:EventName", where service is the eventSource
	// without ".amazonaws.com": "s3:PutObject", "kms:*", "s3:Put*", "*".
	// A trailing "*" matches any suffix of the event name.
	Events []string
}

// putObjectFamily are the S3 calls that need s3:PutObject.
var putObjectFamily = [...]string{"PutObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload"}

// DefaultEvents returns the patterns the zero Filter uses.
func DefaultEvents() []string {
	ev := make([]string, 0, len(putObjectFamily)+1)
	for _, n := range putObjectFamily {
		ev = append(ev, "s3:"+n)
	}
	return append(ev, "kms:*")
}

// Validate reports the first malformed pattern in Events.
func (f Filter) Validate() error {
	for _, p := range f.Events {
		if p == "*" {
			continue
		}
		svc, name, ok := strings.Cut(p, ":")
		if !ok || svc == "" || name == "" || strings.ContainsAny(svc, "*. ") ||
			strings.Contains(strings.TrimSuffix(name, "*"), "*") {
			return fmt.Errorf("event pattern %q: want service:EventName, e.g. s3:PutObject, kms:*, s3:Put*", p)
		}
	}
	return nil
}

// hasErrorCodeKey reports whether raw contains the key "errorCode", which
// every failed call's record carries.
func hasErrorCodeKey(raw []byte) bool { return keyEnd(raw, "errorCode", 0) >= 0 }

// keyEnd returns the index just past the first `"key"` in raw at or after
// from, or -1. It searches from the key's first upper-case letter (Code
// for errorCode, Category for eventCategory) and checks the bytes before:
// bytes.Index skips ahead on a pattern's first byte, and upper-case
// letters are rare in CloudTrail JSON where '"' is everywhere (measured:
// about 8 times faster than searching for `"errorCode"`).
func keyEnd(raw []byte, key string, from int) int {
	split := strings.IndexFunc(key, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if split < 0 {
		split = 0
	}
	head, tail := key[:split], key[split:]
	for off := from; off < len(raw); {
		i := bytes.Index(raw[off:], []byte(tail))
		if i < 0 {
			return -1
		}
		i += off
		off = i + len(tail)
		if i > len(head) && string(raw[i-len(head):i]) == head && raw[i-len(head)-1] == '"' &&
			off < len(raw) && raw[off] == '"' {
			return off + 1
		}
	}
	return -1
}

// MayMatch is the byte-level pre-filter: false means Match would reject the
// record, so it need not be parsed. It never returns false for a record
// Match accepts (Parse honours errorCode only under that exact key, and
// records with \u escapes are always passed on).
func (f Filter) MayMatch(raw []byte) bool {
	if !hasErrorCodeKey(raw) {
		return false
	}
	if f.AllFailures || bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	if len(f.Events) == 0 {
		if hasSource(raw, "kms") {
			return true
		}
		if !hasSource(raw, "s3") {
			return false
		}
		for _, n := range putObjectFamily {
			if bytes.Contains(raw, []byte(n)) {
				return true
			}
		}
		return false
	}
	for _, p := range f.Events {
		if p == "*" {
			return true
		}
		svc, name, _ := strings.Cut(p, ":")
		name = strings.TrimSuffix(name, "*")
		if hasSource(raw, svc) && bytes.Contains(raw, []byte(name)) {
			return true
		}
	}
	return false
}

// hasSource reports whether raw contains svc+".amazonaws.com", without
// building that string.
func hasSource(raw []byte, svc string) bool {
	const suffix = ".amazonaws.com"
	for off := 0; ; {
		i := bytes.Index(raw[off:], []byte(suffix))
		if i < 0 {
			return false
		}
		i += off
		if i >= len(svc) && string(raw[i-len(svc):i]) == svc {
			return true
		}
		off = i + len(suffix)
	}
}

// Match decides on the parsed event: it failed, and it is one of the
// calls the filter counts.
func (f Filter) Match(e *Event) bool {
	if !e.Failed() {
		return false
	}
	if f.AllFailures {
		return true
	}
	if len(f.Events) == 0 {
		switch e.EventSource {
		case "kms.amazonaws.com":
			return true
		case "s3.amazonaws.com":
			for _, n := range putObjectFamily {
				if e.EventName == n {
					return true
				}
			}
		}
		return false
	}
	svc, ok := strings.CutSuffix(e.EventSource, ".amazonaws.com")
	if !ok {
		return false
	}
	for _, p := range f.Events {
		if p == "*" {
			return true
		}
		ps, pn, _ := strings.Cut(p, ":")
		if ps != svc {
			continue
		}
		if prefix, wild := strings.CutSuffix(pn, "*"); wild {
			if strings.HasPrefix(e.EventName, prefix) {
				return true
			}
		} else if pn == e.EventName {
			return true
		}
	}
	return false
}

// s3ObjectEvents are the object-level S3 calls, logged only as data events.
var s3ObjectEvents = [...]string{
	"GetObject", "PutObject", "CopyObject", "HeadObject", "DeleteObject", "DeleteObjects",
	"CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
	"AbortMultipartUpload", "GetObjectAcl", "PutObjectAcl", "GetObjectTagging",
	"PutObjectTagging", "DeleteObjectTagging", "RestoreObject", "SelectObjectContent",
	"GetObjectAttributes", "GetObjectRetention", "PutObjectRetention",
	"GetObjectLegalHold", "PutObjectLegalHold", "ListParts",
}

// IsS3DataEvent reports, from the bytes alone, whether raw is an S3 data
// event: eventSource s3.amazonaws.com and eventCategory "Data", or, for
// records older than eventCategory, an object-level eventName. A scan calls
// it until it first returns true, to tell whether the trail logs S3 data
// events at all; over a trail that does not, that is every record, so the
// common case (a management event) is rejected on eventCategory alone.
func IsS3DataEvent(raw []byte) bool {
	cat, hasCat := rawString(raw, "eventCategory")
	if hasCat && string(cat) != "Data" {
		return false
	}
	if src, _ := rawString(raw, "eventSource"); string(src) != "s3.amazonaws.com" {
		return false
	}
	if hasCat {
		return true
	}
	name, _ := rawString(raw, "eventName")
	for _, n := range s3ObjectEvents {
		if string(name) == n {
			return true
		}
	}
	return false
}

// rawString returns the undecoded string value of the first occurrence of
// key as an object key in raw (whitespace around the colon allowed), and
// whether there is one.
func rawString(raw []byte, key string) ([]byte, bool) {
	for off := 0; ; {
		off = keyEnd(raw, key, off)
		if off < 0 {
			return nil, false
		}
		j := skipSpace(raw, off)
		if j >= len(raw) || raw[j] != ':' {
			continue // the key's text as a value, not a key
		}
		j = skipSpace(raw, j+1)
		if j >= len(raw) || raw[j] != '"' {
			return nil, false
		}
		k := bytes.IndexByte(raw[j+1:], '"')
		if k < 0 {
			return nil, false
		}
		return raw[j+1 : j+1+k], true
	}
}
