package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"testing"
)

// TestReaderTee checks that Tee sees the decompressed input whole, records
// the filter rejects included, for gzip and plain input.
func TestReaderTee(t *testing.T) {
	plain := []byte(`{"Records":[{"eventName":"A"},{"eventName":"B"}]}` + "\n  ")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for name, in := range map[string][]byte{"plain": plain, "gzip": gz.Bytes()} {
		h := sha256.New()
		rd := NewReader(bytes.NewReader(in), name, ReaderOptions{Tee: h, Keep: func([]byte) bool { return false }, Pools: NewPools()})
		for rd.Next() {
		}
		if err := rd.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rd.Close()
		if got, want := h.Sum(nil), sha256.Sum256(plain); !bytes.Equal(got, want[:]) {
			t.Errorf("%s: Tee saw other bytes than the decompressed input", name)
		}
	}
}
