package synth

import (
	"context"
	"fmt"
	"time"
)

// Digest files (CloudTrail log file integrity validation): one an hour per
// account and Region, listing the log files delivered in that hour with the
// SHA-256 of their uncompressed content and chaining to the previous digest.
// The signature CloudTrail keeps in the object's metadata is not produced,
// and previousDigestSignature is random hex: the chain of hashes is real,
// the signatures are not.

type digestEntry struct {
	key    string
	hash   string
	oldest time.Time
	newest time.Time
}

type digestState struct {
	prevKey  string
	prevHash string
	prevSig  string
	logs     []digestEntry
}

func (g *gen) recordForDigest(f *fileBuf, key string, content []byte) {
	st := &g.digest[f.acct*len(g.w.regions)+f.region]
	st.logs = append(st.logs, digestEntry{key: key, hash: sha256Hex(content), oldest: f.oldest, newest: f.newest})
}

func (g *gen) digestPending() bool {
	for i := range g.digest {
		if len(g.digest[i].logs) > 0 {
			return true
		}
	}
	return false
}

// digests writes the digest ending at end for every account and Region.
func (g *gen) digests(ctx context.Context, end time.Time) error {
	home := g.w.regions[g.w.home]
	for i := range g.digest {
		if err := ctx.Err(); err != nil {
			return err
		}
		st := &g.digest[i]
		acct, region := g.cfg.Accounts[i/len(g.w.regions)], g.w.regions[i%len(g.w.regions)]
		key := g.logPrefix(acct) + "CloudTrail-Digest/" + region + "/" + end.Format("2006/01/02") + "/" +
			acct + "_CloudTrail-Digest_" + region + "_" + g.w.trail + "_" + home + "_" + end.Format("20060102T150405Z") + ".json.gz"

		var oldest, newest time.Time
		for _, l := range st.logs {
			if oldest.IsZero() || l.oldest.Before(oldest) {
				oldest = l.oldest
			}
			if l.newest.After(newest) {
				newest = l.newest
			}
		}
		w := jw{b: g.out[:0]}
		w.begin()
		w.str("awsAccountId", acct)
		w.time("digestStartTime", end.Add(-time.Hour))
		w.time("digestEndTime", end)
		w.str("digestS3Bucket", g.w.logBucket)
		w.str("digestS3Object", key)
		w.str("digestPublicKeyFingerprint", g.w.fingerprnt)
		w.str("digestSignatureAlgorithm", "SHA256withRSA")
		if len(st.logs) > 0 {
			w.time("newestEventTime", newest)
			w.time("oldestEventTime", oldest)
		} else {
			w.null("newestEventTime")
			w.null("oldestEventTime")
		}
		if st.prevKey == "" {
			w.null("previousDigestS3Bucket")
			w.null("previousDigestS3Object")
			w.null("previousDigestHashValue")
			w.null("previousDigestHashAlgorithm")
			w.null("previousDigestSignature")
		} else {
			w.str("previousDigestS3Bucket", g.w.logBucket)
			w.str("previousDigestS3Object", st.prevKey)
			w.str("previousDigestHashValue", st.prevHash)
			w.str("previousDigestHashAlgorithm", "SHA-256")
			w.str("previousDigestSignature", st.prevSig)
		}
		w.arr("logFiles")
		for _, l := range st.logs {
			w.elem()
			w.str("s3Bucket", g.w.logBucket)
			w.str("s3Object", l.key)
			w.str("hashValue", l.hash)
			w.str("hashAlgorithm", "SHA-256")
			w.time("newestEventTime", l.newest)
			w.time("oldestEventTime", l.oldest)
			w.end()
		}
		w.endArr()
		w.end()
		g.out = w.b

		data, err := g.compress(w.b)
		if err != nil {
			return fmt.Errorf("synth: compressing %s: %w", key, err)
		}
		st.prevKey, st.prevHash, st.prevSig = key, sha256Hex(w.b), g.r.chars(512, hexDigits)
		st.logs = st.logs[:0]
		if err := g.fn(File{Key: key, Data: data}); err != nil {
			return err
		}
	}
	return nil
}
