package integrity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3API is the part of an S3 client that digests are read with;
// *s3.Client implements it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// SidecarSuffix names the file next to a local copy of a digest that holds
// the S3 object's metadata, the signature among it:
// {"x-amz-meta-signature": "…", "x-amz-meta-signature-algorithm": "SHA256withRSA"}.
const SidecarSuffix = ".meta.json"

// Metadata header names of a digest object's signature.
const (
	MetaSignature          = "x-amz-meta-signature"
	MetaSignatureAlgorithm = "x-amz-meta-signature-algorithm"
)

// store reads one archive (an S3 bucket and prefix, or a local folder) by
// rel, the part of a key from "AWSLogs/" on.
type store interface {
	// get returns an object's bytes and signature. known is false when
	// the store cannot say what the signature is (a local copy without
	// its sidecar). A missing object is an error wrapping fs.ErrNotExist.
	get(ctx context.Context, rel string) (data []byte, sig string, known bool, err error)
	// list returns the rels of the objects directly in the folder rel
	// (ending in "/"), sorted; none when it does not exist.
	list(ctx context.Context, folder string) ([]string, error)
	// name is rel as the user knows it: a path or s3:// URL.
	name(rel string) string
	// bucket is the S3 bucket, "" for a local folder.
	bucket() string
}

// relKey splits a key or slash path at its AWSLogs folder: base is what
// comes before "AWSLogs/", rel the rest from "AWSLogs/" on.
func relKey(key string) (base, rel string, ok bool) {
	if strings.HasPrefix(key, "AWSLogs/") {
		return "", key, true
	}
	i := strings.Index(key, "/AWSLogs/")
	if i < 0 {
		return "", "", false
	}
	return key[:i+1], key[i+1:], true
}

// localStore is a folder holding AWSLogs/.
type localStore struct{ base string } // "" or ending in a separator

func (s localStore) path(rel string) string { return s.base + filepath.FromSlash(rel) }

func (s localStore) name(rel string) string { return s.path(rel) }

func (localStore) bucket() string { return "" }

func (s localStore) get(ctx context.Context, rel string) ([]byte, string, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", false, err
	}
	p := s.path(rel)
	data, err := readLimited(p)
	if err != nil {
		return nil, "", false, err
	}
	meta, err := os.ReadFile(p + SidecarSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return data, "", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	var m map[string]string
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, "", false, fmt.Errorf("%s: not an object's metadata: %w", p+SidecarSuffix, err)
	}
	if alg, ok := m[MetaSignatureAlgorithm]; ok && alg != "SHA256withRSA" {
		return nil, "", false, fmt.Errorf("%s: %s %q: only SHA256withRSA is known", p+SidecarSuffix, MetaSignatureAlgorithm, alg)
	}
	return data, m[MetaSignature], true, nil
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDigestSize+1))
	if err == nil && len(data) > maxDigestSize {
		err = fmt.Errorf("%s: larger than %d MiB", p, maxDigestSize>>20)
	}
	return data, err
}

func (s localStore) list(ctx context.Context, folder string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.path(folder))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rels []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), SidecarSuffix) {
			rels = append(rels, folder+e.Name())
		}
	}
	return rels, nil
}

// s3Store is a bucket and the prefix holding AWSLogs/.
type s3Store struct {
	client    S3API
	bkt, base string
}

func (s s3Store) name(rel string) string { return "s3://" + s.bkt + "/" + s.base + rel }

func (s s3Store) bucket() string { return s.bkt }

func (s s3Store) get(ctx context.Context, rel string) ([]byte, string, bool, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bkt), Key: aws.String(s.base + rel)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound") {
			return nil, "", false, fmt.Errorf("%s: %w", s.name(rel), fs.ErrNotExist)
		}
		return nil, "", false, fmt.Errorf("%s: %w", s.name(rel), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxDigestSize+1))
	if err != nil {
		return nil, "", false, fmt.Errorf("%s: %w", s.name(rel), err)
	}
	if len(data) > maxDigestSize {
		return nil, "", false, fmt.Errorf("%s: larger than %d MiB", s.name(rel), maxDigestSize>>20)
	}
	// The SDK gives user metadata without "x-amz-meta-", names lowercased.
	return data, out.Metadata["signature"], true, nil
}

func (s s3Store) list(ctx context.Context, folder string) ([]string, error) {
	var rels []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bkt), Prefix: aws.String(s.base + folder), Delimiter: aws.String("/")}
	for {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.name(folder), err)
		}
		for _, o := range out.Contents {
			if k := aws.ToString(o.Key); strings.HasPrefix(k, s.base) {
				rels = append(rels, k[len(s.base):])
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	sort.Strings(rels)
	return rels, nil
}
