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
// S3 made) and its raw JSON, which the engine parses and judges again
// when it emits the incident. So the window holds a record's bytes and a
// few keys, not its verdict: a storm of thousands of retries a minute fits
// in a few hundred bytes per record beyond the record itself.
//
// A Record's binary form (AppendBinary) sorts as bytes in the order the
// engine wants its records: by event time, then origin and raw JSON.
type Record struct {
	d      delivery
	t      time.Time
	shared string // sharedEventID
	file   string // the origin, split by splitOrigin so that the engine shares file
	upload bool   // isUpload
	viaS3  bool   // a KMS call S3 made on the caller's behalf
	owner  bool   // the resource owner's copy: compareRecords puts it first
	pos    int32
	raw    []byte
	src    io.ReaderAt // or, raw not held: the binary form, n bytes at off in src
	off    int64
	n      int
	f      *Finding // the finding itself, for Engine.Add; nil: judge raw
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

// NewRecord returns the record the engine holds of a failed event, read
// from raw (its JSON, which the Record keeps; Parse(raw) must give ev
// again) and origin.
func NewRecord(ev *Event, raw []byte, origin string) Record {
	// Correlation needs the layer and confidence of the verdict (isUpload),
	// not the rest of it.
	var v Verdict
	if ev.Failed() {
		v.Layer, _, v.Confidence = newFacts(ev).decide()
	}
	f := NewFinding(ev, v, origin)
	r := recordOf(&f)
	r.raw = raw
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

// recordOf returns the keys of a finding's record, without raw or f.
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

// finding is the record judged: the finding NewFinding makes of it.
func (r *Record) finding() (Finding, error) {
	if r.f != nil {
		return *r.f, nil
	}
	raw := r.raw
	if raw == nil && r.src != nil {
		b := make([]byte, r.n)
		if _, err := r.src.ReadAt(b, r.off); err != nil {
			return Finding{}, fmt.Errorf("%s: read again: %w", r.origin(), err)
		}
		var again Record
		if err := again.unmarshal(b, false); err != nil {
			return Finding{}, fmt.Errorf("%s: read again: %w", r.origin(), err)
		}
		raw = again.raw
	}
	ev, err := Parse(raw)
	if err != nil {
		return Finding{}, fmt.Errorf("%s: parse again: %w", r.origin(), err) // it parsed once
	}
	return NewFinding(ev, Judge(ev), r.origin()), nil
}

// Record flags in the binary form.
const (
	flagUpload = 1 << iota
	flagViaS3
	flagOwner
)

// AppendBinary appends the record's binary form: its event time (12
// bytes, in order), origin and raw JSON, then its keys and their length
// (4 bytes). A record made by Engine.Add has no binary form.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	if r.f != nil {
		return b, errors.New("classify: record of a finding: no raw JSON")
	}
	b = binary.BigEndian.AppendUint64(b, uint64(r.d.sec)^1<<63)
	b = binary.BigEndian.AppendUint32(b, uint32(r.d.nsec))
	b = appendOrigin(b, r.file, r.pos)
	b = append(b, r.raw...)
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
// at off: the record holds its keys, not its raw JSON, and reads the raw
// JSON from src again when the engine judges it (src must stay readable
// until the engine is closed).
func (r *Record) UnmarshalBinaryAt(b []byte, src io.ReaderAt, off int64) error {
	if err := r.unmarshal(b, false); err != nil {
		return err
	}
	r.raw, r.src, r.off, r.n = nil, src, off, len(b)
	return nil
}

// unmarshal sets the record from its binary form, raw JSON and all,
// copied when keep is set (else r.raw is a part of b).
func (r *Record) unmarshal(b []byte, keep bool) error {
	if len(b) < 12+4 {
		return errRecord
	}
	sec, nsec := int64(binary.BigEndian.Uint64(b)^1<<63), int32(binary.BigEndian.Uint32(b[8:]))
	n := int(binary.BigEndian.Uint32(b[len(b)-4:]))
	if n > len(b)-12-4 {
		return errRecord
	}
	keys := b[len(b)-4-n : len(b)-4]
	rest := b[12 : len(b)-4-n]
	var origin string
	var ok bool
	if origin, rest, ok = cutString(rest); !ok {
		return errRecord
	}
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
		raw:    rest,
	}
	if keep {
		r.raw = bytes.Clone(rest)
	}
	return nil
}

func cutString(b []byte) (string, []byte, bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return "", nil, false
	}
	return string(b[w : w+int(n)]), b[w+int(n):], true
}
