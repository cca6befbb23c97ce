package classify

import (
	"slices"
	"strings"
)

// messageLimit is the errorMessage length at which CloudTrail truncates
// (1 KB); a message this long may have lost its end.
const messageLimit = 1000

// policyType is the kind of policy an access-denied message names.
type policyType int

const (
	policyNone        policyType = iota // the message names no policy type
	policyIdentity                      // identity-based policy
	policyResource                      // resource-based policy (bucket or key policy)
	policySCP                           // service control policy
	policyRCP                           // resource control policy
	policyBoundary                      // permissions boundary
	policySession                       // session policy
	policyVPCEndpoint                   // VPC endpoint policy
	policyTrust                         // role trust policy
	policyUnknown                       // a policy type denytrail does not know
)

// denyKind says how a message phrases the denial.
type denyKind int

const (
	kindNone     denyKind = iota
	kindExplicit          // "with an explicit deny in a …"
	kindNoAllow           // "because no … allows the <action> action"
	kindRegion            // KMS: "because the resource does not exist in this Region, …"
)

// policyPhrases maps the policy-type words AWS writes (lower case, after the
// article) to the policy type. Read-only.
var policyPhrases = [...]struct {
	phrase string
	typ    policyType
}{
	{"identity-based policy", policyIdentity},
	{"identity-based policies", policyIdentity},
	{"resource-based policy", policyResource},
	{"resource-based policies", policyResource},
	{"service control policy", policySCP},
	{"service control policies", policySCP},
	{"resource control policy", policyRCP},
	{"resource control policies", policyRCP},
	{"permissions boundary", policyBoundary},
	{"permissions boundaries", policyBoundary},
	{"permission boundary", policyBoundary},
	{"session policy", policySession},
	{"sessions policy", policySession},
	{"session policies", policySession},
	{"vpc endpoint policy", policyVPCEndpoint},
	{"vpc endpoint policies", policyVPCEndpoint},
	{"role trust policy", policyTrust},
	{"trust policy", policyTrust},
}

// denial is what an access-denied errorMessage says, read from the enhanced
// format `User: <arn> is not authorized to perform: <action> [on resource:
// <arn>|on this resource] <context>`. Every string is a slice of the
// original message.
type denial struct {
	enhanced     bool   // the message has "not authorized to perform:"
	principal    string // after "User:", empty when the message names none
	action       string // e.g. "s3:PutObject"
	resource     string // the resource ARN, unquoted; empty for "this resource"
	thisResource bool   // "on this resource"
	resourceCut  bool   // the quoted resource lost its closing quote (truncation)

	kind       denyKind
	policy     policyType
	phrase     string // the policy-type words as written, e.g. "Service Control Policy"
	policyARN  string // ": <policy ARN>" after the phrase
	link       string // a console or documentation link in the message
	encoded    string // the encoded authorization failure message
	excerpt    string // the context clause, for evidence
	truncated  bool   // the message is at CloudTrail's 1 KB limit
	cut        string // a context clause cut off by truncation
	candidates []policyType
}

// lowerASCII lower-cases ASCII letters only, so byte offsets into the
// result are offsets into s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// isSpace reports whether c is JSON whitespace, which also separates the
// words of a message.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace[T string | []byte](s T, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// token returns the end of the word starting at i.
func token(s string, i int) int {
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return i
}

// skipArticle skips "a ", "an " or "the " at i in the lower-cased lm.
func skipArticle(lm string, i int) int {
	for _, a := range [...]string{"a ", "an ", "the "} {
		if strings.HasPrefix(lm[i:], a) {
			return skipSpace(lm, i+len(a))
		}
	}
	return i
}

// parseDenial reads an access-denied message. It never fails: what it
// cannot find stays empty.
func parseDenial(msg string) denial {
	var d denial
	lm := lowerASCII(msg)
	d.truncated = len(msg) >= messageLimit

	ctx := 0 // where the context clause may start
	const perform = "not authorized to perform:"
	if p := strings.Index(lm, perform); p >= 0 {
		d.enhanced = true
		if u := strings.LastIndex(lm[:p], "user:"); u >= 0 {
			pr := strings.TrimSpace(msg[u+len("user:") : p])
			if n := len(pr); n >= 3 && strings.EqualFold(pr[n-3:], " is") {
				pr = strings.TrimSpace(pr[:n-3])
			}
			d.principal = pr
		}
		i := skipSpace(msg, p+len(perform))
		j := token(msg, i)
		d.action = strings.TrimRight(msg[i:j], ".,;")
		i = skipSpace(msg, j)
		switch {
		case strings.HasPrefix(lm[i:], "on resource:"):
			i = skipSpace(msg, i+len("on resource:"))
			if i < len(msg) && msg[i] == '"' {
				if k := strings.IndexByte(msg[i+1:], '"'); k >= 0 {
					d.resource = msg[i+1 : i+1+k]
					i += k + 2
				} else {
					d.resource, d.resourceCut = msg[i+1:], true
					i = len(msg)
				}
			} else {
				j = token(msg, i)
				d.resource = strings.TrimRight(msg[i:j], ".,;")
				i = j
			}
		case strings.HasPrefix(lm[i:], "on this resource"):
			d.thisResource = true
			i += len("on this resource")
		}
		ctx = i
	}

	if k := strings.Index(lm, "encoded authorization failure message:"); k >= 0 {
		i := skipSpace(msg, k+len("encoded authorization failure message:"))
		d.encoded = msg[i:token(msg, i)]
	}
	if k := strings.Index(lm, "https://"); k >= 0 {
		d.link = strings.TrimRight(msg[k:token(msg, k)], ".,;)")
	}

	start, at := -1, -1 // start of the clause, start of the policy words
	switch {
	case strings.Contains(lm[ctx:], "does not exist in this region"):
		d.kind = kindRegion
		start = ctx + strings.Index(lm[ctx:], "because")
		if start < ctx {
			start = ctx + strings.Index(lm[ctx:], "does not exist")
		}
		d.excerpt = strings.TrimSpace(strings.TrimRight(msg[start:], "."))
		return d
	case strings.Contains(lm[ctx:], "explicit deny"):
		d.kind = kindExplicit
		k := ctx + strings.Index(lm[ctx:], "explicit deny")
		start = k
		if w := strings.LastIndex(lm[ctx:k], "with"); w >= 0 {
			start = ctx + w
		}
		at = skipSpace(lm, k+len("explicit deny"))
		if strings.HasPrefix(lm[at:], "in ") {
			at = skipSpace(lm, at+len("in "))
		} else if lm[at:] == "in" {
			at = len(lm)
		}
		at = skipArticle(lm, at)
	case strings.Contains(lm[ctx:], "because no "):
		d.kind = kindNoAllow
		start = ctx + strings.Index(lm[ctx:], "because no ")
		at = skipArticle(lm, skipSpace(lm, start+len("because no ")))
	default:
		if d.truncated {
			tail := strings.TrimSpace(lm[ctx:])
			if tail != "" && (strings.HasPrefix("with an explicit deny in a ", tail) ||
				strings.HasPrefix("because no ", tail)) {
				d.cut = strings.TrimSpace(msg[ctx:])
			}
		}
		return d
	}

	end := at // end of the clause
	for _, p := range policyPhrases {
		if strings.HasPrefix(lm[at:], p.phrase) {
			e := at + len(p.phrase)
			if e < len(lm) && isWordByte(lm[e]) {
				continue
			}
			d.policy, d.phrase, end = p.typ, msg[at:e], e
			break
		}
	}
	if d.policy == policyNone {
		rest := lm[at:]
		if d.truncated && !strings.ContainsAny(rest, ":.") && !strings.Contains(rest, " allows") {
			// Possibly cut off inside the policy words: name what they
			// could have been.
			var cands []policyType
			for _, p := range policyPhrases {
				if strings.HasPrefix(p.phrase, strings.TrimSpace(rest)) && !slices.Contains(cands, p.typ) {
					cands = append(cands, p.typ)
				}
			}
			if strings.TrimSpace(rest) == "" || len(cands) > 0 {
				d.cut, d.candidates = strings.TrimSpace(msg[start:]), cands
				return d
			}
		}
		e := len(lm)
		for _, stop := range [...]string{" allows", ":", ". ", "."} {
			if k := strings.Index(rest, stop); k >= 0 && at+k < e {
				e = at + k
			}
		}
		if e-at > 100 {
			e = at + 100
		}
		d.policy, d.phrase, end = policyUnknown, strings.TrimSpace(msg[at:e]), e
	}
	if d.kind == kindNoAllow {
		if k := strings.Index(lm[end:], " action"); k >= 0 && strings.HasPrefix(lm[end:], " allows") && k < 200 {
			end += k + len(" action")
		}
	}
	if i := skipSpace(msg, end); i < len(msg) && msg[i] == ':' {
		i = skipSpace(msg, i+1)
		if strings.HasPrefix(msg[i:], "arn:") {
			j := token(msg, i)
			d.policyARN = strings.TrimRight(msg[i:j], ".,;")
			end = i + len(d.policyARN)
		}
	}
	d.excerpt = msg[start:end]
	return d
}

// isWordByte reports whether c continues a word.
func isWordByte(c byte) bool {
	return c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// String names the policy type as AWS does.
func (p policyType) String() string {
	switch p {
	case policyIdentity:
		return "identity-based policy"
	case policyResource:
		return "resource-based policy"
	case policySCP:
		return "service control policy"
	case policyRCP:
		return "resource control policy"
	case policyBoundary:
		return "permissions boundary"
	case policySession:
		return "session policy"
	case policyVPCEndpoint:
		return "VPC endpoint policy"
	case policyTrust:
		return "role trust policy"
	case policyUnknown:
		return "unknown policy type"
	}
	return "no policy type"
}
