package ingest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// AthenaAPI is the part of the Athena client that the Athena source uses;
// *athena.Client implements it.
type AthenaAPI interface {
	GetTableMetadata(ctx context.Context, in *athena.GetTableMetadataInput, optFns ...func(*athena.Options)) (*athena.GetTableMetadataOutput, error)
	StartQueryExecution(ctx context.Context, in *athena.StartQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *athena.GetQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *athena.GetQueryResultsInput, optFns ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
	StopQueryExecution(ctx context.Context, in *athena.StopQueryExecutionInput, optFns ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
}

// AthenaPricePerTB is Athena's documented price per terabyte scanned in
// most Regions (SQL queries; a 10 MB minimum per query).
const AthenaPricePerTB = 5.0

// athenaMinScan is the data Athena bills for at least, per query.
const athenaMinScan = 10 << 20

// athenaPageSize is the most rows GetQueryResults returns in one page.
const athenaPageSize = 1000

// AthenaOptions configure an AthenaSource.
type AthenaOptions struct {
	// Catalog is the data catalog; empty means AwsDataCatalog.
	Catalog string
	// Workgroup runs the query; empty means the account's primary one.
	Workgroup string
	// OutputLocation is the s3:// location for results, needed when the
	// workgroup has none.
	OutputLocation string
	// Filter is what the query selects.
	Filter AthenaFilter
	// Since and Until bound eventTime (inclusive). A zero Since is refused
	// unless Unbounded is set: a query without a time range reads the
	// whole archive, and Athena bills for every byte.
	Since, Until time.Time
	Unbounded    bool
	// Accounts and Regions narrow the query; empty means all.
	Accounts, Regions []string
	// Poll is the first wait between GetQueryExecution calls; it grows to
	// at most 5 s. Zero means 250 ms.
	Poll time.Duration
	// CallTimeout bounds each API call; zero means 30 s.
	CallTimeout time.Duration
	// OnProgress, when set, is called from Walk's goroutine whenever the
	// query's state or the rows read change.
	OnProgress func(AthenaProgress)
}

// AthenaProgress says how far an Athena query has got.
type AthenaProgress struct {
	QueryID string
	// State is the query's state: QUEUED, RUNNING, SUCCEEDED, FAILED or
	// CANCELLED; empty before the query starts.
	State string
	// Elapsed is the time since the query started.
	Elapsed time.Duration
	// DataScanned is the bytes Athena read (Statistics.DataScannedInBytes).
	DataScanned int64
	// Pages and Rows count the results read so far.
	Pages, Rows int
}

// Cost is the query's price at AthenaPricePerTB, with the 10 MB minimum.
func (p AthenaProgress) Cost() float64 {
	return float64(max(p.DataScanned, athenaMinScan)) / 1e12 * AthenaPricePerTB
}

// AthenaSource reads CloudTrail records through Amazon Athena: one query
// selects the failed calls the filter counts and the changes it indexes,
// within the time range and only from the partitions that can hold them,
// and each page of results becomes one Input of rebuilt records, named
// "athena://database.table/<query id>/page-N".
type AthenaSource struct {
	api             AthenaAPI
	database, table string
	opts            AthenaOptions

	mu       sync.Mutex
	progress AthenaProgress
}

// NewAthena returns a source that queries database.table.
func NewAthena(api AthenaAPI, database, table string, opts AthenaOptions) (*AthenaSource, error) {
	name := "athena://" + database + "." + table
	if err := validIdent(database); err != nil {
		return nil, fmt.Errorf("%s: database: %w", name, err)
	}
	if err := validIdent(table); err != nil {
		return nil, fmt.Errorf("%s: table: %w", name, err)
	}
	if opts.Since.IsZero() && !opts.Unbounded {
		return nil, fmt.Errorf("%s: no time range: a query without one reads (and bills for) the whole archive; give --since, or ask for it", name)
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && opts.Until.Before(opts.Since) {
		return nil, fmt.Errorf("%s: invalid time range: until is before since", name)
	}
	if opts.OutputLocation != "" {
		if _, _, err := ParseS3URL(opts.OutputLocation); err != nil {
			return nil, fmt.Errorf("%s: results location %q: %w", name, opts.OutputLocation, err)
		}
	}
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 30 * time.Second
	}
	return &AthenaSource{api: api, database: database, table: table, opts: opts}, nil
}

// String names the source as athena://database.table.
func (s *AthenaSource) String() string { return "athena://" + s.database + "." + s.table }

// Progress returns how far the query has got.
func (s *AthenaSource) Progress() AthenaProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

func (s *AthenaSource) update(f func(*AthenaProgress)) {
	s.mu.Lock()
	f(&s.progress)
	p := s.progress
	s.mu.Unlock()
	if s.opts.OnProgress != nil {
		s.opts.OnProgress(p)
	}
}

// Query returns the SQL the source runs, after reading the table's
// partitioning.
func (s *AthenaSource) Query(ctx context.Context) (string, error) {
	layout, err := s.layout(ctx)
	if err != nil {
		return "", err
	}
	q := AthenaQuery{Database: s.database, Table: s.table, Layout: layout, Filter: s.opts.Filter,
		Since: s.opts.Since, Until: s.opts.Until, Accounts: s.opts.Accounts, Regions: s.opts.Regions}
	sql, err := q.SQL()
	if err != nil {
		return "", fmt.Errorf("%s: %w", s, err)
	}
	return sql, nil
}

// Walk runs the query and offers each page of results as an Input. When
// ctx ends before the query does, the query is stopped.
func (s *AthenaSource) Walk(ctx context.Context, fn func(Input) error) (err error) {
	sql, err := s.Query(ctx)
	if err != nil {
		return err
	}
	id, err := s.start(ctx, sql)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			s.stop(ctx, id)
		}
	}()
	if err := s.wait(ctx, id); err != nil {
		done = errors.Is(err, errQueryEnded)
		return err
	}
	done = true
	return s.results(ctx, id, fn)
}

// layout reads how the table is partitioned.
func (s *AthenaSource) layout(ctx context.Context) (AthenaTableLayout, error) {
	cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	out, err := s.api.GetTableMetadata(cctx, &athena.GetTableMetadataInput{
		CatalogName:  aws.String(cmp.Or(s.opts.Catalog, "AwsDataCatalog")),
		DatabaseName: aws.String(s.database),
		TableName:    aws.String(s.table),
		WorkGroup:    optional(s.opts.Workgroup),
	})
	if err != nil {
		return AthenaTableLayout{}, s.describe("reading the table's metadata", "athena:GetTableMetadata and glue:GetTable", err)
	}
	if out.TableMetadata == nil {
		return AthenaTableLayout{}, fmt.Errorf("%s: Athena returned no table metadata", s)
	}
	return layoutOf(out.TableMetadata), nil
}

// layoutOf works out a table's partitioning from its partition keys and
// projection properties.
func layoutOf(t *types.TableMetadata) AthenaTableLayout {
	var l AthenaTableLayout
	param := func(col, key string) string { return t.Parameters["projection."+col+"."+key] }
	for _, k := range t.PartitionKeys {
		col := aws.ToString(k.Name)
		switch lc := strings.ToLower(col); {
		case param(col, "type") == "date" || (lc == "timestamp" && param(col, "type") == ""):
			layout, ok := goDateLayout(cmp.Or(param(col, "format"), "yyyy/MM/dd"))
			if ok {
				l.DateColumn, l.DateFormat = col, layout
			}
		case lc == "account" || lc == "accountid" || lc == "account_id":
			l.AccountColumn = col
			l.AccountInjected = param(col, "type") == "injected"
		case lc == "region" || lc == "awsregion" || lc == "aws_region":
			l.RegionColumn = col
			l.RegionInjected = param(col, "type") == "injected"
		}
	}
	return l
}

// goDateLayout translates a projection's Java date format (yyyy/MM/dd)
// into a Go layout; it understands years, months and days only.
func goDateLayout(java string) (string, bool) {
	r := strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02")
	g := r.Replace(java)
	if strings.ContainsAny(g, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") || !strings.Contains(g, "2006") {
		return "", false
	}
	return g, true
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (s *AthenaSource) start(ctx context.Context, sql string) (string, error) {
	in := &athena.StartQueryExecutionInput{
		QueryString: aws.String(sql),
		QueryExecutionContext: &types.QueryExecutionContext{
			Catalog:  aws.String(cmp.Or(s.opts.Catalog, "AwsDataCatalog")),
			Database: aws.String(s.database),
		},
		WorkGroup: optional(s.opts.Workgroup),
	}
	if s.opts.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(s.opts.OutputLocation)}
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	out, err := s.api.StartQueryExecution(cctx, in)
	if err != nil {
		return "", s.describe("starting the query", "athena:StartQueryExecution", err)
	}
	id := aws.ToString(out.QueryExecutionId)
	s.update(func(p *AthenaProgress) { p.QueryID = id; p.State = string(types.QueryExecutionStateQueued) })
	return id, nil
}

// errQueryEnded marks a query that ended without results (failed or
// cancelled): there is nothing to stop.
var errQueryEnded = errors.New("query ended")

// wait polls the query until it succeeds, fails, or ctx ends.
func (s *AthenaSource) wait(ctx context.Context, id string) error {
	began := time.Now()
	delay := s.opts.Poll
	for {
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		out, err := s.api.GetQueryExecution(cctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return s.describe("checking query "+id, "athena:GetQueryExecution", err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return fmt.Errorf("%s: query %s: Athena returned no status", s, id)
		}
		state := qe.Status.State
		s.update(func(p *AthenaProgress) {
			p.State = string(state)
			p.Elapsed = time.Since(began)
			if qe.Statistics != nil {
				p.DataScanned = aws.ToInt64(qe.Statistics.DataScannedInBytes)
			}
		})
		switch state {
		case types.QueryExecutionStateSucceeded:
			return nil
		case types.QueryExecutionStateFailed:
			reason := aws.ToString(qe.Status.StateChangeReason)
			if e := qe.Status.AthenaError; e != nil && reason == "" {
				reason = aws.ToString(e.ErrorMessage)
			}
			return fmt.Errorf("%s: query %s failed: %s%s: %w", s, id, cmp.Or(reason, "Athena gave no reason"), failureHint(reason), errQueryEnded)
		case types.QueryExecutionStateCancelled:
			return fmt.Errorf("%s: query %s was cancelled (in the console, by StopQueryExecution, or by the workgroup's limits): %w", s, id, errQueryEnded)
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = min(delay*3/2, 5*time.Second)
	}
}

// failureHint says what to do about the most common failures.
func failureHint(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "access denied") && strings.Contains(r, "output"):
		return " (the results location needs s3:PutObject, s3:GetObject and s3:GetBucketLocation for you; give another with --athena-output)"
	case strings.Contains(r, "access denied"):
		return " (the query needs s3:GetObject and s3:ListBucket on the archive, and kms:Decrypt when it is encrypted with SSE-KMS)"
	case strings.Contains(r, "output") && strings.Contains(r, "location"):
		return " (the workgroup has no results location: give one with --athena-output s3://bucket/prefix/)"
	}
	return ""
}

// stop asks Athena to stop the query, on a context of its own: the
// caller's has ended.
func (s *AthenaSource) stop(ctx context.Context, id string) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := s.api.StopQueryExecution(cctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)}); err == nil {
		s.update(func(p *AthenaProgress) { p.State = string(types.QueryExecutionStateCancelled) })
	}
}

// results pages through the query's results, one Input a page.
func (s *AthenaSource) results(ctx context.Context, id string, fn func(Input) error) error {
	var token *string
	var index []int // result column of each of AthenaColumns
	cols := AthenaColumns()
	for page := 0; ; page++ {
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		out, err := s.api.GetQueryResults(cctx, &athena.GetQueryResultsInput{
			QueryExecutionId: aws.String(id),
			MaxResults:       aws.Int32(athenaPageSize),
			NextToken:        token,
		})
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return s.describe(fmt.Sprintf("reading page %d of query %s's results", page, id), "athena:GetQueryResults and s3:GetObject on the results location", err)
		}
		if out.ResultSet == nil {
			return fmt.Errorf("%s: query %s: page %d has no result set", s, id, page)
		}
		rows := out.ResultSet.Rows
		if page == 0 {
			if index, err = columnIndex(out.ResultSet, cols); err != nil {
				return fmt.Errorf("%s: query %s: %w", s, id, err)
			}
			if len(rows) > 0 && isHeader(rows[0], cols, index) {
				rows = rows[1:] // a SELECT's first row names the columns
			}
		}
		name := fmt.Sprintf("%s/%s/page-%d", s, id, page)
		in, bad := pageInput(name, rows, index)
		for _, b := range bad {
			if err := fn(b); err != nil {
				return err
			}
		}
		s.update(func(p *AthenaProgress) { p.Pages++; p.Rows += len(rows) })
		if err := fn(in); err != nil {
			return err
		}
		token = out.NextToken
		if token == nil || *token == "" {
			return nil
		}
	}
}

// columnIndex maps each of cols to its position in the result set.
func columnIndex(rs *types.ResultSet, cols []AthenaColumn) ([]int, error) {
	if rs.ResultSetMetadata == nil {
		return nil, errors.New("the results have no column metadata")
	}
	pos := map[string]int{}
	for i, c := range rs.ResultSetMetadata.ColumnInfo {
		pos[strings.ToLower(aws.ToString(c.Name))] = i
	}
	index := make([]int, len(cols))
	for i, c := range cols {
		p, ok := pos[c.Alias]
		if !ok {
			return nil, fmt.Errorf("the results have no column %s", c.Alias)
		}
		index[i] = p
	}
	return index, nil
}

// isHeader reports whether row holds the column names.
func isHeader(row types.Row, cols []AthenaColumn, index []int) bool {
	for i, c := range cols {
		if index[i] >= len(row.Data) || !strings.EqualFold(aws.ToString(row.Data[index[i]].VarCharValue), c.Alias) {
			return false
		}
	}
	return true
}

// pageInput turns one page of rows into an Input holding their records as
// a log file would ({"Records":[…]}), and an Input with Err for each row
// that could not be rebuilt.
func pageInput(name string, rows []types.Row, index []int) (Input, []Input) {
	var buf bytes.Buffer
	buf.WriteString(`{"Records":[`)
	var bad []Input
	values := make([]*string, len(index))
	n := 0
	for r, row := range rows {
		for i, p := range index {
			values[i] = nil
			if p < len(row.Data) {
				values[i] = row.Data[p].VarCharValue
			}
		}
		rec, err := AthenaRecord(values)
		if err != nil {
			bad = append(bad, Input{Name: fmt.Sprintf("%s#row%d", name, r), Err: err})
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(rec)
		n++
	}
	buf.WriteString("]}")
	data := buf.Bytes()
	return Input{
		Name: name,
		Size: int64(len(data)),
		Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
	}, bad
}

// describe names a failed call, the permission it needs when access was
// denied, and the error.
func (s *AthenaSource) describe(doing, permission string, err error) error {
	code := errorCode(err)
	switch {
	case code == "AccessDeniedException" || code == "AccessDenied":
		return fmt.Errorf("%s: %s: access denied: this needs %s: %w", s, doing, permission, err)
	case code == "EntityNotFoundException" || code == "MetadataException" && strings.Contains(strings.ToLower(err.Error()), "not found"):
		return fmt.Errorf("%s: %s: no such database or table (create it with: denytrail athena create-table): %w", s, doing, err)
	}
	return fmt.Errorf("%s: %s: %w", s, doing, err)
}
