package main

import (
	"io"
	"time"
)

// sourceOptions carries the flags that remote sources need.
type sourceOptions struct {
	Profile     string    // --profile: shared config profile
	Region      string    // region for API clients; "" = the SDK's chain (AWS_REGION, profile)
	EndpointURL string    // --endpoint-url: S3-compatible store or test server
	Accounts    []string  // --account: accounts to read (S3 layout), empty = discover
	Regions     []string  // --region: regions to read (s3:// layout folders; cloudtrail:// when the URL names none), empty = discover
	Since       time.Time // start of the window (inclusive)
	Until       time.Time // end of the window (inclusive)
	AllFailures bool      // --all-failures: widen API queries to all events
	Progress    io.Writer // nil when progress is off
	Debug       io.Writer // --debug: SDK logs go here (secrets redacted); nil without it
	Stderr      io.Writer // diagnostics (an Athena query's cost)
	Athena      athenaFlags
	Net         netFlags // timeouts and S3 concurrency
}
