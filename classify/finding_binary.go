package classify

import (
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"
)

// A Finding's binary form keeps the findings a scan lists on disk until
// they are rendered: reading it back costs a fraction of decoding their
// JSON. It is every exported field, in order: a string as its length
// (uvarint) and bytes (appendString), a time as its zone (UTC, or an offset) and Unix
// seconds and nanoseconds (varints), a list as its length plus one (0 for
// nil, so that nil and empty lists stay apart: appendCount), the Integrity pointer as a
// list of at most one. One field list, Finding.fields, serves both
// directions. The fields only the engine reads (what correlation keeps
// beyond the keys) are not part of it, as they are not of the JSON.

// AppendBinary appends the finding's binary form, its Records included;
// UnmarshalBinary reads it back. It never fails; the error is
// encoding.BinaryAppender's.
func (f *Finding) AppendBinary(b []byte) ([]byte, error) {
	e := binaryEncoder{b: b}
	f.fields(&e)
	return e.b, nil
}

// UnmarshalBinary sets the finding from its binary form (AppendBinary).
// Every exported field comes back as it was, except that, as in a JSON
// round trip through encoding/json, each byte of a string that is not
// valid UTF-8 comes back as U+FFFD. The strings of one finding share one
// copy of b.
func (f *Finding) UnmarshalBinary(b []byte) error {
	d := binaryDecoder{bodyReader{s: string(b), ok: true}}
	*f = Finding{}
	f.fields(&d)
	if !d.ok || d.s != "" {
		*f = Finding{}
		return errFinding
	}
	return nil
}

// fields visits every exported field of f, in order, for the binary form.
// A test fills every exported field by reflection, so a field added to
// Finding, Command, Change or Integrity and not visited here fails it.
func (f *Finding) fields(c fieldCodec) {
	c.str(&f.EventID)
	c.time(&f.EventTime)
	for _, s := range [...]*string{&f.EventSource, &f.EventName, &f.ErrorCode, &f.ErrorMessage, &f.Principal,
		&f.PrincipalAccount, &f.ResourceAccount, &f.Region, &f.Bucket, &f.Key, &f.KMSKey, &f.SourceIPAddress,
		&f.VPCEndpointID, (*string)(&f.Layer), (*string)(&f.Control), (*string)(&f.Confidence)} {
		c.str(s)
	}
	strList(c, &f.Evidence)
	c.str(&f.Remediation)
	c.str(&f.Cause)
	list(c, &f.Commands, func(x *Command) {
		c.str((*string)(&x.Kind))
		c.str(&x.Summary)
		strList(c, &x.Argv)
		c.str(&x.Line)
	})
	strList(c, &f.Related)
	c.str(&f.Origin)
	c.str(&f.Action)
	c.str(&f.Role)
	strList(c, &f.RecipientAccounts)
	list(c, &f.Changes, func(x *Change) {
		c.str(&x.EventID)
		c.time(&x.EventTime)
		for _, s := range [...]*string{&x.EventSource, &x.EventName, &x.Principal, &x.Target, &x.Detail, &x.Relation, &x.Lead} {
			c.str(s)
		}
	})
	c.str(&f.Pattern)
	// Integrity is a list of at most one.
	var in []Integrity
	if f.Integrity != nil {
		in = []Integrity{*f.Integrity}
	}
	list(c, &in, func(x *Integrity) {
		c.str(&x.Status)
		c.str(&x.Reason)
	})
	if c.decoding() {
		switch {
		case len(in) == 1:
			f.Integrity = &in[0]
		case in != nil:
			c.fail()
		}
	}
	list(c, &f.Records, func(x *Finding) { x.fields(c) })
}

// fieldCodec writes or reads the fields Finding.fields visits.
type fieldCodec interface {
	str(*string)
	time(*time.Time)
	// length writes n+1, or 0 for a nil list; reading, it returns the
	// length read, -1 for nil.
	length(n int, isNil bool) int
	decoding() bool
	fail()
}

// list writes or reads a list whose elements each visits.
func list[T any](c fieldCodec, s *[]T, each func(*T)) {
	n := c.length(len(*s), *s == nil)
	if !c.decoding() {
		for i := range *s {
			each(&(*s)[i])
		}
		return
	}
	if n < 0 {
		*s = nil
		return
	}
	*s = make([]T, n)
	for i := range *s {
		each(&(*s)[i])
	}
}

func strList(c fieldCodec, s *[]string) {
	list(c, s, c.str)
}

type binaryEncoder struct {
	b []byte
}

func (e *binaryEncoder) str(s *string) { e.b = appendString(e.b, *s) }

func (e *binaryEncoder) time(t *time.Time) {
	if t.Location() == time.UTC {
		e.b = append(e.b, 0)
	} else {
		_, off := t.Zone()
		e.b = binary.AppendVarint(append(e.b, 1), int64(off))
	}
	e.b = binary.AppendVarint(e.b, t.Unix())
	e.b = binary.AppendUvarint(e.b, uint64(t.Nanosecond()))
}

func (e *binaryEncoder) length(n int, isNil bool) int {
	e.b = appendCount(e.b, isNil, n)
	return n
}

func (e *binaryEncoder) decoding() bool { return false }
func (e *binaryEncoder) fail()          {}

// binaryDecoder reads the binary form with a record's bodyReader: after
// the first thing it cannot read, it reads only zero values.
type binaryDecoder struct {
	bodyReader
}

var errFinding = errors.New("classify: bad binary finding")

func (d *binaryDecoder) fail() {
	d.ok, d.s = false, ""
}

func (d *binaryDecoder) str(s *string) {
	*s = validUTF8(d.bodyReader.str())
}

// time reads a time as a JSON round trip gives it back: in UTC, else in
// the local zone when it has the offset there, else in a fixed zone.
func (d *binaryDecoder) time(t *time.Time) {
	if d.s == "" || d.s[0] > 1 {
		d.fail()
		return
	}
	zoned := d.s[0] == 1
	d.s = d.s[1:]
	var off int64
	if zoned {
		off = d.varint()
	}
	sec, nsec := d.varint(), d.uvarint()
	if !d.ok || nsec >= 1e9 || off < -1<<31 || off >= 1<<31 {
		d.fail()
		return
	}
	*t = time.Unix(sec, int64(nsec)).UTC()
	if zoned {
		if _, local := t.In(time.Local).Zone(); int64(local) == off {
			*t = t.In(time.Local)
		} else {
			*t = t.In(time.FixedZone("", int(off)))
		}
	}
}

func (d *binaryDecoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *binaryDecoder) length(int, bool) int {
	n, isNil := d.count()
	if isNil {
		return -1
	}
	return n
}

func (d *binaryDecoder) decoding() bool { return true }

// validUTF8 returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as encoding/json encodes it (strings.ToValidUTF8
// would replace a run of such bytes by one).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}
