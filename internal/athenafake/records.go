package athenafake

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/denytrail/denytrail/ingest"
)

// Columns returns the result columns of the Athena source's query.
func Columns() []Column {
	cols := ingest.AthenaColumns()
	out := make([]Column, len(cols))
	for i, c := range cols {
		typ := "varchar"
		if c.Kind == ingest.AthenaBool && c.Alias == "managementevent" {
			typ = "boolean"
		}
		out[i] = Column{Name: c.Alias, Type: typ}
	}
	return out
}

// Row returns the values Athena would return for a CloudTrail record under
// the columns of the Athena source's query, reading the record as the
// documented table's JsonSerDe does: keys matched without regard to case,
// JSON-string columns holding the field's JSON text, the resources array
// cast to JSON with the table's lower-case field names.
func Row(raw []byte) ([]*string, error) {
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("athenafake: record: %w", err)
	}
	cols := ingest.AthenaColumns()
	row := make([]*string, len(cols))
	for i, c := range cols {
		v, ok := lookup(rec, c.Path)
		if !ok || v == nil {
			continue
		}
		var s string
		switch c.Kind {
		case ingest.AthenaJSON:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			s = string(b)
		case ingest.AthenaResources:
			list, _ := v.([]any)
			out := make([]map[string]any, 0, len(list))
			for _, e := range list {
				m, _ := e.(map[string]any)
				lower := map[string]any{"arn": nil, "accountid": nil, "type": nil}
				for k, x := range m {
					if _, ok := lower[strings.ToLower(k)]; ok {
						lower[strings.ToLower(k)] = x
					}
				}
				out = append(out, lower)
			}
			b, err := json.Marshal(out)
			if err != nil {
				return nil, err
			}
			s = string(b)
		default:
			switch x := v.(type) {
			case string:
				s = x
			case bool:
				s = fmt.Sprint(x)
			default:
				b, _ := json.Marshal(x)
				s = string(b)
			}
		}
		row[i] = &s
	}
	return row, nil
}

// lookup finds path in rec, matching keys without regard to case.
func lookup(rec map[string]any, path []string) (any, bool) {
	var cur any = rec
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		found := false
		for mk, mv := range m {
			if strings.EqualFold(mk, k) {
				cur, found = mv, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return cur, true
}

// RecordEngine returns an engine that plays Athena's part without SQL:
// every query returns, as rows, the records keep accepts. Tests use it to
// check the protocol and the rebuilding of records; the duckdb-tagged
// tests run the SQL itself.
func RecordEngine(records [][]byte, keep func(raw []byte) bool) Engine {
	return func(ctx context.Context, sql string) (Result, error) {
		res := Result{Columns: Columns()}
		for _, raw := range records {
			res.Scanned += int64(len(raw))
			if !keep(raw) {
				continue
			}
			row, err := Row(raw)
			if err != nil {
				return Result{}, err
			}
			res.Rows = append(res.Rows, row)
		}
		return res, nil
	}
}
