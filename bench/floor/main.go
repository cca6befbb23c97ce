// Command floor is the benchmark harness's lower bound: it decompresses
// every log file under a folder with the same number of workers a scan
// uses, and does nothing with the bytes. A scan cannot be faster.
//
//	go run ./bench/floor -workers 2 bench/out/archive-2GiB
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "files decompressed at once, as denytrail scan --workers")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: floor [-workers N] DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *workers); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(dir string, workers int) error {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".json.gz") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	start := time.Now()
	var plain, stored atomic.Int64
	var firstErr error
	var once sync.Once
	next := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// Reused per worker, as a scan's pools do.
			br := bufio.NewReaderSize(nil, 64<<10)
			zr := new(gzip.Reader)
			buf := make([]byte, 256<<10)
			for path := range next {
				n, s, err := decompress(path, br, zr, buf)
				if err != nil {
					once.Do(func() { firstErr = err })
				}
				plain.Add(n)
				stored.Add(s)
			}
		})
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	d := time.Since(start)
	fmt.Printf("floor: %d files, %d bytes stored, %d bytes decompressed in %.3fs: %.2f GB/s with %d workers\n",
		len(paths), stored.Load(), plain.Load(), d.Seconds(), float64(plain.Load())/d.Seconds()/1e9, workers)
	return nil
}

func decompress(path string, br *bufio.Reader, zr *gzip.Reader, buf []byte) (plain, stored int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	br.Reset(f)
	if err := zr.Reset(br); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	for {
		n, err := zr.Read(buf)
		plain += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return plain, 0, fmt.Errorf("%s: %w", path, err)
		}
	}
	st, _ := f.Stat()
	return plain, st.Size(), nil
}
