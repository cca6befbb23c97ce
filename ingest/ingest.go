// Package ingest turns CloudTrail sources (local files and folders, stdin,
// S3 log archives, the LookupEvents API) into one stream of raw records,
// each with its origin. It interprets records only as far as cheap
// pre-filtering needs; classify does the rest.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// MaxRecordSize is the largest record the readers accept. CloudTrail events
// are at most 256 KB; anything over this is reported and skipped.
const MaxRecordSize = 1 << 20

// ErrNotEventLog marks an input that is valid CloudTrail output but holds no
// events (a digest or Insights file). Inputs skipped for this reason are
// notes, not failures: they do not change the exit code.
var ErrNotEventLog = errors.New("not a CloudTrail event log")

// ErrShape marks an input that was read but whose shape cannot be split
// into records ({"Records": {...}}, a "Records" that is not an array): an
// error naming what was found, never a silent zero records.
var ErrShape = errors.New("not a CloudTrail log")

// Input is one readable unit of CloudTrail data: a file, an S3 object, or a
// page of API results.
type Input struct {
	// Name identifies the input in messages and origins: a path, "-" for
	// stdin, "s3://bucket/key", or "cloudtrail://region/...".
	Name string
	// Size is the input's stored size in bytes, or -1 when unknown.
	Size int64
	// Open returns the input's bytes, gzip-compressed or plain. It is nil
	// when Err is set.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Err, when set, says why the source could not offer this input (a
	// folder it may not read, a listing that failed, a digest file). The
	// pipeline reports it as skipped; errors.Is(Err, ErrNotEventLog) makes
	// it a note instead of a failure.
	Err error
}

// Source enumerates inputs.
type Source interface {
	// Walk calls fn for each input, from one goroutine, in a
	// deterministic order (except where a source says otherwise: the S3
	// source passes objects as their downloads finish), and stops early
	// when fn returns an error or ctx is done.
	// Problems confined to part of the source are passed to fn as an Input
	// with Err set; Walk returns an error only when the source as a whole
	// cannot be read.
	Walk(ctx context.Context, fn func(Input) error) error
	// String names the source as the user gave it.
	String() string
}

// Origin says where a record came from.
type Origin struct {
	// Input is the Name of the input that held the record.
	Input string
	// Index is the record's 0-based position in the input (for a log
	// file, its index in "Records"), or -1 when the input is one record.
	Index int
}

// String renders the origin as "input#index", or just the input name when
// the index is unknown.
func (o Origin) String() string {
	if o.Index < 0 {
		return o.Input
	}
	return fmt.Sprintf("%s#%d", o.Input, o.Index)
}

// Record is one raw CloudTrail record.
type Record struct {
	// Raw is the record's JSON object. It is only valid until the next call
	// to the reader's Next; copy it to keep it.
	Raw []byte
	// Origin says where the record came from.
	Origin Origin
	// Err, when set, says why this record was skipped (too large, not a
	// JSON object); Raw is then nil. Reading continues with the next record.
	// Its message starts with Origin; errors.Unwrap(Err) is the reason
	// alone.
	Err error
}
