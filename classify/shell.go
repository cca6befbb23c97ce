package classify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns suggested commands into data: the quoting that makes a
// Command's Line split into exactly its Argv, the checks on values AWS
// constrains, and policy documents built as JSON.

// shellQuote quotes s as exactly one word for bash, zsh and POSIX sh.
// Words of only safe characters stay bare; others are single-quoted, with
// each ' written as \' between quoted runs; a word with a control,
// format or otherwise unprintable character (or invalid UTF-8) is written
// $'…' with those bytes (and ', \ and the history character !) as \xHH,
// so that the Line stays one line and shows no invisible characters.
// Nothing in the result is expanded by the shell: no $, backticks, globs,
// ;, | or newlines stay live.
func shellQuote(s string) string {
	if plainWord(s) {
		return s
	}
	if !printable(s) {
		var b strings.Builder
		b.WriteString("$'")
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n <= 1, r == '\'', r == '\\', r == '!', r != ' ' && !unicode.IsPrint(r):
				for _, c := range []byte(s[i : i+n]) {
					fmt.Fprintf(&b, `\x%02x`, c)
				}
			default:
				b.WriteString(s[i : i+n])
			}
			i += n
		}
		b.WriteByte('\'')
		return b.String()
	}
	var b strings.Builder
	for i, part := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`\'`)
		}
		if part != "" {
			b.WriteString("'" + part + "'")
		}
	}
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}

// plainWord reports whether s is non-empty and needs no quoting in bash or
// zsh: letters, digits and _@%+:,./- ; = only after the first character
// (zsh expands a leading =).
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_@%+:,./-", c) >= 0:
		case c == '=' && i > 0:
		default:
			return false
		}
	}
	return true
}

// printable reports whether s is valid UTF-8 with only printable runes and
// ASCII spaces.
func printable(s string) bool {
	i := 0
	for i < len(s) && ' ' <= s[i] && s[i] <= '~' {
		i++ // printable ASCII, most of any text, needs no rune decoding
	}
	if i == len(s) {
		return true
	}
	s = s[i:]
	for _, r := range s {
		if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// oneLine writes the control, format and other unprintable characters of
// s (and invalid UTF-8) as Go escapes (\n, \u202e, \xff), so that a value
// quoted in prose can neither break the line nor hide text.
func oneLine(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r != ' ' && !unicode.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// newCommand builds a Command from its arguments, unquoted.
func newCommand(kind CommandKind, summary string, argv ...string) Command {
	var line strings.Builder
	n := 0
	for _, a := range argv {
		n += len(a) + 3
	}
	line.Grow(n)
	for i, a := range argv {
		if i > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(shellQuote(a))
	}
	return Command{Kind: kind, Summary: summary, Argv: argv, Line: line.String()}
}

// value is one value a command names, with whether AWS would accept it
// there. Values AWS constrains are checked before they go into a command;
// free text (object keys, ARNs, policy documents) only needs quoting.
type value struct {
	s    string
	what string // what it should be, e.g. "KMS key ID"; "" for free text
	ok   bool
}

// checked returns s as a value of kind what, valid when ok(s) (values.go).
func checked(s, what string, ok func(string) bool) value {
	return value{s: s, what: what, ok: ok(s)}
}

func accountValue(s string) value { return checked(s, "AWS account ID", isAccount) }
func regionValue(s string) value  { return checked(s, "AWS Region", isRegion) }
func bucketValue(s string) value  { return checked(s, "S3 bucket name", isBucket) }
func iamNameValue(s string) value { return checked(s, "IAM role or user name", isIAMName) }
func iamARNValue(s string) value  { return checked(s, "IAM role or user ARN", isIAMARN) }
func actionValue(s string) value  { return checked(s, "IAM action name", isAction) }
func vpceValue(s string) value    { return checked(s, "VPC endpoint ID", isVPCE) }
func policyIDValue(s string) value {
	return checked(s, "Organizations policy ID", isPolicyID)
}

// keyValue is a KMS key ID, key ARN, alias name or alias ARN.
func keyValue(s string) value {
	return value{s: s, what: "KMS key ID", ok: isKeyID(s) || kmsARNKind(s) != "" || isAlias(s)}
}

// text is free text: any string, quoted.
func text(s string) value { return value{s: s, ok: true} }

// commandSet collects the commands of one remediation and, for values that
// could not go into a command, the hint that says why.
type commandSet struct {
	cmds  []Command
	hints []string
}

// add appends the command of kind with summary and the given words (each
// a string, taken as it is, or a value), or, when a value is not what AWS
// accepts, a hint instead. It reports whether it added the command.
func (cs *commandSet) add(kind CommandKind, summary string, words ...any) bool {
	argv := make([]string, 0, len(words))
	for _, w := range words {
		switch w := w.(type) {
		case string:
			argv = append(argv, w)
		case value:
			if !w.ok {
				cs.hint(w)
				return false
			}
			argv = append(argv, w.s)
		default:
			panic(fmt.Sprintf("classify: command word of type %T", w))
		}
	}
	c := newCommand(kind, summary, argv...)
	for _, x := range cs.cmds {
		if x.Line == c.Line {
			return true
		}
	}
	cs.cmds = append(cs.cmds, c)
	return true
}

// hint records why a value kept a command out.
func (cs *commandSet) hint(v value) {
	var h string
	if v.s == "" || strings.HasPrefix(v.s, "<") {
		h = fmt.Sprintf("The event does not name the %s, so the commands leave out what needs it.", v.what)
	} else {
		h = fmt.Sprintf("%q is not a valid %s, so no command names it: check the value in the event before using it.", clip(v.s, 120), v.what)
	}
	for _, x := range cs.hints {
		if x == h {
			return
		}
	}
	cs.hints = append(cs.hints, h)
}

// jsonText is v as compact JSON (encoding/json, without HTML escaping).
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("classify: policy JSON: %v", err)) // only maps, slices and strings
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// statement is one IAM policy statement.
type statement struct {
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal,omitempty"`
	Action    any                          `json:"Action"`
	Resource  string                       `json:"Resource"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// policyDocument is a whole IAM policy of the given statements.
func policyDocument(st ...statement) string {
	return jsonText(struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", st})
}

// actions is one action, or a list of several, as IAM writes them.
func actions(a ...string) any {
	if len(a) == 1 {
		return a[0]
	}
	return a
}

// iamLiteral escapes the characters IAM reads as wildcards or policy
// variables in a Resource or condition value (*, ?, $) as ${*}, ${?}, ${$},
// so that a literal object key matches only itself.
func iamLiteral(s string) string {
	if !strings.ContainsAny(s, "$*?") {
		return s
	}
	var b strings.Builder
	for i := range len(s) {
		switch c := s[i]; c {
		case '$', '*', '?':
			b.WriteString("${")
			b.WriteByte(c)
			b.WriteByte('}')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
