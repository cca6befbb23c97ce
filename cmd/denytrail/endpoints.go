package main

import (
	"os"
	"strings"
)

// customEndpoint returns the endpoint the user set for service (its SDK
// service ID: "S3", "CloudTrail"), or "": --endpoint-url first, as the AWS
// CLI has it, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL. The
// SDK's clients read the variables themselves, but let a service's
// variable win over --endpoint-url: clients that take the flag set it
// again (withEndpointFlag), and S3 uses path-style addressing with any
// custom endpoint, as S3-compatible stores expect.
func customEndpoint(o *sourceOptions, service string) string {
	if o.EndpointURL != "" {
		return o.EndpointURL
	}
	if strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if v := os.Getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, " ", "_"))); v != "" {
		return v
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}
