// Package athenafake is a fake Amazon Athena endpoint for tests. It speaks
// the service's JSON 1.1 protocol as the API reference documents it, so
// tests drive it through the real aws-sdk-go-v2 Athena client:
// GetTableMetadata, StartQueryExecution, GetQueryExecution (QUEUED, then
// RUNNING, then SUCCEEDED or FAILED, or CANCELLED when stopped),
// GetQueryResults (at most 1000 rows a page, paged by NextToken, the first
// row of the first page the header, values as VarCharValue strings and
// NULL as an absent value) and StopQueryExecution.
//
// What a query returns is up to an Engine: a test passes one that runs the
// SQL for real (DuckDB, behind the duckdb build tag) or one that plays the
// engine's part over a generated archive. Faults can be injected per
// operation, and every request is recorded for assertions.
package athenafake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"
)

// MaxResults is the largest page GetQueryResults returns.
const MaxResults = 1000

// Column is a result or table column.
type Column struct {
	Name, Type string
}

// Result is what a query returned: its columns and rows, nil for NULL.
type Result struct {
	Columns []Column
	Rows    [][]*string
	// Scanned is the bytes the query read, for DataScannedInBytes.
	Scanned int64
}

// Engine runs one query.
type Engine func(ctx context.Context, sql string) (Result, error)

// Table is a table GetTableMetadata describes.
type Table struct {
	Columns       []Column
	PartitionKeys []Column
	Parameters    map[string]string
}

// Fault is an error response the server gives instead of an answer.
type Fault struct {
	Status  int
	Type    string
	Message string
}

// Throttling is the fault Athena returns when calls come too fast.
func Throttling() Fault {
	return Fault{Status: 400, Type: "ThrottlingException", Message: "Rate exceeded"}
}

// AccessDenied is the fault of a caller without the permission.
func AccessDenied(action string) Fault {
	return Fault{Status: 400, Type: "AccessDeniedException",
		Message: "User: arn:aws:sts::111122223333:assumed-role/auditor/s is not authorized to perform: " + action + " on resource: arn:aws:athena:us-east-1:111122223333:workgroup/primary"}
}

// Request is one request the server answered.
type Request struct {
	Op        string
	QueryID   string
	NextToken string
	SQL       string
	Status    int
}

// Server is the fake endpoint. The zero value is not usable; call New.
type Server struct {
	mu       sync.Mutex
	engine   Engine
	tables   map[string]Table
	queries  map[string]*query
	faults   map[string][]Fault
	requests []Request
	seq      int

	// RunningPolls is how many GetQueryExecution calls see a query
	// RUNNING before it ends (after one QUEUED); default 1.
	RunningPolls int
	// Hang keeps every query RUNNING until it is stopped.
	Hang bool
	// FailReason, when set, makes every query end FAILED with this
	// StateChangeReason.
	FailReason string
	// RequireOutput refuses queries with no results location, as a
	// workgroup without one does.
	RequireOutput bool
}

type query struct {
	id, sql, output string
	polls           int
	state           string
	reason          string
	result          Result
	submitted       time.Time
}

// New returns a server whose queries run on engine.
func New(engine Engine) *Server {
	return &Server{engine: engine, tables: map[string]Table{}, queries: map[string]*query{},
		faults: map[string][]Fault{}, RunningPolls: 1}
}

// AddTable makes database.table known to GetTableMetadata.
func (s *Server) AddTable(database, table string, t Table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[database+"."+table] = t
}

// Inject makes the next calls of op (e.g. "GetQueryResults") fail with
// the faults, one call each.
func (s *Server) Inject(op string, f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], f...)
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP answers one JSON 1.1 request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, 400, "InvalidRequestException", err.Error())
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena.")
	if !ok || r.Method != http.MethodPost {
		writeError(w, 400, "UnknownOperationException", "unknown target "+r.Header.Get("X-Amz-Target"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{Op: op}
	if fs := s.faults[op]; len(fs) > 0 {
		f := fs[0]
		s.faults[op] = fs[1:]
		req.Status = f.Status
		s.requests = append(s.requests, req)
		writeError(w, f.Status, f.Type, f.Message)
		return
	}
	status, out := s.answer(r.Context(), op, body, &req)
	req.Status = status
	s.requests = append(s.requests, req)
	if e, ok := out.(apiError); ok {
		writeError(w, status, e.typ, e.msg)
		return
	}
	writeJSON(w, status, out)
}

type apiError struct{ typ, msg string }

func invalid(msg string) (int, any) { return 400, apiError{"InvalidRequestException", msg} }

func (s *Server) answer(ctx context.Context, op string, body []byte, req *Request) (int, any) {
	var in struct {
		QueryString           string
		QueryExecutionId      string
		NextToken             string
		MaxResults            *int
		CatalogName           string
		DatabaseName          string
		TableName             string
		WorkGroup             string
		QueryExecutionContext struct{ Database, Catalog string }
		ResultConfiguration   struct{ OutputLocation string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return invalid("malformed request: " + err.Error())
	}
	req.QueryID, req.NextToken = in.QueryExecutionId, in.NextToken
	switch op {
	case "GetTableMetadata":
		t, ok := s.tables[in.DatabaseName+"."+in.TableName]
		if !ok {
			return 400, apiError{"MetadataException", fmt.Sprintf("Table %s not found in database %s", in.TableName, in.DatabaseName)}
		}
		return 200, map[string]any{"TableMetadata": map[string]any{
			"Name": in.TableName, "TableType": "EXTERNAL_TABLE", "CreateTime": 1.7e9,
			"Columns": wireColumns(t.Columns), "PartitionKeys": wireColumns(t.PartitionKeys), "Parameters": t.Parameters,
		}}
	case "StartQueryExecution":
		req.SQL = in.QueryString
		if in.QueryString == "" {
			return invalid("QueryString is required")
		}
		if s.RequireOutput && in.ResultConfiguration.OutputLocation == "" {
			return invalid("No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")
		}
		s.seq++
		id := fmt.Sprintf("6d7e3a1c-0000-4000-8000-%012d", s.seq)
		req.QueryID = id
		q := &query{id: id, sql: in.QueryString, state: "QUEUED", submitted: time.Now(),
			output: strings.TrimSuffix(in.ResultConfiguration.OutputLocation, "/") + "/" + id + ".csv"}
		res, err := s.engine(ctx, in.QueryString)
		if err != nil {
			q.reason = err.Error()
		}
		q.result = res
		s.queries[id] = q
		return 200, map[string]any{"QueryExecutionId": id}
	case "GetQueryExecution":
		q, ok := s.queries[in.QueryExecutionId]
		if !ok {
			return invalid("QueryExecution " + in.QueryExecutionId + " was not found")
		}
		s.advance(q)
		status := map[string]any{"State": q.state, "SubmissionDateTime": float64(q.submitted.UnixMilli()) / 1000}
		if q.reason != "" && q.state != "RUNNING" && q.state != "QUEUED" {
			status["StateChangeReason"] = q.reason
		}
		if q.state == "FAILED" {
			status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1000, "Retryable": false, "ErrorMessage": q.reason}
		}
		stats := map[string]any{"DataScannedInBytes": 0, "EngineExecutionTimeInMillis": 120}
		if q.state == "SUCCEEDED" {
			stats["DataScannedInBytes"] = q.result.Scanned
		}
		return 200, map[string]any{"QueryExecution": map[string]any{
			"QueryExecutionId": q.id, "Query": q.sql, "StatementType": "DML", "Status": status, "Statistics": stats,
			"ResultConfiguration": map[string]any{"OutputLocation": q.output},
		}}
	case "StopQueryExecution":
		q, ok := s.queries[in.QueryExecutionId]
		if !ok {
			return invalid("QueryExecution " + in.QueryExecutionId + " was not found")
		}
		if q.state == "QUEUED" || q.state == "RUNNING" {
			q.state, q.reason = "CANCELLED", "Query was cancelled by the user"
		}
		return 200, map[string]any{}
	case "GetQueryResults":
		q, ok := s.queries[in.QueryExecutionId]
		if !ok {
			return invalid("QueryExecution " + in.QueryExecutionId + " was not found")
		}
		if q.state != "SUCCEEDED" {
			return invalid("Query has not yet finished. Current state: " + q.state)
		}
		max := MaxResults
		if in.MaxResults != nil {
			if *in.MaxResults < 1 || *in.MaxResults > MaxResults {
				return invalid("MaxResults must be between 1 and 1000")
			}
			max = *in.MaxResults
		}
		return 200, page(q.result, in.NextToken, max)
	}
	return 400, apiError{"UnknownOperationException", "unknown operation " + op}
}

// advance moves a query on by one poll.
func (s *Server) advance(q *query) {
	switch q.state {
	case "QUEUED":
		q.state = "RUNNING"
	case "RUNNING":
		q.polls++
		if s.Hang || q.polls < s.RunningPolls {
			return
		}
		switch {
		case s.FailReason != "":
			q.state, q.reason = "FAILED", s.FailReason
		case q.reason != "":
			q.state = "FAILED"
		default:
			q.state = "SUCCEEDED"
		}
	}
}

// page returns the page starting at the offset token: the header row
// first on the first page, then the rows.
func page(res Result, token string, max int) map[string]any {
	all := len(res.Rows) + 1 // the header is row 0
	from := 0
	if token != "" {
		from, _ = strconv.Atoi(strings.TrimPrefix(token, "offset-"))
	}
	to := min(from+max, all)
	rows := make([]map[string]any, 0, to-from)
	for i := from; i < to; i++ {
		var cells []map[string]any
		if i == 0 {
			for _, c := range res.Columns {
				cells = append(cells, map[string]any{"VarCharValue": c.Name})
			}
		} else {
			for _, v := range res.Rows[i-1] {
				if v == nil {
					cells = append(cells, map[string]any{})
				} else {
					cells = append(cells, map[string]any{"VarCharValue": *v})
				}
			}
		}
		rows = append(rows, map[string]any{"Data": cells})
	}
	info := make([]map[string]any, len(res.Columns))
	for i, c := range res.Columns {
		info[i] = map[string]any{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": c.Name,
			"Label": c.Name, "Type": c.Type, "Precision": 2147483647, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": true}
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{
		"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}
	if to < all {
		out["NextToken"] = "offset-" + strconv.Itoa(to)
	}
	return out
}

func wireColumns(cs []Column) []map[string]string {
	out := make([]map[string]string, len(cs))
	for i, c := range cs {
		out[i] = map[string]string{"Name": c.Name, "Type": c.Type}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeError writes a JSON 1.1 error: the type in "__type".
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]string{"__type": typ, "Message": msg})
}

// Client returns an Athena client that sends its requests to the fake at
// url, with static test credentials and the SDK's default retryer.
func Client(url string, optFns ...func(*athena.Options)) *athena.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDATHENAFAKE", "athenafake-secret", "")}
	return athena.NewFromConfig(cfg, append([]func(*athena.Options){
		func(o *athena.Options) { o.BaseEndpoint = aws.String(url) },
	}, optFns...)...)
}
