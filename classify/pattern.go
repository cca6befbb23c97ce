package classify

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Pattern is a group of findings with the same layer, control, principal (the role, not the session), action and resource.
type Pattern struct {
	ID        string    `json:"id"` // stable across runs and days: first 12 hex chars of sha256(layer|control|principal|action|resource)
	Layer     Layer     `json:"layer"`
	Control   Control   `json:"control"`
	Principal string    `json:"principal"`
	Action    string    `json:"action"`   // "s3:PutObject", "kms:GenerateDataKey"
	Resource  string    `json:"resource"` // bucket name, or the KMS key ARN
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Examples  []string  `json:"examples"` // up to 3 event IDs
	// Cause and Commands are those of the pattern's first finding: the
	// one-sentence verdict and what to run next.
	Cause    string    `json:"cause"`
	Commands []Command `json:"commands"`
}

// maxExamples is how many event IDs a Pattern lists.
const maxExamples = 3

// patternFields returns what a finding is grouped by: the role (not the
// session), the denied action and the resource (the KMS key for KMS
// findings, else the bucket).
func patternFields(f *Finding) (principal, action, resource string) {
	principal = f.Role
	if principal == "" {
		principal = cmp.Or(roleFromSessionARN(f.Principal), f.Principal)
	}
	action = f.Action
	if action == "" {
		action = findingAction(f)
	}
	switch {
	case f.Layer == LayerKMS && f.KMSKey != "":
		resource = f.KMSKey
	case f.Bucket != "":
		resource = f.Bucket
	default:
		resource = f.KMSKey
	}
	return principal, action, resource
}

// findingAction derives the action of a finding built without one.
func findingAction(f *Finding) string {
	svc, _, _ := strings.Cut(f.EventSource, ".")
	if svc == "" || f.EventName == "" {
		return f.EventName
	}
	if svc == "s3" && slices.Contains(putObjectFamily[:], f.EventName) {
		return "s3:PutObject"
	}
	return svc + ":" + f.EventName
}

// patternID is the first 12 hex characters of the SHA-256 of the fields
// joined with "|".
func patternID(l Layer, c Control, principal, action, resource string) string {
	var buf [512]byte // most joins fit: no allocation but the ID's
	b := buf[:0]
	for i, s := range [...]string{string(l), string(c), principal, action, resource} {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	var id [12]byte
	hex.Encode(id[:], sum[:6])
	return string(id[:])
}

// PatternKey returns the ID of the pattern a finding belongs to: the same
// for every run and day, so reports can be compared over time.
func PatternKey(f Finding) (id string) {
	p, a, r := patternFields(&f)
	return patternID(f.Layer, f.Control, p, a, r)
}

// Patterns groups findings into patterns, sorted by count (most first),
// then ID. Each lists its first and last event time and up to three event
// IDs, the earliest first. findings is not modified.
func Patterns(findings []Finding) []Pattern {
	order := make([]int, len(findings))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(findings[a].EventTime.Compare(findings[b].EventTime), cmp.Compare(findings[a].EventID, findings[b].EventID))
	})
	var s PatternSet
	for _, i := range order {
		s.Add(&findings[i])
	}
	return s.Patterns()
}

// Observe widens [*first, *last] to hold t (a zero t changes nothing) and
// adds id to ids when it is new and ids holds fewer than limit: what a
// group of findings (a pattern, an incident) keeps of each member.
func Observe(first, last *time.Time, ids []string, t time.Time, id string, limit int) []string {
	if !t.IsZero() {
		if first.IsZero() || t.Before(*first) {
			*first = t
		}
		if t.After(*last) {
			*last = t
		}
	}
	if len(ids) < limit && !slices.Contains(ids, id) {
		ids = append(ids, id)
	}
	return ids
}
