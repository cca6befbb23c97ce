// Package s3test runs gofakes3, an S3-compatible server, on loopback for
// tests that drive the real aws-sdk-go-v2 S3 client against it.
package s3test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running gofakes3 on 127.0.0.1, stopped when the test ends.
type Server struct {
	// Backend is the server's storage, for setting up and checking objects
	// without going through HTTP.
	Backend *s3mem.Backend
	// URL is the endpoint to give the SDK (or --endpoint-url).
	URL string
}

// New starts a server with the given buckets. wrap, when not nil, is put in
// front of gofakes3 (to record requests or inject faults) and is handed
// gofakes3's own handler to call.
func New(t testing.TB, wrap func(gofakes3 http.Handler) http.Handler, buckets ...string) *Server {
	t.Helper()
	backend := s3mem.New()
	var h http.Handler = gofakes3.New(backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return &Server{Backend: backend, URL: srv.URL}
}

// Config is an AWS configuration with static test credentials, for code
// that builds its own client from a config.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	}
}

// Endpoint points an S3 client at the server with path-style addressing.
func (s *Server) Endpoint(o *s3.Options) {
	o.BaseEndpoint = aws.String(s.URL)
	o.UsePathStyle = true
}

// Client returns a real SDK client for the server; optFns apply last.
func (s *Server) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config(), append([]func(*s3.Options){s.Endpoint}, optFns...)...)
}
