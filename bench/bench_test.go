// Package bench holds the throughput harness: run.sh times a whole scan of
// a generated archive against decompression alone and zcat | jq, and
// BenchmarkScan does the same in-process for profiling (and the scan with
// --verify, to compare with the plain scan):
//
//	go test -run '^$' -bench Scan -benchtime 3x -cpuprofile cpu.prof ./bench
//	go tool pprof -top bench.test cpu.prof
package bench

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/internal/synth"
	"github.com/denytrail/denytrail/scan"
)

// archive generates a trail of about 128 MiB uncompressed into a temporary
// folder and returns the folder, its log files and their decompressed size.
func archive(b *testing.B) (dir string, files []string, plain int64) {
	b.Helper()
	dir = b.TempDir()
	cfg := synth.Config{
		Seed:           1,
		OrgID:          "o-abc123defg",
		Accounts:       []string{"111122223333", "444455556666", "555566667777"},
		Regions:        []string{"us-east-1", "eu-west-1"},
		Duration:       45 * time.Minute,
		RecordsPerFile: 2000,
	}
	if err := synth.WriteDir(context.Background(), dir, cfg); err != nil {
		b.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".json.gz") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range files {
		n, err := decompress(f, bufio.NewReader(nil), new(gzip.Reader), make([]byte, 256<<10))
		if err != nil {
			b.Fatal(err)
		}
		plain += n
	}
	return dir, files, plain
}

// BenchmarkScan times, over the same generated archive and with the same
// number of workers, decompression alone (the floor) and a whole scan.
// MB/s counts decompressed bytes; cpu-MB/s divides them by the CPU time
// the process used, which other load on the machine disturbs less.
func BenchmarkScan(b *testing.B) {
	dir, files, plain := archive(b)
	workers := runtime.GOMAXPROCS(0)
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(plain)
		cpu := cpuTime()
		for b.Loop() {
			floor(b, files, workers)
		}
		reportCPU(b, plain, cpu)
	})
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(plain)
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			res, err := scan.Run(context.Background(), scan.Config{Workers: workers}, []ingest.Source{ingest.Path(dir)})
			if err != nil || len(res.Stats.Skipped) > 0 || res.Report.Summary.Findings == 0 {
				b.Fatalf("%v, %+v", err, res.Stats)
			}
			res.Close()
		}
		reportCPU(b, plain, cpu)
	})
	// The same scan with --verify: every file hashed as it is read, then
	// looked up in the archive's digest folders (the 45 minutes end before
	// synth's first hourly digest: what this measures is the hashing).
	b.Run("verify", func(b *testing.B) {
		b.SetBytes(plain)
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			cfg := scan.Config{Workers: workers, Verify: integrity.New(integrity.Config{})}
			res, err := scan.Run(context.Background(), cfg, []ingest.Source{ingest.Path(dir)})
			if err != nil || len(res.Stats.Skipped) > 0 || res.Stats.Integrity.Failed() || res.Stats.Integrity.NotCovered != len(files) {
				b.Fatalf("%v, %+v", err, res.Stats.Integrity)
			}
			res.Close()
		}
		reportCPU(b, plain, cpu)
	})
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the decompressed bytes per second of CPU time since start.
func reportCPU(b *testing.B, plain int64, start time.Duration) {
	if used := cpuTime() - start; used > 0 && b.N > 0 {
		b.ReportMetric(float64(plain)*float64(b.N)/used.Seconds()/1e6, "cpu-MB/s")
	}
}

// floor decompresses files with workers goroutines and discards the bytes.
func floor(b *testing.B, files []string, workers int) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			br, zr, buf := bufio.NewReaderSize(nil, 64<<10), new(gzip.Reader), make([]byte, 256<<10)
			for f := range next {
				if _, err := decompress(f, br, zr, buf); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
}

func decompress(path string, br *bufio.Reader, zr *gzip.Reader, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br.Reset(f)
	if err := zr.Reset(br); err != nil {
		return 0, err
	}
	return io.CopyBuffer(io.Discard, struct{ io.Reader }{zr}, buf)
}
