package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/denytrail/denytrail/internal/atomicfile"
	"github.com/denytrail/denytrail/report"
)

// aliasAnnotation marks a flag that is another name of a flag: it has no
// environment variable of its own.
const aliasAnnotation = "denytrail_alias_of"

// aliasValue is a flag that sets another flag of the same set.
type aliasValue struct {
	fs     *pflag.FlagSet
	target string
}

func (a aliasValue) Set(s string) error { return a.fs.Set(a.target, s) }
func (a aliasValue) String() string     { return a.fs.Lookup(a.target).Value.String() }
func (a aliasValue) Type() string       { return a.fs.Lookup(a.target).Value.Type() }

// alias adds --name (and -shorthand, when not "") as another name of the
// flag target; hidden aliases are left out of --help.
func alias(fs *pflag.FlagSet, name, shorthand, target string, hidden bool) {
	f := fs.VarPF(aliasValue{fs, target}, name, shorthand, "same as --"+target)
	f.DefValue = fs.Lookup(target).DefValue
	f.Hidden = hidden
	f.Annotations = map[string][]string{aliasAnnotation: {target}}
}

// envPrefix starts the environment variable of every flag:
// DENYTRAIL_OUTPUT_FILE for --output-file.
const envPrefix = "DENYTRAIL_"

// envName is the environment variable that sets flag name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// applyEnv sets every flag of cmd that the command line left alone from
// its DENYTRAIL_<FLAG> variable (an empty variable counts as unset): flags
// win over the environment, and a flag's own name over its aliases. It
// returns the variables it used, by flag name.
func applyEnv(cmd *cobra.Command, lookup func(string) (string, bool)) (map[string]string, error) {
	used := map[string]string{}
	var err error
	set := func(f *pflag.Flag, aliases bool) {
		isAlias := f.Annotations[aliasAnnotation] != nil
		if err != nil || isAlias != aliases || f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		if isAlias && cmd.Flags().Changed(f.Annotations[aliasAnnotation][0]) {
			return
		}
		v, ok := lookup(envName(f.Name))
		if !ok || v == "" {
			return
		}
		if serr := cmd.Flags().Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, serr)
			return
		}
		name := f.Name
		if isAlias {
			name = f.Annotations[aliasAnnotation][0]
		}
		used[name] = envName(f.Name) + "=" + v
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { set(f, false) })
	cmd.Flags().VisitAll(func(f *pflag.Flag) { set(f, true) })
	return used, err
}

// blameEnv adds to a message about flags the variables that set them.
func blameEnv(msg string, used map[string]string) string {
	var from []string
	for name, v := range used {
		if strings.Contains(msg, "--"+name+" ") || strings.Contains(msg, "--"+name+":") {
			from = append(from, v)
		}
	}
	if len(from) == 0 {
		return msg
	}
	slices.Sort(from)
	return msg + " (set in the environment: " + strings.Join(from, ", ") + ")"
}

// The --progress values.
var progressModes = []string{"auto", "always", "never"}

// checkProgress validates a --progress value.
func checkProgress(mode string) error {
	if !slices.Contains(progressModes, mode) {
		return fmt.Errorf("--progress %q: want auto, always or never", mode)
	}
	return nil
}

// maxWorkers bounds --workers: more readers than this only cost memory.
const maxWorkers = 256

// checkWorkers validates a --workers value (0 = the number of CPUs).
func checkWorkers(n int) error {
	if n < 0 || n > maxWorkers {
		return fmt.Errorf("--workers %d: want 1 to %d, or 0 for the number of CPUs", n, maxWorkers)
	}
	return nil
}

// checkRegions validates --region values by the shape of a Region name.
func checkRegions(regions []string) error {
	for _, r := range regions {
		if r != "all" && !regionName.MatchString(r) {
			return fmt.Errorf("--region %q is not a Region name (like us-east-1, eu-west-2, ap-south-1)", r)
		}
	}
	return nil
}

// checkAccounts validates --account values: 12-digit account IDs.
func checkAccounts(accounts []string) error {
	for _, a := range accounts {
		if !isAccountID(a) {
			return fmt.Errorf("--account %q is not an AWS account ID (12 digits)", a)
		}
	}
	return nil
}

// isAccountID reports whether s is 12 decimal digits.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseOutputFormat reads -o/--output for scan and demo, and says what to
// do when it was given a file name, as --output did before it became the
// format.
func parseOutputFormat(s string, parse func(string) (report.Format, error), names string) (report.Format, error) {
	f, err := parse(s)
	if err == nil {
		return f, nil
	}
	if looksLikePath(s) {
		return "", fmt.Errorf("--output %q: --output is the format (%s), as in the AWS CLI; write to a file with --output-file %s", s, names, s)
	}
	return "", fmt.Errorf("--output: %v", err)
}

// looksLikePath reports whether s is more likely a file name than a format.
func looksLikePath(s string) bool {
	return strings.ContainsAny(s, `/\.`) || strings.HasPrefix(s, "s3:")
}

// checkOutputFile says before a scan why a report could not be written to
// path: a missing folder, a folder named, a folder that takes no files.
func checkOutputFile(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	if err := atomicfile.Check(path); err != nil {
		return fmt.Errorf("--output-file %s: %w", path, err)
	}
	return nil
}

// stdinPrompt is printed on stderr when a command reads standard input
// from a terminal, so that a forgotten argument does not look like a hang.
func stdinPrompt(e *env) {
	if isTerminal(e.stdin) {
		fmt.Fprintf(e.stderr, "denytrail: reading CloudTrail records from standard input (end with Ctrl-D, cancel with Ctrl-C)\n")
	}
}

// isTerminal reports whether v is a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// fixedCompletion completes a flag from a comma-separated list of values.
func fixedCompletion(values string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return strings.Split(strings.ReplaceAll(values, " ", ""), ","), cobra.ShellCompDirectiveNoFileComp
	}
}
