package ingest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AthenaColumn is one column the Athena source selects: the SQL expression
// over the CloudTrail table AWS documents (Athena User Guide, "Create the
// table for CloudTrail logs in Athena using partition projection"), the
// alias it is returned under, and where its value goes in the rebuilt
// record. One table serves the query, the rebuilding of rows and the
// tests that play the engine's part, so the three cannot drift apart.
type AthenaColumn struct {
	// Alias names the column in the result set.
	Alias string
	// SQL is the expression selected.
	SQL string
	// Path is the key path of the value in a CloudTrail record.
	Path []string
	// Kind says how the result's VarCharValue is written into the record.
	Kind AthenaValueKind
}

// AthenaValueKind says how a column's string value becomes JSON.
type AthenaValueKind int

// The kinds of column values.
const (
	// AthenaString is a JSON string.
	AthenaString AthenaValueKind = iota
	// AthenaBool is "true" or "false" (the table's BOOLEAN columns, and
	// readonly, a STRING column holding the same words).
	AthenaBool
	// AthenaJSON is a JSON document held as a string: requestparameters
	// and additionaleventdata are STRING columns in the documented table.
	AthenaJSON
	// AthenaResources is the resources array cast to JSON, whose keys are
	// the table's lower-case field names.
	AthenaResources
)

// AthenaColumns lists what the Athena source selects: every field of a
// record that classification reads, and nothing else, so that Athena
// returns as little as it can.
func AthenaColumns() []AthenaColumn {
	s := func(alias, sql string, path ...string) AthenaColumn {
		return AthenaColumn{Alias: alias, SQL: sql, Path: path}
	}
	cols := []AthenaColumn{
		s("eventversion", "eventversion", "eventVersion"),
		s("eventid", "eventid", "eventID"),
		s("eventtime", "eventtime", "eventTime"),
		s("eventsource", "eventsource", "eventSource"),
		s("eventname", "eventname", "eventName"),
		s("eventtype", "eventtype", "eventType"),
		s("eventcategory", "eventcategory", "eventCategory"),
		s("awsregion", "awsregion", "awsRegion"),
		s("sourceipaddress", "sourceipaddress", "sourceIPAddress"),
		s("useragent", "useragent", "userAgent"),
		s("errorcode", "errorcode", "errorCode"),
		s("errormessage", "errormessage", "errorMessage"),
		s("requestid", "requestid", "requestID"),
		s("sharedeventid", "sharedeventid", "sharedEventID"),
		s("recipientaccountid", "recipientaccountid", "recipientAccountId"),
		s("vpcendpointid", "vpcendpointid", "vpcEndpointId"),
		{Alias: "readonly", SQL: "readonly", Path: []string{"readOnly"}, Kind: AthenaBool},
		{Alias: "managementevent", SQL: "managementevent", Path: []string{"managementEvent"}, Kind: AthenaBool},
		s("ui_type", "useridentity.type", "userIdentity", "type"),
		s("ui_principalid", "useridentity.principalid", "userIdentity", "principalId"),
		s("ui_arn", "useridentity.arn", "userIdentity", "arn"),
		s("ui_accountid", "useridentity.accountid", "userIdentity", "accountId"),
		s("ui_accesskeyid", "useridentity.accesskeyid", "userIdentity", "accessKeyId"),
		s("ui_username", "useridentity.username", "userIdentity", "userName"),
		s("ui_invokedby", "useridentity.invokedby", "userIdentity", "invokedBy"),
		s("si_type", "useridentity.sessioncontext.sessionissuer.type", "userIdentity", "sessionContext", "sessionIssuer", "type"),
		s("si_principalid", "useridentity.sessioncontext.sessionissuer.principalid", "userIdentity", "sessionContext", "sessionIssuer", "principalId"),
		s("si_arn", "useridentity.sessioncontext.sessionissuer.arn", "userIdentity", "sessionContext", "sessionIssuer", "arn"),
		s("si_accountid", "useridentity.sessioncontext.sessionissuer.accountid", "userIdentity", "sessionContext", "sessionIssuer", "accountId"),
		s("si_username", "useridentity.sessioncontext.sessionissuer.username", "userIdentity", "sessionContext", "sessionIssuer", "userName"),
		{Alias: "requestparameters", SQL: "requestparameters", Path: []string{"requestParameters"}, Kind: AthenaJSON},
		{Alias: "additionaleventdata", SQL: "additionaleventdata", Path: []string{"additionalEventData"}, Kind: AthenaJSON},
		{Alias: "resources", SQL: "json_format(CAST(resources AS JSON))", Path: []string{"resources"}, Kind: AthenaResources},
		s("tls_version", "tlsdetails.tlsversion", "tlsDetails", "tlsVersion"),
		s("tls_ciphersuite", "tlsdetails.ciphersuite", "tlsDetails", "cipherSuite"),
		s("tls_host", "tlsdetails.clientprovidedhostheader", "tlsDetails", "clientProvidedHostHeader"),
	}
	return cols
}

// AthenaFilter is the part of the record filter that the query pushes
// down, as plain data so that sources stay free of verdicts: the failed
// calls that count, and the successful changes the engine indexes.
type AthenaFilter struct {
	// AllFailures keeps every failed call of any service.
	AllFailures bool
	// Events are "service:EventName" patterns ("s3:PutObject", "kms:*",
	// "s3:Put*", "*") of the failed calls that count, as in
	// classify.Filter.
	Events []string
	// Changes are the "service:EventName" names of the successful changes
	// to keep (classify.ChangeEvents).
	Changes []string
}

// AthenaTableLayout says how a table is partitioned, as read from its
// metadata (GetTableMetadata): which partition columns hold the delivery
// date, the account and the Region, so that a query reads only the
// partitions of the time range.
type AthenaTableLayout struct {
	// DateColumn is the date partition ("timestamp" in AWS's examples) and
	// DateFormat its Go layout ("2006/01/02" for yyyy/MM/dd); empty when
	// the table has no date partition.
	DateColumn, DateFormat string
	// AccountColumn and RegionColumn are the account and Region partitions
	// of an organization or multi-Region table; empty when there are none.
	AccountColumn, RegionColumn string
	// AccountInjected and RegionInjected are set when the partition uses
	// injected projection, which needs a value in every query.
	AccountInjected, RegionInjected bool
}

// AthenaQuery is what one query asks for.
type AthenaQuery struct {
	// Table is the table as the query names it: "database"."table".
	Database, Table string
	Layout          AthenaTableLayout
	Filter          AthenaFilter
	// Since and Until bound eventTime, inclusive; a zero Since means no
	// lower bound, a zero Until none above.
	Since, Until time.Time
	// Accounts and Regions narrow the query; empty means all.
	Accounts, Regions []string
}

// SQL returns the query: the rows of failed calls the filter counts and of
// the changes it indexes, within the time range, reading only the
// partitions that can hold them. Every value is a quoted SQL literal.
func (q AthenaQuery) SQL() (string, error) {
	if err := validIdent(q.Database); err != nil {
		return "", fmt.Errorf("database: %w", err)
	}
	if err := validIdent(q.Table); err != nil {
		return "", fmt.Errorf("table: %w", err)
	}
	if !q.Filter.AllFailures && len(q.Filter.Events) == 0 {
		return "", fmt.Errorf("no events to select: the filter names none")
	}
	if q.Layout.AccountInjected && len(q.Accounts) == 0 {
		return "", fmt.Errorf("table %s.%s projects its %s partition as injected: name the accounts to read (--account)", q.Database, q.Table, q.Layout.AccountColumn)
	}
	if q.Layout.RegionInjected && len(q.Regions) == 0 {
		return "", fmt.Errorf("table %s.%s projects its %s partition as injected: name the Regions to read (--region)", q.Database, q.Table, q.Layout.RegionColumn)
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range AthenaColumns() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.SQL)
		b.WriteString(" AS ")
		b.WriteString(c.Alias)
	}
	fmt.Fprintf(&b, "\nFROM %s.%s\nWHERE ", quoteIdent(q.Database), quoteIdent(q.Table))
	var where []string
	l := q.Layout
	if l.DateColumn != "" && !q.Since.IsZero() {
		from := q.Since.UTC().Format(l.DateFormat)
		if q.Until.IsZero() {
			where = append(where, fmt.Sprintf("%s >= %s", quoteIdent(l.DateColumn), quoteLiteral(from)))
		} else {
			// Date folders hold the delivery day (DESIGN.md §3.1).
			to := q.Until.UTC().Add(deliverySlack).Format(l.DateFormat)
			where = append(where, fmt.Sprintf("%s BETWEEN %s AND %s", quoteIdent(l.DateColumn), quoteLiteral(from), quoteLiteral(to)))
		}
	}
	if len(q.Accounts) > 0 {
		col := cmp.Or(l.AccountColumn, "recipientaccountid")
		where = append(where, inList(quoteIdent(col), q.Accounts))
	}
	if len(q.Regions) > 0 {
		col := cmp.Or(l.RegionColumn, "awsregion")
		where = append(where, inList(quoteIdent(col), q.Regions))
	}
	// CloudTrail writes eventTime as 2006-01-02T15:04:05Z, so the strings
	// order as the times do.
	if !q.Since.IsZero() {
		where = append(where, "eventtime >= "+quoteLiteral(q.Since.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if !q.Until.IsZero() {
		where = append(where, "eventtime <= "+quoteLiteral(q.Until.UTC().Format("2006-01-02T15:04:05Z")))
	}
	where = append(where, "("+q.Filter.predicate()+")")
	b.WriteString(strings.Join(where, "\n  AND "))
	return b.String(), nil
}

// predicate is the SQL of the filter: a failed call that counts, or a
// successful change.
func (f AthenaFilter) predicate() string {
	failed := "(errorcode IS NOT NULL AND errorcode <> '')"
	var calls string
	switch {
	case f.AllFailures || slices.Contains(f.Events, "*"):
		calls = failed
	default:
		calls = failed + " AND " + eventsPredicate(f.Events)
	}
	if len(f.Changes) == 0 {
		return calls
	}
	return "(" + calls + ")\n  OR ((errorcode IS NULL OR errorcode = '') AND " + eventsPredicate(f.Changes) + ")"
}

// eventsPredicate matches any of the "service:EventName" patterns.
func eventsPredicate(patterns []string) string {
	byService := map[string][]string{}
	var services []string
	for _, p := range patterns {
		svc, name, _ := strings.Cut(p, ":")
		if _, ok := byService[svc]; !ok {
			services = append(services, svc)
		}
		byService[svc] = append(byService[svc], name)
	}
	var ors []string
	for _, svc := range services {
		src := "eventsource = " + quoteLiteral(svc+".amazonaws.com")
		var exact, conds []string
		every := false
		for _, n := range byService[svc] {
			switch prefix, wild := strings.CutSuffix(n, "*"); {
			case wild && prefix == "":
				every = true
			case wild:
				conds = append(conds, "eventname LIKE "+quoteLiteral(escapeLike(prefix)+"%")+" ESCAPE '\\'")
			default:
				exact = append(exact, n)
			}
		}
		if every {
			ors = append(ors, src)
			continue
		}
		if len(exact) > 0 {
			conds = append([]string{inList("eventname", exact)}, conds...)
		}
		ors = append(ors, "("+src+" AND ("+strings.Join(conds, " OR ")+"))")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

func inList(col string, values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = quoteLiteral(v)
	}
	return col + " IN (" + strings.Join(q, ", ") + ")"
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent quotes s as an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// validIdent accepts the names Athena accepts for databases and tables:
// lower-case letters, digits and underscores (Athena User Guide, "Name
// databases, tables, and columns").
func validIdent(s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("%q: Athena names hold only letters, digits and underscores", s)
		}
	}
	return nil
}

// AthenaRecord rebuilds the CloudTrail record of one result row: values
// are the row's cells in the order of AthenaColumns, nil for SQL NULL.
// The record holds what classification reads, under the keys a log file
// uses.
func AthenaRecord(values []*string) ([]byte, error) {
	cols := AthenaColumns()
	if len(values) != len(cols) {
		return nil, fmt.Errorf("row has %d values, want %d", len(values), len(cols))
	}
	rec := map[string]any{}
	for i, c := range cols {
		v := values[i]
		if v == nil {
			continue
		}
		var val any
		switch c.Kind {
		case AthenaBool:
			switch strings.ToLower(*v) {
			case "true":
				val = true
			case "false":
				val = false
			default:
				continue
			}
		case AthenaJSON:
			if *v == "" || *v == "null" {
				continue
			}
			if !json.Valid([]byte(*v)) {
				return nil, fmt.Errorf("column %s is not JSON", c.Alias)
			}
			val = json.RawMessage(*v)
		case AthenaResources:
			res, err := athenaResources(*v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Alias, err)
			}
			if res == nil {
				continue
			}
			val = res
		default:
			val = *v
		}
		setPath(rec, c.Path, val)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// athenaResources turns the resources column (the array cast to JSON,
// with the table's lower-case field names) into the record's resources.
func athenaResources(s string) ([]map[string]string, error) {
	if s == "" || s == "null" {
		return nil, nil
	}
	var rows []map[string]*string
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(rows))
	for _, r := range rows {
		m := map[string]string{}
		for k, v := range r {
			if v == nil {
				continue
			}
			switch strings.ToLower(k) {
			case "arn":
				m["ARN"] = *v
			case "accountid":
				m["accountId"] = *v
			case "type":
				m["type"] = *v
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func setPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = v
}
