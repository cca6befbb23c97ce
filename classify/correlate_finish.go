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

// Finish completes the findings the engine emitted, once every event has
// been added and Close called: it joins deliveries and S3/KMS pairs that
// arrived further apart than the window (an organization trail is read one
// account folder after another, so the bucket owner's copy of a
// cross-account call comes a whole folder later), attaches to each finding
// the latest relevant change before it and, when the denials of its
// pattern stopped soon after a later change, that change, and sets its
// pattern. It works on the findings, which the caller holds anyway: its
// memory is proportional to them, not to the records read. The result
// does not depend on the order the findings come in; it is sorted by event
// time, then event ID.
func (e *Engine) Finish(findings []Finding) []Finding {
	var recs []Finding
	for _, f := range findings {
		if len(f.Records) > 0 {
			recs = append(recs, f.Records...)
		} else {
			recs = append(recs, f)
		}
	}
	// Deliveries of one call: the same eventID or sharedEventID.
	parent := make([]int, len(recs))
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(m map[string]int, key string, i int) {
		if key == "" {
			return
		}
		if j, ok := m[key]; ok {
			a, b := find(i), find(j)
			parent[max(a, b)] = min(a, b)
		} else {
			m[key] = i
		}
	}
	byID, byShared := map[string]int{}, map[string]int{}
	for i := range recs {
		parent[i] = i
		union(byID, deliveryKey(&recs[i]), i)
		union(byShared, recs[i].rec.sharedEventID, i)
	}
	group := map[int]*call{}
	var calls []*call
	for i := range recs {
		recs[i].Records = nil
		root := find(i)
		if c := group[root]; c != nil {
			c.add(recs[i])
			continue
		}
		c := newCall(recs[i])
		group[root] = c
		calls = append(calls, c)
	}
	// S3/KMS pairs.
	uploads := map[string][]*call{}
	for _, c := range calls {
		if c.upload && c.corr != "" {
			uploads[c.corr] = append(uploads[c.corr], c)
		}
	}
	joined := map[*call]bool{}
	for _, c := range calls {
		if !c.upload && c.viaS3 && c.corr != "" {
			if u := nearest(c, uploads[c.corr], e.window); u != nil {
				u.kms = append(u.kms, c)
				joined[c] = true // reported with its upload
			}
		}
	}
	out := make([]Finding, 0, len(calls))
	for _, c := range calls {
		if !joined[c] {
			out = append(out, incident(c, c.kms, e.window))
		}
	}
	e.attribute(out)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.Origin, b.Origin))
	})
	return out
}

// attribute attaches the changes to the findings, pattern by pattern.
func (e *Engine) attribute(out []Finding) {
	byPattern := map[string][]int{}
	for i := range out {
		byPattern[out[i].Pattern] = append(byPattern[out[i].Pattern], i)
	}
	for _, idx := range byPattern {
		var times []time.Time
		for _, i := range idx {
			if t := out[i].EventTime; !t.IsZero() {
				times = append(times, t)
			}
		}
		slices.SortFunc(times, time.Time.Compare)
		rel := make([][]change, len(idx))
		for j, i := range idx {
			rel[j] = e.changes.relevant(&out[i])
		}
		var stop *change
		if len(times) > 0 && e.lastSeen.Sub(times[len(times)-1]) >= stopGrace {
			first, last := times[0], times[len(times)-1]
			for j := range rel {
				for k := range rel[j] {
					c := &rel[j][k]
					if c.canFix() && c.EventTime.After(first) && !c.EventTime.After(last) && last.Sub(c.EventTime) <= stopGrace &&
						(stop == nil || compareChanges(*c, *stop) > 0) {
						stop = c
					}
				}
			}
		}
		for j, i := range idx {
			f := &out[i]
			var before *change
			for k := range rel[j] {
				c := &rel[j][k]
				if !c.canCause() || f.EventTime.IsZero() || c.EventTime.After(f.EventTime) || stop != nil && c.EventID == stop.EventID {
					continue
				}
				before = c // rel is sorted oldest first
			}
			f.Changes = slices.Clone(f.Changes)
			f.Evidence = slices.Clone(f.Evidence)
			if before != nil {
				c := before.Change
				c.Relation = ChangeBefore
				k, _ := slices.BinarySearchFunc(times, c.EventTime, time.Time.Compare)
				firstDenial := times[k] // f's own time is at or after the change
				c.Lead = firstDenial.Sub(c.EventTime).String()
				f.Changes = append(f.Changes, c)
				f.Evidence = append(f.Evidence, fmt.Sprintf("changed before: %s at %s by %s (%s), %s before the first denial of this pattern (%s)",
					c.EventName, timeRFC3339(c.EventTime), cmpOr(c.Principal, "an unknown principal"), c.Detail, c.Lead, timeRFC3339(firstDenial)))
			}
			if stop != nil {
				c := stop.Change
				c.Relation = ChangeStopped
				last := times[len(times)-1]
				c.Lead = last.Sub(c.EventTime).String()
				f.Changes = append(f.Changes, c)
				f.Evidence = append(f.Evidence, fmt.Sprintf("denials of this pattern stopped: last seen %s, after %s at %s by %s (%s); later records show no more",
					timeRFC3339(last), c.EventName, timeRFC3339(c.EventTime), cmpOr(c.Principal, "an unknown principal"), c.Detail))
			}
		}
	}
}

func cmpOr(s, def string) string { return cmp.Or(s, def) }
