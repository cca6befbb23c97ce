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

// phrase is one policy-type phrase of a message.
type phrase struct {
	typ  policyType
	text string // the words as written, e.g. "Service Control Policy"
	at   int    // their offset in the message
}

// denial is what an access-denied errorMessage says, read from the enhanced
// format `User: <arn> is not authorized to perform: <action> [on resource:
// <arn>|on this resource] <context>`. Every string is a slice of the
// original message. Nothing is read from inside the resource: the context
// starts after it.
type denial struct {
	enhanced     bool   // the message has "not authorized to perform:"
	principal    string // after "User:", empty when the message names none
	action       string // e.g. "s3:PutObject"
	resource     string // the resource ARN, unquoted; empty for "this resource"
	thisResource bool   // "on this resource"
	resourceCut  bool   // the message ends inside the quoted resource (truncation)
	quoteLost    bool   // the resource's quote never closes, but the message goes on
	// resourceDoubt: the message was cut at 1 KB and its quoted resource
	// is not the event's, so its end was taken at the last quote, which a
	// quote inside the key could have moved.
	resourceDoubt bool

	context    int // where the context starts: after the resource
	kind       denyKind
	policy     policyType // the policy type that decides, by DESIGN.md §2.1's precedence
	phrase     string     // its words as written
	phrases    []phrase   // every policy-type phrase, in message order
	policyARN  string     // the first ": <policy ARN>" of the context
	policyARNs []string   // every policy ARN the context names
	link       string     // a console or documentation link in the message
	encoded    string     // the encoded authorization failure message
	excerpt    string     // the context clause, for evidence
	truncated  bool       // the message is at CloudTrail's 1 KB limit
	cut        string     // a context clause cut off by truncation
	candidates []policyType
}

// lowerASCII lower-cases ASCII letters only, so byte offsets into the
// result are offsets into s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for j := i; j < len(s); j++ {
				c := s[j]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
			}
			return b.String()
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
func parseDenial(msg string) denial { return parseDenialOf(msg, lowerASCII(msg), "") }

// messageAction is parseDenial(msg).action, the action an access-denied
// message names, without reading the rest of the message.
func messageAction(msg string) string {
	const perform = "not authorized to perform:"
	for i := 0; i+len(perform) <= len(msg); i++ {
		if c := msg[i]; c != 'n' && c != 'N' {
			continue
		}
		if equalLowerASCII(msg[i:i+len(perform)], perform) {
			i = skipSpace(msg, i+len(perform))
			return strings.TrimRight(msg[i:token(msg, i)], ".,;")
		}
	}
	return ""
}

// equalLowerASCII reports whether lowerASCII(s) == lower, for a lower
// that is already lower-case.
func equalLowerASCII(s, lower string) bool {
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// parseDenialOf reads an access-denied message (and lm, lowerASCII of it)
// knowing the resource ARN the
// event addressed (for S3, the bucket or object ARN built from
// requestParameters), which tells exactly where a quoted resource ends,
// whatever quotes and words an object key holds. resource may be "".
func parseDenialOf(msg, lm, resource string) denial {
	var d denial
	d.truncated = len(msg) >= messageLimit

	ctx := 0 // where the context clause may start: after the resource
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
				i = d.quotedResource(msg, lm, i+1, resource)
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
	d.context = ctx

	if k := strings.Index(lm[ctx:], "encoded authorization failure message:"); k >= 0 {
		i := skipSpace(msg, ctx+k+len("encoded authorization failure message:"))
		d.encoded = msg[i:token(msg, i)]
	}
	if k := strings.Index(lm[ctx:], "https://"); k >= 0 {
		d.link = strings.TrimRight(msg[ctx+k:token(msg, ctx+k)], ".,;)")
	}
	for k := ctx; ; {
		n := strings.Index(lm[k:], "arn:")
		if n < 0 {
			break
		}
		k += n
		// A policy ARN follows a colon: "…policy: arn:aws:…".
		if b := strings.TrimRight(lm[ctx:k], " \t"); strings.HasSuffix(b, ":") {
			d.policyARNs = append(d.policyARNs, strings.TrimRight(msg[k:token(msg, k)], ".,;"))
		}
		k = token(msg, k)
	}
	if len(d.policyARNs) > 0 {
		d.policyARN = d.policyARNs[0]
	}
	if !d.resourceCut {
		d.readContext(msg, lm, ctx)
	}
	return d
}

// quotedResource reads a quoted resource starting at i (after its opening
// quote) and returns where the context may start. The resource the event
// addressed settles where the quote closes; without it, the last quote in
// the message does (AWS puts no quote after the resource). A quote that
// never closes either was cut by truncation or was lost (pasted messages):
// then the context starts at the last clause opener.
func (d *denial) quotedResource(msg, lm string, i int, want string) int {
	rest := msg[i:]
	if want != "" {
		switch {
		case strings.HasPrefix(rest, want):
			j := i + len(want)
			switch {
			case j == len(msg):
				d.resource = want
				d.resourceCut, d.quoteLost = d.truncated, !d.truncated
				return j
			case msg[j] == '"':
				d.resource = want
				return j + 1
			case isSpace(msg[j]):
				d.resource, d.quoteLost = want, true
				return j
			}
		case strings.HasPrefix(want, rest):
			d.resource, d.resourceCut = rest, true
			return len(msg)
		}
	}
	if q := strings.LastIndexByte(rest, '"'); q >= 0 {
		d.resource = rest[:q]
		d.resourceDoubt = d.truncated && want != ""
		return i + q + 1
	}
	if d.truncated {
		d.resource, d.resourceCut = rest, true
		return len(msg)
	}
	d.quoteLost = true
	k := -1
	for _, o := range [...]string{" with an explicit deny", " with explicit deny", " because "} {
		k = max(k, strings.LastIndex(lm[i:], o))
	}
	if k < 0 {
		d.resource = rest
		return len(msg)
	}
	d.resource = rest[:k]
	return i + k
}

// readContext reads the context clause, which starts at ctx: the kind of
// denial and every policy-type phrase.
func (d *denial) readContext(msg, lm string, ctx int) {
	start, at := -1, -1 // start of the clause, start of the policy words
	switch {
	case strings.Contains(lm[ctx:], "does not exist in this region"):
		d.kind = kindRegion
		start = ctx + strings.Index(lm[ctx:], "because")
		if start < ctx {
			start = ctx + strings.Index(lm[ctx:], "does not exist")
		}
		d.excerpt = strings.TrimSpace(strings.TrimRight(msg[start:], "."))
		return
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
		return
	}

	end := clauseEnd(lm, at)
	// The slots where a policy type is named: after the opener, and after
	// each "transitively through".
	slots := []int{at}
	for k := at; ; {
		n := strings.Index(lm[k:end], "transitively through ")
		if n < 0 {
			break
		}
		k += n + len("transitively through ")
		slots = append(slots, skipArticle(lm, skipSpace(lm, k)))
	}
	for si, s := range slots {
		se := end // the end of this slot's words
		if si+1 < len(slots) {
			se = strings.LastIndex(lm[:slots[si+1]], "transitively through")
			for se > s && isSpace(lm[se-1]) {
				se--
			}
		}
		d.slot(msg, lm, s, se, si == len(slots)-1 && end == len(lm), start)
	}
	if d.cut != "" && len(d.phrases) == 0 {
		return
	}
	// Known policy words anywhere else in the clause count too.
	for i := at; i < end; i++ {
		if i > 0 && isWordByte(lm[i-1]) {
			continue
		}
		if p, n := matchPhrase(lm[i:end]); n > 0 {
			if !slices.ContainsFunc(d.phrases, func(q phrase) bool { return q.at == i }) {
				d.phrases = append(d.phrases, phrase{p, msg[i : i+n], i})
			}
			i += n
		}
	}
	slices.SortFunc(d.phrases, func(a, b phrase) int { return a.at - b.at })
	d.policy, d.phrase = decisive(d.phrases)

	if d.kind == kindNoAllow {
		if k := strings.Index(lm[end:], " action"); k >= 0 && strings.HasPrefix(lm[end:], " allows") && k < 200 {
			end += k + len(" action")
		}
	}
	if i := skipSpace(msg, end); i < len(msg) && msg[i] == ':' {
		i = skipSpace(msg, i+1)
		if strings.HasPrefix(lm[i:], "arn:") {
			end = i + len(strings.TrimRight(msg[i:token(msg, i)], ".,;"))
		}
	}
	d.excerpt = strings.TrimRight(msg[start:end], " ")
}

// slot reads the policy words in lm[s:e]: a known phrase, the start of one
// cut by truncation (last says the slot runs to the end of the message),
// or words naming a policy type denytrail does not know.
func (d *denial) slot(msg, lm string, s, e int, last bool, start int) {
	if p, n := matchPhrase(lm[s:e]); n > 0 {
		d.phrases = append(d.phrases, phrase{p, msg[s : s+n], s})
		return
	}
	words := strings.TrimSpace(lm[s:e])
	if last && d.truncated {
		// Possibly cut off inside the policy words: name what they could
		// have been.
		var cands []policyType
		for _, p := range policyPhrases {
			if strings.HasPrefix(p.phrase, words) && !slices.Contains(cands, p.typ) {
				cands = append(cands, p.typ)
			}
		}
		if words == "" || len(cands) > 0 {
			d.cut, d.candidates = strings.TrimSpace(msg[start:]), cands
			return
		}
	}
	if words == "" {
		return
	}
	w := strings.TrimSpace(msg[s:e])
	if len(w) > 100 {
		w = clip(w, 100)
	}
	d.phrases = append(d.phrases, phrase{policyUnknown, w, s})
}

// clauseEnd returns where the policy words starting at at end: at " allows",
// a ":" (a policy ARN follows), a sentence end, or the end of the message.
func clauseEnd(lm string, at int) int {
	e := len(lm)
	for _, stop := range [...]string{" allows", ":", ". ", ", "} {
		if k := strings.Index(lm[at:], stop); k >= 0 && at+k < e {
			e = at + k
		}
	}
	for e > at && (lm[e-1] == '.' || isSpace(lm[e-1])) {
		e--
	}
	return e
}

// matchPhrase returns the known policy phrase lm starts with, and its
// length; the longest wins, and it must end at a word boundary.
func matchPhrase(lm string) (policyType, int) {
	typ, n := policyNone, 0
	for _, p := range policyPhrases {
		if len(p.phrase) > n && strings.HasPrefix(lm, p.phrase) &&
			(len(lm) == len(p.phrase) || !isWordByte(lm[len(p.phrase)])) {
			typ, n = p.typ, len(p.phrase)
		}
	}
	return typ, n
}

// precedence ranks policy types by DESIGN.md §2.1: organizational controls
// first, then the VPC endpoint policy, then identity-based and
// resource-based policies (Judge tells KMS from S3 by the action); what is
// not an S3 or KMS control, and unknown types, last.
func precedence(p policyType) int {
	switch p {
	case policySCP:
		return 0
	case policyRCP:
		return 1
	case policyBoundary:
		return 2
	case policySession:
		return 3
	case policyVPCEndpoint:
		return 4
	case policyIdentity:
		return 5
	case policyResource:
		return 6
	case policyTrust:
		return 7
	}
	return 8
}

// decisive returns the phrase that decides among phrases, or policyNone.
func decisive(phrases []phrase) (policyType, string) {
	best := -1
	for i, p := range phrases {
		if best < 0 || precedence(p.typ) < precedence(phrases[best].typ) {
			best = i
		}
	}
	if best < 0 {
		return policyNone, ""
	}
	return phrases[best].typ, phrases[best].text
}

// arnPolicyTypes says which policy types a policy ARN's form allows: an
// Organizations ARN names its type; an IAM managed policy can be attached
// as an identity-based policy, a permissions boundary or a session policy.
// It returns nil when the form says nothing.
func arnPolicyTypes(arn string) []policyType {
	switch {
	case strings.Contains(arn, ":organizations::") && strings.Contains(arn, "/service_control_policy/"):
		return []policyType{policySCP}
	case strings.Contains(arn, ":organizations::") && strings.Contains(arn, "/resource_control_policy/"):
		return []policyType{policyRCP}
	case strings.Contains(arn, ":iam::") && strings.Contains(arn, ":policy/"):
		return []policyType{policyIdentity, policyBoundary, policySession}
	}
	return nil
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
