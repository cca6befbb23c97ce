package main

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// loadAWSConfig loads the AWS configuration the way the AWS CLI does
// (environment, shared config and credentials files, SSO, web identity,
// container and instance roles), with the profile, region and endpoint
// the user gave, and the per-request timeouts of --connect-timeout,
// --first-byte-timeout and --idle-timeout. An endpoint URL and the
// timeouts apply to every service client built from the config.
func loadAWSConfig(ctx context.Context, o *sourceOptions) (aws.Config, error) {
	if err := o.Net.validate(); err != nil {
		return aws.Config{}, err
	}
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(o.Net.timeouts().HTTPClient())}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.EndpointURL != "" {
		u, err := url.Parse(o.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return aws.Config{}, fmt.Errorf("--endpoint-url %q: want an http:// or https:// URL", o.EndpointURL)
		}
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}
	opts = append(opts, debugConfigOptions(o.Debug)...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		if o.Profile != "" {
			return aws.Config{}, fmt.Errorf("loading AWS configuration (profile %q): %w", o.Profile, err)
		}
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return cfg, nil
}
