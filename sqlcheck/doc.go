// Package sqlcheck runs the SQL of denytrail's Athena source on a real SQL
// engine: DuckDB, over the JSON-gz files of a generated CloudTrail archive,
// with a view that has the columns of the table AWS documents for Athena.
// It is a module of its own, and its test a build tag of its own
// (duckdb), because DuckDB needs cgo and is large; the main module never
// depends on it. Run it with:
//
//	cd sqlcheck && CGO_ENABLED=1 go test -tags duckdb ./...
package sqlcheck
