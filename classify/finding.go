package classify

import (
	"slices"
	"strings"
	"time"
)

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
func Layers() []Layer { return slices.Clone(allLayers[:]) }

// allLayers are the layers in report order. Read-only.
var allLayers = [...]Layer{LayerIAM, LayerBucketPolicy, LayerKMS, LayerOrgControls, LayerACL,
	LayerNetwork, LayerCredentials, LayerUnknown, LayerOther}

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
	// Remediation is the concrete next step, naming principal, action and
	// resource, in prose. It names values but holds no command that differs
	// from Commands.
	Remediation string
	// Cause is the verdict in one plain sentence, for summaries: what
	// blocked the call and, where known, the change that caused it.
	Cause string
	// Commands are the shell commands the remediation suggests, checks
	// first, in the order a person would run them.
	Commands []Command
}

// CommandKind says whether running a Command only reads or changes something.
type CommandKind string

// The kinds of Command.
const (
	// Check commands only read (describe, get, simulate).
	Check CommandKind = "check"
	// Fix commands change a policy or a setting.
	Fix CommandKind = "fix"
)

// Command is one suggested shell command, as data. Line is what a person
// pastes: a single line in which every interpolated value is POSIX-shell
// quoted, so that a shell splits it into exactly Argv. The JSON keys are
// stable.
type Command struct {
	Kind    CommandKind `json:"kind"`
	Summary string      `json:"summary"` // what it does, in a few words
	Argv    []string    `json:"argv"`    // the arguments, unquoted
	Line    string      `json:"line"`    // Argv quoted for a POSIX shell
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
	// Cause is the verdict in one plain sentence (Verdict.Cause).
	Cause string `json:"cause"`
	// Commands are the suggested shell commands, as data (Verdict.Commands).
	Commands []Command `json:"commands"`
	Related  []string  `json:"related"`
	Origin   string    `json:"origin"`
	// Action is the IAM action that was denied: the one the message names
	// (kms:GenerateDataKey for an upload KMS refused), else the one the
	// call needs (s3:PutObject for the whole PutObject family).
	Action string `json:"action"`
	// Role is where the caller's policies are attached: the role of an
	// assumed-role session, else the principal (Event.Role).
	Role string `json:"role"`
	// RecipientAccounts are the accounts the event was delivered to: two
	// for a cross-account call seen in both accounts' trails.
	RecipientAccounts []string `json:"recipientAccounts"`
	// Changes are the policy and configuration changes that explain the
	// finding or its end (see Change).
	Changes []Change `json:"changes"`
	// Pattern is the ID of the Pattern the finding belongs to.
	Pattern string `json:"pattern"`
	// Integrity is its evidence's integrity with --verify, else nil.
	Integrity *Integrity `json:"integrity,omitempty"`

	// Records are the events of the incident, each judged on its own: the
	// finding's own event, other deliveries of it, and the KMS calls S3
	// made for it. Not part of the JSON: their event IDs are in Related.
	Records []Finding `json:"-"`

	rec recordInfo // what correlation and de-duplication read
}

// recordInfo is what the engine reads of a record beyond the finding's keys.
// It is a struct, not loose fields, so that code iterating over Finding's
// string fields by reflection sees only the exported ones.
type recordInfo struct {
	sharedEventID string // the record's sharedEventID
	viaS3         bool   // a KMS call S3 made on the caller's behalf
}

// NewFinding builds the reported finding for a failed event, its verdict
// and where it came from. Every key is filled; the lists are empty slices,
// never nil, so JSON shows [] rather than null.
func NewFinding(e *Event, v Verdict, origin string) Finding {
	evidence := v.Evidence
	if evidence == nil {
		evidence = []string{}
	}
	action := messageAction(e.ErrorMessage)
	if action == "" {
		action = eventAction(e)
	}
	commands := v.Commands
	if commands == nil {
		commands = []Command{}
	}
	recipients := []string{}
	if e.RecipientAccountID != "" {
		recipients = append(recipients, e.RecipientAccountID)
	}
	f := Finding{
		EventID:           e.EventID,
		EventTime:         e.EventTime,
		EventSource:       e.EventSource,
		EventName:         e.EventName,
		ErrorCode:         e.ErrorCode,
		ErrorMessage:      e.ErrorMessage,
		Principal:         e.Principal(),
		PrincipalAccount:  e.UserIdentity.AccountID,
		ResourceAccount:   e.ResourceAccount(),
		Region:            e.AWSRegion,
		Bucket:            e.Bucket(),
		Key:               e.ObjectKey(),
		KMSKey:            e.KMSKey(),
		SourceIPAddress:   e.SourceIPAddress,
		VPCEndpointID:     e.VPCEndpoint(),
		Layer:             v.Layer,
		Control:           v.Control,
		Confidence:        v.Confidence,
		Evidence:          evidence,
		Remediation:       v.Remediation,
		Cause:             v.Cause,
		Commands:          commands,
		Related:           []string{},
		Origin:            origin,
		Action:            action,
		Role:              e.Role(),
		RecipientAccounts: recipients,
		Changes:           []Change{},
		rec:               recordInfo{sharedEventID: e.SharedEventID, viaS3: invokedByS3(e)},
	}
	f.Pattern = PatternKey(f)
	return f
}

// invokedByS3 reports whether a KMS event is a call S3 made on the
// caller's behalf (SSE-KMS): invokedBy, or else sourceIPAddress, names S3
// (older records say internal.amazonaws.com or AWS Internal), and the
// encryption context names the object or bucket.
func invokedByS3(e *Event) bool {
	if e.EventSource != "kms.amazonaws.com" || e.RequestParameters.EncryptionContext["aws:s3:arn"] == "" {
		return false
	}
	switch e.UserIdentity.InvokedBy {
	case "s3.amazonaws.com", "internal.amazonaws.com", "AWS Internal":
		return true
	case "":
		return strings.HasPrefix(e.SourceIPAddress, "s3.") && strings.HasSuffix(e.SourceIPAddress, ".amazonaws.com")
	}
	return false
}
