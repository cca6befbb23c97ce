// Package integrity checks CloudTrail log file integrity: the SHA-256 of
// every log file read against the hourly digest files that list them, the
// chain of digests (each names the previous one's hash and signature), and
// each digest's SHA256withRSA signature with CloudTrail's public keys.
//
// The log files are hashed while the scan streams them (Verifier.Hash);
// Verifier.Finish then reads the digest folders the scan's time range needs
// and says, file by file, what holds.
package integrity

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxDigestSize bounds a digest file's uncompressed size; real ones list
// an hour of log files and stay far below it.
const maxDigestSize = 64 << 20

// Digest is a CloudTrail digest file (CloudTrail User Guide, "CloudTrail
// digest file structure").
type Digest struct {
	AccountID            string    `json:"awsAccountId"`
	StartTime            string    `json:"digestStartTime"`
	EndTime              string    `json:"digestEndTime"`
	S3Bucket             string    `json:"digestS3Bucket"`
	S3Object             string    `json:"digestS3Object"`
	PublicKeyFingerprint string    `json:"digestPublicKeyFingerprint"`
	SignatureAlgorithm   string    `json:"digestSignatureAlgorithm"`
	NewestEventTime      *string   `json:"newestEventTime"`
	OldestEventTime      *string   `json:"oldestEventTime"`
	PreviousS3Bucket     *string   `json:"previousDigestS3Bucket"`
	PreviousS3Object     *string   `json:"previousDigestS3Object"`
	PreviousHashValue    *string   `json:"previousDigestHashValue"`
	PreviousHashAlgo     *string   `json:"previousDigestHashAlgorithm"`
	PreviousSignature    *string   `json:"previousDigestSignature"`
	LogFiles             []LogFile `json:"logFiles"`

	// Start and End are StartTime and EndTime parsed.
	Start, End time.Time `json:"-"`
	// SHA256 is the hex SHA-256 of the digest file's uncompressed bytes.
	SHA256 string `json:"-"`
}

// LogFile is one log file a digest lists.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// ParseDigest parses a digest file, gzip-compressed or plain, and checks
// the fields verification relies on.
func ParseDigest(data []byte) (*Digest, error) {
	plain, err := gunzip(data)
	if err != nil {
		return nil, err
	}
	var d Digest
	dec := json.NewDecoder(bytes.NewReader(plain))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not a digest file: %w", err)
	}
	sum := sha256.Sum256(plain)
	d.SHA256 = hex.EncodeToString(sum[:])
	if d.Start, err = time.Parse(time.RFC3339, d.StartTime); err != nil {
		return nil, fmt.Errorf("digestStartTime %q: %w", d.StartTime, err)
	}
	if d.End, err = time.Parse(time.RFC3339, d.EndTime); err != nil {
		return nil, fmt.Errorf("digestEndTime %q: %w", d.EndTime, err)
	}
	switch {
	case d.S3Bucket == "" || d.S3Object == "":
		return nil, errors.New("digestS3Bucket or digestS3Object is empty")
	case d.SignatureAlgorithm != "SHA256withRSA":
		return nil, fmt.Errorf("digestSignatureAlgorithm %q: only SHA256withRSA is known", d.SignatureAlgorithm)
	case d.PreviousHashValue != nil && str(d.PreviousHashAlgo) != "SHA-256":
		return nil, fmt.Errorf("previousDigestHashAlgorithm %q: only SHA-256 is known", str(d.PreviousHashAlgo))
	}
	for i, l := range d.LogFiles {
		if l.HashAlgorithm != "SHA-256" {
			return nil, fmt.Errorf("logFiles[%d] (%s): hashAlgorithm %q: only SHA-256 is known", i, l.S3Object, l.HashAlgorithm)
		}
		if l.S3Object == "" || len(l.HashValue) != 64 {
			return nil, fmt.Errorf("logFiles[%d]: no s3Object or no SHA-256 hashValue", i)
		}
	}
	return &d, nil
}

// StringToSign is what CloudTrail signs for the digest: its end time, its
// bucket/object, the hex SHA-256 of its uncompressed bytes and the previous
// digest's signature ("null" for the first digest of a chain), one a line.
func (d *Digest) StringToSign() string {
	prev := "null"
	if d.PreviousSignature != nil {
		prev = *d.PreviousSignature
	}
	return d.EndTime + "\n" + d.S3Bucket + "/" + d.S3Object + "\n" + d.SHA256 + "\n" + prev
}

// Backfill reports whether the digest is a backfill digest (name ending
// "_backfill"), which CloudTrail delivers for log files the hourly digest
// missed; it is outside the chain.
func Backfill(key string) bool {
	return strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(key, ".gz"), ".json"), "_backfill")
}

func str(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

// gunzip returns data decompressed when it is gzip, else data.
func gunzip(data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	plain, err := io.ReadAll(io.LimitReader(zr, maxDigestSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing: %w", err)
	}
	if len(plain) > maxDigestSize {
		return nil, fmt.Errorf("larger than %d MiB uncompressed", maxDigestSize>>20)
	}
	return plain, nil
}
