package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/scan"
)

func newExplainCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "explain [FILE|-]...",
		Short: "Explain each failed call in the input in full",
		Long: `Explain reads one or a few CloudTrail events (any input shape scan accepts;
standard input when no FILE is given) and explains every failed call in
full: the verdict, the records of its incident (other deliveries of the
same call, the KMS call S3 made for a failed upload), the policy and
configuration changes before it, every piece of evidence, the remediation,
and the fields of the event it read.`,
		Example: indent(`
denytrail explain event.json
aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=GenerateDataKey | denytrail explain`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"-"}
			}
			var sources []ingest.Source
			for _, a := range args {
				s, err := openSource(cmd.Context(), e, a, &sourceOptions{})
				if err != nil {
					return &exitError{code: exitFailure, err: err}
				}
				sources = append(sources, s)
			}
			fields := map[string][]report.Field{}
			cfg := scan.Config{
				Filter: classify.Filter{AllFailures: true},
				Observe: func(ev *classify.Event, _ classify.Verdict, origin string) {
					var fs []report.Field
					for _, f := range classify.Fields(ev) {
						fs = append(fs, report.Field{Name: f.Name, Value: f.Value})
					}
					fields[origin] = fs
				},
			}
			res, err := scan.Run(cmd.Context(), cfg, sources)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			for _, p := range res.Stats.Skipped {
				fmt.Fprintf(e.stderr, "denytrail: skipped %s: %s\n", report.Terminal(p.Input), report.Terminal(p.Reason))
			}
			if res.Unreadable {
				return &exitError{code: exitFailure, err: errors.New("no input could be read")}
			}
			if len(res.Findings) == 0 {
				fmt.Fprintln(e.stdout, "No failed calls in the input.")
			}
			for i, f := range res.Findings {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				if err := report.RenderExplain(e.stdout, f, fields[f.Origin]); err != nil {
					return &exitError{code: exitFailure, err: err}
				}
			}
			if len(res.Stats.Skipped) > 0 {
				return &exitError{code: exitSkipped}
			}
			return nil
		},
	}
	return cmd
}
