package main

import (
	"context"
	"errors"

	"github.com/denytrail/denytrail/ingest"
)

// newCloudTrailSource builds the source for cloudtrail://REGION[,REGION...];
// regions is empty for the configured region, or ["all"].
func newCloudTrailSource(ctx context.Context, regions []string, o *sourceOptions) (ingest.Source, error) {
	return nil, errors.New("cloudtrail:// sources are not supported yet")
}
