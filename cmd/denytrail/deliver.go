package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/notify"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/suppress"
)

// deliveryFlags say where the daily report goes besides its files: a chat
// channel's webhook and Security Hub.
type deliveryFlags struct {
	notify      string // --notify URL (DENYTRAIL_NOTIFY keeps it out of argv)
	notifyLink  string // --notify-link: where the full report is
	securityHub bool   // --securityhub
}

func (o *deliveryFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.notify, "notify", "", "post the day's digest (new, jumped and stopped patterns, each with its cause and first command) to a Slack-compatible incoming webhook `URL`; set DENYTRAIL_NOTIFY instead to keep the URL out of the command line")
	f.StringVar(&o.notifyLink, "notify-link", "", "the `URL` or path of the full report that the digest points to ({day} is replaced; default: the first --output-file)")
	f.BoolVar(&o.securityHub, "securityhub", false, "also import the day's findings into AWS Security Hub (ASFF, one per pattern, updated on re-runs; needs securityhub:BatchImportFindings)")
}

// deliver sends the daily report on; each failure is returned, and the
// caller exits 5 for them (after the report and the history are written).
func (o *deliveryFlags) deliver(ctx context.Context, e *env, d *report.Daily, link string, load func(context.Context) (aws.Config, error)) []error {
	var errs []error
	if o.notify != "" {
		body, err := report.SlackMessage(d, link)
		if err == nil {
			err = notify.Post(ctx, o.notify, body, notify.Options{})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("the digest was not posted: %w", err))
		} else {
			e.notef("digest posted to the webhook")
		}
	}
	if o.securityHub {
		out := outputFlags{awsConfig: load}
		if err := out.sendToSecurityHub(ctx, e, d.Report); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// loadSuppressions reads an s3:// --suppress file (a local one is read by
// validate): teams keep the rules beside the history, where a CronJob and
// an ECS task both reach them. A file that cannot be read is exit 1.
func (o *engineFlags) loadSuppressions(ctx context.Context, clients *s3Clients) error {
	if !strings.HasPrefix(o.suppress, "s3://") || o.rules != nil {
		return nil
	}
	fail := func(err error) error {
		return &exitError{code: exitFailure, err: fmt.Errorf("--suppress %s: %w", o.suppress, err)}
	}
	bucket, key, err := ingest.ParseS3URL(o.suppress)
	if err != nil || key == "" || strings.HasSuffix(key, "/") {
		return fail(errors.New("want s3://BUCKET/KEY of a YAML file"))
	}
	client, err := clients.get(ctx, bucket)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fail(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxSuppressFile+1))
	switch {
	case err != nil:
		return fail(err)
	case len(data) > maxSuppressFile:
		return fail(errors.New("over 1 MiB: not a suppressions file"))
	}
	rules, err := suppress.Parse(o.suppress, data)
	if err != nil {
		return &exitError{code: exitFailure, err: fmt.Errorf("--suppress: %w", err)}
	}
	o.rules = rules
	return nil
}

// maxSuppressFile bounds a suppressions file read from S3.
const maxSuppressFile = 1 << 20
