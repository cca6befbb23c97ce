package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/denytrail/denytrail/ingest"
)

// folderSource is a local SOURCE whose files found by walking a folder
// are sniffed before they are read: one that is neither JSON nor gzip by
// its first byte (a LICENSE, a README, SOURCE.txt next to the logs) is a
// note, not a failure. A file named on the command line is read as it is,
// and fails if it is not a log; JSON that breaks still fails.
type folderSource struct {
	ingest.Source
	root string
}

// Walk implements ingest.Source.
func (s folderSource) Walk(ctx context.Context, fn func(ingest.Input) error) error {
	return s.Source.Walk(ctx, func(in ingest.Input) error {
		if in.Open != nil && in.Name != s.root {
			in.Open = sniffed(in.Name, in.Open)
		}
		return fn(in)
	})
}

// sniffed wraps open so that an input whose first byte other than white
// space is not '{', '[' or gzip's 0x1f fails with ingest.ErrNotEventLog.
func sniffed(name string, open func(context.Context) (io.ReadCloser, error)) func(context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) {
		rc, err := open(ctx)
		if err != nil {
			return nil, err
		}
		br := bufio.NewReaderSize(rc, 4096)
		if c, ok := firstByte(br); ok && c != '{' && c != '[' && c != 0x1f {
			rc.Close()
			return nil, fmt.Errorf("%s: neither JSON nor gzip (it starts with %q): %w", name, c, ingest.ErrNotEventLog)
		}
		return struct {
			io.Reader
			io.Closer
		}{br, rc}, nil
	}
}

// firstByte peeks at the first byte of br that is not white space; ok is
// false when there is none in the first few KiB (empty, or all blanks:
// the reader says what is wrong with those).
func firstByte(br *bufio.Reader) (byte, bool) {
	b, _ := br.Peek(br.Size())
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, true
	}
	return 0, false
}
