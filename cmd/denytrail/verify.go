package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/spf13/cobra"

	"github.com/denytrail/denytrail/integrity"
	"github.com/denytrail/denytrail/report"
	"github.com/denytrail/denytrail/scan"
)

// exitIntegrity is the exit code when --verify found a log file tampered
// with or missing, or a digest badly signed or off its chain.
const exitIntegrity = 4

// verifyFlags are --verify and --public-keys, on scan and report.
type verifyFlags struct {
	verify     bool
	publicKeys string
	keys       []integrity.PublicKey // read by validate
}

func (v *verifyFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&v.verify, "verify", false, "check CloudTrail log file integrity in the same pass: each log file's SHA-256 against its digest, the digests' chain and signatures (exit 4 when it fails; see the README)")
	f.StringVar(&v.publicKeys, "public-keys", "", "verify digest signatures offline with the keys in `FILE` (the output of aws cloudtrail list-public-keys) instead of cloudtrail:ListPublicKeys")
}

// validate reads --public-keys.
func (v *verifyFlags) validate() error {
	if v.publicKeys == "" {
		return nil
	}
	if !v.verify {
		return fmt.Errorf("--public-keys needs --verify")
	}
	f, err := os.Open(v.publicKeys)
	if err != nil {
		return fmt.Errorf("--public-keys: %w", err)
	}
	defer f.Close()
	if v.keys, err = integrity.ReadPublicKeys(f); err != nil {
		return fmt.Errorf("--public-keys %s: %w", v.publicKeys, err)
	}
	return nil
}

// apply sets cfg.Verify when --verify is given. Digests in S3 are read
// with the sources' S3 settings; without --public-keys, the keys come from
// cloudtrail:ListPublicKeys in each digest's region, and only when some
// digest is signed (local copies without sidecars never ask).
func (v *verifyFlags) apply(cfg *scan.Config, o *sourceOptions) {
	if !v.verify {
		return
	}
	var mu sync.Mutex
	clients := map[string]integrity.S3API{}
	icfg := integrity.Config{
		Since: cfg.Since,
		Until: cfg.Until,
		Keys:  v.keys,
		S3: func(ctx context.Context, bucket string) (integrity.S3API, error) {
			mu.Lock()
			defer mu.Unlock()
			if c, ok := clients[bucket]; ok {
				return c, nil
			}
			c, err := s3ClientFor(ctx, o, bucket)
			if err != nil {
				return nil, err
			}
			clients[bucket] = c
			return c, nil
		},
	}
	if len(v.keys) == 0 {
		icfg.ListPublicKeys = func(ctx context.Context, region string, start, end time.Time) ([]integrity.PublicKey, error) {
			return listPublicKeys(ctx, o, region, start, end)
		}
	}
	cfg.Verify = integrity.New(icfg)
}

// listPublicKeys asks cloudtrail:ListPublicKeys in region for the keys
// that signed digests in [start, end].
func listPublicKeys(ctx context.Context, o *sourceOptions, region string, start, end time.Time) ([]integrity.PublicKey, error) {
	cfg, err := loadAWSConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	client := cloudtrail.NewFromConfig(cfg, func(co *cloudtrail.Options) {
		co.Region = region
		if o.EndpointURL != "" {
			co.BaseEndpoint = aws.String(o.EndpointURL) // the flag wins over AWS_ENDPOINT_URL_CLOUDTRAIL
		}
	})
	in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(start), EndTime: aws.Time(end)}
	var keys []integrity.PublicKey
	for {
		out, err := client.ListPublicKeys(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cloudtrail:ListPublicKeys in %s: %w", region, err)
		}
		for _, k := range out.PublicKeyList {
			pk, err := integrity.NewPublicKey(k.Value, aws.ToString(k.Fingerprint), aws.ToTime(k.ValidityStartTime), aws.ToTime(k.ValidityEndTime))
			if err != nil {
				return nil, fmt.Errorf("cloudtrail:ListPublicKeys in %s: %w", region, err)
			}
			keys = append(keys, pk)
		}
		if aws.ToString(out.NextToken) == "" {
			return keys, nil
		}
		in.NextToken = out.NextToken
	}
}

// integrityFailed names every integrity problem on stderr with a count and
// reports whether integrity failed (exit 4).
func integrityFailed(e *env, sum *integrity.Summary) bool {
	if sum == nil {
		return false
	}
	for _, p := range sum.Problems {
		fmt.Fprintf(e.stderr, "denytrail: integrity: %s: %s: %s\n", p.Kind, report.Terminal(p.File), report.Terminal(p.Reason))
	}
	for _, p := range sum.Notes {
		if p.File == "" {
			e.notef("integrity: %s", report.Terminal(p.Reason))
		} else {
			e.notef("integrity: %s: %s", report.Terminal(p.File), report.Terminal(p.Reason))
		}
	}
	msg := "denytrail: integrity: " + report.Terminal(report.IntegrityText(sum))
	if !e.quiet || sum.Failed() {
		fmt.Fprintln(e.stderr, msg)
	}
	return sum.Failed()
}
