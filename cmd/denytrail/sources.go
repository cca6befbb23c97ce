package main

import (
	"context"
	"io"
	"time"

	"github.com/denytrail/denytrail/ingest"
)

// sourceOptions carries the flags that remote sources need.
type sourceOptions struct {
	Profile     string    // --profile: shared config profile
	Region      string    // --region: default region for API calls
	EndpointURL string    // --endpoint-url: S3-compatible store or test server
	Accounts    []string  // --account: accounts to read (S3 layout), empty = discover
	Regions     []string  // --region-filter for S3 layout (see --help), empty = discover
	Since       time.Time // start of the window (inclusive)
	Until       time.Time // end of the window (inclusive)
	AllFailures bool      // --all-failures: widen API queries to all events
	Progress    io.Writer // nil when progress is off
}

// s3Source and cloudTrailSource are implemented in s3.go and cloudtrail.go.
var _ = func(ctx context.Context, bucket, prefix string, o *sourceOptions) (ingest.Source, error) {
	return newS3Source(ctx, bucket, prefix, o)
}
