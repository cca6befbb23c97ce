package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/notify"
	"github.com/denytrail/denytrail/report"
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
