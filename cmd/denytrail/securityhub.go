package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/denytrail/denytrail/report"
)

// Security Hub's limits on BatchImportFindings (API reference): at most
// 100 findings a call, each under 240 KB.
const (
	securityHubBatch   = 100
	securityHubMaxSize = 240 << 10
)

// SecurityHubAPI is the call the import makes; *securityhub.Client has it.
type SecurityHubAPI interface {
	BatchImportFindings(ctx context.Context, in *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
}

// importFindings sends findings to Security Hub, one batch of at most 100
// a call, with the client of each finding's Region (client(region)). It
// returns how many were imported, and an error naming every finding that
// was not: too large, without a Region or account, or refused by Security
// Hub.
func importFindings(ctx context.Context, client func(region string) SecurityHubAPI, findings []report.ASFFFinding, progress io.Writer) (int, error) {
	byRegion := map[string][]types.AwsSecurityFinding{}
	var regions []string
	var errs []error
	for _, f := range findings {
		if f.Region == "" || f.AwsAccountID == "" {
			errs = append(errs, fmt.Errorf("%s: no valid account or Region in the logs to import it under", f.ID))
			continue
		}
		if b, err := json.Marshal(f); err != nil || len(b) >= securityHubMaxSize {
			errs = append(errs, fmt.Errorf("%s: %d bytes, over Security Hub's 240 KB", f.ID, len(b)))
			continue
		}
		if _, ok := byRegion[f.Region]; !ok {
			regions = append(regions, f.Region)
		}
		byRegion[f.Region] = append(byRegion[f.Region], toSecurityHub(f))
	}
	slices.Sort(regions)
	imported := 0
	for _, region := range regions {
		api := client(region)
		for batch := range slices.Chunk(byRegion[region], securityHubBatch) {
			cctx, cancel := context.WithTimeout(ctx, time.Minute)
			out, err := api.BatchImportFindings(cctx, &securityhub.BatchImportFindingsInput{Findings: batch})
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: BatchImportFindings of %d findings: %w%s", region, len(batch), err, securityHubHint(err)))
				if ctx.Err() != nil {
					return imported, errors.Join(errs...)
				}
				continue
			}
			imported += int(aws.ToInt32(out.SuccessCount))
			for _, ff := range out.FailedFindings {
				errs = append(errs, fmt.Errorf("%s: %s: %s", aws.ToString(ff.Id), aws.ToString(ff.ErrorCode), aws.ToString(ff.ErrorMessage)))
			}
			if progress != nil {
				fmt.Fprintf(progress, "securityhub: %s: %d imported, %d refused\n", region, aws.ToInt32(out.SuccessCount), aws.ToInt32(out.FailedCount))
			}
		}
	}
	return imported, errors.Join(errs...)
}

func securityHubHint(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "AccessDenied"):
		return " (this needs securityhub:BatchImportFindings)"
	case strings.Contains(s, "InvalidAccessException"):
		return " (is Security Hub enabled in this account and Region?)"
	}
	return ""
}

// toSecurityHub converts a finding into the SDK's type.
func toSecurityHub(f report.ASFFFinding) types.AwsSecurityFinding {
	out := types.AwsSecurityFinding{
		SchemaVersion:   aws.String(f.SchemaVersion),
		Id:              aws.String(f.ID),
		ProductArn:      aws.String(f.ProductArn),
		GeneratorId:     aws.String(f.GeneratorID),
		AwsAccountId:    aws.String(f.AwsAccountID),
		Types:           f.Types,
		CreatedAt:       aws.String(f.CreatedAt),
		UpdatedAt:       aws.String(f.UpdatedAt),
		FirstObservedAt: aws.String(f.FirstObservedAt),
		LastObservedAt:  aws.String(f.LastObservedAt),
		Severity:        &types.Severity{Label: types.SeverityLabel(f.Severity.Label)},
		Title:           aws.String(f.Title),
		Description:     aws.String(f.Description),
		ProductName:     aws.String(f.ProductName),
		CompanyName:     aws.String(f.CompanyName),
		Region:          aws.String(f.Region),
		RecordState:     types.RecordState(f.RecordState),
		ProductFields:   f.ProductFields,
	}
	if f.Remediation != nil {
		out.Remediation = &types.Remediation{Recommendation: &types.Recommendation{Text: aws.String(f.Remediation.Recommendation.Text)}}
	}
	for _, r := range f.Resources {
		res := types.Resource{Type: aws.String(r.Type), Id: aws.String(r.ID), Partition: types.Partition(r.Partition)}
		if r.Region != "" {
			res.Region = aws.String(r.Region)
		}
		out.Resources = append(out.Resources, res)
	}
	return out
}

// sendToSecurityHub imports the report's findings; a failure is exit 5:
// the report was written, the findings not all delivered.
func (o *outputFlags) sendToSecurityHub(ctx context.Context, e *env, rep *report.Report) error {
	load := o.awsConfig
	if load == nil {
		load = func(ctx context.Context) (aws.Config, error) { return loadAWSConfig(ctx, &sourceOptions{}) }
	}
	cfg, err := load(ctx)
	if err != nil {
		return &exitError{code: exitDelivery, err: fmt.Errorf("securityhub: %w", err)}
	}
	clients := map[string]SecurityHubAPI{}
	client := func(region string) SecurityHubAPI {
		if c, ok := clients[region]; ok {
			return c
		}
		c := securityhub.NewFromConfig(cfg, func(o *securityhub.Options) { o.Region = region })
		clients[region] = c
		return c
	}
	findings := report.ASFFFindings(rep)
	n, err := importFindings(ctx, client, findings, e.verboseWriter())
	if err != nil {
		return &exitError{code: exitDelivery, err: fmt.Errorf("securityhub: %d of %d findings imported: %w", n, len(findings), err)}
	}
	e.notef("securityhub: %d findings imported", n)
	return nil
}
