package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/internal/synth"
	"github.com/klauspost/compress/gzip"
)

// s3Event renders a CloudTrail S3 data event shaped like the real thing
// (about 1.5 KB); failed ones carry an errorCode.
func s3Event(i int, failed bool) string {
	errPart := ""
	if failed {
		errPart = `"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::111122223333:assumed-role/uploader/i-0abc is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::example-bucket/uploads/` + fmt.Sprint(i) + `.bin\" because no identity-based policy allows the s3:PutObject action",`
	}
	return `{"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEID:i-0abc","arn":"arn:aws:sts::111122223333:assumed-role/uploader/i-0abc","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEKEY","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEID","arn":"arn:aws:iam::111122223333:role/uploader","accountId":"111122223333","userName":"uploader"},"attributes":{"creationDate":"2024-10-17T21:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},` +
		`"eventTime":"2024-10-17T21:48:45Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.12.34","userAgent":"[aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2 ft/s3-transfer]",` + errPart +
		`"requestParameters":{"bucketName":"example-bucket","Host":"example-bucket.s3.eu-west-1.amazonaws.com","key":"uploads/` + fmt.Sprint(i) + `.bin","x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},"responseElements":{"x-amz-server-side-encryption":"aws:kms","x-amz-version-id":"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},` +
		`"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":1048576,"SSEApplied":"SSE_KMS","AuthenticationMethod":"AuthHeader","x-amz-id-2":"Rp0EXAMPLE/rUgBBXGvBKDkf2WyjE6ok2FuF98NiRYzcxPvhaDzT5EWuV0bLhz7EXAMPLE=","bytesTransferredOut":0},"requestID":"8VBEXAMPLE` + fmt.Sprintf("%06d", i%1000000) + `","eventID":"a1b2c3d4-` + fmt.Sprintf("%012d", i) + `","readOnly":false,` +
		`"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-bucket/uploads/` + fmt.Sprint(i) + `.bin"},{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-bucket"}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333","eventCategory":"Data","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"example-bucket.s3.eu-west-1.amazonaws.com"}}`
}

// batch is n records, one in a hundred failed, each followed by a comma.
func batch(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(s3Event(i, i%100 == 7))
		b.WriteByte(',')
	}
	return b.Bytes()
}

var benchErrorCode = []byte(`"errorCode"`)

func keepFailed(raw []byte) bool { return bytes.Contains(raw, benchErrorCode) }

// genReader streams head, then body repeated, then tail, never holding more
// than those parts in memory.
type genReader struct {
	head, body, tail []byte
	repeat           int
	cur              []byte
	done             int // parts started: head, repeat bodies, tail
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.cur) == 0 {
		switch {
		case g.done == 0:
			g.cur = g.head
		case g.done <= g.repeat:
			g.cur = g.body
		case g.done == g.repeat+1:
			g.cur = g.tail
		default:
			return 0, io.EOF
		}
		g.done++
	}
	n := copy(p, g.cur)
	g.cur = g.cur[n:]
	return n, nil
}

// member compresses b as one gzip member.
func member(tb testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// stream is a generated {"Records":[...]} log of about size bytes
// (decompressed), holding one 900 KB record and one 3 MB record among
// ordinary ones; compressed as a series of gzip members when zipped.
type stream struct {
	head, body, tail []byte
	repeat           int
	size             int64 // decompressed
	records          int64
	failed           int64
}

func newStream(tb testing.TB, size int64, zipped bool) *stream {
	const per = 1000
	body := batch(per)
	big := `{"eventID":"big","errorCode":"AccessDenied","pad":"` + strings.Repeat("b", 900<<10) + `"}`
	huge := `{"eventID":"huge","errorCode":"AccessDenied","pad":"` + strings.Repeat(`h\"`, 1<<20) + `"}`
	s := &stream{
		head: []byte(`{"Records":[` + big + "," + huge + ","),
		body: body,
		tail: []byte(s3Event(per, false) + `],"extra":true}`),
	}
	s.repeat = int(max(1, (size-int64(len(s.head)))/int64(len(body))))
	s.size = int64(len(s.head)) + int64(s.repeat)*int64(len(body)) + int64(len(s.tail))
	s.records = 3 + int64(s.repeat)*per
	s.failed = 2 + int64(s.repeat)*(per/100)
	if zipped {
		s.head, s.body, s.tail = member(tb, s.head), member(tb, s.body), member(tb, s.tail)
	}
	return s
}

func (s *stream) reader() io.Reader {
	return &genReader{head: s.head, body: s.body, tail: s.tail, repeat: s.repeat}
}

// drain reads a stream with Keep set to keepFailed, sampling the heap
// every sample records; it returns the peak growth of HeapInuse.
func drain(tb testing.TB, s *stream, sample int64) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	rd := NewReader(s.reader(), "gen", ReaderOptions{Keep: keepFailed, Pools: NewPools()})
	defer rd.Close()
	var kept, tooLarge int64
	next := sample
	for rd.Next() {
		rec := rd.Record()
		switch {
		case rec.Err != nil && rec.Origin.Index == 1 && strings.Contains(rec.Err.Error(), "record too large"):
			tooLarge++
		case rec.Err != nil:
			tb.Fatal(rec.Err)
		default:
			kept++
		}
		if sample > 0 && rd.Records() >= next {
			next += sample
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if rd.Err() != nil {
		tb.Fatal(rd.Err())
	}
	if rd.Records() != s.records || kept != s.failed-1 || tooLarge != 1 {
		tb.Fatalf("%d records (%d kept, %d too large), want %d (%d kept, 1 too large)", rd.Records(), kept, tooLarge, s.records, s.failed-1)
	}
	return peak - base
}

// TestMemoryBounded streams inputs many times the Reader's buffer through
// it and checks that the heap does not grow with them.
func TestMemoryBounded(t *testing.T) {
	size := int64(48 << 20)
	if raceEnabled {
		size = 24 << 20
	}
	size += 4 * wholeHeld // the libdeflate build's whole-input budget
	for _, zipped := range []bool{false, true} {
		s := newStream(t, size, zipped)
		grew := drain(t, s, 2000)
		t.Logf("gzip %v: %d MB streamed, heap grew by at most %.1f MB", zipped, s.size>>20, float64(grew)/(1<<20))
		if grew > 8<<20+wholeHeld || int64(grew) > s.size/6+wholeHeld {
			t.Errorf("gzip %v: heap grew by %d bytes reading %d", zipped, grew, s.size)
		}
	}
}

// BenchmarkReader measures splitting throughput over a realistic log held
// in memory: splitting alone (Keep rejects everything), with the filter
// the pipeline uses (1% of records kept and validated) asked about every
// record or only about those holding a needle, and keeping every record,
// validated or (as scan reads them) with the JSON syntax check left to the
// caller.
// MB/s counts decompressed bytes.
//
//	go test -run '^$' -bench BenchmarkReader -benchtime 20x ./ingest/
func BenchmarkReader(b *testing.B) {
	plain := append(append([]byte(`{"Records":[`), batch(20_000)...), `{}]}`...)
	zipped := member(b, plain)
	pools := NewPools()
	never := func([]byte) bool { return false }
	needles := [][]byte{benchErrorCode}
	for _, c := range []struct {
		name    string
		data    []byte
		keep    func([]byte) bool
		needles [][]byte
		kept    int
		json    bool // the caller checks JSON syntax
	}{
		{"split", plain, never, nil, 0, false},
		{"keep", plain, keepFailed, nil, 200, false},
		{"needles", plain, keepFailed, needles, 200, false},
		{"gzip-needles", zipped, keepFailed, needles, 200, false},
		{"keep-all", plain, nil, nil, 20_001, false},
		{"keep-all-caller-checks-json", plain, nil, nil, 20_001, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			br := bytes.NewReader(c.data)
			for b.Loop() {
				br.Reset(c.data)
				rd := NewReader(br, "bench", ReaderOptions{Keep: c.keep, Needles: c.needles, Pools: pools, CallerChecksJSON: c.json})
				kept := 0
				for rd.Next() {
					kept++
				}
				if rd.Err() != nil || rd.Records() != 20_001 || kept != c.kept {
					b.Fatal(rd.Records(), kept, rd.Err())
				}
				rd.Close()
			}
		})
	}
}

// BenchmarkReaderStream streams 200 MB generated on the fly, never held in
// memory, and reports the heap's peak growth.
func BenchmarkReaderStream(b *testing.B) {
	for _, zipped := range []bool{false, true} {
		b.Run(fmt.Sprintf("gzip=%v", zipped), func(b *testing.B) {
			s := newStream(b, 200<<20, zipped)
			b.SetBytes(s.size)
			var grew uint64
			for b.Loop() {
				grew = max(grew, drain(b, s, 20_000))
			}
			b.ReportMetric(float64(grew)/(1<<20), "peak-heap-MB")
		})
	}
}

// classifyNeedles are classify.Filter.Needles() as the scan passes them
// (ingest cannot import classify), and the scan's probe for S3 data events.
var classifyNeedles = [][]byte{
	[]byte(`"errorCode"`), []byte(`\u`), []byte(`Policy"`), []byte(`AccessBlock"`), []byte(`OwnershipControls"`),
	[]byte(`PutBucketAcl"`), []byte(`BucketEncryption"`), []byte(`Grant"`), []byte(`DisableKey"`), []byte(`EnableKey"`),
	[]byte(`KeyDeletion"`), []byte(`PolicyVersion"`), []byte(`PermissionsBoundary"`),
}

// synthLogs returns the decompressed log files (not digests) of a
// generated organization trail of about size bytes, shaped as bench/gen
// writes it (2000 records per file, 1% failures).
func synthLogs(tb testing.TB, size int) [][]byte {
	cfg := synth.Config{Seed: 1, OrgID: "o-abc123defg", Accounts: []string{"111122223333", "444455556666", "555566667777"},
		Start: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour, RecordsPerFile: 2000}
	var logs [][]byte
	total := 0
	errDone := errors.New("done")
	err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
		zr, err := gzip.NewReader(bytes.NewReader(f.Data))
		if err != nil {
			return err
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return err
		}
		logs = append(logs, b)
		if total += len(b); total >= size {
			return errDone
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDone) {
		tb.Fatal(err)
	}
	return logs
}

// BenchmarkReaderArchive measures the reader's own per-byte work (finding
// record ends and needles) over log files generated as bench/gen writes
// them, decompressed in memory: walking alone (Keep rejects every record
// and there are no needles), and with the scan's needles. MB/s counts
// decompressed bytes.
//
//	go test -run '^$' -bench BenchmarkReaderArchive -benchtime 20x ./ingest/
func BenchmarkReaderArchive(b *testing.B) {
	logs := synthLogs(b, 24<<20)
	size := 0
	for _, l := range logs {
		size += len(l)
	}
	pools := NewPools()
	for _, c := range []struct {
		name    string
		needles [][]byte
	}{{"split", nil}, {"needles", classifyNeedles}} {
		b.Run(c.name, func(b *testing.B) {
			keep := func([]byte) bool { return false }
			if c.needles != nil {
				keep = func(raw []byte) bool { return containsAny(raw, c.needles) }
			}
			b.SetBytes(int64(size))
			br := new(bytes.Reader)
			for b.Loop() {
				for _, l := range logs {
					br.Reset(l)
					rd := NewReader(br, "bench", ReaderOptions{Keep: keep, Needles: c.needles, Pools: pools, CallerChecksJSON: true})
					for rd.Next() {
					}
					if rd.Err() != nil || rd.Records() < 2000 {
						b.Fatal(rd.Records(), rd.Err())
					}
					rd.Close()
				}
			}
		})
	}
}
