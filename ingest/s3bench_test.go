package ingest

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/internal/synth"
)

// benchRegions are the 17 regions of the organization benchmarks.
var benchRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
	"eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1",
}

// BenchmarkS3Org reads one day of an organization trail from a loopback
// S3 that waits 30 ms before every answer (what real S3 gives), through
// the SDK, with the source and the scan's layout (a pool of CPU workers
// reading every record), and, in the same iteration, with an ideal
// reader that knows every day folder in advance and keeps 32 listings
// and 32 downloads in flight, reading bodies without parsing them. It
// reports the source's time as a multiple of the ideal one (x-ideal) and
// the requests made.
//
//	go test -run '^$' -bench BenchmarkS3Org -benchtime 1x ./ingest/
//
// sparse: 100 accounts x 17 regions, 2 files per day folder; dense: 10
// accounts x 17 regions, 20 files per day folder.
func BenchmarkS3Org(b *testing.B) {
	for _, bc := range []struct {
		name     string
		accounts int
		files    int
	}{{"sparse", 100, 2}, {"dense", 10, 20}} {
		b.Run(bc.name, func(b *testing.B) { benchS3Org(b, bc.accounts, bc.files) })
	}
}

func benchS3Org(b *testing.B, accounts, files int) {
	s := newS3Server(b)
	s.pageMax = "1000"
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	cfg := synth.Config{Seed: 1, OrgID: s3Org, Regions: benchRegions, Start: start,
		Duration: time.Duration(files-1)*5*time.Minute + time.Minute, FileEvery: 5 * time.Minute, RecordsPerFile: 10}
	for i := range accounts {
		cfg.Accounts = append(cfg.Accounts, fmt.Sprintf("%012d", 100000000000+i))
	}
	days := map[string]bool{}
	objects := 0
	err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
		s.put(f.Key, f.Data)
		days[f.Key[:strings.LastIndexByte(f.Key, '/')+1]] = true
		objects++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var dayPrefixes []string
	for k := range days {
		dayPrefixes = append(dayPrefixes, k)
	}
	if want := accounts * len(benchRegions); objects != want*files {
		b.Fatalf("generated %d objects in %d folders, want %d x %d", objects, len(dayPrefixes), want, files)
	}
	s.delay = func(s3Req) time.Duration { return 30 * time.Millisecond }
	scfg := s.Config()
	scfg.HTTPClient = DefaultTimeouts().HTTPClient()
	client := NewS3Client(scfg, s.Endpoint)
	opts := S3Options{Since: start, Until: start.Add(cfg.Duration)}

	var ideal, ours time.Duration
	var reqs int
	for b.Loop() {
		s.reset()
		t0 := time.Now()
		n, err := idealRead(context.Background(), client, dayPrefixes, 32, 32)
		ideal += time.Since(t0)
		if err != nil || n != objects {
			b.Fatalf("ideal reader: %d objects, %v", n, err)
		}
		s.reset()
		t0 = time.Now()
		src, err := NewS3(client, s3Bucket, "", opts)
		if err != nil {
			b.Fatal(err)
		}
		if recs, err := countRecords(context.Background(), src, runtime.GOMAXPROCS(0)); err != nil || recs == 0 {
			b.Fatalf("source: %d records, %v", recs, err)
		}
		ours += time.Since(t0)
		// Only what the window needs: AWSLogs/, the organization, each
		// account's CloudTrail/ folder, each day folder, each object.
		if got, want := len(s.requests()), 2+accounts+len(dayPrefixes)+objects; got != want {
			b.Fatalf("%d requests, want %d", got, want)
		}
		reqs += len(s.requests())
	}
	b.ReportMetric(ours.Seconds()/ideal.Seconds(), "x-ideal")
	b.ReportMetric(ideal.Seconds()/float64(b.N), "ideal-s/op")
	b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
}

// idealRead lists the day folders it is given, lists at a time, and
// downloads every object found, gets at a time, reading each body to
// the end; it returns the number of objects read.
func idealRead(ctx context.Context, client *s3.Client, dayPrefixes []string, lists, gets int) (int, error) {
	prefixes := make(chan string)
	keys := make(chan string, 1<<16)
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	var listing sync.WaitGroup
	for range lists {
		listing.Go(func() {
			for p := range prefixes {
				pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(s3Bucket), Prefix: aws.String(p)})
				for pages.HasMorePages() {
					page, err := pages.NextPage(ctx)
					if err != nil {
						fail(err)
						break
					}
					for _, o := range page.Contents {
						keys <- aws.ToString(o.Key)
					}
				}
			}
		})
	}
	go func() {
		for _, p := range dayPrefixes {
			prefixes <- p
		}
		close(prefixes)
		listing.Wait()
		close(keys)
	}()
	var n int
	var downloading sync.WaitGroup
	for range gets {
		downloading.Go(func() {
			for k := range keys {
				out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s3Bucket), Key: aws.String(k)})
				if err != nil {
					fail(err)
					continue
				}
				_, err = io.Copy(io.Discard, out.Body)
				out.Body.Close()
				if err != nil {
					fail(err)
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	downloading.Wait()
	return n, firstErr
}
