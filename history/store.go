package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/denytrail/denytrail/internal/atomicfile"
)

// Store keeps one Day file per date.
type Store interface {
	// Load returns the Day saved for the UTC day that holds date. An error
	// wraps fs.ErrNotExist when nothing was saved for it, and names the
	// file and what is wrong with it when it cannot be read.
	Load(ctx context.Context, date time.Time) (*Day, error)
	// Save writes d as the file of d.Date, replacing any earlier one in a
	// single step: a reader sees the old file or the new one, never a mix.
	Save(ctx context.Context, d *Day) error
	// String names the store: a directory or an s3:// URL.
	String() string
}

// fileName is the name of the file of the day that holds date.
func fileName(date time.Time) string {
	return Midnight(date).Format(DateLayout) + ".json"
}

// Dir is a Store in a local directory, created when first saved to.
type Dir struct {
	path string
}

// NewDir returns the store in the directory path.
func NewDir(path string) *Dir { return &Dir{path: path} }

// String returns the directory.
func (s *Dir) String() string { return s.path }

// Path returns the file that holds the day of date.
func (s *Dir) Path(date time.Time) string { return filepath.Join(s.path, fileName(date)) }

// Load reads the file of the day that holds date.
func (s *Dir) Load(ctx context.Context, date time.Time) (*Day, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := s.Path(date)
	f, err := os.Open(name)
	if err != nil {
		return nil, err // *fs.PathError: names the file, wraps fs.ErrNotExist
	}
	defer f.Close()
	return decode(f, name, Midnight(date).Format(DateLayout))
}

// Save writes d to a temporary file in the directory, flushes it to disk,
// and renames it over the day's file.
func (s *Dir) Save(ctx context.Context, d *Day) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := encode(d)
	if err != nil {
		return err
	}
	date, _ := time.Parse(DateLayout, d.Date) // checked by encode
	name := s.Path(date)
	err = os.MkdirAll(s.path, 0o755)
	if err == nil {
		err = atomicfile.Write(name, func(w io.Writer) error {
			_, err := w.Write(b)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("saving %s: %w", name, err)
	}
	return nil
}

// S3API is the part of an S3 client that S3Store uses; *s3.Client
// implements it.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3Store is a Store under a key prefix of an S3 bucket: the day of date
// is the object prefix/YYYY-MM-DD.json, written with one PutObject, which
// S3 applies atomically.
type S3Store struct {
	client         S3API
	bucket, prefix string // prefix is "" or ends in "/"
}

// NewS3 returns the store under s3://bucket/prefix.
func NewS3(client S3API, bucket, prefix string) *S3Store {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3Store{client: client, bucket: bucket, prefix: prefix}
}

// String returns the s3:// URL of the prefix.
func (s *S3Store) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// Key returns the object key of the day that holds date.
func (s *S3Store) Key(date time.Time) string { return s.prefix + fileName(date) }

// Load reads the object of the day that holds date.
func (s *S3Store) Load(ctx context.Context, date time.Time) (*Day, error) {
	key := s.Key(date)
	name := "s3://" + s.bucket + "/" + key
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		if isS3NotFound(err) {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("%s: %s: %w", name, s3Hint(err, "s3:GetObject"), err)
	}
	defer out.Body.Close()
	return decode(out.Body, name, Midnight(date).Format(DateLayout))
}

// Save puts the object of d.Date.
func (s *S3Store) Save(ctx context.Context, d *Day) error {
	b, err := encode(d)
	if err != nil {
		return err
	}
	date, _ := time.Parse(DateLayout, d.Date)
	key := s.Key(date)
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(b),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("saving s3://%s/%s: %s: %w", s.bucket, key, s3Hint(err, "s3:PutObject"), err)
	}
	return nil
}

// isS3NotFound reports whether S3 said the object does not exist.
func isS3NotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
		return false
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// s3Hint says which permission a denied request needed. S3 answers 403 for
// a missing object when the caller may not list the bucket, so a denied
// read may also be a day that was never saved.
func s3Hint(err error, action string) string {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
		return "request failed"
	}
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "kms") {
		return "access denied by AWS KMS: needs kms:Decrypt and kms:GenerateDataKey on the bucket's key"
	}
	if action == "s3:GetObject" {
		return "access denied: needs s3:GetObject, and s3:ListBucket so that a missing day reads as missing"
	}
	return "access denied: needs " + action
}
