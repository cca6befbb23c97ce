package classify

import (
	"bytes"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder reads one CloudTrail record in a single pass: it validates the
// whole of it as encoding/json would and decodes only the fields Event
// holds, skipping everything else without allocating. It reproduces what
// json.Unmarshal did into Parse's former wire struct (keys matched exactly,
// else under Unicode case folding; a repeated key decodes again into the
// same field, merging objects; null leaves strings and structs alone), the
// syntax errors of encoding/json's scanner, word for word and at the same
// offset, and its first type error. decode_ref_test.go keeps that
// implementation and FuzzParse compares the two.
//
// A method does nothing once d.err is set; the first error stands.
type decoder struct {
	data  []byte
	i     int // next byte to read
	depth int // containers open, as encoding/json counts them
	err   *SyntaxError

	// The first field of an unexpected JSON type, as encoding/json named
	// it (its path from the root), and the type found.
	mistypedField, mistypedKind string

	scratch []byte // unescaped keys and strings, reused
}

// maxDepth is encoding/json's limit on nested arrays and objects.
const maxDepth = 10000

// SyntaxError is a record's JSON syntax error, worded as encoding/json's
// SyntaxError is and at the same Offset: the number of bytes read before
// the error. Parse's errors wrap it.
type SyntaxError struct {
	msg    string
	Offset int64
}

func (e *SyntaxError) Error() string { return e.msg }

// fail records that the byte at i is not what the grammar allows there.
// At the end of the input it reports the space encoding/json's scanner
// feeds itself at the end, as the scanner does.
func (d *decoder) fail(i int, context string) {
	if d.err != nil {
		return
	}
	c, off := byte(' '), len(d.data)
	if i < len(d.data) {
		c, off = d.data[i], i+1
	}
	d.err = &SyntaxError{"invalid character " + quoteChar(c) + " " + context, int64(off)}
	d.i = len(d.data)
}

// eof records that the input ended where more was needed.
func (d *decoder) eof() {
	if d.err == nil {
		d.err = &SyntaxError{"unexpected end of JSON input", int64(len(d.data))}
	}
	d.i = len(d.data)
}

// end checks that only whitespace follows the value read, and returns the
// first syntax error.
func (d *decoder) end() error {
	if d.err == nil {
		if d.ws(); d.i < len(d.data) {
			d.fail(d.i, "after top-level value")
		}
	}
	if d.err != nil {
		return d.err
	}
	return nil
}

// quoteChar is encoding/json's rendering of a byte in a syntax error.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the byte that starts the next value;
// ok is false at the end of the input or after an error.
func (d *decoder) peek() (c byte, ok bool) {
	if d.err != nil {
		return 0, false
	}
	d.ws()
	if d.i == len(d.data) {
		d.eof()
		return 0, false
	}
	return d.data[d.i], true
}

// kind names the JSON type of the value starting with c, as
// json.UnmarshalTypeError does.
func kind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// mistyped skips a value of the wrong type for the field path+name, and
// notes it if it is the first.
func (d *decoder) mistyped(path, name string, c byte) {
	if d.mistypedField == "" {
		d.mistypedField, d.mistypedKind = path+name, kind(c)
	}
	d.skip()
}

// open consumes the '{' or '[' at d.i.
func (d *decoder) open() {
	d.depth++
	if d.depth > maxDepth {
		d.fail(d.i, "exceeded max depth")
		return
	}
	d.i++
}

// str scans the string at d.i and returns its contents as written (without
// the quotes), and whether they need unquoting: an escape, a byte that is
// not ASCII.
func (d *decoder) str() (s []byte, esc, high bool) {
	data := d.data
	start := d.i + 1
	i := start
	var or byte // every plain byte ORed: its high bit says one is not ASCII
	for i < len(data) {
		c := data[i]
		if plain[c] {
			or |= c
			i++
			continue
		}
		switch {
		case c == '"':
			d.i = i + 1
			return data[start:i], esc, or >= utf8.RuneSelf
		case c == '\\':
			esc = true
			i++
			if i == len(data) {
				d.fail(i, "in string escape code")
				return nil, false, false
			}
			switch data[i] {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
				i++
			case 'u':
				i++
				for range 4 {
					if i == len(data) || !isHex(data[i]) {
						d.fail(i, `in \u hexadecimal character escape`)
						return nil, false, false
					}
					i++
				}
			default:
				d.fail(i, "in string escape code")
				return nil, false, false
			}
		default: // a control character
			d.fail(i, "in string literal")
			return nil, false, false
		}
	}
	d.eof()
	return nil, false, false
}

// plain marks the bytes a string holds as they are: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// text returns the string at d.i decoded as encoding/json decodes strings
// (invalid UTF-8 and lone surrogates become U+FFFD).
func (d *decoder) text() string {
	s, esc, high := d.str()
	if !esc && (!high || utf8.Valid(s)) {
		return recurring(s)
	}
	d.scratch = unquote(d.scratch[:0], s)
	return string(d.scratch)
}

// recurring returns s as a string: one of the values nearly every record
// repeats without allocating, any other by copying it.
func recurring(s []byte) string {
	switch string(s) {
	case "s3.amazonaws.com":
		return "s3.amazonaws.com"
	case "kms.amazonaws.com":
		return "kms.amazonaws.com"
	case "AwsApiCall":
		return "AwsApiCall"
	case "Data":
		return "Data"
	case "Management":
		return "Management"
	case "1.08":
		return "1.08"
	case "1.09":
		return "1.09"
	case "1.10":
		return "1.10"
	case "1.11":
		return "1.11"
	case "AssumedRole":
		return "AssumedRole"
	case "Role":
		return "Role"
	case "IAMUser":
		return "IAMUser"
	case "AWSService":
		return "AWSService"
	case "PutObject":
		return "PutObject"
	case "GenerateDataKey":
		return "GenerateDataKey"
	case "Decrypt":
		return "Decrypt"
	case "AccessDenied":
		return "AccessDenied"
	case "AccessDeniedException":
		return "AccessDeniedException"
	case "AWS::S3::Object":
		return "AWS::S3::Object"
	case "AWS::S3::Bucket":
		return "AWS::S3::Bucket"
	case "AWS::KMS::Key":
		return "AWS::KMS::Key"
	case "TLSv1.2":
		return "TLSv1.2"
	case "TLSv1.3":
		return "TLSv1.3"
	case "TLS_AES_128_GCM_SHA256":
		return "TLS_AES_128_GCM_SHA256"
	case "ECDHE-RSA-AES128-GCM-SHA256":
		return "ECDHE-RSA-AES128-GCM-SHA256"
	case "SigV4":
		return "SigV4"
	case "AuthHeader":
		return "AuthHeader"
	case "aws:kms":
		return "aws:kms"
	case "AES256":
		return "AES256"
	case "bucket-owner-full-control":
		return "bucket-owner-full-control"
	case "us-east-1":
		return "us-east-1"
	}
	return string(s)
}

// key scans the key string at d.i and returns it decoded; it is only
// valid until the next key or joined array.
func (d *decoder) key() []byte {
	s, esc, high := d.str()
	if !esc && (!high || utf8.Valid(s)) {
		return s
	}
	d.scratch = unquote(d.scratch[:0], s)
	return d.scratch
}

// unquote appends to b the contents s of a valid JSON string, decoded as
// encoding/json's unquoteBytes does.
func unquote(b, s []byte) []byte {
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r-1:])
				r += 4
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, getu4(s[r+1:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						r += 7
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	return b
}

// getu4 decodes \uXXXX from the beginning of s, returning the hex value,
// or -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// number scans the number at d.i.
func (d *decoder) number() {
	data, i := d.data, d.i
	digits := func() {
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
	}
	if data[i] == '-' {
		i++
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			d.fail(i, "in numeric literal")
			return
		}
	}
	if data[i] == '0' {
		i++
	} else {
		digits()
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			d.fail(i, "after decimal point in numeric literal")
			return
		}
		digits()
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i == len(data) || data[i] < '0' || data[i] > '9' {
			d.fail(i, "in exponent of numeric literal")
			return
		}
		digits()
	}
	d.i = i
}

// literal scans true, false or null at d.i.
func (d *decoder) literal() {
	var word string
	switch d.data[d.i] {
	case 't':
		word = "true"
	case 'f':
		word = "false"
	default:
		word = "null"
	}
	for j := 1; j < len(word); j++ {
		if i := d.i + j; i == len(d.data) || d.data[i] != word[j] {
			d.fail(i, "in literal "+word+" (expecting "+quoteChar(word[j])+")")
			return
		}
	}
	d.i += len(word)
}

// scalar scans the string, number or literal starting with c at d.i.
func (d *decoder) scalar(c byte) {
	switch {
	case c == '"':
		d.str()
	case c == '-' || '0' <= c && c <= '9':
		d.number()
	case c == 't' || c == 'f' || c == 'n':
		d.literal()
	default:
		d.fail(d.i, "looking for beginning of value")
	}
}

// objectKey reads the next key of the object being read and the ':' after
// it; it reports false at the object's end or on an error. first says the
// object's '{' was the last thing read.
func (d *decoder) objectKey(first bool) ([]byte, bool) {
	return d.nextKey(first, true)
}

// nextKey is objectKey; it decodes the key only when decode is set.
func (d *decoder) nextKey(first, decode bool) ([]byte, bool) {
	if d.err != nil {
		return nil, false
	}
	d.ws()
	if d.i == len(d.data) {
		d.eof()
		return nil, false
	}
	switch c := d.data[d.i]; {
	case c == '}':
		d.i++
		d.depth--
		return nil, false
	case !first:
		if c != ',' {
			d.fail(d.i, "after object key:value pair")
			return nil, false
		}
		d.i++
		d.ws()
	}
	if d.i == len(d.data) {
		d.eof()
		return nil, false
	}
	if d.data[d.i] != '"' {
		d.fail(d.i, "looking for beginning of object key string")
		return nil, false
	}
	var k []byte
	if decode {
		k = d.key()
	} else {
		d.str()
	}
	d.colon()
	return k, d.err == nil
}

// colon consumes the ':' after a key.
func (d *decoder) colon() {
	if d.err != nil {
		return
	}
	d.ws()
	if d.i == len(d.data) {
		d.eof()
		return
	}
	if d.data[d.i] != ':' {
		d.fail(d.i, "after object key")
		return
	}
	d.i++
}

// arrayNext moves to the next element of the array being read; it reports
// false at the array's end or on an error. first says the array's '[' was
// the last thing read.
func (d *decoder) arrayNext(first bool) bool {
	if d.err != nil {
		return false
	}
	d.ws()
	if d.i == len(d.data) {
		d.eof()
		return false
	}
	switch c := d.data[d.i]; {
	case c == ']':
		d.i++
		d.depth--
		return false
	case !first:
		if c != ',' {
			d.fail(d.i, "after array element")
			return false
		}
		d.i++
	}
	return true
}

// skip validates and steps over the value at d.i, whatever its depth,
// without recursion and without allocating.
func (d *decoder) skip() {
	d.skipJoin(nil)
}

// skipJoin is skip; when join is not nil, the value at d.i is an array, and
// skipJoin appends to *join what flexString makes of it: its elements
// joined with ",", strings decoded (as written when they hold no escape),
// numbers and booleans as written, null and objects as nothing, nested
// arrays joined in turn.
func (d *decoder) skipJoin(join *[]byte) {
	base := d.depth
	inObject := make([]bool, 0, 16)[:0] // grows only for deep values
	objects := 0                        // open objects inside a joined array
	for {
		c, ok := d.peek()
		if !ok {
			return
		}
		switch c {
		case '{', '[':
			d.open()
			if d.err != nil {
				return
			}
			inObject = append(inObject, c == '{')
			if c == '{' {
				objects++
				if _, more := d.nextKey(true, false); !more {
					if d.err != nil {
						return
					}
					objects--
					inObject = inObject[:len(inObject)-1]
					break // empty object
				}
				continue
			}
			if !d.arrayNext(true) {
				if d.err != nil {
					return
				}
				inObject = inObject[:len(inObject)-1]
				break // empty array
			}
			continue
		default:
			start := d.i
			d.scalar(c)
			if d.err != nil {
				return
			}
			if join != nil && objects == 0 {
				switch {
				case c == '"':
					s := d.data[start+1 : d.i-1]
					if bytes.IndexByte(s, '\\') >= 0 {
						*join = unquote(*join, s)
					} else {
						*join = append(*join, s...)
					}
				case c != 'n':
					*join = append(*join, d.data[start:d.i]...)
				}
			}
		}
		// A value ended: close what it ended, then move to the next one.
		for {
			if d.depth == base {
				return
			}
			top := len(inObject) - 1
			if inObject[top] {
				if _, more := d.nextKey(false, false); more {
					break
				}
				objects--
			} else {
				if d.arrayNext(false) {
					if join != nil && objects == 0 {
						*join = append(*join, ',')
					}
					break
				}
			}
			if d.err != nil {
				return
			}
			inObject = inObject[:top]
		}
	}
}

// span skips the value at d.i and returns it as written.
func (d *decoder) span() []byte {
	if _, ok := d.peek(); !ok {
		return nil
	}
	start := d.i
	d.skip()
	return d.data[start:d.i]
}

// lookup returns the index in names of key, matched as encoding/json
// matches a key to a struct field: exactly, else as equal under Unicode
// simple case folding; -1 when it matches none.
func lookup(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for i, n := range names {
		if len(key) >= len(n) && len(key) <= 3*len(n) && foldEqual(key, n) {
			return i
		}
	}
	return -1
}

// foldEqual reports whether encoding/json's foldName gives the same for
// key and for the ASCII name.
func foldEqual(key []byte, name string) bool {
	j := 0
	for i := 0; i < len(key); {
		c := key[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(key[i:])
			r = unicode.ToUpper(unicode.SimpleFold(r))
			if r >= utf8.RuneSelf {
				return false
			}
			c = byte(r)
			i += n
		} else {
			i++
		}
		if j == len(name) || upper(c) != upper(name[j]) {
			return false
		}
		j++
	}
	return j == len(name)
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
