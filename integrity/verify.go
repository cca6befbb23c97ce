package integrity

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config says where digests and keys come from.
type Config struct {
	// Since and Until are the scan's time range (zero: unbounded); the
	// digest folders of the days they span are read.
	Since, Until time.Time
	// S3 returns the client for a bucket, for s3:// inputs; nil: s3://
	// inputs are not verified.
	S3 func(ctx context.Context, bucket string) (S3API, error)
	// Keys are CloudTrail's public keys (--public-keys). When empty,
	// ListPublicKeys is asked, per region.
	Keys []PublicKey
	// ListPublicKeys returns the region's keys for digests in [start, end]
	// (cloudtrail:ListPublicKeys). Nil with no Keys: signatures are not
	// checked.
	ListPublicKeys func(ctx context.Context, region string, start, end time.Time) ([]PublicKey, error)
}

// The integrity of a log file, and of the findings read from it.
const (
	Verified   = "verified"   // its hash matches a digest whose signature and chain hold
	Unverified = "unverified" // not established; Status.Reason says why
	Tampered   = "tampered"   // its hash differs from the one its digest lists
)

// Status is the integrity of one input.
type Status struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Problem is one integrity problem, naming the file.
type Problem struct {
	File   string `json:"file"`
	Kind   string `json:"kind"` // tampered, missing, signature, chain, digest, not-covered, not-checked
	Reason string `json:"reason"`
}

// Summary is what verification found.
type Summary struct {
	// Log files read, by outcome.
	Verified    int `json:"verified"`    // hash matches, digest signed and chained
	HashMatched int `json:"hashMatched"` // hash matches, the digest's signature not checked
	Tampered    int `json:"tampered"`
	Missing     int `json:"missing"`    // listed in a digest, absent
	NotCovered  int `json:"notCovered"` // listed in no digest read
	Unverified  int `json:"unverified"` // other: unreadable, its digest bad
	// Digests read, and those whose signature verified.
	Digests       int `json:"digests"`
	SignaturesOK  int `json:"signaturesVerified"`
	BadSignatures int `json:"badSignatures"` // bad or unverifiable
	BrokenChains  int `json:"brokenChains"`
	// SignaturesNotChecked says why signatures were not checked ("" when
	// they were): local copies without sidecars, no public keys.
	SignaturesNotChecked string `json:"signaturesNotChecked,omitempty"`
	// Problems are the failures, each naming its file; Notes the rest
	// (files not covered, chain restarts).
	Problems []Problem `json:"problems"`
	Notes    []Problem `json:"notes"`
}

// Failed reports whether integrity failed: a log file tampered with or
// missing, or a digest unreadable, badly signed or off its chain.
func (s *Summary) Failed() bool { return s != nil && len(s.Problems) > 0 }

// Verifier hashes log files as they are read and checks them against
// their digests when the scan is over. Hash is safe for concurrent use.
type Verifier struct {
	cfg  Config
	mu   sync.Mutex
	logs map[string]*seen
}

type seen struct {
	h   hash.Hash
	sum string // hex, set when read to the end
	err error
}

// New returns a Verifier.
func New(cfg Config) *Verifier { return &Verifier{cfg: cfg, logs: map[string]*seen{}} }

// Hash returns the writer that input's decompressed bytes go to as they
// are read, and done, to be called once reading ends (err nil: read to the
// end).
func (v *Verifier) Hash(input string) (io.Writer, func(err error)) {
	s := &seen{h: sha256.New()}
	v.mu.Lock()
	v.logs[input] = s
	v.mu.Unlock()
	return s.h, func(err error) {
		v.mu.Lock()
		defer v.mu.Unlock()
		if err != nil {
			s.err = err
		} else {
			s.sum = hex.EncodeToString(s.h.Sum(nil))
		}
		s.h = nil
	}
}

// Rehash hashes input again from the start with open, after the scan's
// reader stopped before its end (a syntax error, which tampering can
// cause): its hash must still be known. It returns nil when the input was
// hashed whole; done must still be called.
func (v *Verifier) Rehash(ctx context.Context, input string, open func(context.Context) (io.ReadCloser, error)) error {
	v.mu.Lock()
	s := v.logs[input]
	v.mu.Unlock()
	if s == nil || s.h == nil {
		return errors.New("not being hashed")
	}
	s.h.Reset()
	rc, err := open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		r = zr
	}
	_, err = io.Copy(s.h, ctxReader{ctx, r})
	return err
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// logLoc is where a log file sits in the CloudTrail layout.
type logLoc struct {
	input   string // the scan's name for it
	st      store
	rel     string // AWSLogs/[o-id/]account/CloudTrail/region/YYYY/MM/DD/file
	group   string // store + account folder + region: one set of digest folders
	acct    string // AWSLogs/[o-id/]account/
	region  string
	deliver time.Time // from the file name
}

// group is one account's region in one archive.
type group struct {
	st           store
	acct, region string
	lo, hi       time.Time
}

// digestRec is one digest file read.
type digestRec struct {
	st        store
	rel, name string
	d         *Digest
	sig       string
	sigKnown  bool
	sigErr    error // set: bad or unverifiable
	sigOK     bool
	bad       error // set: the digest itself cannot be trusted (unparsable, moved)
	chainErr  error
	chain     string
}

// Finish checks every hashed log file against the digests of the time
// range and returns what holds for each input (by name) and the summary.
func (v *Verifier) Finish(ctx context.Context) (map[string]Status, *Summary) {
	v.mu.Lock()
	defer v.mu.Unlock()
	sum := &Summary{Problems: []Problem{}, Notes: []Problem{}}
	status := map[string]Status{}
	stores := map[string]store{}
	groups := map[string]*group{}
	var locs []logLoc
	names := slices.Sorted(maps.Keys(v.logs))
	for _, name := range names {
		loc, err := v.locate(ctx, name, stores)
		if err != nil {
			status[name] = Status{Unverified, err.Error()}
			sum.NotCovered++
			sum.Notes = append(sum.Notes, Problem{File: name, Kind: "not-covered", Reason: err.Error()})
			continue
		}
		locs = append(locs, loc)
		g := groups[loc.group]
		if g == nil {
			g = &group{st: loc.st, acct: loc.acct, region: loc.region, lo: loc.deliver, hi: loc.deliver}
			groups[loc.group] = g
		}
		g.lo, g.hi = minTime(g.lo, loc.deliver), maxTime(g.hi, loc.deliver)
	}

	// Read the digests of every group's days.
	var digests []*digestRec
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		if ctx.Err() != nil {
			break
		}
		g := groups[key]
		lo, hi := g.lo, g.hi
		if !v.cfg.Since.IsZero() {
			lo = minTime(lo, v.cfg.Since)
		}
		if !v.cfg.Until.IsZero() {
			hi = maxTime(hi, v.cfg.Until)
		}
		hi = hi.Add(2 * time.Hour) // a digest ends up to an hour after the files it lists
		for day := lo.UTC().Truncate(24 * time.Hour); !day.After(hi); day = day.Add(24 * time.Hour) {
			folder := g.acct + "CloudTrail-Digest/" + g.region + "/" + day.Format("2006/01/02") + "/"
			rels, err := g.st.list(ctx, folder)
			if err != nil {
				sum.Problems = append(sum.Problems, Problem{File: g.st.name(folder), Kind: "digest", Reason: "cannot list the digest folder: " + err.Error()})
				continue
			}
			for _, rel := range rels {
				if strings.HasSuffix(rel, ".json.gz") || strings.HasSuffix(rel, ".json") {
					digests = append(digests, v.readDigest(ctx, g.st, rel))
				}
			}
		}
	}
	sum.Digests = len(digests)
	v.checkSignatures(ctx, digests, sum)
	v.checkChains(ctx, digests, sum)

	// What the digests list, by store and rel.
	type listing struct {
		lf LogFile
		dr *digestRec
	}
	listed := map[string]listing{}
	type span struct{ lo, hi time.Time }
	spans := map[string]span{} // per group: the time the digests cover
	for _, dr := range digests {
		if dr.bad != nil {
			continue
		}
		g := dr.group()
		sp, ok := spans[g]
		if !ok {
			sp = span{dr.d.Start, dr.d.End}
		}
		spans[g] = span{minTime(sp.lo, dr.d.Start), maxTime(sp.hi, dr.d.End)}
		for _, lf := range dr.d.LogFiles {
			if _, rel, ok := relKey(lf.S3Object); ok {
				listed[dr.storeKey()+"\x00"+rel] = listing{lf, dr}
			}
		}
	}

	read := map[string]bool{}
	for _, loc := range locs {
		read[storeKey(loc.st)+"\x00"+loc.rel] = true
		s := v.logs[loc.input]
		l, ok := listed[storeKey(loc.st)+"\x00"+loc.rel]
		switch {
		case s.err != nil || s.sum == "":
			status[loc.input] = Status{Unverified, "not read to the end, so its hash is unknown"}
			sum.Unverified++
		case !ok:
			why := "listed in no digest"
			sp, any := spans[loc.group]
			switch {
			case !any:
				why = "no digest found for its account and region in " + loc.st.name(loc.acct+"CloudTrail-Digest/"+loc.region+"/")
			case !loc.deliver.Before(sp.hi.Truncate(time.Minute)):
				why = "newer than the last digest (it ends " + sp.hi.UTC().Format(time.RFC3339) + "): run again after the next digest"
			case loc.deliver.Before(sp.lo):
				why = "older than the first digest read (it starts " + sp.lo.UTC().Format(time.RFC3339) + ")"
			default:
				why = "delivered while digests were written, yet listed in none of them (added afterwards, or a gap in the digests)"
			}
			status[loc.input] = Status{Unverified, "not covered by any digest: " + why}
			sum.NotCovered++
			sum.Notes = append(sum.Notes, Problem{File: loc.input, Kind: "not-covered", Reason: why})
		case l.lf.HashValue != s.sum:
			status[loc.input] = Status{Tampered, "its SHA-256 differs from the one " + l.dr.name + " lists"}
			sum.Tampered++
			sum.Problems = append(sum.Problems, Problem{File: loc.input, Kind: "tampered",
				Reason: fmt.Sprintf("SHA-256 of its content is %s; digest %s lists %s", s.sum, l.dr.name, l.lf.HashValue)})
		case l.dr.sigErr != nil || l.dr.chainErr != nil:
			status[loc.input] = Status{Unverified, "its hash matches " + l.dr.name + ", but that digest failed verification"}
			sum.Unverified++
		case !l.dr.sigOK:
			status[loc.input] = Status{Unverified, "its hash matches " + l.dr.name + "; that digest's signature was not checked (" + sum.SignaturesNotChecked + ")"}
			sum.HashMatched++
		default:
			status[loc.input] = Status{Status: Verified}
			sum.Verified++
		}
	}

	// Listed log files that were not read: absent ones are missing.
	folders := map[string]map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(listed)) {
		if read[k] || ctx.Err() != nil {
			continue
		}
		l := listed[k]
		_, rel, _ := relKey(l.lf.S3Object)
		folder := path.Dir(rel) + "/"
		fk := l.dr.storeKey() + "\x00" + folder
		present, ok := folders[fk]
		if !ok {
			rels, err := l.dr.st.list(ctx, folder)
			if err != nil {
				sum.Problems = append(sum.Problems, Problem{File: l.dr.st.name(folder), Kind: "missing", Reason: "cannot list it to look for the log files digests list: " + err.Error()})
			} else {
				present = map[string]bool{}
				for _, r := range rels {
					present[r] = true
				}
			}
			folders[fk] = present
		}
		if present != nil && !present[rel] {
			sum.Missing++
			sum.Problems = append(sum.Problems, Problem{File: l.dr.st.name(rel), Kind: "missing", Reason: "listed in digest " + l.dr.name + ", but absent"})
		}
	}
	if ctx.Err() != nil {
		// What failed for want of time is not evidence of tampering; a
		// hash that differs is.
		var kept []Problem
		for _, p := range sum.Problems {
			if p.Kind == "tampered" {
				kept = append(kept, p)
			} else {
				sum.Notes = append(sum.Notes, Problem{File: p.File, Kind: "not-checked", Reason: "interrupted: " + p.Reason})
			}
		}
		sum.Problems = append([]Problem{}, kept...)
		sum.Notes = append(sum.Notes, Problem{Kind: "not-checked", Reason: "interrupted: verification is incomplete"})
	}
	slices.SortStableFunc(sum.Problems, func(a, b Problem) int { return cmp.Compare(a.File, b.File) })
	return status, sum
}

// locate finds where the input sits in the CloudTrail layout and the
// store that holds it.
func (v *Verifier) locate(ctx context.Context, input string, stores map[string]store) (logLoc, error) {
	var st store
	var rel string
	if rest, ok := strings.CutPrefix(input, "s3://"); ok {
		bkt, key, _ := strings.Cut(rest, "/")
		base, r, ok := relKey(key)
		if !ok {
			return logLoc{}, errors.New("not in the CloudTrail layout (no AWSLogs/ folder), so no digest lists it")
		}
		if v.cfg.S3 == nil {
			return logLoc{}, errors.New("S3 digests cannot be read here")
		}
		k := "s3://" + bkt + "/" + base
		if st = stores[k]; st == nil {
			client, err := v.cfg.S3(ctx, bkt)
			if err != nil {
				return logLoc{}, fmt.Errorf("cannot read digests from s3://%s: %w", bkt, err)
			}
			st = s3Store{client: client, bkt: bkt, base: base}
			stores[k] = st
		}
		rel = r
	} else {
		base, r, ok := relKey(filepath.ToSlash(input))
		if !ok {
			return logLoc{}, errors.New("not in the CloudTrail layout (no AWSLogs folder above it), so no digest lists it")
		}
		k := "file:" + base
		if st = stores[k]; st == nil {
			st = localStore{base: filepath.FromSlash(base)}
			stores[k] = st
		}
		rel = r
	}
	acct, region, deliver, err := parseLogRel(rel)
	if err != nil {
		return logLoc{}, err
	}
	return logLoc{input: input, st: st, rel: rel, acct: acct, region: region, deliver: deliver,
		group: storeKey(st) + "\x00" + acct + region}, nil
}

// parseLogRel reads a log file's place in the layout: its account folder
// (AWSLogs/[o-id/]account/), region and delivery time.
func parseLogRel(rel string) (acct, region string, deliver time.Time, err error) {
	segs := strings.Split(rel, "/")
	i := 1
	if len(segs) > 1 && strings.HasPrefix(segs[1], "o-") {
		i = 2
	}
	if len(segs) != i+7 || segs[i+1] != "CloudTrail" {
		return "", "", time.Time{}, errors.New("not a log file of the CloudTrail layout (AWSLogs/[o-id/]account/CloudTrail/region/YYYY/MM/DD/file), so no digest lists it")
	}
	deliver, err = deliveryTime(segs[len(segs)-1])
	return strings.Join(segs[:i+1], "/") + "/", segs[i+2], deliver, err
}

// deliveryTime reads the delivery time in a log file's name:
// account_CloudTrail_region_YYYYMMDDTHHmmZ_unique.json.gz.
func deliveryTime(name string) (time.Time, error) {
	parts := strings.Split(name, "_")
	if len(parts) >= 5 {
		if t, err := time.Parse("20060102T1504Z", parts[3]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not named like a CloudTrail log file (account_CloudTrail_region_YYYYMMDDTHHmmZ_unique), so no digest lists it")
}

func storeKey(st store) string { return st.name("") }

func (dr *digestRec) storeKey() string { return storeKey(dr.st) }

// group is the digest's group key, as logLoc.group.
func (dr *digestRec) group() string {
	segs := strings.Split(dr.rel, "/")
	i := slices.Index(segs, "CloudTrail-Digest")
	if i < 0 || i+1 >= len(segs) {
		return ""
	}
	return dr.storeKey() + "\x00" + strings.Join(segs[:i], "/") + "/" + segs[i+1]
}

// readDigest reads and parses one digest file and checks it says it is
// where it was found.
func (v *Verifier) readDigest(ctx context.Context, st store, rel string) *digestRec {
	dr := &digestRec{st: st, rel: rel, name: st.name(rel), chain: chainID(rel)}
	data, sig, known, err := st.get(ctx, rel)
	if err != nil {
		dr.bad = err
		return dr
	}
	dr.sig, dr.sigKnown = sig, known
	d, err := ParseDigest(data)
	if err != nil {
		dr.bad = err
		return dr
	}
	dr.d = d
	_, claimed, _ := relKey(d.S3Object)
	if claimed != rel || (st.bucket() != "" && d.S3Bucket != st.bucket()) {
		dr.bad = fmt.Errorf("it says it is s3://%s/%s: a digest moved or copied from elsewhere", d.S3Bucket, d.S3Object)
	}
	return dr
}

// chainID names a digest's chain: its folder's account and region, and
// the trail and home region in its name.
func chainID(rel string) string {
	dir, name := path.Split(rel)
	segs := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if len(segs) > 3 {
		segs = segs[:len(segs)-3] // the date folders
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".json")
	name = strings.TrimSuffix(name, "_backfill")
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		name = name[:i] // the end time
	}
	return strings.Join(segs, "/") + "|" + name
}

// checkSignatures verifies each digest's signature with the key its
// fingerprint names.
func (v *Verifier) checkSignatures(ctx context.Context, digests []*digestRec, sum *Summary) {
	keys := map[string]PublicKey{}
	for _, k := range v.cfg.Keys {
		keys[k.Fingerprint] = k
	}
	asked := map[string]error{} // region -> ListPublicKeys error
	var notChecked []string
	for _, dr := range digests {
		if dr.bad != nil {
			sum.Problems = append(sum.Problems, Problem{File: dr.name, Kind: "digest", Reason: "cannot be used: " + dr.bad.Error()})
			continue
		}
		if !dr.sigKnown {
			notChecked = append(notChecked, "local copies without "+SidecarSuffix+" sidecars")
			continue
		}
		if dr.sig == "" {
			dr.sigErr = errors.New("the object has no " + MetaSignature + " metadata")
		} else {
			fp := strings.ToLower(dr.d.PublicKeyFingerprint)
			k, ok := keys[fp]
			if !ok && len(v.cfg.Keys) == 0 && v.cfg.ListPublicKeys != nil {
				region := digestRegion(dr.rel)
				if _, done := asked[region]; !done {
					lo, hi := digestSpan(digests)
					got, err := v.cfg.ListPublicKeys(ctx, region, lo, hi)
					asked[region] = err
					for _, k := range got {
						keys[k.Fingerprint] = k
					}
				}
				k, ok = keys[fp]
			}
			switch {
			case ok:
				dr.sigErr = k.verify(dr.d.StringToSign(), dr.sig)
			case len(v.cfg.Keys) == 0 && v.cfg.ListPublicKeys == nil:
				notChecked = append(notChecked, "no public keys (give --public-keys FILE)")
				continue
			case asked[digestRegion(dr.rel)] != nil:
				dr.sigErr = fmt.Errorf("unverifiable: listing CloudTrail's public keys failed: %w", asked[digestRegion(dr.rel)])
			default:
				dr.sigErr = fmt.Errorf("unverifiable: no public key has fingerprint %s", dr.d.PublicKeyFingerprint)
			}
		}
		if dr.sigErr != nil {
			sum.BadSignatures++
			sum.Problems = append(sum.Problems, Problem{File: dr.name, Kind: "signature", Reason: dr.sigErr.Error()})
			continue
		}
		dr.sigOK = true
		sum.SignaturesOK++
	}
	if len(notChecked) > 0 {
		slices.Sort(notChecked)
		sum.SignaturesNotChecked = strings.Join(slices.Compact(notChecked), "; ")
		sum.Notes = append(sum.Notes, Problem{Kind: "not-checked", Reason: fmt.Sprintf("signatures of %d digest(s) not checked: %s", len(notChecked), sum.SignaturesNotChecked)})
	}
}

// checkChains checks that each digest names the one before it, with its
// hash and signature, and that none is missing from a chain.
func (v *Verifier) checkChains(ctx context.Context, digests []*digestRec, sum *Summary) {
	chains := map[string][]*digestRec{}
	for _, dr := range digests {
		if dr.bad == nil && !Backfill(dr.rel) {
			chains[dr.storeKey()+"\x00"+dr.chain] = append(chains[dr.storeKey()+"\x00"+dr.chain], dr)
		}
	}
	broken := func(dr *digestRec, err error) {
		dr.chainErr = err
		sum.BrokenChains++
		sum.Problems = append(sum.Problems, Problem{File: dr.name, Kind: "chain", Reason: err.Error()})
	}
	for _, key := range slices.Sorted(maps.Keys(chains)) {
		c := chains[key]
		slices.SortFunc(c, func(a, b *digestRec) int { return a.d.End.Compare(b.d.End) })
		for i, dr := range c {
			if ctx.Err() != nil {
				return
			}
			d := dr.d
			if d.PreviousS3Object == nil {
				if i > 0 {
					sum.Notes = append(sum.Notes, Problem{File: dr.name, Kind: "chain", Reason: "a new chain starts here (logging or validation was off before it)"})
				}
				continue
			}
			_, prevRel, ok := relKey(*d.PreviousS3Object)
			if !ok {
				broken(dr, fmt.Errorf("previousDigestS3Object %q is not in the CloudTrail layout", *d.PreviousS3Object))
				continue
			}
			prev := dr // placeholder, set below
			if i > 0 && c[i-1].rel == prevRel {
				prev = c[i-1]
			} else {
				// The previous digest is before the days read (i == 0), or
				// it is not the one before this in the chain: read it from
				// where this digest says it is.
				prev = v.readDigest(ctx, dr.st, prevRel)
				switch {
				case errors.Is(prev.bad, fs.ErrNotExist):
					broken(dr, fmt.Errorf("the previous digest %s is missing", prev.name))
					continue
				case prev.bad != nil:
					broken(dr, fmt.Errorf("the previous digest %s cannot be used: %v", prev.name, prev.bad))
					continue
				case i > 0:
					broken(dr, fmt.Errorf("it names %s as the previous digest, skipping %s", prev.name, c[i-1].name))
					continue
				}
			}
			switch {
			case str(d.PreviousHashValue) != prev.d.SHA256:
				broken(dr, fmt.Errorf("previousDigestHashValue %s, but the SHA-256 of %s is %s", str(d.PreviousHashValue), prev.name, prev.d.SHA256))
			case prev.sigKnown && prev.sig != str(d.PreviousSignature):
				broken(dr, fmt.Errorf("previousDigestSignature differs from the signature of %s", prev.name))
			}
		}
	}
}

// digestRegion is the region folder of a digest.
func digestRegion(rel string) string {
	segs := strings.Split(rel, "/")
	if i := slices.Index(segs, "CloudTrail-Digest"); i >= 0 && i+1 < len(segs) {
		return segs[i+1]
	}
	return ""
}

func digestSpan(digests []*digestRec) (lo, hi time.Time) {
	for _, dr := range digests {
		if dr.d == nil {
			continue
		}
		if lo.IsZero() || dr.d.Start.Before(lo) {
			lo = dr.d.Start
		}
		hi = maxTime(hi, dr.d.End)
	}
	return lo, hi
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
