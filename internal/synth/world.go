package synth

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The world: the accounts, principals, buckets and keys every record draws
// from. It is built once per Generate call from its own random stream, so
// identities stay stable however many records are drawn.

type principalKind uint8

const (
	kindRole    principalKind = iota // an assumed role (AssumedRole identity)
	kindUser                         // an IAM user with long-term keys
	kindService                      // an AWS service acting for itself
)

type principal struct {
	kind     principalKind
	acct     string
	arn      string
	id       string // principalId
	akid     string // accessKeyId
	userName string // IAM user name
	role     string // role name
	roleARN  string
	roleID   string
	session  string
	mfa      bool
	ec2      bool          // an EC2 instance role: ec2RoleDelivery is set
	sessAge  time.Duration // how long before the hour the session was created
	ips      []string
	agents   []string // SDK user agents, unbracketed
	s3agents []string // the same in brackets, as S3 data events show them
	service  string   // invokedBy, for kindService
}

type bucket struct {
	name      string
	owner     string
	host      string
	kms       bool // default encryption SSE-KMS (else SSE-S3)
	bucketKey bool // S3 Bucket Key on: KMS encryption context is the bucket ARN
}

func (b *bucket) arn() string { return "arn:aws:s3:::" + b.name }

type kmsKey struct {
	acct  string
	id    string
	arn   string
	alias string // alias ARN
}

type account struct {
	id       string
	uploader *principal
	pipeline *principal
	etl      *principal
	ci       *principal
	admin    *principal
	backup   *principal
	// s3 lists the principals that call S3 in this account, with repeats
	// as weights.
	s3      []*principal
	buckets [][]*bucket // by region index
	keys    []kmsKey    // the data key, by region index
	retired []kmsKey    // a key being retired (disabled, pending deletion), by region
	vpce    []string    // an S3 gateway endpoint, by region
}

type world struct {
	accts      []*account
	partner    *account // outside the organization
	regions    []string
	home       int // index of the region IAM and Organizations events go to
	org        string
	trail      string
	trailARN   string
	logBucket  string
	scpARN     string
	rcpARN     string
	fingerprnt string
}

const (
	agentCLI       = "aws-cli/2.22.35 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0-1021-aws md/arch#x86_64 lang/python#3.12.9 md/pyimpl#CPython exec-env/EC2 cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#s3.cp"
	agentCLIMac    = "aws-cli/2.22.20 md/awscrt#0.23.4 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3api.put-object"
	agentCLIv1     = "aws-cli/1.36.31 md/Botocore#1.35.90 ua/2.0 os/linux#6.1.0-28-amd64 md/arch#x86_64 lang/python#3.11.2 md/pyimpl#CPython cfg/retry-mode#legacy botocore/1.35.90"
	agentBoto      = "Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#5.10.230-244.899.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.8 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.90"
	agentBotoBatch = "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#6.1.119-129.201.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.162"
	agentGo        = "aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.4 md/GOOS#linux md/GOARCH#amd64 api/s3#1.72.0 m/E,G,Z"
	agentJava      = "aws-sdk-java/2.29.43 md/io#sync md/http#Apache ua/2.1 api/S3#2.29.43 os/Linux#5.10.230-244.899.amzn2.x86_64 lang/java#17.0.13 md/OpenJDK_64-Bit_Server_VM#17.0.13+11-LTS md/vendor#Amazon.com_Inc. md/en_US m/F,G"
	agentJS        = "aws-sdk-js/3.723.0 ua/2.1 os/linux#5.10.230-244.899.amzn2.x86_64 lang/js md/nodejs#20.18.1 api/s3#3.723.0 m/E,N"
	agentTerraform = "APN/1.0 HashiCorp/1.0 Terraform/1.10.3 (+https://www.terraform.io) terraform-provider-aws/5.82.2 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.7 ua/2.1 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.198.1"
	agentConsole   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	agentRclone    = "rclone/v1.68.2"
	agentInternal  = "AWS Internal"
)

func newWorld(cfg *Config) *world {
	r := newRnd(cfg.Seed, 1)
	w := &world{regions: cfg.Regions, org: cfg.OrgID}
	if i := slices.Index(cfg.Regions, "us-east-1"); i >= 0 {
		w.home = i
	}
	if w.org == "" {
		// Account trails still belong to an organization; policy ARNs name it.
		w.org = "o-" + r.chars(10, lowerAlnum)
	}
	for _, id := range cfg.Accounts {
		w.accts = append(w.accts, newAccount(r, id, cfg.Regions, true))
	}
	partnerID := "777788889999"
	for _, cand := range []string{"777788889999", "210987654321", "123456789012"} {
		if !slices.Contains(cfg.Accounts, cand) {
			partnerID = cand
			break
		}
	}
	w.partner = newAccount(r, partnerID, cfg.Regions, false)
	mgmt := w.accts[0].id
	homeRegion := w.regions[w.home]
	if cfg.OrgID != "" {
		w.trail = "anycompany-org-trail"
	} else {
		w.trail = "anycompany-trail"
	}
	w.trailARN = "arn:aws:cloudtrail:" + homeRegion + ":" + mgmt + ":trail/" + w.trail
	w.logBucket = "aws-cloudtrail-logs-" + mgmt + "-" + r.chars(8, hexDigits)
	w.scpARN = "arn:aws:organizations::" + mgmt + ":policy/" + w.org + "/service_control_policy/p-" + r.chars(8, lowerAlnum)
	w.rcpARN = "arn:aws:organizations::" + mgmt + ":policy/" + w.org + "/resource_control_policy/p-" + r.chars(8, lowerAlnum)
	w.fingerprnt = r.chars(32, hexDigits)
	return w
}

func awsIP(r rnd) string {
	first := pick(r, []int{3, 18, 34, 35, 44, 52, 54})
	return fmt.Sprintf("%d.%d.%d.%d", first, r.intn(256), r.intn(256), 1+r.intn(254))
}

func newRole(r rnd, acct, role, session string, agents []string, ips []string) *principal {
	roleID := "AROA" + r.chars(17, upperAlnum)
	return &principal{
		kind:    kindRole,
		acct:    acct,
		role:    role,
		roleARN: "arn:aws:iam::" + acct + ":role/" + role,
		roleID:  roleID,
		session: session,
		arn:     "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session,
		id:      roleID + ":" + session,
		akid:    "ASIA" + r.chars(16, upperAlnum),
		sessAge: r.dur(time.Minute, 50*time.Minute),
		agents:  agents,
		ips:     ips,
	}
}

func newAccount(r rnd, id string, regions []string, member bool) *account {
	a := &account{id: id}
	nat := []string{awsIP(r), awsIP(r)}
	a.uploader = newRole(r, id, "app-uploader", "i-0"+r.chars(16, hexDigits), []string{agentJava, agentGo}, nat)
	a.uploader.ec2 = true
	a.pipeline = newRole(r, id, "data-pipeline", "data-pipeline-ingest", []string{agentBoto}, []string{awsIP(r), awsIP(r), awsIP(r)})
	a.etl = newRole(r, id, "etl-batch", "botocore-session-"+strconv.Itoa(1_700_000_000+r.intn(100_000_000)), []string{agentBotoBatch}, nat)
	a.ci = newRole(r, id, "github-actions-deploy", "GitHubActions", []string{agentTerraform, agentCLI},
		[]string{fmt.Sprintf("20.%d.%d.%d", 25+r.intn(200), r.intn(256), 1+r.intn(254))})
	sso := "AWSReservedSSO_AdministratorAccess_" + r.chars(16, hexDigits)
	a.admin = newRole(r, id, sso, pick(r, []string{"maria.garcia@example.com", "jane.doe@example.com", "akua.mansa@example.com"}),
		[]string{agentConsole, agentCLIMac}, []string{fmt.Sprintf("203.0.113.%d", 1+r.intn(254)), "2001:db8:4f2a:10::" + strconv.Itoa(10+r.intn(80))})
	a.admin.roleARN = "arn:aws:iam::" + id + ":role/aws-reserved/sso.amazonaws.com/" + regions[len(regions)-1] + "/" + sso
	a.admin.mfa = true
	a.backup = &principal{
		kind:     kindUser,
		acct:     id,
		userName: "backup-svc",
		arn:      "arn:aws:iam::" + id + ":user/backup-svc",
		id:       "AIDA" + r.chars(17, upperAlnum),
		akid:     "AKIA" + r.chars(16, upperAlnum),
		agents:   []string{agentCLIv1},
		ips:      []string{fmt.Sprintf("198.51.100.%d", 1+r.intn(254))},
	}
	if !member {
		// A partner outside the organization, writing into our buckets.
		a.uploader = newRole(r, id, "partner-ingest", "sync-"+strconv.Itoa(100000+r.intn(900000)),
			[]string{agentRclone, agentJS}, []string{fmt.Sprintf("192.0.2.%d", 1+r.intn(254))})
	}
	for _, p := range []*principal{a.uploader, a.pipeline, a.etl, a.ci, a.admin, a.backup} {
		for _, ag := range p.agents {
			p.s3agents = append(p.s3agents, "["+ag+"]")
		}
	}
	a.s3 = []*principal{a.uploader, a.uploader, a.uploader, a.pipeline, a.pipeline, a.pipeline, a.etl, a.etl, a.backup, a.admin}
	for _, region := range regions {
		var bs []*bucket
		for _, purpose := range []string{"uploads", "analytics", "backups"} {
			name := "anycompany-" + purpose + "-" + id + "-" + region
			bs = append(bs, &bucket{
				name:      name,
				owner:     id,
				host:      name + ".s3." + region + ".amazonaws.com",
				kms:       purpose != "backups",
				bucketKey: purpose == "analytics",
			})
		}
		a.buckets = append(a.buckets, bs)
		a.keys = append(a.keys, newKey(r, id, region, "anycompany-data"))
		a.retired = append(a.retired, newKey(r, id, region, "anycompany-legacy"))
		a.vpce = append(a.vpce, "vpce-0"+r.chars(16, hexDigits))
	}
	return a
}

func newKey(r rnd, acct, region, alias string) kmsKey {
	id := r.uuid()
	prefix := "arn:aws:kms:" + region + ":" + acct + ":"
	return kmsKey{acct: acct, id: id, arn: prefix + "key/" + id, alias: prefix + "alias/" + alias}
}

// dayNames caches the date strings object keys use for one delivery time.
type dayNames struct {
	t     time.Time
	path  string // 2006/01/02
	iso   string // 2006-01-02
	hour  string // 15
	stamp string // 20060102T1504
}

func (d *dayNames) set(t time.Time) {
	if !t.Equal(d.t) {
		*d = dayNames{t, t.Format("2006/01/02"), t.Format("2006-01-02"), t.Format("15"), t.Format("20060102T1504")}
	}
}

// objectKey returns a plausible object key. A few contain characters that
// renderers must escape (spaces, accents, markup, pipes, newlines), since
// keys are attacker-controlled.
func objectKey(r rnd, d *dayNames) string {
	day := d.path
	switch r.intn(100) {
	case 0:
		return pick(r, []string{
			"uploads/Q3 résumé (final).pdf",
			"inbox/<img src=x onerror=alert(1)>.html",
			"exports/a|b `c` *d*.csv",
			"tmp/line\nbreak\t\"quoted\".txt",
			"reports/=HYPERLINK(\"http://example.com\").csv",
		})
	case 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15:
		return "raw/events/dt=" + d.iso + "/hour=" + d.hour + "/part-" + r.chars(5, "0123456789") + "-" + r.uuid() + ".c000.snappy.parquet"
	case 16, 17, 18, 19, 20, 21, 22, 23, 24, 25:
		return "images/" + r.chars(2, hexDigits) + "/" + r.chars(2, hexDigits) + "/IMG_" + strconv.Itoa(1000+r.intn(9000)) + ".jpg"
	case 26, 27, 28, 29, 30:
		return "backups/db/prod-" + d.stamp + ".sql.gz"
	case 31, 32, 33, 34, 35, 36, 37, 38, 39, 40:
		return "reports/daily/" + day + "/summary-" + r.chars(6, lowerAlnum) + ".csv"
	default:
		return "uploads/" + day + "/" + r.uuid() + pick(r, []string{".json", ".json.gz", ".pdf", ".png", ".zip", ".csv"})
	}
}
