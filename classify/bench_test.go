package classify

import (
	"bytes"
	"testing"
)

// A successful S3 data event: what most records in a trail look like.
func benchRecords(b *testing.B) (miss, hit []byte) {
	miss = raw(b, with(s3Base(), "errorCode", nil, "errorMessage", nil, "eventName", "GetObject"))
	hit = raw(b, with(s3Base(), "errorMessage", userPrefixS3+"with an explicit deny in a service control policy"))
	return miss, hit
}

func BenchmarkMayMatch(b *testing.B) {
	miss, hit := benchRecords(b)
	for _, bc := range []struct {
		name string
		f    Filter
		rec  []byte
	}{
		{"default/miss", Filter{}, miss},
		{"default/hit", Filter{}, hit},
		{"events/hit", Filter{Events: []string{"kms:*", "s3:Put*"}}, hit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.rec)))
			b.ReportAllocs()
			for b.Loop() {
				bc.f.MayMatch(bc.rec)
			}
		})
	}
}

func BenchmarkIsS3DataEvent(b *testing.B) {
	rec := raw(b, with(kmsBase(), "errorCode", nil))
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		IsS3DataEvent(rec)
	}
}

func BenchmarkJudge(b *testing.B) {
	_, hit := benchRecords(b)
	e := mustParse(b, hit)
	b.ReportAllocs()
	for b.Loop() {
		Judge(e)
	}
}

// BenchmarkErrorCodeKey compares keyEnd with the plain search it replaces,
// on a record without the key (the common case).
func BenchmarkErrorCodeKey(b *testing.B) {
	miss, _ := benchRecords(b)
	b.Run("keyEnd", func(b *testing.B) {
		b.SetBytes(int64(len(miss)))
		for b.Loop() {
			hasErrorCodeKey(miss)
		}
	})
	b.Run("bytes.Contains", func(b *testing.B) {
		b.SetBytes(int64(len(miss)))
		for b.Loop() {
			bytes.Contains(miss, []byte(`"errorCode"`))
		}
	})
}

// BenchmarkFailedRecord times what a scan does with a failed record beyond
// reading it: parse it, judge it, write its binary form for the sort, read
// its keys back as from disk, then its finding when its incident is
// emitted (Record.finding).
func BenchmarkFailedRecord(b *testing.B) {
	_, hit := benchRecords(b)
	b.SetBytes(int64(len(hit)))
	b.ReportAllocs()
	var buf, scratch []byte
	for b.Loop() {
		ev, err := Parse(hit)
		if err != nil {
			b.Fatal(err)
		}
		r := NewRecord(ev, Judge(ev), "a.json.gz#1")
		if buf, err = r.AppendBinary(buf[:0]); err != nil {
			b.Fatal(err)
		}
		var back Record
		if err := back.UnmarshalBinaryAt(buf, bytes.NewReader(buf), 0); err != nil {
			b.Fatal(err)
		}
		if _, err := back.finding(&scratch); err != nil {
			b.Fatal(err)
		}
	}
}
