package classify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Record is a failed record as the engine holds it while it correlates:
// what correlation reads (its IDs, time, principal, bucket and key, and
// whether it is an upload S3 may have failed for KMS's sake or a KMS call
// S3 made) and its finding, judged once (NewRecord), which the engine
// emits with its incident. Read back from its binary form the record holds
// the finding as those bytes (UnmarshalBinary), or only its keys, the
// bytes staying on disk (UnmarshalBinaryAt): so the window holds a few
// keys per record, not its verdict, and a storm of thousands of retries a
// minute fits in a few hundred bytes per record.
//
// A Record's binary form (AppendBinary) sorts as bytes in the order the
// engine wants its records: by event time, then origin and finding.
type Record struct {
	d      delivery
	t      time.Time
	shared string // sharedEventID
	file   string // the origin, split by splitOrigin so that the engine shares file
	upload bool   // isUpload
	viaS3  bool   // a KMS call S3 made on the caller's behalf
	owner  bool   // the resource owner's copy: compareRecords puts it first
	pos    int32
	f      *Finding    // the finding itself (NewRecord, Engine.Add), or
	body   string      // its binary form beyond the keys (appendBody), or,
	src    io.ReaderAt // neither held, the record's binary form: n bytes at off in src
	off    int64
	n      int
}

// delivery identifies the deliveries of one event: the same eventID, and
// the same call by the same principal on the same object at the same
// time. CloudTrail's eventIDs are unique UUIDs, but exported and hand-made
// samples reuse IDs for different events; those are not one event and
// must not be counted once. Records without an eventID are never joined
// by ID.
type delivery struct {
	id, source, name       string
	sec                    int64
	nsec                   int32
	principal, bucket, key string
}

// NewRecord returns the record the engine holds of a failed event judged
// v (Judge(ev)) and read at origin, as Engine.Add takes them: its binary
// form (AppendBinary) carries the finding, so that the record is parsed
// and judged once.
func NewRecord(ev *Event, v Verdict, origin string) Record {
	f := NewFinding(ev, v, origin)
	r := recordOf(&f)
	r.f = &f
	return r
}

// splitOrigin splits an origin into what the records of one input share
// (before its last '#') and the record's position in it, so that a held
// record does not hold its own copy of a long path: joinOrigin gives the
// origin back, byte for byte. An origin that does not end in '#' and a
// canonical decimal int32 is all file, pos -1.
func splitOrigin(origin string) (file string, pos int32) {
	i := strings.LastIndexByte(origin, '#')
	if i < 0 {
		return origin, -1
	}
	n, err := strconv.ParseInt(origin[i+1:], 10, 32)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != origin[i+1:] {
		return origin, -1
	}
	return origin[:i], int32(n)
}

// joinOrigin is the origin splitOrigin split.
func joinOrigin(file string, pos int32) string {
	if pos < 0 {
		return file
	}
	return file + "#" + strconv.Itoa(int(pos))
}

// compareOrigins compares two split origins as their joined strings,
// without joining them: it orders the heap of pending incidents and the
// records of a call, so it must not allocate.
func compareOrigins(afile string, apos int32, bfile string, bpos int32) int {
	if afile == bfile && apos == bpos {
		return 0
	}
	n := min(len(afile), len(bfile))
	if c := strings.Compare(afile[:n], bfile[:n]); c != 0 {
		return c
	}
	// One file is a prefix of the other: what follows the common part is
	// the shorter one's "#pos" (at most 11 bytes) against the rest of the
	// longer one, whose first 12 bytes decide.
	var x, y [24]byte
	a := appendTail(x[:0], afile[n:], apos)
	b := appendTail(y[:0], bfile[n:], bpos)
	return bytes.Compare(a, b)
}

// appendTail appends the first 12 bytes at most of rest + "#pos" (nothing
// after rest when pos < 0).
func appendTail(b []byte, rest string, pos int32) []byte {
	b = append(b, rest[:min(len(rest), 12)]...)
	if len(b) < 12 && pos >= 0 {
		b = strconv.AppendInt(append(b, '#'), int64(pos), 10)
	}
	return b[:min(len(b), 12)]
}

// origin is where the record was read.
func (r *Record) origin() string { return joinOrigin(r.file, r.pos) }

// recordOf returns the keys of a finding's record, without the finding.
func recordOf(f *Finding) Record {
	t := f.EventTime
	file, pos := splitOrigin(f.Origin)
	return Record{
		d: delivery{id: f.EventID, source: f.EventSource, name: f.EventName, sec: t.Unix(), nsec: int32(t.Nanosecond()),
			principal: f.Principal, bucket: f.Bucket, key: f.Key},
		t:      t,
		shared: f.rec.sharedEventID,
		file:   file,
		pos:    pos,
		upload: isUpload(f),
		viaS3:  f.rec.viaS3,
		owner:  len(f.RecipientAccounts) > 0 && f.RecipientAccounts[0] == f.ResourceAccount,
	}
}

// Time is the record's event time (the zero time when unknown).
func (r *Record) Time() time.Time { return r.t }

// finding is the record judged: the finding NewFinding made of it. A
// record whose binary form stays in src reads it again, into buf (which
// it may grow for the next).
func (r *Record) finding(buf *[]byte) (Finding, error) {
	if r.f != nil {
		return *r.f, nil
	}
	body := r.body
	if body == "" && r.src != nil {
		if cap(*buf) < r.n {
			*buf = make([]byte, r.n)
		}
		b := (*buf)[:r.n]
		if _, err := r.src.ReadAt(b, r.off); err != nil {
			return Finding{}, fmt.Errorf("%s: read again: %w", r.origin(), err)
		}
		_, rest, _, ok := splitBinary(b)
		if !ok {
			return Finding{}, fmt.Errorf("%s: read again: %w", r.origin(), errRecord)
		}
		body = string(rest)
	}
	f, err := r.decodeBody(body)
	if err != nil {
		return Finding{}, fmt.Errorf("%s: read again: %w", r.origin(), err)
	}
	return f, nil
}

// appendBody appends a record's body: its finding's binary form
// (Finding.fields) without the record's keys and origin, which the
// record holds, led by the number of strings in its lists, which
// decodeBody reads into one array. A record's finding is as NewFinding
// and Engine.Add make it: no changes, integrity or records.
func appendBody(b []byte, f *Finding) ([]byte, error) {
	if len(f.Changes) > 0 || f.Integrity != nil || f.Records != nil {
		return b, errors.New("classify: finding of an incident: no record's binary form")
	}
	n := len(f.Evidence) + len(f.Related) + len(f.RecipientAccounts)
	for _, c := range f.Commands {
		n += len(c.Argv)
	}
	c := fieldCodec{b: binary.AppendUvarint(b, uint64(n)), body: true}
	f.fields(&c)
	return c.b, nil
}

// decodeBody is the finding of the record with this body (appendBody):
// its strings share body's memory, but for the keys (shared with the
// engine) and the layer, control, confidence and command kinds
// (constants).
func (r *Record) decodeBody(body string) (Finding, error) {
	d := fieldCodec{s: body, dec: true, ok: true, body: true}
	if n := d.uvarint(); n <= uint64(len(d.s)) { // each takes a byte at least
		d.strs = make([]string, n)
	} else {
		return Finding{}, errRecord
	}
	f := Finding{
		EventID: r.d.id, EventTime: r.t, EventSource: r.d.source, EventName: r.d.name,
		Principal: r.d.principal, Bucket: r.d.bucket, Key: r.d.key, Origin: r.origin(),
		rec: recordInfo{sharedEventID: r.shared, viaS3: r.viaS3},
	}
	f.fields(&d)
	if !d.ok || d.s != "" || len(d.strs) != 0 {
		return Finding{}, errRecord
	}
	return f, nil
}

// Record flags in the binary form.
const (
	flagUpload = 1 << iota
	flagViaS3
	flagOwner
)

// AppendBinary appends the record's binary form: its event time (12
// bytes, in order), origin and finding, then its keys and their length
// (4 bytes). A record read back with UnmarshalBinaryAt has none.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, uint64(r.d.sec)^1<<63)
	b = binary.BigEndian.AppendUint32(b, uint32(r.d.nsec))
	b = appendOrigin(b, r.file, r.pos)
	switch {
	case r.f != nil:
		var err error
		if b, err = appendBody(b, r.f); err != nil {
			return b, err
		}
	case r.body != "":
		b = append(b, r.body...)
	default:
		return b, errors.New("classify: record read without its finding: no binary form")
	}
	n := len(b)
	for _, s := range [...]string{r.d.id, r.d.source, r.d.name, r.d.principal, r.d.bucket, r.d.key, r.shared} {
		b = appendString(b, s)
	}
	var flags byte
	for _, f := range [...]struct {
		on   bool
		flag byte
	}{{r.upload, flagUpload}, {r.viaS3, flagViaS3}, {r.owner, flagOwner}} {
		if f.on {
			flags |= f.flag
		}
	}
	b = append(b, flags)
	return binary.BigEndian.AppendUint32(b, uint32(len(b)-n)), nil
}

// appendOrigin is appendString of joinOrigin(file, pos), without making
// the string.
func appendOrigin(b []byte, file string, pos int32) []byte {
	if pos < 0 {
		return appendString(b, file)
	}
	var digits [11]byte
	d := strconv.AppendInt(digits[:0], int64(pos), 10)
	b = binary.AppendUvarint(b, uint64(len(file)+1+len(d)))
	b = append(append(append(b, file...), '#'), d...)
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errRecord = errors.New("classify: bad binary record")

// UnmarshalBinary sets the record from its binary form (AppendBinary); it
// keeps a copy of what it needs.
func (r *Record) UnmarshalBinary(b []byte) error { return r.unmarshal(b, true) }

// UnmarshalBinaryAt is UnmarshalBinary for a binary form that stays in src
// at off: the record holds its keys, not its finding, and reads the
// finding from src again when the engine emits it (src must stay readable
// until the engine is closed).
func (r *Record) UnmarshalBinaryAt(b []byte, src io.ReaderAt, off int64) error {
	if err := r.unmarshal(b, false); err != nil {
		return err
	}
	r.src, r.off, r.n = src, off, len(b)
	return nil
}

// unmarshal sets the record from its binary form, with a copy of the
// finding's part of it when body is set.
func (r *Record) unmarshal(b []byte, body bool) error {
	origin, rest, keys, ok := splitBinary(b)
	if !ok {
		return errRecord
	}
	sec, nsec := int64(binary.BigEndian.Uint64(b)^1<<63), int32(binary.BigEndian.Uint32(b[8:]))
	var s [7]string
	for i := range s {
		if s[i], keys, ok = cutString(keys); !ok {
			return errRecord
		}
	}
	if len(keys) != 1 {
		return errRecord
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if t.Equal(time.Time{}) {
		t = time.Time{}
	}
	file, pos := splitOrigin(origin)
	*r = Record{
		d:      delivery{id: s[0], source: s[1], name: s[2], sec: sec, nsec: nsec, principal: s[3], bucket: s[4], key: s[5]},
		t:      t,
		shared: s[6],
		file:   file,
		pos:    pos,
		upload: keys[0]&flagUpload != 0,
		viaS3:  keys[0]&flagViaS3 != 0,
		owner:  keys[0]&flagOwner != 0,
	}
	if body {
		r.body = string(rest)
	}
	return nil
}

// splitBinary splits a record's binary form into its origin, finding and
// keys, after the event time's 12 bytes.
func splitBinary(b []byte) (origin string, body, keys []byte, ok bool) {
	if len(b) < 12+4 {
		return "", nil, nil, false
	}
	n := int(binary.BigEndian.Uint32(b[len(b)-4:]))
	if n > len(b)-12-4 {
		return "", nil, nil, false
	}
	keys = b[len(b)-4-n : len(b)-4]
	if origin, body, ok = cutString(b[12 : len(b)-4-n]); !ok || len(body) == 0 {
		return "", nil, nil, false
	}
	return origin, body, keys, true
}

func cutString(b []byte) (string, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}
