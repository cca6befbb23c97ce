package synth

import "time"

// jw appends compact JSON to b, keeping CloudTrail's key order because keys
// are written in the order the caller writes them. Keys are constants and are
// not escaped; values are.
type jw struct {
	b    []byte
	open bool // just wrote '{' or '[': the next member needs no comma
}

func (w *jw) sep() {
	if !w.open {
		w.b = append(w.b, ',')
	}
	w.open = false
}

func (w *jw) key(k string) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

// begin starts a top-level object.
func (w *jw) begin() { w.b = append(w.b, '{'); w.open = true }

func (w *jw) obj(k string) { w.key(k); w.b = append(w.b, '{'); w.open = true }
func (w *jw) arr(k string) { w.key(k); w.b = append(w.b, '['); w.open = true }
func (w *jw) end()         { w.b = append(w.b, '}'); w.open = false }
func (w *jw) endArr()      { w.b = append(w.b, ']'); w.open = false }

// elem starts an object inside an array.
func (w *jw) elem() { w.sep(); w.b = append(w.b, '{'); w.open = true }

func (w *jw) str(k, v string) { w.key(k); w.b = appendStr(w.b, v) }
func (w *jw) null(k string)   { w.key(k); w.b = append(w.b, "null"...) }

func (w *jw) num(k string, n int64) {
	w.key(k)
	w.b = appendInt(w.b, n)
}

func (w *jw) boolean(k string, v bool) {
	w.key(k)
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

func (w *jw) time(k string, t time.Time) {
	w.key(k)
	w.b = append(w.b, '"')
	w.b = appendTime(w.b, t)
	w.b = append(w.b, '"')
}

// raw writes v, which must be a complete JSON value, or null when v is empty.
func (w *jw) raw(k string, v []byte) {
	w.key(k)
	if len(v) == 0 {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, v...)
}

// appendStr appends s as a JSON string. Like CloudTrail it leaves non-ASCII
// UTF-8 as is and escapes only what JSON requires.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// appendTime appends t as CloudTrail writes eventTime: 2006-01-02T15:04:05Z.
func appendTime(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append(b, '-')
	b = append2(b, int(mo))
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	return append(b, 'Z')
}
