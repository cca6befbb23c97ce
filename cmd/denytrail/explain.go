package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
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
			sources, err := openSources(cmd.Context(), e, args, &sourceOptions{})
			if err != nil {
				return err
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
			res, err := runPipeline(cmd.Context(), e, cfg, sources, "never")
			if err != nil {
				return err
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
