package ingest

import (
	"fmt"
	"strings"
	"time"
)

// AthenaTableSpec describes the Athena table to create over a CloudTrail
// archive in S3.
type AthenaTableSpec struct {
	// Database and Table name the table.
	Database, Table string
	// Bucket and Prefix locate the archive: the prefix reaches at least to
	// the account (AWSLogs/111122223333/, an account trail) or to the
	// organization (AWSLogs/o-abc123defg/, an organization trail).
	Bucket, Prefix string
	// Accounts, for an organization trail, become the account partition's
	// enum values; when empty the partition is injected, so every query
	// names its accounts.
	Accounts []string
	// Regions are the Region partition's enum values; empty means
	// AthenaRegions.
	Regions []string
	// Start is the first day the date projection covers; zero means
	// 2020-01-01, as in AWS's example.
	Start time.Time
}

// athenaRegions are the commercial Regions the Region projection lists by
// default. A Region in the list with no logs costs nothing: Athena finds
// no objects under its prefix.
var athenaRegions = [...]string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
	"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// athenaTableColumns are the columns of AWS's documented CloudTrail table
// (Athena User Guide, "Create the table for CloudTrail logs in Athena
// using partition projection").
const athenaTableColumns = `  eventversion STRING,
  useridentity STRUCT<
    type: STRING,
    principalid: STRING,
    arn: STRING,
    accountid: STRING,
    invokedby: STRING,
    accesskeyid: STRING,
    username: STRING,
    onbehalfof: STRUCT<
      userid: STRING,
      identitystorearn: STRING>,
    sessioncontext: STRUCT<
      attributes: STRUCT<
        mfaauthenticated: STRING,
        creationdate: STRING>,
      sessionissuer: STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        username: STRING>,
      ec2roledelivery: STRING,
      webidfederationdata: STRUCT<
        federatedprovider: STRING,
        attributes: MAP<STRING,STRING>>>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<
    arn: STRING,
    accountid: STRING,
    type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  vpcendpointaccountid STRING,
  eventcategory STRING,
  addendum STRUCT<
    reason: STRING,
    updatedfields: STRING,
    originalrequestid: STRING,
    originaleventid: STRING>,
  sessioncredentialfromconsole STRING,
  edgedevicedetails STRING,
  tlsdetails STRUCT<
    tlsversion: STRING,
    ciphersuite: STRING,
    clientprovidedhostheader: STRING>`

// DDL returns the CREATE EXTERNAL TABLE statement: AWS's documented
// columns, SerDe and input format, and partition projection on Region and
// delivery date (and account, for an organization trail), so that Athena
// reads only the folders a query's time range needs.
func (s AthenaTableSpec) DDL() (string, error) {
	if err := validIdent(s.Database); err != nil {
		return "", fmt.Errorf("database: %w", err)
	}
	if err := validIdent(s.Table); err != nil {
		return "", fmt.Errorf("table: %w", err)
	}
	if err := checkBucketName(s.Bucket); err != nil {
		return "", err
	}
	if strings.ContainsAny(s.Prefix, "'\\\"`${}") || strings.ContainsFunc(s.Prefix, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("prefix %q: quotes, backslashes, braces and control characters are not allowed in a table location", s.Prefix)
	}
	sc, err := parseS3Prefix(s.Prefix)
	if err != nil {
		return "", fmt.Errorf("s3://%s/%s: %w", s.Bucket, s.Prefix, err)
	}
	if sc.region != "" || sc.year != 0 || sc.notEvents != "" {
		return "", fmt.Errorf("s3://%s/%s: point the location at the account or organization folder (…/AWSLogs/111122223333/ or …/AWSLogs/o-abc123defg/), not below it", s.Bucket, s.Prefix)
	}
	regions := s.Regions
	if len(regions) == 0 {
		regions = athenaRegions[:]
	}
	for _, r := range regions {
		if !isRegionName(r) {
			return "", fmt.Errorf("region %q is not a Region name", r)
		}
	}
	for _, a := range s.Accounts {
		if !isAccountID(a) {
			return "", fmt.Errorf("account %q is not a 12-digit account id", a)
		}
	}
	start := s.Start
	if start.IsZero() {
		start = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	root := "s3://" + s.Bucket + "/" + sc.base
	var location, template string
	props := [][2]string{{"projection.enabled", "true"}}
	partitions := "region STRING, `timestamp` STRING"
	switch {
	case sc.account != "":
		if len(s.Accounts) > 0 {
			return "", fmt.Errorf("s3://%s/%s names one account already: --account applies to organization trails", s.Bucket, s.Prefix)
		}
		location = root + orgPrefix("", sc.org) + sc.account + "/" + eventsFolder + "/"
		template = location + "${region}/${timestamp}"
	case sc.org != "":
		location = root + sc.org + "/"
		template = location + "${account}/" + eventsFolder + "/${region}/${timestamp}"
		partitions = "account STRING, " + partitions
		if len(s.Accounts) > 0 {
			props = append(props, [2]string{"projection.account.type", "enum"},
				[2]string{"projection.account.values", strings.Join(s.Accounts, ",")})
		} else {
			props = append(props, [2]string{"projection.account.type", "injected"})
		}
	default:
		return "", fmt.Errorf("s3://%s/%s: name the account or organization folder (…/AWSLogs/111122223333/ or …/AWSLogs/o-abc123defg/): one table covers one trail's layout", s.Bucket, s.Prefix)
	}
	props = append(props,
		[2]string{"projection.region.type", "enum"},
		[2]string{"projection.region.values", strings.Join(regions, ",")},
		[2]string{"projection.timestamp.type", "date"},
		[2]string{"projection.timestamp.format", "yyyy/MM/dd"},
		[2]string{"projection.timestamp.interval", "1"},
		[2]string{"projection.timestamp.interval.unit", "DAYS"},
		[2]string{"projection.timestamp.range", start.UTC().Format("2006/01/02") + ",NOW"},
		[2]string{"storage.location.template", template},
	)
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE `%s`.`%s` (\n%s\n)\n", s.Database, s.Table, athenaTableColumns)
	fmt.Fprintf(&b, "COMMENT 'CloudTrail logs of %s, created by denytrail'\n", strings.TrimSuffix(location, "/"))
	fmt.Fprintf(&b, "PARTITIONED BY (%s)\n", partitions)
	b.WriteString("ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n")
	b.WriteString("STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'\n")
	b.WriteString("OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'\n")
	fmt.Fprintf(&b, "LOCATION '%s'\n", location)
	b.WriteString("TBLPROPERTIES (\n")
	for i, p := range props {
		sep := ","
		if i == len(props)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  '%s'='%s'%s\n", p[0], p[1], sep)
	}
	b.WriteString(")")
	return b.String(), nil
}
