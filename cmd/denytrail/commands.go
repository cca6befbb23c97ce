package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

const exitCodesHelp = `Exit codes:
  0    completed, every input read
  1    could not run (bad flags, no readable input)
  2    completed, but some inputs or records could not be read (named on stderr)
  3    completed, every input read, --fail-on-findings given and there were findings
  130  interrupted (the report covers what was read)
  2 wins over 3.`

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "denytrail",
		Short: "Explain why S3 uploads and KMS calls were denied, from CloudTrail",
		Long: `denytrail reads AWS CloudTrail records, keeps the failed S3 PutObject-family
calls and the failed KMS calls, and sorts each denial into the authorization
layer that most likely blocked it (IAM, bucket policy, KMS, organization
controls, ACLs and ownership, network, credentials), with the evidence and
the next step to check.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitFailure, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(e), newDemoCmd(e), newExplainCmd(e), newReportCmd(e), newVersionCmd(e))
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(e.stdout, "denytrail %s\n", v)
			return nil
		},
	}
}

// usageError is a bad command line: exit 1 with a pointer to --help.
func usageError(cmd *cobra.Command, format string, args ...any) error {
	return &exitError{code: exitFailure, err: fmt.Errorf("%s (see '%s --help')", fmt.Sprintf(format, args...), cmd.CommandPath())}
}

// indent is used to line up multi-line help text.
func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}
