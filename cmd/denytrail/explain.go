package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/scan"
)

func newExplainCmd(e *env) *cobra.Command {
	var xf explainFlags
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
denytrail explain --pattern 1d6fd955d28e --since 2026-11-26 ./logs
denytrail explain --demo --pattern 1d6fd955d28e
aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=GenerateDataKey | denytrail explain`),
		RunE: func(cmd *cobra.Command, args []string) error {
			sources, since, until, err := xf.sources(cmd, e, args)
			if err != nil {
				return err
			}
			fields := map[string][]report.Field{}
			cfg := scan.Config{
				Filter: classify.Filter{AllFailures: true},
				Since:  since, Until: until, Window: xf.flt.corrWindow,
				KeepAll: true, KeepRecords: true,
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
			defer res.Close()
			all, err := res.Collect() // explain is for a few events
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			shown, more := xf.keep(all)
			switch {
			case len(all) == 0:
				fmt.Fprintln(e.stdout, "No failed calls in the input.")
			case len(shown) == 0:
				fmt.Fprintf(e.stdout, "No finding of pattern %s in the input.\n", report.Terminal(xf.pattern))
			}
			for i, f := range shown {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				if err := report.RenderExplain(e.stdout, f, fields[f.Origin]); err != nil {
					return &exitError{code: exitFailure, err: err}
				}
			}
			explainMore(e.stdout, xf.pattern, more)
			if res.Stats.SkippedCount > 0 {
				return &exitError{code: exitSkipped}
			}
			return nil
		},
	}
	xf.register(cmd)
	return cmd
}
