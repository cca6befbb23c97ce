package report

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/denytrail/denytrail/classify"
)

// findingJSON writes a finding as JSON text, byte for byte what a
// json.Encoder with SetEscapeHTML(true) and SetIndent(prefix, indent)
// followed by jsonSafe writes for it (without the Encoder's final
// newline), without reflection: the NDJSON and JSON renderers write every
// finding of a scan with it. Tests hold it to that encoder on the fixture
// findings, on hostile strings and in FuzzFindingJSON.
type findingJSON struct {
	b              []byte
	prefix, indent string // both empty: compact
	depth          int
	first          bool   // nothing written yet in the innermost object or list
	newlines       string // "\n", prefix, then indent as deep as a finding goes
}

// appendFinding appends f, which normalize made (so that its lists are
// [], not null, as the renderers have always given the encoder). Its only
// error is the one encoding/json returns for a time that RFC 3339 cannot
// write (a year beyond 9999).
func (w *findingJSON) appendFinding(f classify.Finding) error {
	w.depth = 0
	w.open('{')
	w.str("eventID", f.EventID)
	if err := w.time("eventTime", f.EventTime); err != nil {
		return err
	}
	w.str("eventSource", f.EventSource)
	w.str("eventName", f.EventName)
	w.str("errorCode", f.ErrorCode)
	w.str("errorMessage", f.ErrorMessage)
	w.str("principal", f.Principal)
	w.str("principalAccount", f.PrincipalAccount)
	w.str("resourceAccount", f.ResourceAccount)
	w.str("region", f.Region)
	w.str("bucket", f.Bucket)
	w.str("key", f.Key)
	w.str("kmsKey", f.KMSKey)
	w.str("sourceIPAddress", f.SourceIPAddress)
	w.str("vpcEndpointId", f.VPCEndpointID)
	w.str("layer", string(f.Layer))
	w.str("control", string(f.Control))
	w.str("confidence", string(f.Confidence))
	w.strs("evidence", f.Evidence)
	w.str("remediation", f.Remediation)
	w.str("cause", f.Cause)
	writeList(w, "commands", f.Commands, func(c *classify.Command) error {
		w.open('{')
		w.str("kind", string(c.Kind))
		w.str("summary", c.Summary)
		w.strs("argv", c.Argv)
		w.str("line", c.Line)
		w.close('}')
		return nil
	})
	w.strs("related", f.Related)
	w.str("origin", f.Origin)
	w.str("action", f.Action)
	w.str("role", f.Role)
	w.strs("recipientAccounts", f.RecipientAccounts)
	err := writeList(w, "changes", f.Changes, func(c *classify.Change) error {
		w.open('{')
		w.str("eventID", c.EventID)
		if err := w.time("eventTime", c.EventTime); err != nil {
			return err
		}
		w.str("eventSource", c.EventSource)
		w.str("eventName", c.EventName)
		w.str("principal", c.Principal)
		w.str("target", c.Target)
		w.str("detail", c.Detail)
		w.str("relation", c.Relation)
		w.str("lead", c.Lead)
		w.close('}')
		return nil
	})
	if err != nil {
		return err
	}
	w.str("pattern", f.Pattern)
	if in := f.Integrity; in != nil { // omitempty
		w.key("integrity")
		w.open('{')
		w.str("status", in.Status)
		if in.Reason != "" { // omitempty
			w.str("reason", in.Reason)
		}
		w.close('}')
	}
	w.close('}')
	return nil
}

// open starts an object or a list.
func (w *findingJSON) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
	w.first = true
}

// close ends one; an empty one stays on its line, as "{}" or "[]".
func (w *findingJSON) close(c byte) {
	w.depth--
	if !w.first {
		w.newline()
	}
	w.b = append(w.b, c)
	w.first = false
}

// elem starts a member of the innermost object or list.
func (w *findingJSON) elem() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.newline()
	w.first = false
}

func (w *findingJSON) newline() {
	if w.prefix == "" && w.indent == "" {
		return
	}
	n := 1 + len(w.prefix) + w.depth*len(w.indent)
	if n > len(w.newlines) {
		w.newlines = "\n" + w.prefix + strings.Repeat(w.indent, w.depth+4)
	}
	w.b = append(w.b, w.newlines[:n]...)
}

// key starts an object's member named k (which needs no escaping).
func (w *findingJSON) key(k string) {
	w.elem()
	w.b = append(append(append(w.b, '"'), k...), '"', ':')
	if w.prefix != "" || w.indent != "" {
		w.b = append(w.b, ' ')
	}
}

func (w *findingJSON) str(k, s string) {
	w.key(k)
	w.b = appendJSONString(w.b, s)
}

// writeList writes the member k, the list l: null when nil, else its
// elements, each written by each.
func writeList[T any](w *findingJSON, k string, l []T, each func(*T) error) error {
	w.key(k)
	switch {
	case l == nil:
		w.b = append(w.b, "null"...)
		return nil
	case len(l) == 0:
		w.b = append(w.b, "[]"...)
		return nil
	}
	w.open('[')
	for i := range l {
		w.elem()
		if err := each(&l[i]); err != nil {
			return err
		}
	}
	w.close(']')
	return nil
}

func (w *findingJSON) strs(k string, s []string) {
	writeList(w, k, s, func(x *string) error {
		w.b = appendJSONString(w.b, *x)
		return nil
	})
}

// time writes t as time.Time's MarshalJSON does, failing as json.Marshal
// fails for it.
func (w *findingJSON) time(k string, t time.Time) error {
	w.key(k)
	b, err := t.AppendText(append(w.b, '"'))
	if err != nil {
		if _, jerr := json.Marshal(t); jerr != nil {
			return jerr
		}
		return err
	}
	w.b = append(b, '"')
	return nil
}

// jsonPlain marks with '1' the ASCII bytes appendJSONString writes as
// they are: printable ASCII but for ", \, <, > and &.
const jsonPlain = "" +
	"0000000000000000" + "0000000000000000" + // controls
	"1101110111111111" + // space ! " # $ % & ' ( ) * + , - . /
	"1111111111110101" + // 0-9 : ; < = > ?
	"1111111111111111" + "1111111111110111" + // @ A-Z [ \ ] ^ _
	"1111111111111111" + "1111111111111110" // ` a-z { | } ~ DEL

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping on (", \, the controls, <, >, &, U+2028,
// U+2029, each byte of invalid UTF-8 as \ufffd) and then as jsonSafe
// escapes what it leaves raw (DEL and the runes termUnsafe names, beyond
// the BMP as a surrogate pair).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] == '1' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		// termUnsafe names U+2028 and U+2029 too (Zl, Zp).
		if r == utf8.RuneError && size == 1 {
			r = utf8.RuneError // written escaped, unlike a U+FFFD in s
		} else if !termUnsafe(r) {
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			b = append(b, '\\', 'u', hex[r1>>12], hex[r1>>8&0xf], hex[r1>>4&0xf], hex[r1&0xf])
			r = r2
		}
		b = append(b, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}
