package classify

import (
	"cmp"
	"slices"
)

// PatternSet groups findings into patterns as they come, holding one
// Pattern per pattern and never the findings: what a report of any size
// needs. Add findings in event-time order (then event ID), as a scan
// emits them; the first finding of a pattern gives its Cause and Commands.
// The zero value is empty and ready.
type PatternSet struct {
	byID map[string]*Pattern
}

// Add counts f in its pattern.
func (s *PatternSet) Add(f *Finding) {
	if s.byID == nil {
		s.byID = map[string]*Pattern{}
	}
	principal, action, resource := patternFields(f)
	id := patternID(f.Layer, f.Control, principal, action, resource)
	p := s.byID[id]
	if p == nil {
		p = &Pattern{ID: id, Layer: f.Layer, Control: f.Control, Principal: principal,
			Action: action, Resource: resource, Examples: []string{},
			Cause: f.Cause, Commands: f.Commands}
		if p.Commands == nil {
			p.Commands = []Command{}
		}
		s.byID[id] = p
	}
	p.Count++
	p.Examples = Observe(&p.FirstSeen, &p.LastSeen, p.Examples, f.EventTime, f.EventID, maxExamples)
}

// Len is the number of patterns.
func (s *PatternSet) Len() int { return len(s.byID) }

// Patterns returns the patterns sorted by count (most first), then ID.
func (s *PatternSet) Patterns() []Pattern {
	out := make([]Pattern, 0, len(s.byID))
	for _, p := range s.byID {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Pattern) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.ID, b.ID))
	})
	return out
}
