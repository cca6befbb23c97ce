package integrity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/denytrail/denytrail/ingest"
)

// MirrorConfig says what to copy where.
type MirrorConfig struct {
	// Client and Bucket are where the archive is; Logs walks the log files
	// of the time range in it (ingest.NewS3).
	Client S3API
	Bucket string
	Logs   ingest.Source
	// Dir receives the objects, each at its key as a path.
	Dir string
	// Since and Until are the time range; the digests that can list its
	// log files are copied too, each with its metadata in a sidecar.
	Since, Until time.Time
	// Workers is the number of objects copied at once (0: 8).
	Workers int
}

// MirrorStats is what a mirror did.
type MirrorStats struct {
	Copied, Present int   // objects copied, and found intact already
	Bytes           int64 // bytes copied
	// Failed names each object that could not be copied.
	Failed []Problem
}

// Mirror copies the time range of an S3 archive into a folder in the same
// layout: the log files Logs offers, and the digests of their accounts'
// regions for the days the range needs, with "<digest>.meta.json" sidecars
// holding their signatures, so that a scan --verify of the copy checks
// signatures too. It is resumable: a file already present with the
// object's size (and, for a digest, its sidecar) is not copied again;
// files are written to a temporary name and renamed, so an interrupted
// copy never looks complete.
func Mirror(ctx context.Context, cfg MirrorConfig) (MirrorStats, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = 8
	}
	type job struct {
		key    string
		size   int64
		digest bool
		open   func(context.Context) (io.ReadCloser, error)
	}
	jobs := make(chan job, workers)
	var (
		mu    sync.Mutex
		st    MirrorStats
		bytes atomic.Int64
		wg    sync.WaitGroup
	)
	fail := func(name string, err error) {
		mu.Lock()
		st.Failed = append(st.Failed, Problem{File: name, Kind: "mirror", Reason: err.Error()})
		mu.Unlock()
	}
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				copied, n, err := mirrorOne(ctx, cfg, j.key, j.size, j.digest, j.open)
				bytes.Add(n)
				if err != nil {
					fail("s3://"+cfg.Bucket+"/"+j.key, err)
					continue
				}
				mu.Lock()
				switch {
				case copied:
					st.Copied++
				default:
					st.Present++
				}
				mu.Unlock()
			}
		})
	}

	// The log files, and the account folders and days they need digests for.
	type group struct {
		base, acct, region string
		lo, hi             time.Time
	}
	groups := map[string]*group{}
	walkErr := cfg.Logs.Walk(ctx, func(in ingest.Input) error {
		if in.Err != nil {
			if !errors.Is(in.Err, ingest.ErrNotEventLog) {
				fail(in.Name, in.Err)
			}
			return nil
		}
		key := strings.TrimPrefix(in.Name, "s3://"+cfg.Bucket+"/")
		if base, rel, ok := relKey(key); ok {
			if acct, region, deliver, err := parseLogRel(rel); err == nil {
				g := groups[base+acct+region]
				if g == nil {
					g = &group{base: base, acct: acct, region: region, lo: deliver, hi: deliver}
					groups[base+acct+region] = g
				}
				g.lo, g.hi = minTime(g.lo, deliver), maxTime(g.hi, deliver)
			}
		}
		select {
		case jobs <- job{key: key, size: in.Size, open: in.Open}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if walkErr != nil && ctx.Err() == nil {
		fail(cfg.Logs.String(), walkErr)
	}
	for _, g := range groups {
		lo, hi := minTime(g.lo, cfg.Since), maxTime(g.hi, cfg.Until).Add(2*time.Hour)
		for day := lo.UTC().Truncate(24 * time.Hour); !day.After(hi) && ctx.Err() == nil; day = day.Add(24 * time.Hour) {
			prefix := g.base + g.acct + "CloudTrail-Digest/" + g.region + "/" + day.Format("2006/01/02") + "/"
			in := &s3.ListObjectsV2Input{Bucket: aws.String(cfg.Bucket), Prefix: aws.String(prefix)}
			for {
				out, err := cfg.Client.ListObjectsV2(ctx, in)
				if err != nil {
					fail("s3://"+cfg.Bucket+"/"+prefix, err)
					break
				}
				for _, o := range out.Contents {
					j := job{key: aws.ToString(o.Key), size: aws.ToInt64(o.Size), digest: true}
					select {
					case jobs <- j:
					case <-ctx.Done():
					}
				}
				if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
					break
				}
				in.ContinuationToken = out.NextContinuationToken
			}
		}
	}
	close(jobs)
	wg.Wait()
	st.Bytes = bytes.Load()
	return st, ctx.Err()
}

// mirrorOne copies one object unless it is present and intact.
func mirrorOne(ctx context.Context, cfg MirrorConfig, key string, size int64, digest bool, open func(context.Context) (io.ReadCloser, error)) (bool, int64, error) {
	if strings.Contains("/"+key+"/", "/../") || strings.HasPrefix(key, "/") {
		return false, 0, errors.New("a key that would leave the folder")
	}
	p := filepath.Join(cfg.Dir, filepath.FromSlash(key))
	if fi, err := os.Stat(p); err == nil && fi.Size() == size && size >= 0 {
		if _, err := os.Stat(p + SidecarSuffix); !digest || err == nil {
			return false, 0, nil
		}
	}
	var meta map[string]string
	if digest {
		out, err := cfg.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(cfg.Bucket), Key: aws.String(key)})
		if err != nil {
			return false, 0, err
		}
		meta = out.Metadata
		open = func(context.Context) (io.ReadCloser, error) { return out.Body, nil }
	}
	rc, err := open(ctx)
	if err != nil {
		return false, 0, err
	}
	defer rc.Close()
	n, err := writeAtomic(p, rc)
	if err != nil {
		return false, n, err
	}
	if digest {
		side := map[string]string{}
		for k, v := range meta {
			side["x-amz-meta-"+strings.ToLower(k)] = v
		}
		b, _ := json.Marshal(side)
		if _, err := writeAtomic(p+SidecarSuffix, strings.NewReader(string(b))); err != nil {
			return false, n, err
		}
	}
	return true, n, nil
}

// writeAtomic writes r to p through a temporary file in its folder.
func writeAtomic(p string, r io.Reader) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".mirror-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return n, fmt.Errorf("%s: %w", p, err)
	}
	return n, nil
}
