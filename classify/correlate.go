package classify

import (
	"cmp"
	"iter"
	"slices"
	"strings"
	"time"
)

// This file holds what turns records into incidents, the same for the
// engine's window and for Finish: which records are one call (the same
// eventID, or the same sharedEventID), which KMS call S3 made for which
// denied upload, and the finding an incident is reported as.

// call is one API call as delivered: one record, or several copies of it
// (the same eventID delivered twice, or one delivery per account sharing a
// sharedEventID).
type call struct {
	recs   []Record  // the deliveries, each judged alone
	t      time.Time // the call's event time
	minID  string    // the smallest event ID of recs, the call's name in tie-breaks
	upload bool      // a denied upload S3 may have failed for KMS's sake
	viaS3  bool      // a KMS call S3 made for an upload
	corr   string    // principal and bucket, for uploads and KMS calls S3 made
	kms    []*call   // for uploads: the KMS calls S3 made for it
	slot   int64     // the engine's slot, see Engine
	gone   bool      // an upload that left the window: no longer a candidate
	taken  bool      // an upload a KMS call joined: no longer a free candidate
}

// newCall starts a call with its first record.
func newCall(r Record) *call {
	c := &call{t: r.t, minID: r.d.id}
	c.add(r)
	return c
}

// add appends a delivery of the call.
func (c *call) add(r Record) {
	c.recs = append(c.recs, r)
	c.minID = min(c.minID, r.d.id)
	if r.upload {
		c.upload = true
	}
	if r.viaS3 {
		c.viaS3 = true
	}
	if c.corr == "" && (c.upload || c.viaS3) && r.d.principal != "" && r.d.bucket != "" {
		c.corr = r.d.principal + "\x00" + r.d.bucket
	}
}

// id is the call's smallest event ID, its name in tie-breaks.
func (c *call) id() string { return c.minID }

// objectCorr is corr and the object key: what a KMS call S3 made for one
// object must share with its upload.
func (c *call) objectCorr() string { return c.corr + "\x00" + c.recs[0].d.key }

// isUpload reports whether a record is a denied PutObject-family call that
// S3 may have failed because KMS refused it: its own message says KMS,
// or it names no other cause for certain (a bare Access Denied).
func isUpload(r *Finding) bool {
	return r.EventSource == "s3.amazonaws.com" && slices.Contains(putObjectFamily[:], r.EventName) &&
		(r.Layer == LayerKMS || r.Confidence != High)
}

// uploadList holds the uploads one KMS call S3 made may belong to (the
// same principal and bucket, or object), sorted by event time, then ID:
// all of them, or (free) those no KMS call joined yet. Removal marks a
// call dead (gone, or taken in a free list); dead calls leave from the
// front as the window moves on, and the list is compacted when they are
// the majority, so that adding, removing and finding the nearest cost
// O(log n) amortised (adding in event-time order, O(1) but the search).
type uploadList struct {
	calls []*call
	free  bool
	dead  int
}

func compareCalls(a, b *call) int { return cmp.Or(a.t.Compare(b.t), cmp.Compare(a.minID, b.minID)) }

func (l *uploadList) isDead(c *call) bool { return c.gone || l.free && c.taken }

func (l *uploadList) insert(c *call) {
	i, _ := slices.BinarySearchFunc(l.calls, c, compareCalls)
	l.calls = slices.Insert(l.calls, i, c)
}

// move puts c back in its place after its ID changed.
func (l *uploadList) move(c *call) {
	l.calls = slices.DeleteFunc(l.calls, func(x *call) bool { return x == c })
	l.insert(c)
}

// drop counts one more call dead (the caller marked it) and reports
// whether the list is empty.
func (l *uploadList) drop() bool {
	l.dead++
	for len(l.calls) > 0 && l.isDead(l.calls[0]) {
		l.calls[0] = nil
		l.calls = l.calls[1:]
		l.dead--
	}
	if l.dead > len(l.calls)/2 {
		l.calls = slices.DeleteFunc(l.calls, l.isDead)
		l.dead = 0
	}
	return len(l.calls) == 0
}

// nearest returns the live upload closest in time to the KMS call k,
// within window, then the one with the smallest event ID; nil when none.
// The choice depends only on the set of uploads held.
func (l *uploadList) nearest(k *call, window time.Duration) *call {
	if l == nil {
		return nil
	}
	cs := l.calls
	at := func(t time.Time) int { // the first index at or after t
		i, _ := slices.BinarySearchFunc(cs, t, func(c *call, t time.Time) int { return c.t.Compare(t) })
		return i
	}
	live := func(i int) int { // the first live index from i
		for i < len(cs) && l.isDead(cs[i]) {
			i++
		}
		return i
	}
	pos := at(k.t)
	var best *call
	if i := live(pos); i < len(cs) && cs[i].t.Sub(k.t) <= window {
		best = cs[i]
	}
	j := pos - 1
	for j >= 0 && l.isDead(cs[j]) {
		j--
	}
	if j >= 0 && k.t.Sub(cs[j].t) <= window {
		left := cs[live(at(cs[j].t))] // the smallest ID at that time
		if dl := k.t.Sub(left.t); best == nil || dl < best.t.Sub(k.t) || dl == best.t.Sub(k.t) && left.minID < best.minID {
			best = left
		}
	}
	return best
}

// uploadIndex finds held uploads by principal and bucket (KMS calls with
// an S3 Bucket Key name only the bucket) and by principal and object.
type uploadIndex struct {
	free               bool
	byBucket, byObject map[string]*uploadList
}

func newUploadIndex(free bool) uploadIndex {
	return uploadIndex{free: free, byBucket: map[string]*uploadList{}, byObject: map[string]*uploadList{}}
}

// lists yields the lists an upload is in.
func (x uploadIndex) lists(c *call) iter.Seq2[map[string]*uploadList, string] {
	return func(yield func(map[string]*uploadList, string) bool) {
		_ = yield(x.byBucket, c.corr) && yield(x.byObject, c.objectCorr())
	}
}

func (x uploadIndex) add(c *call) {
	for m, key := range x.lists(c) {
		l := m[key]
		if l == nil {
			l = &uploadList{free: x.free}
			m[key] = l
		}
		l.insert(c)
	}
}

func (x uploadIndex) move(c *call) {
	for m, key := range x.lists(c) {
		m[key].move(c)
	}
}

// drop removes an upload the caller marked dead.
func (x uploadIndex) drop(c *call) {
	for m, key := range x.lists(c) {
		if m[key].drop() {
			delete(m, key)
		}
	}
}

// candidates is the list the KMS call k S3 made may find its upload in.
func (x uploadIndex) candidates(k *call) *uploadList {
	if k.recs[0].d.key == "" {
		return x.byBucket[k.corr]
	}
	return x.byObject[k.objectCorr()]
}

// compareRecords orders the deliveries of a call: the resource owner's copy
// first (it names the bucket's account), then by event ID and origin.
func compareRecords(a, b *Finding) int {
	ownA := len(a.RecipientAccounts) > 0 && a.RecipientAccounts[0] == a.ResourceAccount
	ownB := len(b.RecipientAccounts) > 0 && b.RecipientAccounts[0] == b.ResourceAccount
	switch {
	case ownA && !ownB:
		return -1
	case ownB && !ownA:
		return 1
	}
	return cmp.Or(cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.Origin, b.Origin))
}

// compareHeld is compareRecords for the records the engine holds.
func compareHeld(a, b *Record) int {
	switch {
	case a.owner && !b.owner:
		return -1
	case b.owner && !a.owner:
		return 1
	}
	return cmp.Or(cmp.Compare(a.d.id, b.d.id), compareOrigins(a.file, a.pos, b.file, b.pos))
}

// findings are the findings of a call's records (see Record); buf is
// Record.finding's.
func (c *call) findings(buf *[]byte) ([]Finding, error) {
	fs := make([]Finding, len(c.recs))
	for i := range c.recs {
		var err error
		if fs[i], err = c.recs[i].finding(buf); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// incident builds the finding of a call and the KMS calls S3 made for it
// from their records' findings (buf is Record.finding's). The result
// depends only on the records, not on the order they came in.
func incident(main *call, kms []*call, buf *[]byte) (Finding, error) {
	recs, err := main.findings(buf)
	if err != nil {
		return Finding{}, err
	}
	slices.SortFunc(recs, func(a, b Finding) int { return compareRecords(&a, &b) })
	f := recs[0]
	f.Records = nil
	f.Evidence = slices.Clone(f.Evidence)
	f.Related = slices.Clone(f.Related)
	f.Changes = slices.Clone(f.Changes)

	// Deliveries: the same eventID more than once, other accounts' copies.
	var ids, accounts []string
	for _, r := range recs {
		if !slices.Contains(ids, r.EventID) {
			ids = append(ids, r.EventID)
		}
		for _, a := range r.RecipientAccounts {
			if !slices.Contains(accounts, a) {
				accounts = append(accounts, a)
			}
		}
	}
	slices.Sort(accounts)
	f.RecipientAccounts = accounts
	var dedup []string
	for _, id := range ids {
		var origins []string
		for _, r := range recs {
			if r.EventID == id {
				origins = append(origins, r.Origin)
			}
		}
		if len(origins) > 1 {
			slices.Sort(origins)
			dedup = append(dedup, sprintf("eventID %q was delivered %d times (%s): counted once", id, len(origins), strings.Join(origins, ", ")))
		}
	}
	if len(ids) > 1 {
		others := slices.Clone(ids[1:])
		slices.Sort(others)
		f.Related = append(f.Related, others...)
		dedup = append(dedup, sprintf("sharedEventID %q: the call was delivered to accounts %s as events %s: counted once",
			f.rec.sharedEventID, strings.Join(accounts, " and "), strings.Join(append([]string{f.EventID}, others...), ", ")))
	}

	all := slices.Clone(recs)
	if len(kms) > 0 {
		kms = slices.Clone(kms)
		slices.SortFunc(kms, func(a, b *call) int {
			return cmp.Or(cmp.Compare(a.t.Sub(main.t).Abs(), b.t.Sub(main.t).Abs()), cmp.Compare(a.id(), b.id()))
		})
		var kids []string
		var krecs []Finding
		for _, k := range kms {
			rs, err := k.findings(buf)
			if err != nil {
				return Finding{}, err
			}
			slices.SortFunc(rs, func(a, b Finding) int { return compareRecords(&a, &b) })
			krecs = append(krecs, rs...)
			for _, r := range rs {
				if !slices.Contains(kids, r.EventID) {
					kids = append(kids, r.EventID)
				}
			}
		}
		all = append(all, krecs...)
		f = correlate(f, krecs[0], kids)
		f.Pattern = PatternKey(f) // the layer, action and resource changed
	}
	f.Evidence = append(f.Evidence, dedup...)
	slices.Sort(f.Related)
	f.Related = slices.Compact(f.Related)
	f.Records = all
	if f.Pattern == "" {
		f.Pattern = PatternKey(f) // a record built without NewFinding
	}
	return f, nil
}

// correlate turns the finding of a denied upload into the incident of the
// KMS call k that S3 made for it: the layer, control and key come from the
// KMS event, whose evidence is quoted; kids are the KMS events' IDs.
func correlate(u Finding, k Finding, kids []string) Finding {
	f := u
	// That KMS refused this very upload is certain, so the layer is
	// certain; which KMS control refused may not be: when the KMS event
	// does not name the policy, the evidence says so.
	f.Layer, f.Control, f.Confidence = k.Layer, k.Control, High
	if k.Layer == LayerUnknown {
		f.Layer, f.Control = LayerKMS, ControlKMSKeyPolicy
	}
	controlOpen := k.Confidence != High
	f.KMSKey = cmp.Or(k.KMSKey, u.KMSKey)
	f.Action = cmp.Or(k.Action, u.Action)
	f.Related = append(f.Related, kids...)
	d := k.EventTime.Sub(u.EventTime)
	when := "at the same second"
	if d != 0 {
		dir := "after"
		if d < 0 {
			dir, d = "before", -d
		}
		when = d.String() + " " + dir + " the upload"
	}
	ev := []string{sprintf("correlated KMS event %q (%s, %s): %s %s by the same principal, invoked by S3 for %s, failed with %s",
		k.EventID, timeRFC3339(k.EventTime), when, k.Action, cmp.Or(k.KMSKey, "(key not resolved)"), s3ObjectARN(&u), k.ErrorCode)}
	if k.ErrorMessage != "" {
		ev = append(ev, sprintf("KMS event errorMessage: %q", clip(k.ErrorMessage, 300)))
	}
	if len(kids) > 1 {
		ev = append(ev, sprintf("%d KMS events in all were refused for this upload: %s", len(kids), strings.Join(kids, ", ")))
	}
	if controlOpen {
		ev = append(ev, sprintf("the KMS event does not name the policy that refused it: %s is the likelier control (%s confidence on its own); the remediation says what tells the causes apart", f.Control, k.Confidence))
	}
	for _, e := range k.Evidence {
		if !strings.HasPrefix(e, "errorCode: ") && !strings.HasPrefix(e, "errorMessage: ") {
			ev = append(ev, "KMS event "+e)
		}
	}
	for _, e := range u.Evidence {
		ev = append(ev, "S3 event "+e)
	}
	f.Evidence = ev
	f.Remediation, f.Cause, f.Commands = remedyCorrelated(&u, &k)
	return f
}

// s3ObjectARN is the S3 ARN of a finding's object, or of its bucket.
func s3ObjectARN(f *Finding) string {
	arn := "arn:" + partition(f.Region) + ":s3:::" + f.Bucket
	if f.Key != "" {
		arn += "/" + f.Key
	}
	return arn
}

func timeRFC3339(t time.Time) string {
	if t.IsZero() {
		return "time unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
