package classify

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// stopGrace is how long denials may go on after the change that ended
// them (IAM changes take effect within seconds to minutes; clients retry),
// and how much later the records must go on for "stopped" to mean more
// than "the scan ended".
const stopGrace = 10 * time.Minute

// patternStats is what Attach needs to know about a pattern beyond one
// finding: its first and last denial, the changes relevant to its
// findings that could have ended it, and when each change that could
// have caused it was first followed by a denial it could explain. It is
// collected as the engine emits, in event-time order, and holds a few
// changes, never findings.
type patternStats struct {
	first, last time.Time
	fixes       []change             // canFix changes relevant to some finding, by ID
	firstAfter  map[string]time.Time // change ID → the first denial at or after it
	stop        *change              // set by stopped
	stopDone    bool
	// What Attach adds for a change, made once a pattern (the change index
	// does not change once the engine is closed): for a change before its
	// denials, and for stop.
	befores map[*change]attached
	stopped *attached
}

// attached is what Attach adds to a finding for one change: the change
// with its relation and lead, a line of evidence, and, for a change
// before the denials, the note its cause ends with (withChange).
type attached struct {
	change   Change
	evidence string
	note     string
}

// before is what Attach adds for c, a change before the first denial of a
// pattern at or after it.
func before(c *change, firstDenial time.Time) attached {
	ch := c.Change
	ch.Relation = ChangeBefore
	ch.Lead = leadText(ch.EventTime, firstDenial)
	return attached{
		change: ch,
		evidence: fmt.Sprintf("changed before: %s at %s by %s (%s), %s before the first denial of this pattern (%s)",
			ch.EventName, timeRFC3339(ch.EventTime), cmp.Or(ch.Principal, "an unknown principal"), ch.Detail, ch.Lead, timeRFC3339(firstDenial)),
		note: changeNote(ch, firstDenial),
	}
}

// stoppedAfter is what Attach adds for c, the change after which the
// denials of a pattern stopped, the last at last.
func stoppedAfter(c *change, last time.Time) attached {
	ch := c.Change
	ch.Relation = ChangeStopped
	ch.Lead = leadText(ch.EventTime, last)
	return attached{
		change: ch,
		evidence: fmt.Sprintf("denials of this pattern stopped: last seen %s, after %s at %s by %s (%s); later records show no more",
			timeRFC3339(last), ch.EventName, timeRFC3339(ch.EventTime), cmp.Or(ch.Principal, "an unknown principal"), ch.Detail),
	}
}

// observe notes an emitted finding, and the changes relevant to it
// (changeIndex.relevant), in its pattern's stats; the engine calls it in
// emission order, which is event-time order when the records came in that
// order.
func (e *Engine) observe(f *Finding, relevant []*change) {
	st := e.patterns[f.Pattern]
	if st == nil {
		st = &patternStats{firstAfter: map[string]time.Time{}}
		e.patterns[f.Pattern] = st
	}
	if t := f.EventTime; !t.IsZero() {
		if st.first.IsZero() || t.Before(st.first) {
			st.first = t
		}
		if t.After(st.last) {
			st.last = t
		}
	}
	for _, c := range relevant {
		if c.canCause() && !f.EventTime.IsZero() && !c.EventTime.After(f.EventTime) {
			if t, ok := st.firstAfter[c.EventID]; !ok || f.EventTime.Before(t) {
				st.firstAfter[c.EventID] = f.EventTime
			}
		}
		if c.canFix() && !slices.ContainsFunc(st.fixes, func(x change) bool { return x.EventID == c.EventID }) {
			st.fixes = append(st.fixes, *c)
		}
	}
}

// stopped returns the change after which the denials of a pattern
// stopped: the latest one that could fix them, after its first denial, at
// most stopGrace before its last, when the records go on for stopGrace
// after that last denial.
func (e *Engine) stopped(st *patternStats) *change {
	if st.stopDone {
		return st.stop
	}
	st.stopDone = true
	if st.last.IsZero() || e.lastSeen.Sub(st.last) < stopGrace {
		return nil
	}
	for i := range st.fixes {
		c := &st.fixes[i]
		if c.EventTime.After(st.first) && !c.EventTime.After(st.last) && st.last.Sub(c.EventTime) <= stopGrace &&
			(st.stop == nil || compareChanges(*c, *st.stop) > 0) {
			st.stop = c
		}
	}
	return st.stop
}

// Attach adds to a finding the engine emitted the latest relevant change
// before it and, when the denials of its pattern stopped soon after a
// later change, that change, each with a line of evidence. Call it after
// Close, when the engine has seen every change and every failure; it
// reads only the change index and the stats of the finding's pattern, so
// a caller can attach findings it kept on disk as it reads them back.
func (e *Engine) Attach(f *Finding) {
	st := e.patterns[f.Pattern]
	if st == nil {
		st = &patternStats{}
	}
	stop := e.stopped(st)
	var cause *change
	for _, c := range e.changes.relevant(f) {
		if !c.canCause() || f.EventTime.IsZero() || c.EventTime.After(f.EventTime) || stop != nil && c.EventID == stop.EventID {
			continue
		}
		cause = c // relevant is sorted oldest first
	}
	var at [2]attached
	add := at[:0]
	if cause != nil {
		if firstDenial, ok := st.firstAfter[cause.EventID]; ok {
			a, ok := st.befores[cause]
			if !ok {
				a = before(cause, firstDenial)
				if st.befores == nil {
					st.befores = map[*change]attached{}
				}
				st.befores[cause] = a
			}
			add = append(add, a)
		} else {
			add = append(add, before(cause, f.EventTime)) // not emitted by this engine
		}
	}
	if stop != nil {
		if st.stopped == nil {
			a := stoppedAfter(stop, st.last)
			st.stopped = &a
		}
		add = append(add, *st.stopped)
	}
	// New lists for what is added, so that a copy of the finding (the
	// report's sample holds some twice) is not changed with it.
	f.Changes = slices.Grow(f.Changes[:len(f.Changes):len(f.Changes)], len(add))
	f.Evidence = slices.Grow(f.Evidence[:len(f.Evidence):len(f.Evidence)], len(add))
	for _, a := range add {
		f.Changes = append(f.Changes, a.change)
		f.Evidence = append(f.Evidence, a.evidence)
		if a.note != "" {
			f.Cause = withChange(f.Cause, a.note)
		}
	}
}

// Finish completes the findings the engine emitted, once every event has
// been added and Close called: it joins deliveries and S3/KMS pairs that
// arrived further apart than the window (an organization trail is read one
// account folder after another, so the bucket owner's copy of a
// cross-account call comes a whole folder later), attaches the changes to
// each finding (see Attach) and sets its pattern. It replays the findings'
// records in event-time order through a fresh window, so its memory is
// that of the findings, which the caller holds anyway; a scan too large
// for that sorts its records on disk and feeds them to an engine in order
// instead (see package scan). The result does not depend on the order the
// findings come in; it is sorted by event time, then event ID and origin.
func (e *Engine) Finish(findings []Finding) []Finding {
	var recs []Finding
	for _, f := range findings {
		if len(f.Records) > 0 {
			recs = append(recs, f.Records...)
		} else {
			recs = append(recs, f)
		}
	}
	slices.SortFunc(recs, compareRecordsInTime)
	var out []Finding
	r := NewEngine(e.cfg, func(f Finding) { out = append(out, f) })
	r.changes, r.firstSeen, r.lastSeen = e.changes, e.firstSeen, e.lastSeen
	for _, rec := range recs {
		rec.Records = nil
		r.addFinding(rec)
	}
	r.Close()
	for i := range out {
		r.Attach(&out[i])
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return compareFindings(&a, &b) })
	return out
}

// compareRecordsInTime is the order Finish replays records in: by event
// time, then everything that tells deliveries apart, so that the replay
// does not depend on the order the records came in.
func compareRecordsInTime(a, b Finding) int {
	return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.EventID, b.EventID),
		cmp.Compare(a.EventSource, b.EventSource), cmp.Compare(a.EventName, b.EventName),
		cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.rec.sharedEventID, b.rec.sharedEventID),
		cmp.Compare(a.Principal, b.Principal), cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Key, b.Key))
}
