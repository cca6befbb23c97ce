package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// debugLogMode is what --debug asks the SDK to log: each request's and
// response's headers (never bodies: they may hold credentials or web
// identity tokens), retries, and signing.
const debugLogMode = aws.LogRequest | aws.LogResponse | aws.LogRetries | aws.LogSigning | aws.LogDeprecatedUsage

// debugConfigOptions are the AWS config options of --debug: SDK logging
// to w, secrets redacted. w == nil adds none.
func debugConfigOptions(w io.Writer) []func(*config.LoadOptions) error {
	if w == nil {
		return nil
	}
	return []func(*config.LoadOptions) error{
		config.WithClientLogMode(debugLogMode),
		config.WithLogger(&redactingLogger{w: w}),
	}
}

// redactingLogger writes SDK log entries to w with secrets removed.
type redactingLogger struct {
	mu sync.Mutex
	w  io.Writer
}

// Logf implements logging.Logger.
func (l *redactingLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := redactSecrets(fmt.Sprintf(format, v...))
	msg = strings.TrimRight(strings.ReplaceAll(msg, "\r\n", "\n"), "\n")
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "denytrail: debug: %s: %s\n", strings.ToLower(string(c)), strings.ReplaceAll(msg, "\n", "\n    "))
}

var (
	// secretHeader matches the header lines whose value is a secret or a
	// signature.
	secretHeader = regexp.MustCompile(`(?im)^(authorization|x-amz-security-token|x-amz-session-token|x-aws-ec2-metadata-token|x-amz-signature|proxy-authorization|cookie|set-cookie):[^\r\n]*`)
	// secretParam matches presigned-URL query parameters and SigV4
	// fields that carry a signature or a session token.
	secretParam = regexp.MustCompile(`(?i)\b(x-amz-signature|x-amz-security-token|x-amz-credential|signature|aws_secret_access_key|aws_session_token)=[^&\s,;"]*`)
)

// redactSecrets replaces the values of secret headers and query
// parameters in s.
func redactSecrets(s string) string {
	s = secretHeader.ReplaceAllString(s, "$1: [redacted]")
	return secretParam.ReplaceAllString(s, "$1=[redacted]")
}
