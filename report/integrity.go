package report

import (
	"fmt"
	"strings"

	"github.com/denytrail/denytrail/integrity"
)

// IntegrityText is what --verify found, in one line: the log files by
// outcome, the digests and their signatures. It is "" without --verify.
func IntegrityText(s *integrity.Summary) string {
	if s == nil {
		return ""
	}
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(s.Verified, "verified")
	add(s.HashMatched, "hash matched (signature not checked)")
	add(s.Tampered, "tampered")
	add(s.Missing, "missing")
	add(s.NotCovered, "not covered by a digest")
	add(s.Unverified, "unverified")
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	msg := fmt.Sprintf("log files: %s; %d digest(s), %d signature(s) verified", strings.Join(parts, ", "), s.Digests, s.SignaturesOK)
	if s.BadSignatures > 0 || s.BrokenChains > 0 {
		msg += fmt.Sprintf(", %d bad signature(s), %d broken chain link(s)", s.BadSignatures, s.BrokenChains)
	}
	if s.SignaturesNotChecked != "" {
		msg += "; signatures not checked: " + s.SignaturesNotChecked
	}
	return msg
}

// integrityProblems are the integrity failures as problems for the lists.
func integrityProblems(s *integrity.Summary) []Problem {
	if s == nil {
		return nil
	}
	ps := make([]Problem, 0, len(s.Problems))
	for _, p := range s.Problems {
		ps = append(ps, Problem{Input: p.File, Reason: p.Kind + ": " + p.Reason})
	}
	return ps
}
