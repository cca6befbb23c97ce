package classify

// Integrity is the integrity of a finding's evidence, the log files its
// records came from, as --verify established it (package integrity).
type Integrity struct {
	// Status is "verified" (every log file's hash matches a digest whose
	// signature and chain hold), "tampered" (one's hash differs from its
	// digest's) or "unverified".
	Status string `json:"status"`
	// Reason says why, when not verified.
	Reason string `json:"reason,omitempty"`
}
