package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/account"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/denytrail/denytrail/ingest"
)

// accountRegion signs Account API calls when no Region is configured: the
// API is global.
const accountRegion = "us-east-1"

// regionName is the shape of a Region name (us-east-1, us-gov-west-1,
// eusc-de-east-1): enough to catch a typo before it becomes a DNS error.
var regionName = regexp.MustCompile(`^[a-z]+(-[a-z]+)+-[0-9]+$`)

// newCloudTrailSource builds the source for cloudtrail://REGION[,REGION...];
// regions is empty for the configured region, or ["all"] for every Region
// enabled for the account (which needs account:ListRegions).
func newCloudTrailSource(ctx context.Context, regions []string, o *sourceOptions) (ingest.Source, error) {
	name := "cloudtrail://" + strings.Join(regions, ",")
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	regions, err = cloudTrailRegions(ctx, name, regions, cfg)
	if err != nil {
		return nil, err
	}
	if name == "cloudtrail://" {
		name += regions[0]
	}
	clients := make(map[string]ingest.CloudTrailAPI, len(regions))
	for _, r := range regions {
		clients[r] = cloudtrail.NewFromConfig(cfg, func(co *cloudtrail.Options) { co.Region = r })
	}
	return ingest.NewCloudTrail(clients, ingest.CloudTrailOptions{
		Since:     o.Since,
		Until:     o.Until,
		AllEvents: o.AllFailures,
		Name:      name,
	})
}

// cloudTrailRegions resolves the Regions of a cloudtrail:// source: the
// ones named, the configured one when none is, or the account's enabled
// Regions for "all".
func cloudTrailRegions(ctx context.Context, name string, regions []string, cfg aws.Config) ([]string, error) {
	switch {
	case len(regions) == 0:
		if cfg.Region == "" {
			return nil, fmt.Errorf("%s: no Region: name one (cloudtrail://us-east-1), pass --region, or set AWS_REGION", name)
		}
		return []string{cfg.Region}, nil
	case slices.Contains(regions, "all"):
		if len(regions) > 1 {
			return nil, fmt.Errorf("%s: \"all\" cannot be combined with named Regions", name)
		}
		acfg := cfg.Copy()
		if acfg.Region == "" {
			acfg.Region = accountRegion
		}
		return ingest.EnabledRegions(ctx, account.NewFromConfig(acfg))
	}
	for _, r := range regions {
		if !regionName.MatchString(r) {
			return nil, fmt.Errorf("%s: %q is not a Region name (like us-east-1)", name, r)
		}
	}
	regions = slices.Clone(regions)
	slices.Sort(regions)
	return slices.Compact(regions), nil
}
