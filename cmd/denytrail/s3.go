package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/ingest"
)

// probeRegion signs the request that asks S3 where a bucket lives when no
// region is configured; S3 answers it from any region.
const probeRegion = "us-east-1"

// newS3Source builds the source for s3://bucket/prefix.
func newS3Source(ctx context.Context, bucket, prefix string, o *sourceOptions) (ingest.Source, error) {
	client, err := s3ClientFor(ctx, o, bucket)
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, prefix, err)
	}
	return ingest.NewS3(client, bucket, prefix, ingest.S3Options{
		Accounts:  o.Accounts,
		Regions:   o.Regions,
		Since:     o.Since,
		Until:     o.Until,
		Listings:  o.Net.s3Listings,
		Downloads: o.Net.s3Downloads,
		Buffer:    int64(o.Net.s3BufferMiB) << 20,
	})
}

// s3ClientFor returns an S3 client for bucket. On AWS it talks to the
// region the bucket is in, whatever the configured region: log archive and
// report buckets often live elsewhere. With --endpoint-url (or an S3
// endpoint in the environment: customEndpoint) it uses path-style
// addressing, as S3-compatible stores expect. A bucket that does
// not exist is an error here, before any work is done.
func s3ClientFor(ctx context.Context, o *sourceOptions, bucket string) (*s3.Client, error) {
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	var optFns []func(*s3.Options)
	custom := customEndpoint(o, "S3")
	if custom != "" {
		optFns = append(optFns, func(so *s3.Options) {
			so.UsePathStyle = true
			so.BaseEndpoint = aws.String(custom) // the flag wins over AWS_ENDPOINT_URL_S3
		})
		if cfg.Region == "" {
			cfg.Region = probeRegion
		}
	}
	probe := cfg.Copy()
	if probe.Region == "" {
		probe.Region = probeRegion
	}
	region, err := ingest.S3BucketRegion(ctx, ingest.NewS3Client(probe, optFns...), bucket)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case isNotFound(err):
		return nil, err
	case region != "" && custom == "":
		cfg.Region = region
	case region == "" && cfg.Region == "":
		// Credentials are missing or S3 is unreachable: say why.
		return nil, err
	}
	// Otherwise go on in the configured region: the requests will say
	// what is wrong, object by object.
	return ingest.NewS3Client(cfg, optFns...), nil
}

// isNotFound reports whether S3 said the bucket does not exist.
func isNotFound(err error) bool {
	var nf interface{ ErrorCode() string }
	return errors.As(err, &nf) && (nf.ErrorCode() == "NotFound" || nf.ErrorCode() == "NoSuchBucket")
}
