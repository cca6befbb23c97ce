// Package suppress mutes known, accepted denials: a file of rules, each
// matching findings by account, principal or role, action, bucket, key
// prefix, KMS key, layer, control or error code, and each carrying the
// reason it is accepted and the date it stops being accepted. A suppressed
// finding is counted, never silently dropped: reports say how many each
// rule suppressed, and a rule past its date suppresses nothing and is named
// in a warning.
//
// The file is YAML:
//
//	suppress:
//	  - principal: "arn:aws:iam::111122223333:role/nightly-*"
//	    action: "s3:PutObject"
//	    bucket: "legacy-uploads"
//	    reason: "INC-1234: the nightly export writes to a retired bucket until the migration ends"
//	    expires: 2027-01-31
package suppress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/denytrail/denytrail/classify"
)

// Rule is one suppression rule. Every match field that is set must match;
// a rule must set at least one, and a reason and an expiry date.
type Rule struct {
	// Account matches the caller's or the resource's account ID (glob).
	Account string `yaml:"account"`
	// Principal matches the caller's ARN or its role's ARN (glob).
	Principal string `yaml:"principal"`
	// Action matches the denied action, e.g. s3:PutObject (glob).
	Action string `yaml:"action"`
	// Bucket matches the bucket name (glob).
	Bucket string `yaml:"bucket"`
	// Key matches a prefix of the object key (glob): "exports/" matches
	// every key under exports/.
	Key string `yaml:"key"`
	// KMSKey matches the KMS key ARN (glob).
	KMSKey string `yaml:"kms_key"`
	// Layer and Control match the verdict exactly.
	Layer   string `yaml:"layer"`
	Control string `yaml:"control"`
	// ErrorCode matches the error code exactly.
	ErrorCode string `yaml:"error_code"`
	// Reason says why the denials are accepted; it is shown in reports.
	Reason string `yaml:"reason"`
	// Expires is the last day (UTC) the rule applies.
	Expires Date `yaml:"expires"`

	// Line is the rule's line in its file.
	Line int `yaml:"-"`
}

// Date is a calendar day, written YYYY-MM-DD.
type Date struct{ time.Time }

// UnmarshalYAML reads a YYYY-MM-DD date.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: expires %q: want a date, YYYY-MM-DD", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// String writes the date as YYYY-MM-DD.
func (d Date) String() string { return d.Format(time.DateOnly) }

// Expired reports whether the rule no longer applies at now: its expiry
// day has ended.
func (r *Rule) Expired(now time.Time) bool {
	return !now.UTC().Before(r.Expires.AddDate(0, 0, 1))
}

// Name is how reports name the rule: its file position and what it
// matches.
func (r *Rule) Name() string {
	var parts []string
	for _, f := range r.fields() {
		if f.pattern != "" {
			parts = append(parts, f.name+"="+f.pattern)
		}
	}
	return fmt.Sprintf("line %d (%s)", r.Line, strings.Join(parts, ", "))
}

type field struct {
	name, pattern string
	prefix, exact bool
	values        func(*classify.Finding) []string
}

func (r *Rule) fields() []field {
	return []field{
		{name: "account", pattern: r.Account, values: func(f *classify.Finding) []string {
			return []string{f.PrincipalAccount, f.ResourceAccount}
		}},
		{name: "principal", pattern: r.Principal, values: func(f *classify.Finding) []string { return []string{f.Principal, f.Role} }},
		{name: "action", pattern: r.Action, values: func(f *classify.Finding) []string { return []string{f.Action} }},
		{name: "bucket", pattern: r.Bucket, values: func(f *classify.Finding) []string { return []string{f.Bucket} }},
		{name: "key", pattern: r.Key, prefix: true, values: func(f *classify.Finding) []string { return []string{f.Key} }},
		{name: "kms_key", pattern: r.KMSKey, values: func(f *classify.Finding) []string { return []string{f.KMSKey} }},
		{name: "layer", pattern: r.Layer, exact: true, values: func(f *classify.Finding) []string { return []string{string(f.Layer)} }},
		{name: "control", pattern: r.Control, exact: true, values: func(f *classify.Finding) []string { return []string{string(f.Control)} }},
		{name: "error_code", pattern: r.ErrorCode, exact: true, values: func(f *classify.Finding) []string { return []string{f.ErrorCode} }},
	}
}

// Matches reports whether every field the rule sets matches f.
func (r *Rule) Matches(f *classify.Finding) bool {
	for _, fl := range r.fields() {
		if fl.pattern == "" {
			continue
		}
		ok := false
		for _, v := range fl.values(f) {
			if v == "" {
				continue
			}
			switch {
			case fl.exact:
				ok = v == fl.pattern
			case fl.prefix:
				ok = globPrefix(fl.pattern, v)
			default:
				ok = glob(fl.pattern, v)
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Set is the rules of one file.
type Set struct {
	// File names where the rules came from.
	File  string
	Rules []Rule
}

// Load reads the rules in the file at path.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("suppressions: %w", err)
	}
	return Parse(path, data)
}

// Parse reads rules from data; name says where data came from, for errors.
// Unknown keys, a rule that matches everything, and a rule without a
// reason or an expiry date are errors naming the line.
func Parse(name string, data []byte) (*Set, error) {
	// Decoded twice: strictly into rules (unknown keys are errors), and
	// into nodes for the rules' lines.
	var doc struct {
		Suppress []Rule `yaml:"suppress"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil, fmt.Errorf("%s: %s", name, yamlError(err))
	}
	var nodes struct {
		Suppress []yaml.Node `yaml:"suppress"`
	}
	if err := yaml.Unmarshal(data, &nodes); err != nil || len(nodes.Suppress) != len(doc.Suppress) {
		return nil, fmt.Errorf("%s: cannot read the rules' lines: %v", name, err)
	}
	s := &Set{File: name, Rules: doc.Suppress}
	for i := range s.Rules {
		r := &s.Rules[i]
		r.Line = nodes.Suppress[i].Line
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, r.Line, err)
		}
	}
	return s, nil
}

// yamlError puts the decoder's message on one line.
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	return strings.Join(strings.Fields(msg), " ")
}

func (r *Rule) validate() error {
	set := false
	for _, f := range r.fields() {
		set = set || f.pattern != ""
	}
	switch {
	case !set:
		return errors.New("the rule matches nothing in particular: give at least one of account, principal, action, bucket, key, kms_key, layer, control, error_code")
	case strings.TrimSpace(r.Reason) == "":
		return errors.New("the rule has no reason: say why these denials are accepted (a ticket, an owner)")
	case r.Expires.IsZero():
		return errors.New("the rule has no expires date (YYYY-MM-DD): accepted denials are accepted until a date")
	case r.Layer != "" && !slices.Contains(classify.Layers(), classify.Layer(r.Layer)):
		return fmt.Errorf("layer %q is not a layer (%s)", r.Layer, joinNames(classify.Layers()))
	case r.Control != "" && !slices.Contains(classify.Controls(), classify.Control(r.Control)):
		return fmt.Errorf("control %q is not a control (%s)", r.Control, joinNames(classify.Controls()))
	}
	return nil
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// Matcher applies a Set at one time, counting what each rule suppresses.
// It is not safe for concurrent use.
type Matcher struct {
	set    *Set
	now    time.Time
	counts []int
}

// Matcher returns a matcher of the rules that apply at now; rules past
// their date suppress nothing.
func (s *Set) Matcher(now time.Time) *Matcher {
	return &Matcher{set: s, now: now, counts: make([]int, len(s.Rules))}
}

// Expired returns the rules past their date at now.
func (s *Set) Expired(now time.Time) []Rule {
	var out []Rule
	for _, r := range s.Rules {
		if r.Expired(now) {
			out = append(out, r)
		}
	}
	return out
}

// File names the file the rules came from.
func (m *Matcher) File() string { return m.set.File }

// Suppress reports whether f is suppressed, counting it against the first
// rule in the file that applies and matches.
func (m *Matcher) Suppress(f *classify.Finding) bool {
	for i := range m.set.Rules {
		r := &m.set.Rules[i]
		if !r.Expired(m.now) && r.Matches(f) {
			m.counts[i]++
			return true
		}
	}
	return false
}

// Count is what one rule suppressed.
type Count struct {
	Rule       string // Rule.Name
	Reason     string
	Expires    string // YYYY-MM-DD
	Expired    bool
	Suppressed int
}

// Counts returns, for every rule in file order, what it suppressed.
func (m *Matcher) Counts() []Count {
	out := make([]Count, len(m.set.Rules))
	for i := range m.set.Rules {
		r := &m.set.Rules[i]
		out[i] = Count{Rule: r.Name(), Reason: r.Reason, Expires: r.Expires.String(), Expired: r.Expired(m.now), Suppressed: m.counts[i]}
	}
	return out
}

// glob reports whether s matches pattern, in which "*" matches any run of
// characters (including "/" and ":", which ARNs are full of) and "?" any
// one character; everything else matches itself.
func glob(pattern, s string) bool {
	p := []rune(pattern)
	v := []rune(s)
	pi, vi := 0, 0
	star, mark := -1, 0
	for vi < len(v) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == v[vi]):
			pi++
			vi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, vi
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			vi = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// globPrefix reports whether a prefix of s matches pattern.
func globPrefix(pattern, s string) bool { return glob(pattern+"*", s) }
