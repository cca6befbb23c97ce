package main

import (
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/demo"
)

func newDemoCmd(e *env) *cobra.Command {
	var (
		out outputFlags
		flt filterFlags
	)
	cmd := &cobra.Command{
		Use:   "demo [flags]",
		Short: "Scan the embedded sample archive (no AWS account needed)",
		Long: `Demo runs scan on a small CloudTrail archive embedded in the binary: an
organization trail of two accounts in two regions, with denials of every
layer. It takes the same output flags as scan.`,
		Example: indent(`
denytrail demo
denytrail demo -o markdown
denytrail demo -o ndjson | jq -r .layer | sort | uniq -c`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.parse()
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			since, until, err := flt.window(demo.Config().Start, false)
			if err == nil {
				err = flt.validate()
			}
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			return scanAndReport(cmd.Context(), e, flt.config(since, until), []ingest.Source{ingest.FS(demo.FS(), "demo")}, format, &out,
				explainPointer(nil, since, until, &flt, nil, true))
		},
	}
	out.register(cmd)
	flt.register(cmd)
	return cmd
}
