package classify

import (
	"errors"
	"time"
)

// STUB: replaced by the classify implementation.

// Event is a parsed CloudTrail record.
type Event struct {
	EventID     string
	EventTime   time.Time
	EventSource string
	EventName   string
	ErrorCode   string
}

// Parse decodes one record.
func Parse(raw []byte) (*Event, error) { return nil, errors.New("not implemented") }

// Failed reports whether the call failed.
func (e *Event) Failed() bool { return e.ErrorCode != "" }

// Filter decides which events count.
type Filter struct{ AllFailures bool }

// MayMatch is the cheap byte-level pre-filter.
func (f Filter) MayMatch(raw []byte) bool { return true }

// Match decides on the parsed event.
func (f Filter) Match(e *Event) bool { return e.Failed() }

// Judge classifies a failed event.
func Judge(e *Event) Verdict { return Verdict{} }

// NewFinding builds the reported finding.
func NewFinding(e *Event, v Verdict, origin string) Finding { return Finding{} }
