package classify

import "time"

// Layer is the authorization layer that most likely blocked a call.
type Layer string

// The layers, as in DESIGN.md §2.
const (
	LayerIAM          Layer = "iam"
	LayerBucketPolicy Layer = "bucket-policy"
	LayerKMS          Layer = "kms"
	LayerOrgControls  Layer = "org-controls"
	LayerACL          Layer = "acl-ownership"
	LayerNetwork      Layer = "network"
	LayerCredentials  Layer = "credentials"
	LayerUnknown      Layer = "unknown"
	LayerOther        Layer = "other"
)

// Layers lists every layer in report order.
func Layers() []Layer {
	return []Layer{LayerIAM, LayerBucketPolicy, LayerKMS, LayerOrgControls, LayerACL,
		LayerNetwork, LayerCredentials, LayerUnknown, LayerOther}
}

// Control is the precise mechanism within a layer.
type Control string

// The controls, as in DESIGN.md §2.
const (
	ControlIdentityPolicy      Control = "identity-policy"
	ControlBucketPolicy        Control = "bucket-policy"
	ControlBucketEncryption    Control = "bucket-encryption"
	ControlKMSKeyPolicy        Control = "kms-key-policy"
	ControlKMSKeyState         Control = "kms-key-state"
	ControlSCP                 Control = "scp"
	ControlRCP                 Control = "rcp"
	ControlPermissionsBoundary Control = "permissions-boundary"
	ControlSessionPolicy       Control = "session-policy"
	ControlObjectOwnership     Control = "object-ownership"
	ControlACL                 Control = "acl"
	ControlBlockPublicAccess   Control = "block-public-access"
	ControlVPCEndpointPolicy   Control = "vpc-endpoint-policy"
	ControlExpiredCredentials  Control = "expired-credentials"
	ControlInvalidCredentials  Control = "invalid-credentials"
	ControlUnknown             Control = "unknown"
	ControlRequestError        Control = "request-error"
)

// Confidence says how sure a verdict is.
type Confidence string

// Confidence levels: high when AWS names the policy type or the error code
// is specific, medium for a structural signal, low for the fallback guess.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Verdict is the classification of one failed call.
type Verdict struct {
	Layer      Layer
	Control    Control
	Confidence Confidence
	// Evidence quotes the fields of the event that led to the verdict, one
	// line each, e.g. `errorMessage says "explicit deny in a service control policy"`.
	Evidence []string
	// Remediation is the concrete next step, naming principal, action and resource.
	Remediation string
}

// Finding is one reported denial: the event's key facts and its verdict.
// The JSON keys are stable; users and tests depend on them (DESIGN.md §1).
type Finding struct {
	EventID          string     `json:"eventID"`
	EventTime        time.Time  `json:"eventTime"`
	EventSource      string     `json:"eventSource"`
	EventName        string     `json:"eventName"`
	ErrorCode        string     `json:"errorCode"`
	ErrorMessage     string     `json:"errorMessage"`
	Principal        string     `json:"principal"`
	PrincipalAccount string     `json:"principalAccount"`
	ResourceAccount  string     `json:"resourceAccount"`
	Region           string     `json:"region"`
	Bucket           string     `json:"bucket"`
	Key              string     `json:"key"`
	KMSKey           string     `json:"kmsKey"`
	SourceIPAddress  string     `json:"sourceIPAddress"`
	VPCEndpointID    string     `json:"vpcEndpointId"`
	Layer            Layer      `json:"layer"`
	Control          Control    `json:"control"`
	Confidence       Confidence `json:"confidence"`
	Evidence         []string   `json:"evidence"`
	Remediation      string     `json:"remediation"`
	Related          []string   `json:"related"`
	Origin           string     `json:"origin"`
}

// NewFinding builds the reported finding for a failed event, its verdict
// and where it came from. Every key is filled; Evidence and Related are
// empty slices, never nil, so JSON shows [] rather than null.
func NewFinding(e *Event, v Verdict, origin string) Finding {
	evidence := v.Evidence
	if evidence == nil {
		evidence = []string{}
	}
	return Finding{
		EventID:          e.EventID,
		EventTime:        e.EventTime,
		EventSource:      e.EventSource,
		EventName:        e.EventName,
		ErrorCode:        e.ErrorCode,
		ErrorMessage:     e.ErrorMessage,
		Principal:        e.Principal(),
		PrincipalAccount: e.UserIdentity.AccountID,
		ResourceAccount:  e.ResourceAccount(),
		Region:           e.AWSRegion,
		Bucket:           e.Bucket(),
		Key:              e.ObjectKey(),
		KMSKey:           e.KMSKey(),
		SourceIPAddress:  e.SourceIPAddress,
		VPCEndpointID:    e.VPCEndpoint(),
		Layer:            v.Layer,
		Control:          v.Control,
		Confidence:       v.Confidence,
		Evidence:         evidence,
		Remediation:      v.Remediation,
		Related:          []string{},
		Origin:           origin,
	}
}
