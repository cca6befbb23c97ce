package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

const exitCodesHelp = `Exit codes:
  0    completed, every input read
  1    could not run (bad flags, no readable input)
  2    completed, but some inputs or records could not be read (named on stderr)
  3    completed, every input read, --fail-on-findings given and there were findings
  4    completed with --verify, and integrity failed: a log file tampered with or
       missing, a digest badly signed or off its chain (named on stderr)
  5    the report was written, but sending it on failed (--securityhub, --notify)
  130  interrupted (the report covers what was read)
  4 wins over 2, 2 over 5, 5 over 3.`

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "denytrail",
		Short: "Explain why S3 uploads and KMS calls were denied, from CloudTrail",
		Long: `denytrail reads AWS CloudTrail records, keeps the failed S3 PutObject-family
calls and the failed KMS calls, and sorts each denial into the authorization
layer that most likely blocked it (IAM, bucket policy, KMS, organization
controls, ACLs and ownership, network, credentials), with the evidence and
the next step to check.

Every flag can also be set by an environment variable, DENYTRAIL_ and the
flag's name in capitals with - as _ (DENYTRAIL_OUTPUT=json,
DENYTRAIL_PROFILE=audit); a flag on the command line wins.

` + exitCodesHelp,
		Example: indent(`
# Try it without an AWS account:
denytrail demo

# A folder of downloaded logs, then one event in full:
denytrail scan ./logs
denytrail explain event.json

# Yesterday in an organization trail, as JSON into a file:
denytrail scan --since yesterday --until yesterday -o json --output-file denials.json s3://org-trail-logs/AWSLogs/o-abc123defg/

# Shell completion (bash, zsh, fish, powershell):
source <(denytrail completion bash)`),
		Version:       currentBuild().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			used, err := applyEnv(cmd, e.lookupEnv)
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			e.fromEnv = used
			if e.quiet && e.verbose {
				return usageError(cmd, "--quiet and --verbose contradict each other")
			}
			return nil
		},
	}
	root.SetVersionTemplate("{{.Version}}")
	pf := root.PersistentFlags()
	pf.BoolVar(&e.debug, "debug", false, "log every AWS request, response and retry on stderr (secrets redacted), and errors in full")
	pf.BoolVarP(&e.quiet, "quiet", "q", false, "no notes on stderr; errors and the summary of what could not be read stay")
	pf.BoolVar(&e.verbose, "verbose", false, "also say on stderr what was read, and how long it took")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitFailure, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(e), newDemoCmd(e), newExplainCmd(e), newReportCmd(e), newAthenaCmd(e), newMirrorCmd(e), newVersionCmd(e))
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = indent(`
# bash, for this shell; add the line to ~/.bashrc to keep it:
source <(denytrail completion bash)
# zsh:
denytrail completion zsh > "${fpath[1]}/_denytrail"
# fish:
denytrail completion fish > ~/.config/fish/completions/denytrail.fish
# PowerShell:
denytrail completion powershell | Out-String | Invoke-Expression`)
		}
	}
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from, and the Go version",
		Long: `Version prints the module version, the VCS revision and time of the
commit the binary was built from (and whether the checkout had uncommitted
changes), the Go toolchain, and the gzip decompressor built in (libdeflate
in a -tags libdeflate build, klauspost/compress otherwise); --version prints
the same.`,
		Example: indent(`
denytrail version
denytrail --version`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(e.stdout, currentBuild())
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
