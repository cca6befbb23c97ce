package main

import (
	"context"
	"errors"

	"github.com/denytrail/denytrail/ingest"
)

// newS3Source builds the source for s3://bucket/prefix.
func newS3Source(ctx context.Context, bucket, prefix string, o *sourceOptions) (ingest.Source, error) {
	return nil, errors.New("s3:// sources are not supported yet")
}
