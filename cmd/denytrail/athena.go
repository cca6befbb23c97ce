package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/report"
)

// athenaFlags are the settings of athena:// sources.
type athenaFlags struct {
	Workgroup string // --athena-workgroup
	Output    string // --athena-output: results location when the workgroup has none
	Catalog   string // --athena-catalog
}

func (o *athenaFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Workgroup, "athena-workgroup", "", "athena:// sources: the `WORKGROUP` that runs the query (default: primary)")
	f.StringVar(&o.Output, "athena-output", "", "athena:// sources: the s3:// `LOCATION` for query results, when the workgroup has none")
	f.StringVar(&o.Catalog, "athena-catalog", "", "athena:// sources: the data `CATALOG` (default: AwsDataCatalog)")
}

// parseAthenaURL splits athena://DATABASE.TABLE.
func parseAthenaURL(arg string) (database, table string, err error) {
	rest := strings.TrimSuffix(strings.TrimPrefix(arg, "athena://"), "/")
	database, table, ok := strings.Cut(rest, ".")
	if !ok || database == "" || table == "" || strings.Contains(table, ".") {
		return "", "", fmt.Errorf("%s: want athena://DATABASE.TABLE", arg)
	}
	return database, table, nil
}

// newAthenaSource builds the source for athena://DATABASE.TABLE.
func newAthenaSource(ctx context.Context, arg string, o *sourceOptions) (ingest.Source, error) {
	database, table, err := parseAthenaURL(arg)
	if err != nil {
		return nil, err
	}
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%s: no Region: Athena queries run in one; pass --region or set AWS_REGION", arg)
	}
	// The Region flag picks where Athena runs; it does not narrow the
	// query (the table's own Region partition is narrowed by --region only
	// when more than one is given, or the table is multi-Region).
	filter := classify.Filter{AllFailures: o.AllFailures}
	opts := ingest.AthenaOptions{
		Catalog:        o.Athena.Catalog,
		Workgroup:      o.Athena.Workgroup,
		OutputLocation: o.Athena.Output,
		Filter: ingest.AthenaFilter{
			AllFailures: filter.AllFailures,
			Events:      filter.EventPatterns(),
			Changes:     classify.ChangeEvents(),
		},
		Since:    o.Since,
		Until:    o.Until,
		Accounts: o.Accounts,
		Regions:  o.Regions,
	}
	opts.OnProgress = athenaProgress(o.Progress, o.Stderr, arg)
	return ingest.NewAthena(athena.NewFromConfig(cfg), database, table, opts)
}

// athenaProgress returns the progress callback of an Athena source: a line
// on the progress writer when the query's state changes, and the data
// scanned and its price on stderr when it ends.
func athenaProgress(progress, stderr io.Writer, name string) func(ingest.AthenaProgress) {
	last := ""
	return func(p ingest.AthenaProgress) {
		if p.State == last {
			return
		}
		last = p.State
		if progress != nil {
			fmt.Fprintf(progress, "%s: query %s %s after %s\n", name, p.QueryID, p.State, p.Elapsed.Round(time.Second))
		}
		if p.State == "SUCCEEDED" && stderr != nil {
			fmt.Fprintf(stderr, "%s: query %s scanned %s, about $%.4f at $%.0f per TB (10 MB minimum)\n",
				name, p.QueryID, report.HumanBytes(p.DataScanned), p.Cost(), ingest.AthenaPricePerTB)
		}
	}
}

func newAthenaCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "athena",
		Short: "Set up Amazon Athena to read a CloudTrail archive (athena:// sources)",
		Long: `Athena reads a CloudTrail archive where it lies, so that a scan of months of an
organization trail needs no download: 'denytrail scan athena://DATABASE.TABLE'
runs one query that selects only the failed calls and the policy changes of
the time range, from only the partitions that can hold them, and judges the
rows as it would the log files.`,
		Example: `  denytrail athena create-table --database security --table org_trail s3://org-trail-logs/AWSLogs/o-abc123defg/
  denytrail scan --since 30d --region us-east-1 --athena-output s3://athena-results-111122223333/ athena://security.org_trail`,
	}
	cmd.AddCommand(newAthenaCreateTableCmd(e))
	return cmd
}

func newAthenaCreateTableCmd(e *env) *cobra.Command {
	var (
		spec     ingest.AthenaTableSpec
		start    string
		run      bool
		src      sourceFlags
		wait     time.Duration
		database string
	)
	cmd := &cobra.Command{
		Use:   "create-table [flags] s3://BUCKET/PREFIX/AWSLogs/ACCOUNT|ORG-ID/",
		Short: "Print (or run) the CREATE EXTERNAL TABLE for a CloudTrail archive",
		Long: `create-table prints the CREATE EXTERNAL TABLE statement for the CloudTrail
archive at the location: AWS's documented columns and JSON SerDe, and
partition projection on Region and delivery date, plus account for an
organization trail (an enum of --account, or injected when none is given,
which then makes every query name its accounts). With --run it runs the
statement in Athena and waits for it.`,
		Example: `  denytrail athena create-table --database security --table org_trail \
    s3://org-trail-logs/AWSLogs/o-abc123defg/ > table.sql
  denytrail athena create-table --database security --table app_trail --region us-east-1 --run \
    --athena-output s3://athena-results-111122223333/ s3://trail-logs/AWSLogs/111122223333/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, prefix, err := ingest.ParseS3URL(args[0])
			if err != nil {
				return usageError(cmd, "%s: %v", args[0], err)
			}
			spec.Bucket, spec.Prefix, spec.Database = bucket, prefix, database
			spec.Accounts, spec.Regions = src.accounts, src.regions
			if start != "" {
				if spec.Start, err = time.Parse(time.DateOnly, start); err != nil {
					return usageError(cmd, "--start %q: want a date, e.g. 2024-01-01", start)
				}
			}
			ddl, err := spec.DDL()
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			if !run {
				fmt.Fprintln(e.stdout, ddl+";")
				return nil
			}
			return runAthenaDDL(cmd.Context(), e, ddl, &src, wait)
		},
	}
	f := cmd.Flags()
	f.StringVar(&database, "database", "default", "the `DATABASE` of the table")
	f.StringVar(&spec.Table, "table", "cloudtrail_logs", "the `TABLE` to create")
	f.StringVar(&start, "start", "", "first `DATE` the date projection covers (default 2020-01-01)")
	f.BoolVar(&run, "run", false, "run the statement in Athena (in the Region of the SDK's chain: AWS_REGION, --profile) instead of printing it")
	f.DurationVar(&wait, "wait", 2*time.Minute, "with --run, how long to wait for the statement")
	src.register(cmd)
	return cmd
}

// runAthenaDDL runs a statement in Athena and waits until it ends.
func runAthenaDDL(ctx context.Context, e *env, ddl string, src *sourceFlags, wait time.Duration) error {
	cfg, err := loadAWSConfig(ctx, src.options(time.Time{}, time.Time{}, false))
	if err != nil {
		return err
	}
	client := athena.NewFromConfig(cfg)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	in := &athena.StartQueryExecutionInput{QueryString: aws.String(ddl)}
	if src.athena.Workgroup != "" {
		in.WorkGroup = aws.String(src.athena.Workgroup)
	}
	if src.athena.Output != "" {
		in.ResultConfiguration = &athenatypes.ResultConfiguration{OutputLocation: aws.String(src.athena.Output)}
	}
	out, err := client.StartQueryExecution(ctx, in)
	if err != nil {
		return fmt.Errorf("athena: creating the table: %w", err)
	}
	for delay := 250 * time.Millisecond; ; delay = min(delay*2, 2*time.Second) {
		q, err := client.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: out.QueryExecutionId})
		if err != nil {
			return fmt.Errorf("athena: query %s: %w", aws.ToString(out.QueryExecutionId), err)
		}
		switch st := q.QueryExecution.Status; st.State {
		case athenatypes.QueryExecutionStateSucceeded:
			fmt.Fprintf(e.stderr, "athena: created the table (query %s)\n", aws.ToString(out.QueryExecutionId))
			return nil
		case athenatypes.QueryExecutionStateFailed, athenatypes.QueryExecutionStateCancelled:
			return fmt.Errorf("athena: creating the table: query %s %s: %s", aws.ToString(out.QueryExecutionId), st.State, aws.ToString(st.StateChangeReason))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("athena: creating the table: %w", ctx.Err())
		case <-time.After(delay):
		}
	}
}
