package classify

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of EngineConfig.
const (
	// DefaultWindow is how far apart a denied upload and the KMS call S3
	// made for it may be. S3 calls KMS while it handles the request, so the
	// two event times are normally the same second; the slack covers clock
	// skew between services and retried requests.
	DefaultWindow = 2 * time.Minute
	// DefaultLateness is how far out of event-time order records may
	// arrive: a CloudTrail log file holds the calls of roughly the 5 to 15
	// minutes before its delivery, in no order, and workers read files in
	// parallel.
	DefaultLateness = 15 * time.Minute
)

// slotWidth is the granularity of the window: calls are held in one-minute
// slots of event time and leave a slot at a time.
const slotWidth = 60 // seconds

// EngineConfig bounds the engine's state. The zero value uses the defaults.
type EngineConfig struct {
	// Window is how far apart in event time a denied upload and a KMS call
	// S3 made for it may be to count as one incident (DefaultWindow).
	Window time.Duration
	// Lateness is how far out of event-time order records may arrive
	// (DefaultLateness). Records later than that are still reported, but
	// may miss their partner in the window; Finish joins them. A scan
	// that sorts its records first needs only a small one.
	Lateness time.Duration
	// MaxChanges caps the policy and configuration changes held (65536).
	MaxChanges int
	// Workers is the number of goroutines that read back the findings of
	// the records of the incidents the engine emits and build them, a
	// batch at a time (GOMAXPROCS when 0).
	Workers int
}

// Engine turns classified events into findings, in the single goroutine
// that sees every event of a scan: it reports each call once however many
// times it was delivered, joins a denied upload and the KMS call S3 made
// for it into one incident, and keeps an index of the policy and
// configuration changes it sees so that Attach can say what changed before
// each denial.
//
// The state is bounded by event time, not by the length of the stream.
// The frontier is the event time of the latest failed record that arrived;
// a call is held while its event time is within Lateness+Window of the
// frontier, a denied upload one Window and one minute longer (so that the
// KMS calls near it have chosen it first), and then emitted. Because the
// distance counts in both directions, a stream rising with jitter (log
// files) and a falling one (the CloudTrail API's newest-first pages) work
// alike. So the engine holds at most the failed records within
// Lateness+2×Window+1m of the frontier (with the defaults, 20 minutes of
// failures), plus the change index: at most 8 changes per bucket, key, role
// or organization target and MaxChanges in all, and a few changes and times
// per pattern for Attach. A record fed with AddRecord is held as its keys
// and its finding's binary form (or only its keys, when that stays on
// disk), not as a Finding: the engine reads back the findings of an
// incident's records when it emits it, a batch of incidents at a time
// across EngineConfig.Workers, and emits them in order.
//
// Fed in event-time order (scan sorts its records on disk first; Finish
// sorts what it is given), the engine emits in event-time order, then
// event ID and origin, and its findings do not depend on the order the
// records were read in. Records that arrive more than Lateness out of
// order still count, but may miss their partner; Finish joins what the
// window could not.
type Engine struct {
	emit                func(Finding)
	cfg                 EngineConfig
	window, near, far   time.Duration
	frontier            time.Time
	others, uploadSlots []*slot // by start time
	byID                map[delivery]*call
	byShared            map[string]*call
	uploads             uploadIndex // held uploads
	freeUploads         uploadIndex // held uploads no KMS call joined yet
	changes             *changeIndex
	held, peak          int       // records held now and at most
	firstSeen, lastSeen time.Time // event times of every event seen, changes included
	out                 pendingHeap
	ready               []pending // popped from out, to be built and emitted in order
	workers             int
	deadline            time.Time                // see CloseBy
	late                bool                     // past deadline: nothing more is emitted
	batches             int                      // emitted since CloseBy began
	err                 error                    // the first record whose finding could not be read again
	patterns            map[string]*patternStats // by pattern ID, for Attach
	strs                map[string]string        // see intern
}

// emitBatch is how many incidents the engine builds at once, in parallel.
const emitBatch = 256

// maxInterned bounds the strings the engine interns; it starts afresh
// when it holds that many.
const maxInterned = 1 << 14

// intern makes the keys of a held record that repeat (its source, name,
// principal, bucket and key, and the file of its origin) share the memory
// of equal ones: the retries of a storm differ in little but their IDs and
// times, and the records of one log file share its path.
func (e *Engine) intern(r *Record) {
	for _, p := range []*string{&r.d.source, &r.d.name, &r.d.principal, &r.d.bucket, &r.d.key, &r.file} {
		if t, ok := e.strs[*p]; ok {
			*p = t
			continue
		}
		if len(e.strs) >= maxInterned {
			clear(e.strs)
		}
		e.strs[*p] = *p
	}
}

// slot holds the calls whose event time falls in one minute.
type slot struct {
	start int64 // Unix seconds, a multiple of slotWidth
	calls []*call
}

// NewEngine returns an engine with the given bounds that passes each
// finding to emit. The findings it emits have no changes yet: see Attach.
func NewEngine(cfg EngineConfig, emit func(Finding)) *Engine {
	w := cmp.Or(max(cfg.Window, 0), DefaultWindow)
	l := cmp.Or(max(cfg.Lateness, 0), DefaultLateness)
	return &Engine{
		emit:        emit,
		cfg:         cfg,
		window:      w,
		near:        l + w,
		far:         l + 2*w + slotWidth*time.Second,
		byID:        map[delivery]*call{},
		byShared:    map[string]*call{},
		uploads:     newUploadIndex(false),
		freeUploads: newUploadIndex(true),
		changes:     newChangeIndex(cfg.MaxChanges),
		patterns:    map[string]*patternStats{},
		strs:        map[string]string{},
		workers:     cmp.Or(max(cfg.Workers, 0), runtime.GOMAXPROCS(0)),
	}
}

// Window is the correlation window the engine uses.
func (e *Engine) Window() time.Duration { return e.window }

// Add takes one event that passed the filter, with its verdict (the zero
// Verdict for events that are not failures) and its origin. Successful
// changes go to the change index; failures into the window, from which
// findings are emitted as the frontier moves on.
func (e *Engine) Add(ev *Event, v Verdict, origin string) {
	if !ev.Failed() {
		e.AddChange(ev)
		return
	}
	e.addFinding(NewFinding(ev, v, origin))
}

// AddRecord takes one failed record, as Add takes its event and verdict:
// read back from its binary form (NewRecord, AppendBinary, then
// UnmarshalBinary or UnmarshalBinaryAt), the engine holds its keys and no
// more than that form until it emits its incident (see Err).
func (e *Engine) AddRecord(r Record) { e.add(r) }

// addFinding puts a judged record into the window, as it is.
func (e *Engine) addFinding(f Finding) {
	r := recordOf(&f)
	r.f = &f
	e.add(r)
}

// Err returns the first error the engine met reading a record's finding
// again (a record of AddRecord whose binary form can no longer be read):
// its incident was reported without it.
func (e *Engine) Err() error { return e.err }

// AddChange takes one successful event that passed the filter: a policy
// or configuration change goes to the change index, anything else is
// ignored. A scan hands the engine every change before the first failure,
// so that Attach sees them all.
func (e *Engine) AddChange(ev *Event) {
	if c, ok := newChange(ev); ok {
		// What was ready to emit was emitted before this change came.
		e.drain()
		e.changes.add(c)
		e.see(ev.EventTime)
	}
}

// add puts a failed record into the window.
func (e *Engine) add(r Record) {
	e.intern(&r)
	e.see(r.t)
	if r.t.IsZero() {
		// Nothing to correlate by; Finish still joins its copies.
		e.release(newCall(r))
		return
	}
	var c *call
	if r.d.id != "" {
		c = e.byID[r.d]
	}
	if c == nil || r.d.id == "" {
		c = e.byShared[r.shared]
		if r.shared == "" {
			c = nil
		}
	}
	e.held++
	e.peak = max(e.peak, e.held)
	if c != nil {
		wasUpload, id := c.upload, c.minID
		c.add(r)
		e.index(c, &r)
		switch {
		case c.upload && !wasUpload:
			e.promote(c)
		case c.upload && c.minID != id:
			e.repend(c) // its place in the lists is by ID too
		}
	} else {
		c = newCall(r)
		e.index(c, &r)
		e.insert(c)
	}
	e.frontier = r.t
	e.evict(false)
}

// see widens the range of event times seen.
func (e *Engine) see(t time.Time) {
	if t.IsZero() {
		return
	}
	if e.firstSeen.IsZero() || t.Before(e.firstSeen) {
		e.firstSeen = t
	}
	if t.After(e.lastSeen) {
		e.lastSeen = t
	}
}

// index makes a call findable by a record's eventID and sharedEventID.
func (e *Engine) index(c *call, r *Record) {
	if r.d.id != "" {
		e.byID[r.d] = c
	}
	if s := r.shared; s != "" {
		e.byShared[s] = c
	}
}

// insert puts a new call into its slot.
func (e *Engine) insert(c *call) {
	c.slot = c.t.Unix() - mod(c.t.Unix(), slotWidth)
	list := &e.others
	if c.upload {
		list = &e.uploadSlots
		e.pend(c)
	}
	i, found := slices.BinarySearchFunc(*list, c.slot, func(s *slot, t int64) int { return cmp.Compare(s.start, t) })
	if !found {
		*list = slices.Insert(*list, i, &slot{start: c.slot})
	}
	(*list)[i].calls = append((*list)[i].calls, c)
}

// pend makes a held upload a candidate for the KMS calls S3 made.
func (e *Engine) pend(c *call) {
	if c.corr != "" {
		e.uploads.add(c)
		e.freeUploads.add(c)
	}
}

// repend moves a held upload whose ID changed.
func (e *Engine) repend(c *call) {
	if c.corr == "" {
		return
	}
	e.uploads.move(c)
	if !c.taken {
		e.freeUploads.move(c)
	}
}

// unpend removes an upload that leaves the window from the candidates.
func (e *Engine) unpend(c *call) {
	if c.corr == "" || c.gone {
		return
	}
	c.gone = true
	e.uploads.drop(c)
	if !c.taken {
		e.freeUploads.drop(c)
	}
}

// join gives the KMS call k S3 made to its upload: the nearest one no
// other KMS call joined yet (each retry of a storm has its own), else the
// nearest. It reports whether there was one.
func (e *Engine) join(k *call) bool {
	u := e.freeUploads.candidates(k).nearest(k, e.window)
	if u == nil {
		u = e.uploads.candidates(k).nearest(k, e.window)
	}
	if u == nil {
		return false
	}
	if !u.taken {
		u.taken = true
		e.freeUploads.drop(u)
	}
	u.kms = append(u.kms, k) // reported with the upload
	return true
}

// promote moves a call that a later copy showed to be an upload.
func (e *Engine) promote(c *call) {
	i, found := slices.BinarySearchFunc(e.others, c.slot, func(s *slot, t int64) int { return cmp.Compare(s.start, t) })
	if found {
		s := e.others[i]
		s.calls = slices.DeleteFunc(s.calls, func(x *call) bool { return x == c })
		if len(s.calls) == 0 {
			e.others = slices.Delete(e.others, i, i+1)
		}
	}
	e.insert(c)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// evict emits the calls that have left the window (all of them when
// flush is set). KMS calls and others go first, so that each KMS call S3
// made has joined its upload before the upload is emitted.
func (e *Engine) evict(flush bool) {
	lo := func(d time.Duration) int64 { return e.frontier.Add(-d).Unix() }
	hi := func(d time.Duration) int64 { return e.frontier.Add(d).Unix() }
	for _, pass := range [...]struct {
		list *[]*slot
		d    time.Duration
	}{{&e.others, e.near}, {&e.uploadSlots, e.far}} {
		l := pass.list
		for len(*l) > 0 && (flush || (*l)[0].start+slotWidth <= lo(pass.d)) {
			e.evictSlot((*l)[0])
			(*l)[0] = nil
			*l = (*l)[1:]
		}
		for len(*l) > 0 && (*l)[len(*l)-1].start >= hi(pass.d) {
			e.evictSlot((*l)[len(*l)-1])
			*l = (*l)[:len(*l)-1]
		}
		if len(*l) == 0 {
			*l = nil // let the backing array go
		}
	}
	// Emit in event-time order what no held call can precede any more:
	// every call still held is within far (and its slot) of the frontier.
	edge := e.far + slotWidth*time.Second
	for len(e.out) > 0 {
		t := e.out[0].t
		if !flush && !t.IsZero() && !t.Before(e.frontier.Add(-edge)) && !t.After(e.frontier.Add(edge)) {
			break
		}
		e.ready = append(e.ready, e.out.pop())
		if len(e.ready) == emitBatch {
			e.drain()
		}
	}
}

// drain builds the incidents ready to be emitted, in parallel, and emits
// them in order.
func (e *Engine) drain() {
	if !e.deadline.IsZero() && e.batches > 0 && !time.Now().Before(e.deadline) {
		e.late = true
	}
	if e.late {
		clear(e.ready)
		e.ready = e.ready[:0]
		return
	}
	if len(e.ready) == 0 {
		return
	}
	fs := make([]Finding, len(e.ready))
	errs := make([]error, len(e.ready))
	rel := make([][]*change, len(e.ready)) // the changes relevant to each, for observe
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(e.workers, len(e.ready)) {
		wg.Go(func() {
			var buf []byte
			for i := int(next.Add(1) - 1); i < len(fs); i = int(next.Add(1) - 1) {
				p := e.ready[i]
				if fs[i], errs[i] = incident(p.main, p.main.kms, &buf); errs[i] == nil {
					rel[i] = e.changes.relevant(&fs[i]) // nothing changes the index meanwhile
				}
			}
		})
	}
	wg.Wait()
	e.batches++
	clear(e.ready)
	e.ready = e.ready[:0]
	for i := range fs {
		if errs[i] != nil {
			e.err = cmp.Or(e.err, errs[i])
			continue
		}
		e.observe(&fs[i], rel[i])
		e.emit(fs[i])
	}
}

// evictSlot releases a slot's calls, in a fixed order (KMS calls choose
// their uploads in it).
func (e *Engine) evictSlot(s *slot) {
	slices.SortStableFunc(s.calls, compareCalls)
	for _, c := range s.calls {
		e.unindex(c)
		if !c.upload && c.viaS3 && c.corr != "" && e.join(c) {
			continue
		}
		if c.upload {
			e.unpend(c)
		}
		n := len(c.recs)
		for _, k := range c.kms {
			n += len(k.recs)
		}
		e.held -= n
		e.release(c)
	}
}

// release queues the incident of a call (and the KMS calls S3 made for
// it) to be built and emitted in event-time order.
func (e *Engine) release(c *call) {
	head := slices.MinFunc(c.recs, func(a, b Record) int { return compareHeld(&a, &b) })
	e.out.push(pending{main: c, t: head.t, id: head.d.id, file: head.file, pos: head.pos})
}

// unindex forgets a call's IDs.
func (e *Engine) unindex(c *call) {
	for _, r := range c.recs {
		if r.d.id != "" && e.byID[r.d] == c {
			delete(e.byID, r.d)
		}
		if s := r.shared; s != "" && e.byShared[s] == c {
			delete(e.byShared, s)
		}
	}
}

// Close emits whatever the engine still holds.
func (e *Engine) Close() { e.CloseBy(time.Time{}) }

// CloseBy is Close for a caller that must stop by deadline (none when
// zero): it emits at least the first batch of incidents, but past the
// deadline it stops emitting, drops what it still holds and reports false;
// the findings emitted are then those up to some event time.
func (e *Engine) CloseBy(deadline time.Time) bool {
	e.deadline, e.batches = deadline, 0
	e.evict(true)
	e.drain()
	if e.late {
		e.drop()
		return false
	}
	return true
}

// drop forgets what the engine holds.
func (e *Engine) drop() {
	clear(e.ready)
	e.ready = e.ready[:0]
	clear(e.byID)
	clear(e.byShared)
	e.others, e.uploadSlots, e.out = nil, nil, nil
	e.uploads, e.freeUploads = newUploadIndex(false), newUploadIndex(true)
	e.held = 0
}

// Held returns the number of failed records the engine holds now and the
// most it held at once, for tests and measurements of the bound.
func (e *Engine) Held() (now, peak int) { return e.held, e.peak }

// Changes returns the number of changes in the change index.
func (e *Engine) Changes() int { return e.changes.len() }

// pending is an incident to be emitted: a call, with the KMS calls S3
// made for it, and the event time, event ID and origin of its finding.
type pending struct {
	main     *call
	t        time.Time
	id, file string // and pos: the head record's ID and origin (splitOrigin)
	pos      int32
}

// pendingHeap orders incidents by event time, event ID and origin, as
// compareFindings orders their findings: a binary heap, as container/heap
// keeps one, without boxing each incident in an interface.
type pendingHeap []pending

func compareFindings(a, b *Finding) int {
	return cmp.Or(a.EventTime.Compare(b.EventTime), cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.Origin, b.Origin))
}

func (h pendingHeap) less(i, j int) bool {
	a, b := &h[i], &h[j]
	if c := a.t.Compare(b.t); c != 0 {
		return c < 0
	}
	if a.id != b.id {
		return a.id < b.id
	}
	return compareOrigins(a.file, a.pos, b.file, b.pos) < 0
}

func (h *pendingHeap) push(p pending) {
	*h = append(*h, p)
	s := *h
	for j := len(s) - 1; j > 0; {
		i := (j - 1) / 2 // parent
		if !s.less(j, i) {
			break
		}
		s[i], s[j] = s[j], s[i]
		j = i
	}
}

// pop removes and returns the first incident.
func (h *pendingHeap) pop() pending {
	s := *h
	n := len(s) - 1
	s[0], s[n] = s[n], s[0]
	for i := 0; ; {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j2 := j + 1; j2 < n && s.less(j2, j) {
			j = j2
		}
		if !s.less(j, i) {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	p := s[n]
	s[n] = pending{}
	*h = s[:n]
	if n == 0 {
		*h = nil
	}
	return p
}
