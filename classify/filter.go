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
// records with \u escapes are always passed on). Besides the failures the
// filter counts, it lets through every record that may be a successful
// policy or configuration change (see IsChange), whatever the filter.
func (f Filter) MayMatch(raw []byte) bool {
	return f.mayFail(raw) || mayBeChange(raw)
}

// Needles returns byte strings of which every record MayMatch accepts
// contains at least one: `"errorCode"`, `\u` (an escape could spell a
// change event's name) and the endings of the change events' names with
// their closing quote, such as `Policy"`, which covers PutBucketPolicy,
// AttachRolePolicy and a dozen more. A reader can search a stream for them
// with bytes.Index and look only at the records around a hit; a few hits
// are not change events (GetBucketPolicy), and MayMatch tells. The slices
// are new on every call.
func (f Filter) Needles() [][]byte {
	n := make([][]byte, 0, 2+len(changeSuffixes))
	n = append(n, []byte(`"errorCode"`), []byte(`\u`))
	for _, s := range changeSuffixes {
		n = append(n, []byte(s+`"`))
	}
	return n
}

// changeSuffixes are endings that every change event's name has one of,
// each starting with an upper-case letter (bytes.Index skips to those
// quickly). A test holds them to changeNames.
var changeSuffixes = [...]string{
	"Policy", "AccessBlock", "OwnershipControls", "PutBucketAcl", "BucketEncryption", "Grant",
	"DisableKey", "EnableKey", "KeyDeletion", "PolicyVersion", "PermissionsBoundary",
}

// changeAnchors are words one of which every change event's name holds,
// each starting with an upper-case letter that bytes.Index skips to
// quickly. MayMatch searches for them (six passes over a record rather
// than one per name) and checks the whole quoted name around each hit.
var changeAnchors = [...]string{"Policy", "Block", "Bucket", "Key", "Grant", "Boundary"}

// anchored lists, per anchor, the change event names holding it and where.
// Read-only after initialisation.
var anchored = func() (a [len(changeAnchors)][]struct {
	name string
	at   int
}) {
	for i, anchor := range changeAnchors {
		for _, c := range changeNames {
			if k := strings.Index(c.name, anchor); k >= 0 {
				a[i] = append(a[i], struct {
					name string
					at   int
				}{c.name, k})
			}
		}
	}
	return a
}()

// mayBeChange reports whether raw may be a successful change event: it
// holds one of the change events' names as a whole JSON string, or a \u
// escape (which could spell one). It does not look at the key or at
// errorCode: Match decides on the parsed event.
func mayBeChange(raw []byte) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	for a, anchor := range changeAnchors {
		for off := 0; ; {
			i := bytes.Index(raw[off:], []byte(anchor))
			if i < 0 {
				break
			}
			i += off
			off = i + len(anchor)
			for _, c := range anchored[a] {
				start, end := i-c.at, i-c.at+len(c.name)
				if start > 0 && end < len(raw) && raw[start-1] == '"' && raw[end] == '"' && string(raw[start:end]) == c.name {
					return true
				}
			}
		}
	}
	return false
}

// mayFail is the pre-filter for the failures the filter counts.
func (f Filter) mayFail(raw []byte) bool {
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
// calls the filter counts; or it is a successful policy or configuration
// change (IsChange), which is never a finding but tells what changed
// before one.
func (f Filter) Match(e *Event) bool {
	if !e.Failed() {
		return IsChange(e)
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
