package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/ingest"
)

// probeRegion signs the request that asks S3 where a bucket lives when no
// region is configured; S3 answers it from any region.
const probeRegion = "us-east-1"

// newS3Source builds the source for s3://bucket/prefix. On AWS it reads
// the bucket from the region the bucket is in, whatever the configured
// region: log archive buckets often live elsewhere. With --endpoint-url it
// uses path-style addressing, as S3-compatible stores expect.
func newS3Source(ctx context.Context, bucket, prefix string, o *sourceOptions) (ingest.Source, error) {
	name := "s3://" + bucket + "/" + prefix
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var opts []func(*s3.Options)
	if o.EndpointURL != "" {
		opts = append(opts, func(so *s3.Options) { so.UsePathStyle = true })
		if cfg.Region == "" {
			cfg.Region = probeRegion
		}
	} else {
		probe := cfg.Copy()
		if probe.Region == "" {
			probe.Region = probeRegion
		}
		region, err := ingest.S3BucketRegion(ctx, ingest.NewS3Client(probe), bucket)
		switch {
		case region != "":
			cfg.Region = region
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case isNotFound(err):
			return nil, err
		case cfg.Region == "":
			// Credentials are missing or S3 is unreachable: say why.
			return nil, err
		}
		// Otherwise go on in the configured region: listing will say
		// what is wrong, object by object.
	}
	return ingest.NewS3(ingest.NewS3Client(cfg, opts...), bucket, prefix, ingest.S3Options{
		Accounts: o.Accounts,
		Regions:  o.Regions,
		Since:    o.Since,
		Until:    o.Until,
	})
}

// isNotFound reports whether S3 said the bucket does not exist.
func isNotFound(err error) bool {
	var nf interface{ ErrorCode() string }
	return errors.As(err, &nf) && (nf.ErrorCode() == "NotFound" || nf.ErrorCode() == "NoSuchBucket")
}
