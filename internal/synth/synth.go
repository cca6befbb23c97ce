// Package synth generates realistic CloudTrail log archives: the S3 layout
// and file names CloudTrail writes, gzip-compressed {"Records":[...]} files
// whose records look like real ones (key order, compact JSON, identities,
// data and management events), and scripted failures for every layer the
// classifier knows (see Scenarios). Output is deterministic for a Config and
// streamed file by file, so archives of any size can be generated.
package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Config describes an archive to generate. Zero fields take the defaults
// documented on each field.
type Config struct {
	// Seed makes the output deterministic: the same Config gives the same bytes.
	Seed int64
	// Prefix is the key prefix before AWSLogs/ ("" for none).
	Prefix string
	// OrgID, when set (e.g. "o-abc123defg"), makes an organization trail:
	// keys are AWSLogs/<org>/<account>/... instead of AWSLogs/<account>/...
	OrgID string
	// Accounts are the 12-digit account ids that deliver logs; default
	// 111122223333 and 444455556666. The first is the management account.
	Accounts []string
	// Regions default to us-east-1 and eu-west-1. IAM and Organizations
	// events go to us-east-1 when listed, else to the first Region.
	Regions []string
	// Start is the first delivery time (UTC, truncated to the second);
	// default 2026-11-26T00:00:00Z.
	Start time.Time
	// Duration is the span of delivery times covered; default 1h.
	Duration time.Duration
	// FileEvery is the delivery interval per account and Region; default 5m.
	FileEvery time.Duration
	// RecordsPerFile is the number of records per file; default 100. A file
	// can hold a few more when a scripted incident lands in it.
	RecordsPerFile int
	// FailureRate is the fraction of records that are scripted failures;
	// 0 means the default 0.01, a negative value means none.
	FailureRate float64
	// Digests also writes hourly CloudTrail-Digest files per account and
	// Region, whose hashes match the generated log files.
	Digests bool
}

// File is one generated object.
type File struct {
	// Key is the object key relative to the archive root, in CloudTrail's
	// layout, e.g. AWSLogs/o-abc123defg/111122223333/CloudTrail/us-east-1/
	// 2026/11/26/111122223333_CloudTrail_us-east-1_20261126T0005Z_Ab3dE5gH7jK9mN1p.json.gz
	Key string
	// Data is the gzip-compressed content. The callback may keep it.
	Data []byte
	// Labels name the scripted records in this file and their expected
	// verdicts. They are not part of the archive; tests use them.
	Labels []Label
}

// Label ties one scripted record to its scenario.
type Label struct {
	// EventID is the record's eventID (a duplicated record is labelled in
	// both files that hold it).
	EventID string `json:"eventID"`
	// Scenario is the Name of the Scenario the record belongs to.
	Scenario string `json:"scenario"`
	// Layer and Control are the expected verdict of a failed record; both
	// are empty for a successful record that belongs to the scenario (the
	// policy change before a burst of denials).
	Layer   string `json:"layer,omitempty"`
	Control string `json:"control,omitempty"`
}

func isAccountID(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}

func isOrgID(s string) bool {
	id, ok := strings.CutPrefix(s, "o-")
	return ok && len(id) >= 10 && len(id) <= 32 && strings.Trim(id, lowerAlnum) == ""
}

// isRegion accepts names like us-east-1 and ap-southeast-2.
func isRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 || strings.Trim(parts[0], "abcdefghijklmnopqrstuvwxyz") != "" {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	n := parts[len(parts)-1]
	return len(n) == 1 && n[0] >= '0' && n[0] <= '9'
}

// normalize applies the defaults and checks the Config.
func (c Config) normalize() (Config, error) {
	if c.Accounts == nil {
		c.Accounts = []string{"111122223333", "444455556666"}
	}
	if c.Regions == nil {
		c.Regions = []string{"us-east-1", "eu-west-1"}
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	}
	c.Start = c.Start.UTC().Truncate(time.Second)
	if c.Duration == 0 {
		c.Duration = time.Hour
	}
	if c.FileEvery == 0 {
		c.FileEvery = 5 * time.Minute
	}
	if c.RecordsPerFile == 0 {
		c.RecordsPerFile = 100
	}
	switch {
	case c.FailureRate == 0:
		c.FailureRate = 0.01
	case c.FailureRate < 0:
		c.FailureRate = 0
	}
	c.Prefix = strings.Trim(c.Prefix, "/")

	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("synth: invalid Config: "+format, args...)
	}
	if len(c.Accounts) == 0 {
		return bad("no Accounts")
	}
	for i, a := range c.Accounts {
		if !isAccountID(a) {
			return bad("Accounts[%d] %q is not a 12-digit account id", i, a)
		}
		for _, b := range c.Accounts[:i] {
			if a == b {
				return bad("Accounts[%d] %q is listed twice", i, a)
			}
		}
	}
	if len(c.Regions) == 0 {
		return bad("no Regions")
	}
	for i, r := range c.Regions {
		if !isRegion(r) {
			return bad("Regions[%d] %q is not a Region name", i, r)
		}
		for _, s := range c.Regions[:i] {
			if r == s {
				return bad("Regions[%d] %q is listed twice", i, r)
			}
		}
	}
	if c.OrgID != "" && !isOrgID(c.OrgID) {
		return bad("OrgID %q is not an organization id (o-xxxxxxxxxx)", c.OrgID)
	}
	if strings.Contains(c.Prefix, "//") {
		return bad("Prefix %q has an empty path segment", c.Prefix)
	}
	if c.Duration < 0 {
		return bad("Duration %v is negative", c.Duration)
	}
	if c.FileEvery < time.Minute {
		return bad("FileEvery %v is under a minute (file names have minute resolution)", c.FileEvery)
	}
	if c.RecordsPerFile < 0 {
		return bad("RecordsPerFile %d is negative", c.RecordsPerFile)
	}
	if c.FailureRate > 1 {
		return bad("FailureRate %v is over 1", c.FailureRate)
	}
	return c, nil
}

// fileBuf collects one log file's records before they are shuffled,
// assembled and compressed.
type fileBuf struct {
	acct   int
	region int
	t      time.Time // delivery time
	recs   []byte    // rendered records, back to back
	offs   []int     // start of each record in recs
	labels []Label
	oldest time.Time // eventTime range, for digests
	newest time.Time
}

// seen widens f's eventTime range to include t.
func (f *fileBuf) seen(t time.Time) {
	if f.oldest.IsZero() || t.Before(f.oldest) {
		f.oldest = t
	}
	if t.After(f.newest) {
		f.newest = t
	}
}

type carried struct {
	rec   []byte
	t     time.Time
	label Label
}

// gen holds one Generate call's state and reusable buffers.
type gen struct {
	cfg    Config
	w      *world
	r      rnd
	every  time.Duration
	fn     func(File) error
	budget float64 // failed records still owed to FailureRate
	order  []int   // current cycle through scripts
	pos    int
	ss     []script
	carry  [][]carried // duplicates owed to the next file, by file slot
	files  []*fileBuf
	perm   []int
	out    []byte
	zbuf   bytes.Buffer
	zw     *gzip.Writer
	digest []digestState // by file slot

	e            ev
	op           s3op
	rq, rs, ad   jw
	idw          jw
	prefix       string // "[prefix/]AWSLogs/[org/]"
	day          dayNames
	nextBoundary time.Time
}

// Generate streams the archive described by cfg to fn, one file at a time,
// in a deterministic order: for each delivery time, a log file per account
// and Region; hourly digests after the last log file they cover. It stops
// at the first error from fn or when ctx is done, and returns that error.
func Generate(ctx context.Context, cfg Config, fn func(File) error) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	g := &gen{cfg: cfg, w: newWorld(&cfg), r: newRnd(cfg.Seed, 2), every: cfg.FileEvery, fn: fn, ss: scripts()}
	g.zw, err = gzip.NewWriterLevel(&g.zbuf, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	g.prefix = "AWSLogs/"
	if cfg.Prefix != "" {
		g.prefix = cfg.Prefix + "/AWSLogs/"
	}
	if cfg.OrgID != "" {
		g.prefix += cfg.OrgID + "/"
	}
	nslots := len(cfg.Accounts) * len(cfg.Regions)
	g.carry = make([][]carried, nslots)
	g.digest = make([]digestState, nslots)
	for i := range nslots {
		g.files = append(g.files, &fileBuf{acct: i / len(cfg.Regions), region: i % len(cfg.Regions)})
	}
	g.nextBoundary = cfg.Start.Add(time.Hour)

	rounds := int((cfg.Duration + cfg.FileEvery - 1) / cfg.FileEvery)
	for k := range rounds {
		if err := ctx.Err(); err != nil {
			return err
		}
		rd := &round{t: cfg.Start.Add(time.Duration(k) * cfg.FileEvery), files: g.files, last: k == rounds-1}
		if err := g.round(ctx, rd); err != nil {
			return err
		}
		if cfg.Digests {
			next := rd.t.Add(cfg.FileEvery)
			for !g.nextBoundary.After(next) || (rd.last && g.digestPending()) {
				if err := g.digests(ctx, g.nextBoundary); err != nil {
					return err
				}
				g.nextBoundary = g.nextBoundary.Add(time.Hour)
			}
		}
	}
	return nil
}

// names returns the date strings for f's delivery time.
func (g *gen) names(f *fileBuf) *dayNames {
	g.day.set(f.t)
	return &g.day
}

// logPrefix is the key prefix of an account's folders: [prefix/]AWSLogs/[org/]acct/.
func (g *gen) logPrefix(acct string) string { return g.prefix + acct + "/" }

func (g *gen) round(ctx context.Context, rd *round) error {
	for i, f := range rd.files {
		f.t = rd.t
		f.recs, f.offs, f.labels = f.recs[:0], f.offs[:0], nil
		f.oldest, f.newest = time.Time{}, time.Time{}
		for _, c := range g.carry[i] {
			f.seen(c.t)
			f.offs = append(f.offs, len(f.recs))
			f.recs = append(f.recs, c.rec...)
			f.labels = append(f.labels, c.label)
		}
		g.carry[i] = g.carry[i][:0]
	}
	per := g.cfg.RecordsPerFile
	g.budget += g.cfg.FailureRate * float64(len(rd.files)*per)
	for g.budget >= 1 {
		if g.pos == len(g.order) {
			g.order = g.r.r.Perm(len(g.ss))
			g.pos = 0
		}
		sc := &g.ss[g.order[g.pos]]
		g.pos++
		g.budget -= float64(sc.run(g, rd, sc))
	}
	for _, f := range rd.files {
		for n := len(f.offs); n < per; {
			n += g.success(f, per-n)
		}
	}
	for _, f := range rd.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := g.flush(f); err != nil {
			return err
		}
	}
	return nil
}

// flush shuffles f's records, writes the {"Records":[...]} document,
// compresses it and hands it to fn.
func (g *gen) flush(f *fileBuf) error {
	n := len(f.offs)
	g.perm = g.perm[:0]
	for i := range n {
		g.perm = append(g.perm, i)
	}
	g.r.r.Shuffle(n, func(i, j int) { g.perm[i], g.perm[j] = g.perm[j], g.perm[i] })
	out := append(g.out[:0], `{"Records":[`...)
	for j, i := range g.perm {
		if j > 0 {
			out = append(out, ',')
		}
		end := len(f.recs)
		if i+1 < n {
			end = f.offs[i+1]
		}
		out = append(out, f.recs[f.offs[i]:end]...)
	}
	out = append(out, "]}"...)
	g.out = out

	acct, region := g.cfg.Accounts[f.acct], g.cfg.Regions[f.region]
	key := g.logPrefix(acct) + "CloudTrail/" + region + "/" + f.t.Format("2006/01/02") + "/" +
		acct + "_CloudTrail_" + region + "_" + f.t.Format("20060102T1504Z") + "_" + g.r.chars(16, mixedAlnum) + ".json.gz"
	data, err := g.compress(out)
	if err != nil {
		return fmt.Errorf("synth: compressing %s: %w", key, err)
	}
	if g.cfg.Digests {
		g.recordForDigest(f, key, out)
	}
	if err := g.fn(File{Key: key, Data: data, Labels: f.labels}); err != nil {
		return err
	}
	return nil
}

func (g *gen) compress(b []byte) ([]byte, error) {
	g.zbuf.Reset()
	g.zw.Reset(&g.zbuf)
	if _, err := g.zw.Write(b); err != nil {
		return nil, err
	}
	if err := g.zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(g.zbuf.Bytes()), nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// WriteDir generates the archive described by cfg into dir, creating the
// key's folders under it.
func WriteDir(ctx context.Context, dir string, cfg Config) error {
	return Generate(ctx, cfg, func(f File) error {
		path := filepath.Join(dir, filepath.FromSlash(f.Key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		return nil
	})
}
