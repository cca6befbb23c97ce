package classify

// ChangeEvents returns the "service:EventName" names of the successful
// changes that IsChange accepts, for sources that select records before
// they are read (the Athena query).
func ChangeEvents() []string {
	out := make([]string, len(changeNames))
	for i, c := range changeNames {
		out[i] = c.svc + ":" + c.name
	}
	return out
}

// EventPatterns returns the "service:EventName" patterns of the failed
// calls the filter counts: its Events, or DefaultEvents when it names
// none. With AllFailures every failed call counts, whatever the patterns.
func (f Filter) EventPatterns() []string {
	if len(f.Events) > 0 {
		return append([]string(nil), f.Events...)
	}
	return DefaultEvents()
}

// Controls lists every control, in the order of DESIGN.md §2.
func Controls() []Control {
	return []Control{ControlIdentityPolicy, ControlBucketPolicy, ControlBucketEncryption, ControlKMSKeyPolicy,
		ControlKMSKeyState, ControlSCP, ControlRCP, ControlPermissionsBoundary, ControlSessionPolicy,
		ControlObjectOwnership, ControlACL, ControlBlockPublicAccess, ControlVPCEndpointPolicy,
		ControlExpiredCredentials, ControlInvalidCredentials, ControlUnknown, ControlRequestError}
}
