// Command denytrail explains why S3 uploads and KMS calls were denied, from
// CloudTrail records.
package main

func main() {}
