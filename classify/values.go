package classify

import "strings"

// This file checks the values AWS constrains before they go into a
// command, as the patterns in the comments say (the tests hold each
// function to its pattern as a regular expression). They are written out
// because the remediation checks several values of every failed record,
// and regexp took a fifth of its time. Partitions: aws, aws-cn,
// aws-us-gov, aws-iso*, aws-eusc.

// charset reports whether every byte of s is in set, a string of the
// allowed bytes where a '-' between two others is a range, as in a
// regular expression's class.
func charset(s string, set string) bool {
	for i := range len(s) {
		if !inSet(s[i], set) {
			return false
		}
	}
	return true
}

func inSet(c byte, set string) bool {
	for i := 0; i < len(set); i++ {
		if i+2 < len(set) && set[i+1] == '-' {
			if set[i] <= c && c <= set[i+2] {
				return true
			}
			i += 2
			continue
		}
		if set[i] == c {
			return true
		}
	}
	return false
}

// The classes the patterns use.
const (
	digits     = "0-9"
	lowerHex   = "0-9a-f"
	lower      = "a-z"
	iamChars   = "A-Za-z0-9_+=,.@-"
	bucketSet  = "A-Za-z0-9._-"
	aliasChars = "A-Za-z0-9/_-"
)

// sized reports whether s is between lo and hi bytes long and of set.
func sized(s string, lo, hi int, set string) bool {
	return lo <= len(s) && len(s) <= hi && charset(s, set)
}

// isAccount: ^[0-9]{12}$
func isAccount(s string) bool { return sized(s, 12, 12, digits) }

// isRegion: ^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$
func isRegion(s string) bool {
	j := strings.LastIndexByte(s, '-')
	if j < 0 || !sized(s[j+1:], 1, 2, digits) {
		return false
	}
	p := s[:j]
	return len(p) >= 4 && sized(p[:2], 2, 2, lower) && p[2] == '-' && lowerWords(p[3:])
}

// lowerWords: ^[a-z]+(-[a-z]+)*$
func lowerWords(s string) bool {
	for w := range strings.SplitSeq(s, "-") {
		if !sized(w, 1, len(w), lower) {
			return false
		}
	}
	return true
}

// isBucket: ^[A-Za-z0-9._-]{3,255}$ (with the legacy us-east-1 names)
func isBucket(s string) bool { return sized(s, 3, 255, bucketSet) }

// isIAMName: ^[A-Za-z0-9_+=,.@-]{1,64}$
func isIAMName(s string) bool { return sized(s, 1, 64, iamChars) }

// cutARN cuts the start of an ARN of service, "arn:aws(-[a-z]+)*:service:",
// from s.
func cutARN(s, service string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "arn:aws")
	if !ok {
		return "", false
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 || i > 0 && (rest[0] != '-' || !lowerWords(rest[1:i])) {
		return "", false
	}
	rest, ok = strings.CutPrefix(rest[i+1:], service+":")
	return rest, ok
}

// isIAMARN: ^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,64}$
func isIAMARN(s string) bool {
	rest, ok := cutARN(s, "iam:") // no Region
	if !ok || len(rest) < 13 || !isAccount(rest[:12]) || rest[12] != ':' {
		return false
	}
	rest = rest[13:]
	if r, ok := strings.CutPrefix(rest, "role/"); ok {
		rest = r
	} else if rest, ok = strings.CutPrefix(rest, "user/"); !ok {
		return false
	}
	k := strings.LastIndexByte(rest, '/')
	return charset(rest[:k+1], "!-~") && isIAMName(rest[k+1:])
}

// isAction: ^[a-z0-9-]+:[A-Za-z0-9]+$
func isAction(s string) bool {
	svc, name, ok := strings.Cut(s, ":")
	return ok && sized(svc, 1, len(svc), "a-z0-9-") && sized(name, 1, len(name), "A-Za-z0-9")
}

// isKeyID: ^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$
func isKeyID(s string) bool {
	if m, ok := strings.CutPrefix(s, "mrk-"); ok {
		return sized(m, 32, 32, lowerHex)
	}
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !inSet(s[i], lowerHex) {
				return false
			}
		}
	}
	return true
}

// isKeyARN reports whether s is a valid KMS key ARN (not an alias).
func isKeyARN(s string) bool { return kmsARNKind(s) == "key" }

// kmsARNKind returns "key" or "alias" for a valid KMS key or alias ARN, else "":
// ^arn:aws(-[a-z]+)*:kms:REGION:[0-9]{12}:(key/KEYID|alias/[A-Za-z0-9/_-]{1,250})$
// with REGION and KEYID as in isRegion and isKeyID.
func kmsARNKind(s string) string {
	rest, ok := cutARN(s, "kms")
	if !ok {
		return ""
	}
	region, rest, _ := strings.Cut(rest, ":")
	if !isRegion(region) || len(rest) < 13 || !isAccount(rest[:12]) || rest[12] != ':' {
		return ""
	}
	rest = rest[13:]
	if id, ok := strings.CutPrefix(rest, "key/"); ok && isKeyID(id) {
		return "key"
	}
	if isAlias(rest) {
		return "alias"
	}
	return ""
}

// isAlias: ^alias/[A-Za-z0-9/_-]{1,250}$
func isAlias(s string) bool {
	name, ok := strings.CutPrefix(s, "alias/")
	return ok && sized(name, 1, 250, aliasChars)
}

// isVPCE: ^vpce-[0-9a-f]{8,17}$
func isVPCE(s string) bool {
	id, ok := strings.CutPrefix(s, "vpce-")
	return ok && sized(id, 8, 17, lowerHex)
}

// isPolicyID: ^p-[0-9a-z_]{8,128}$
func isPolicyID(s string) bool {
	id, ok := strings.CutPrefix(s, "p-")
	return ok && sized(id, 8, 128, "0-9a-z_")
}

// isEncodedID: ^[A-Za-z0-9+/=_-]+$
func isEncodedID(s string) bool { return sized(s, 1, len(s), "A-Za-z0-9+/=_-") }

// isService: ^[a-z0-9-]+$ (a service prefix, as in an endpoint service name)
func isService(s string) bool { return sized(s, 1, len(s), "a-z0-9-") }
