package main

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/denytrail/denytrail/ingest"
)

// Release builds may set these at link time; each one set wins over what
// the Go toolchain recorded:
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD) -X main.buildTime=$(date -u +%FT%TZ)" ./cmd/denytrail
//
// They are never written at run time.
var version, commit, buildTime string

// buildInfo is what denytrail knows about its own build.
type buildInfo struct {
	Version  string // module version, "(devel)" for a build from a checkout
	Commit   string // VCS revision, "" when unknown
	Time     string // commit time (RFC 3339), or the -ldflags build time
	Modified bool   // the checkout had uncommitted changes
	Go       string // toolchain and platform
	Gunzip   string // the gzip decompressor built in (ingest.Gunzip)
}

// readBuildInfo combines runtime/debug's record of the build with the
// -ldflags overrides.
func readBuildInfo(bi *debug.BuildInfo, ok bool, ldVersion, ldCommit, ldTime string) buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if ok {
		if bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if ldCommit != "" {
		b.Modified = false // a release build names exactly what it was built from
	}
	b.Version = cmp.Or(ldVersion, b.Version)
	b.Commit = cmp.Or(ldCommit, b.Commit)
	b.Time = cmp.Or(ldTime, b.Time)
	return b
}

// currentBuild is the running binary's buildInfo.
func currentBuild() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	b := readBuildInfo(bi, ok, version, commit, buildTime)
	b.Gunzip = ingest.Gunzip
	return b
}

// String is the text of --version and the version command.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "denytrail %s\n", b.Version)
	commit := cmp.Or(b.Commit, "unknown (built without VCS information)")
	if b.Modified {
		commit += " (modified: uncommitted changes)"
	}
	fmt.Fprintf(&s, "commit:  %s\n", commit)
	fmt.Fprintf(&s, "time:    %s\n", cmp.Or(b.Time, "unknown"))
	fmt.Fprintf(&s, "go:      %s\n", b.Go)
	if b.Gunzip != "" {
		fmt.Fprintf(&s, "gunzip:  %s\n", b.Gunzip)
	}
	return s.String()
}
