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
// directions, and a failed Record's body too (appendBody, without the
// keys the record holds). The fields only the engine reads (what correlation keeps
// beyond the keys) are not part of it, as they are not of the JSON.

// AppendBinary appends the finding's binary form, its Records included;
// UnmarshalBinary reads it back. It never fails; the error is
// encoding.BinaryAppender's.
func (f *Finding) AppendBinary(b []byte) ([]byte, error) {
	c := fieldCodec{b: b}
	f.fields(&c)
	return c.b, nil
}

// UnmarshalBinary sets the finding from its binary form (AppendBinary).
// Every exported field comes back as it was, except that, as in a JSON
// round trip through encoding/json, each byte of a string that is not
// valid UTF-8 comes back as U+FFFD. The strings of one finding share one
// copy of b.
func (f *Finding) UnmarshalBinary(b []byte) error {
	d := fieldCodec{s: string(b), dec: true, ok: true}
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
// Finding, Command, Change or Integrity and not visited here fails it. A
// record's body (a codec with body set: appendBody, decodeBody) skips the
// keys and origin its record holds. Read back, the layer, control,
// confidence and command kinds are the package's constants, so that they
// do not hold the memory they were read from.
func (f *Finding) fields(c *fieldCodec) {
	c.key(&f.EventID)
	if !c.body {
		c.time(&f.EventTime)
	}
	c.key(&f.EventSource)
	c.key(&f.EventName)
	c.str(&f.ErrorCode)
	c.str(&f.ErrorMessage)
	c.key(&f.Principal)
	c.str(&f.PrincipalAccount)
	c.str(&f.ResourceAccount)
	c.str(&f.Region)
	c.key(&f.Bucket)
	c.key(&f.Key)
	for _, s := range [...]*string{&f.KMSKey, &f.SourceIPAddress, &f.VPCEndpointID,
		(*string)(&f.Layer), (*string)(&f.Control), (*string)(&f.Confidence)} {
		c.str(s)
	}
	if c.dec {
		f.Layer = constant(f.Layer, allLayers[:])
		f.Control = constant(f.Control, allControls[:])
		f.Confidence = constant(f.Confidence, []Confidence{High, Medium, Low})
	}
	c.strList(&f.Evidence)
	c.str(&f.Remediation)
	c.str(&f.Cause)
	list(c, &f.Commands, func(x *Command) {
		c.str((*string)(&x.Kind))
		if c.dec {
			x.Kind = constant(x.Kind, []CommandKind{Check, Fix})
		}
		c.str(&x.Summary)
		c.strList(&x.Argv)
		c.str(&x.Line)
	})
	c.strList(&f.Related)
	c.key(&f.Origin)
	c.str(&f.Action)
	c.str(&f.Role)
	c.strList(&f.RecipientAccounts)
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
	if c.dec {
		switch {
		case len(in) == 1:
			f.Integrity = &in[0]
		case in != nil:
			c.fail()
		}
	}
	list(c, &f.Records, func(x *Finding) { x.fields(c) })
}

// fieldCodec writes (into b) or reads (from s) the fields Finding.fields
// visits. One concrete type serves both directions, so that what fields
// visits stays on the stack. Reading, ok is cleared at the first thing
// that cannot be read, after which it reads only zero values. A record's
// body (body set) has no keys; read back, its strings are kept as read,
// so that the finding is the one the engine judged, and its lists are
// parts of strs.
type fieldCodec struct {
	b    []byte // encoding
	s    string // decoding
	strs []string
	dec  bool
	ok   bool
	body bool
}

// list writes or reads a list whose elements each visits.
func list[T any](c *fieldCodec, s *[]T, each func(*T)) {
	n := c.length(len(*s), *s == nil)
	if c.dec {
		if n < 0 {
			*s = nil
			return
		}
		*s = make([]T, n)
	}
	for i := range *s {
		each(&(*s)[i])
	}
}

// key writes or reads one of a record's keys, which a record's body
// does not hold.
func (c *fieldCodec) key(s *string) {
	if !c.body {
		c.str(s)
	}
}

func (c *fieldCodec) fail() {
	c.ok, c.s = false, ""
}

func (c *fieldCodec) str(s *string) {
	switch {
	case !c.dec:
		c.b = appendString(c.b, *s)
	case c.body:
		*s = c.next()
	default:
		*s = validUTF8(c.next())
	}
}

func (c *fieldCodec) strList(l *[]string) {
	n := c.length(len(*l), *l == nil)
	if c.dec {
		switch {
		case n < 0:
			*l = nil
			return
		case c.body && n > len(c.strs):
			c.fail()
			*l = nil
			return
		case c.body:
			*l = c.strs[:n:n]
			c.strs = c.strs[n:]
		default:
			*l = make([]string, n)
		}
	}
	for i := range *l {
		c.str(&(*l)[i])
	}
}

// time writes a time as its zone (0 for UTC, else 1 and its offset),
// Unix seconds and nanoseconds; it reads it as a JSON round trip gives it
// back: in UTC, else in the local zone when it has the offset there, else
// in a fixed zone.
func (c *fieldCodec) time(t *time.Time) {
	if !c.dec {
		if t.Location() == time.UTC {
			c.b = append(c.b, 0)
		} else {
			_, off := t.Zone()
			c.b = binary.AppendVarint(append(c.b, 1), int64(off))
		}
		c.b = binary.AppendVarint(c.b, t.Unix())
		c.b = binary.AppendUvarint(c.b, uint64(t.Nanosecond()))
		return
	}
	if c.s == "" || c.s[0] > 1 {
		c.fail()
		return
	}
	zoned := c.s[0] == 1
	c.s = c.s[1:]
	var off int64
	if zoned {
		off = c.varint()
	}
	sec, nsec := c.varint(), c.uvarint()
	if !c.ok || nsec >= 1e9 || off < -1<<31 || off >= 1<<31 {
		c.fail()
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

// length writes n+1, or 0 for a nil list (appendCount); reading, it
// returns the length read, -1 for nil.
func (c *fieldCodec) length(n int, isNil bool) int {
	if !c.dec {
		c.b = appendCount(c.b, isNil, n)
		return n
	}
	u := c.uvarint()
	if u == 0 || u-1 > uint64(len(c.s)) { // each element takes a byte at least
		if u != 0 {
			c.fail()
		}
		return -1
	}
	return int(u - 1)
}

// appendCount appends the length of a slice, or that it is nil.
func appendCount(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

var errFinding = errors.New("classify: bad binary finding")

func (c *fieldCodec) uvarint() uint64 {
	var x uint64
	for i := 0; i < len(c.s) && i < binary.MaxVarintLen64; i++ {
		b := c.s[i]
		x |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			c.s = c.s[i+1:]
			return x
		}
	}
	c.fail()
	return 0
}

func (c *fieldCodec) varint() int64 {
	u := c.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// next reads a string, sharing c's memory.
func (c *fieldCodec) next() string {
	n := c.uvarint()
	if n > uint64(len(c.s)) {
		c.fail()
		return ""
	}
	s := c.s[:n]
	c.s = c.s[n:]
	return s
}

// constant returns the constant of known equal to s, so that a finding
// read back does not hold the memory it was read from by its layer and
// the like.
func constant[S ~string](s S, known []S) S {
	for _, k := range known {
		if k == s {
			return k
		}
	}
	return s
}

// allControls are the constants of Control.
var allControls = [...]Control{ControlIdentityPolicy, ControlBucketPolicy, ControlBucketEncryption, ControlKMSKeyPolicy,
	ControlKMSKeyState, ControlSCP, ControlRCP, ControlPermissionsBoundary, ControlSessionPolicy, ControlObjectOwnership,
	ControlACL, ControlBlockPublicAccess, ControlVPCEndpointPolicy, ControlExpiredCredentials, ControlInvalidCredentials,
	ControlUnknown, ControlRequestError}

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
