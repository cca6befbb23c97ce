package synth

import (
	"strconv"
	"time"
)

// ev is one CloudTrail record being assembled. render writes its fields in
// the order CloudTrail writes them, leaving out what CloudTrail leaves out.
type ev struct {
	version   string
	who       *principal
	foreign   bool   // the resource owner's copy of another account's call: no accessKeyId
	invokedBy string // userIdentity.invokedBy
	ident     []byte // a pre-rendered userIdentity, used instead of who
	t         time.Time
	source    string
	name      string
	region    string
	ip        string
	agent     string
	s3agent   string // agent as S3 data events write it
	errCode   string
	errMsg    string
	req       []byte // requestParameters; nil is null
	resp      []byte // responseElements; nil is null
	addl      []byte // additionalEventData; nil is left out
	requestID string
	eventID   string
	readOnly  bool
	res       [2]resource
	nres      int
	eventType string // "" is AwsApiCall
	mgmt      bool
	recipient string
	shared    string
	vpce      string
	vpceAcct  string
	category  string
	tlsHost   string // clientProvidedHostHeader; "" leaves tlsDetails out
	tls12     bool
}

type resource struct{ acct, typ, arn string }

func (e *ev) addResource(acct, typ, arn string) {
	e.res[e.nres] = resource{acct, typ, arn}
	e.nres++
}

const (
	cipher13 = "TLS_AES_128_GCM_SHA256"
	cipher12 = "ECDHE-RSA-AES128-GCM-SHA256"
)

// appendIdentity writes userIdentity for p as CloudTrail does.
func appendIdentity(w *jw, p *principal, t time.Time, foreign bool, invokedBy string) {
	w.obj("userIdentity")
	switch p.kind {
	case kindService:
		w.str("type", "AWSService")
		w.str("invokedBy", p.service)
		w.end()
		return
	case kindUser:
		w.str("type", "IAMUser")
		w.str("principalId", p.id)
		w.str("arn", p.arn)
		w.str("accountId", p.acct)
		if !foreign {
			w.str("accessKeyId", p.akid)
		}
		w.str("userName", p.userName)
	default:
		w.str("type", "AssumedRole")
		w.str("principalId", p.id)
		w.str("arn", p.arn)
		w.str("accountId", p.acct)
		if !foreign {
			w.str("accessKeyId", p.akid)
		}
		w.obj("sessionContext")
		w.obj("sessionIssuer")
		w.str("type", "Role")
		w.str("principalId", p.roleID)
		w.str("arn", p.roleARN)
		w.str("accountId", p.acct)
		w.str("userName", p.role)
		w.end()
		w.obj("attributes")
		w.time("creationDate", t.Truncate(time.Hour).Add(-p.sessAge))
		if p.mfa {
			w.str("mfaAuthenticated", "true")
		} else {
			w.str("mfaAuthenticated", "false")
		}
		w.end()
		if p.ec2 {
			w.str("ec2RoleDelivery", "2.0")
		}
		w.end()
	}
	if invokedBy != "" {
		w.str("invokedBy", invokedBy)
	}
	w.end()
}

// render appends e to f as one record.
func (g *gen) render(f *fileBuf, e *ev) {
	start := len(f.recs)
	w := jw{b: f.recs}
	w.begin()
	w.str("eventVersion", e.version)
	if e.ident != nil {
		w.raw("userIdentity", e.ident)
	} else {
		appendIdentity(&w, e.who, e.t, e.foreign, e.invokedBy)
	}
	w.time("eventTime", e.t)
	w.str("eventSource", e.source)
	w.str("eventName", e.name)
	w.str("awsRegion", e.region)
	w.str("sourceIPAddress", e.ip)
	w.str("userAgent", e.agent)
	if e.errCode != "" {
		w.str("errorCode", e.errCode)
		if e.errMsg != "" {
			w.str("errorMessage", e.errMsg)
		}
	}
	w.raw("requestParameters", e.req)
	w.raw("responseElements", e.resp)
	if e.addl != nil {
		w.raw("additionalEventData", e.addl)
	}
	w.str("requestID", e.requestID)
	w.str("eventID", e.eventID)
	w.boolean("readOnly", e.readOnly)
	if e.nres > 0 {
		w.arr("resources")
		for _, r := range e.res[:e.nres] {
			w.elem()
			if r.acct != "" {
				w.str("accountId", r.acct)
			}
			w.str("type", r.typ)
			w.str("ARN", r.arn)
			w.end()
		}
		w.endArr()
	}
	if e.eventType == "" {
		w.str("eventType", "AwsApiCall")
	} else {
		w.str("eventType", e.eventType)
	}
	w.boolean("managementEvent", e.mgmt)
	w.str("recipientAccountId", e.recipient)
	if e.shared != "" {
		w.str("sharedEventID", e.shared)
	}
	if e.vpce != "" {
		w.str("vpcEndpointId", e.vpce)
		w.str("vpcEndpointAccountId", e.vpceAcct)
	}
	w.str("eventCategory", e.category)
	if e.tlsHost != "" {
		w.obj("tlsDetails")
		if e.tls12 {
			w.str("tlsVersion", "TLSv1.2")
			w.str("cipherSuite", cipher12)
		} else {
			w.str("tlsVersion", "TLSv1.3")
			w.str("cipherSuite", cipher13)
		}
		w.str("clientProvidedHostHeader", e.tlsHost)
		w.end()
	}
	w.end()
	f.recs = w.b
	f.offs = append(f.offs, start)
	f.seen(e.t)
}

// emit renders e into f and labels it when it belongs to a scenario.
func (g *gen) emit(f *fileBuf, e *ev, sc *script, layer, control string) {
	g.render(f, e)
	if sc != nil {
		f.labels = append(f.labels, Label{EventID: e.eventID, Scenario: sc.Name, Layer: layer, Control: control})
	}
}

// amzID2 writes a random "x-amz-id-2" member.
// bucketCallAddl writes the additionalEventData of a bucket-level S3 call
// signed with SigV4 over TLS 1.3 into g.ad and returns it. Bytes in and out
// are base plus a random part below spread, none when spread is 0; the
// random draws come in the order the fields are written.
func (g *gen) bucketCallAddl(inBase, inSpread, outBase, outSpread int) []byte {
	ad := &g.ad
	ad.b = ad.b[:0]
	ad.begin()
	ad.str("SignatureVersion", "SigV4")
	ad.str("CipherSuite", cipher13)
	ad.num("bytesTransferredIn", g.bytesAround(inBase, inSpread))
	ad.str("AuthenticationMethod", "AuthHeader")
	g.amzID2(ad)
	ad.num("bytesTransferredOut", g.bytesAround(outBase, outSpread))
	ad.end()
	return ad.b
}

// bytesAround is base plus a random part below spread, drawing nothing
// when spread is 0.
func (g *gen) bytesAround(base, spread int) int64 {
	if spread == 0 {
		return int64(base)
	}
	return int64(base + g.r.intn(spread))
}

func (g *gen) amzID2(w *jw) {
	w.key("x-amz-id-2")
	w.b = append(w.b, '"')
	w.b = g.r.appendAmzID2(w.b)
	w.b = append(w.b, '"')
}

// base fills what every record of principal p in file f has.
func (g *gen) base(e *ev, f *fileBuf, p *principal, t time.Time, source, name string) {
	*e = ev{
		version:   "1.11",
		who:       p,
		t:         t,
		source:    source,
		name:      name,
		region:    g.w.regions[f.region],
		requestID: g.r.uuid(),
		eventID:   g.r.uuid(),
		mgmt:      true,
		recipient: g.w.accts[f.acct].id,
		category:  "Management",
		tls12:     g.r.chance(0.15),
	}
	if p.kind == kindService {
		e.ip, e.agent = p.service, p.service
	} else {
		i := g.r.intn(len(p.agents))
		e.ip, e.agent, e.s3agent = pick(g.r, p.ips), p.agents[i], p.s3agents[i]
		e.foreign = p.acct != e.recipient && p.acct == g.w.partner.id
	}
	if source != "s3.amazonaws.com" {
		host := source
		if source != "iam.amazonaws.com" && source != "organizations.amazonaws.com" {
			host = source[:len(source)-len(".amazonaws.com")] + "." + e.region + ".amazonaws.com"
		}
		e.tlsHost = host
	}
}

// s3op describes an object-level S3 request.
type s3op struct {
	name      string
	who       *principal
	b         *bucket
	key       string
	sse       string // x-amz-server-side-encryption request header
	sseKey    string // x-amz-server-side-encryption-aws-kms-key-id request header
	ssec      bool   // SSE-C headers
	acl       string // x-amz-acl
	vpce      string
	noTLS     bool
	presigned bool
	failed    bool
}

// s3Object fills e as an S3 data event for o in file f.
func (g *gen) s3Object(e *ev, f *fileBuf, t time.Time, o *s3op) {
	g.base(e, f, o.who, t, "s3.amazonaws.com", o.name)
	e.version = "1.10"
	e.mgmt = false
	e.category = "Data"
	e.requestID = g.r.chars(16, upperAlnum)
	if o.who.kind != kindService {
		e.agent = e.s3agent
	}
	read := o.name == "GetObject" || o.name == "HeadObject"
	e.readOnly = read

	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	if o.presigned {
		q.str("X-Amz-Date", t.Add(-time.Duration(g.r.intn(3000))*time.Second).Format("20060102T150405Z"))
	}
	q.str("bucketName", o.b.name)
	if o.presigned {
		q.str("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
		q.str("X-Amz-SignedHeaders", "host")
	}
	q.str("Host", o.b.host)
	if o.presigned {
		q.str("X-Amz-Expires", "3600")
	}
	q.str("key", o.key)
	switch o.name {
	case "CreateMultipartUpload":
		q.str("uploads", "")
	case "UploadPart":
		q.str("partNumber", strconv.Itoa(1+g.r.intn(40)))
		q.str("uploadId", g.r.chars(76, mixedAlnum+"._"))
	case "CopyObject":
		q.str("x-amz-copy-source", o.b.name+"/staging/"+g.r.uuid())
	}
	if !o.presigned && o.who.kind == kindRole && g.r.chance(0.5) {
		q.str("x-id", o.name)
	}
	if o.acl != "" {
		q.str("x-amz-acl", o.acl)
	}
	if o.sse != "" {
		q.str("x-amz-server-side-encryption", o.sse)
	}
	if o.sseKey != "" {
		q.str("x-amz-server-side-encryption-aws-kms-key-id", o.sseKey)
	}
	if o.ssec {
		q.str("x-amz-server-side-encryption-customer-algorithm", "AES256")
	}
	q.end()
	e.req = q.b

	var in, out int64
	switch {
	case o.failed, o.name == "HeadObject":
	case read:
		out = int64(200 + g.r.intn(4<<20))
	case o.name == "PutObject" || o.name == "UploadPart":
		in = int64(100 + g.r.intn(8<<20))
	}
	a := &g.ad
	a.b = a.b[:0]
	a.begin()
	a.str("SignatureVersion", "SigV4")
	if !o.noTLS {
		if e.tls12 {
			a.str("CipherSuite", cipher12)
		} else {
			a.str("CipherSuite", cipher13)
		}
	}
	a.num("bytesTransferredIn", in)
	if !o.failed && !read && o.name != "CreateMultipartUpload" {
		if o.b.kms || o.sse == "aws:kms" {
			a.str("SSEApplied", "SSE_KMS")
		} else {
			a.str("SSEApplied", "Default_SSE_S3")
		}
	}
	if o.presigned {
		a.str("AuthenticationMethod", "QueryString")
	} else {
		a.str("AuthenticationMethod", "AuthHeader")
	}
	g.amzID2(a)
	a.num("bytesTransferredOut", out)
	a.end()
	e.addl = a.b

	if !o.failed && (o.name == "PutObject" || o.name == "CopyObject") {
		s := &g.rs
		s.b = s.b[:0]
		s.begin()
		if o.b.kms {
			s.str("x-amz-server-side-encryption-aws-kms-key-id", g.w.accts[f.acct].keys[f.region].arn)
			s.str("x-amz-server-side-encryption", "aws:kms")
			if o.b.bucketKey {
				s.str("x-amz-server-side-encryption-bucket-key-enabled", "true")
			}
		} else {
			s.str("x-amz-server-side-encryption", "AES256")
		}
		if g.r.chance(0.3) {
			s.str("x-amz-version-id", g.r.chars(32, mixedAlnum+"._"))
		}
		s.end()
		e.resp = s.b
	}

	e.addResource("", "AWS::S3::Object", o.b.arn()+"/"+o.key)
	e.addResource(o.b.owner, "AWS::S3::Bucket", o.b.arn())
	e.recipient = g.w.accts[f.acct].id
	if o.who.acct != o.b.owner {
		e.shared = g.r.uuid()
	}
	if o.vpce != "" {
		e.vpce, e.vpceAcct = o.vpce, o.b.owner
		e.ip = "10." + strconv.Itoa(g.r.intn(256)) + "." + strconv.Itoa(g.r.intn(256)) + "." + strconv.Itoa(1+g.r.intn(254))
	}
	if !o.noTLS {
		e.tlsHost = o.b.host
	}
}

// kmsViaS3 fills e as the KMS call S3 makes for o: GenerateDataKey for
// uploads, Decrypt for downloads, with the caller's identity and invokedBy
// s3.amazonaws.com. key is the resolved key; keyID is what the request named.
func (g *gen) kmsViaS3(e *ev, f *fileBuf, t time.Time, o *s3op, name string, key kmsKey, keyID string) {
	g.base(e, f, o.who, t, "kms.amazonaws.com", name)
	e.invokedBy = "s3.amazonaws.com"
	e.ip, e.agent = "s3.amazonaws.com", "s3.amazonaws.com"
	if g.r.chance(0.1) {
		e.ip, e.agent = "AWS Internal", "AWS Internal"
	}
	e.foreign = false
	e.tlsHost = ""
	e.readOnly = true
	ctx := o.b.arn() + "/" + o.key
	if o.b.bucketKey {
		ctx = o.b.arn()
	}
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	if name == "Decrypt" {
		q.obj("encryptionContext")
		q.str("aws:s3:arn", ctx)
		q.end()
		q.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	} else {
		q.str("keyId", keyID)
		q.obj("encryptionContext")
		q.str("aws:s3:arn", ctx)
		q.end()
		q.str("keySpec", "AES_256")
	}
	q.end()
	e.req = q.b
	e.addResource(key.acct, "AWS::KMS::Key", key.arn)
}

// success appends one successful activity (one or two records) to f, using
// at most room records, and returns how many it wrote.
func (g *gen) success(f *fileBuf, room int) int {
	a := g.w.accts[f.acct]
	t := f.t.Add(-g.r.dur(5*time.Minute, 15*time.Minute))
	e := &g.e
	n := g.r.intn(100)
	switch {
	case n < 52:
		return g.s3Success(f, t, room, n)
	case n < 60:
		return g.s3Management(f, t)
	case n < 66:
		// An application decrypting its own envelope-encrypted data.
		g.base(e, f, a.pipeline, t, "kms.amazonaws.com", "Decrypt")
		e.readOnly = true
		key := a.keys[f.region]
		q := &g.rq
		q.b = q.b[:0]
		q.begin()
		q.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
		q.obj("encryptionContext")
		q.str("tenant", "acme-"+strconv.Itoa(g.r.intn(40)))
		q.end()
		q.end()
		e.req = q.b
		e.addResource(a.id, "AWS::KMS::Key", key.arn)
		g.render(f, e)
	case n < 69:
		// CloudTrail encrypting its own log files: an AWSService identity
		// whose encryption context also carries an aws:s3:arn.
		svc := &principal{kind: kindService, service: "cloudtrail.amazonaws.com"}
		g.base(e, f, svc, t, "kms.amazonaws.com", "GenerateDataKey")
		e.tlsHost = ""
		e.readOnly = true
		e.shared = g.r.uuid()
		key := a.keys[f.region]
		q := &g.rq
		q.b = q.b[:0]
		q.begin()
		q.str("keySpec", "AES_256")
		q.obj("encryptionContext")
		q.str("aws:cloudtrail:arn", g.w.trailARN)
		q.str("aws:s3:arn", "arn:aws:s3:::"+g.w.logBucket+"/"+g.logPrefix(a.id)+"CloudTrail/"+e.region+"/"+t.Format("2006/01/02")+"/")
		q.end()
		q.str("keyId", key.arn)
		q.end()
		e.req = q.b
		e.addResource(a.id, "AWS::KMS::Key", key.arn)
		g.render(f, e)
	case n < 79:
		g.assumeRole(f, t)
	case n < 96 && (n < 92 || f.region != g.w.home):
		g.ec2Describe(f, t)
	default:
		g.iamRead(f, t)
	}
	return 1
}

// s3Success writes a successful S3 object call, with the KMS call S3 made
// for it when the bucket uses SSE-KMS without a Bucket Key and room allows.
func (g *gen) s3Success(f *fileBuf, t time.Time, room, n int) int {
	a := g.w.accts[f.acct]
	o := s3op{b: pick(g.r, a.buckets[f.region]), key: objectKey(g.r, g.names(f))}
	switch {
	case n < 18:
		o.name = "PutObject"
	case n < 40:
		o.name = "GetObject"
	case n < 47:
		o.name = "HeadObject"
	default:
		g.s3List(f, t, o.b)
		return 1
	}
	o.who = pick(g.r, a.s3)
	switch x := g.r.intn(100); {
	case x < 4 && o.b.name == a.buckets[f.region][0].name:
		o.who = g.w.partner.uploader
		if o.name == "PutObject" {
			o.acl = "bucket-owner-full-control"
		}
	case x < 8 && len(g.w.accts) > 1:
		o.who = g.w.accts[(f.acct+1)%len(g.w.accts)].pipeline
	}
	o.presigned = o.name == "GetObject" && g.r.chance(0.05)
	if o.who == a.uploader && g.r.chance(0.5) {
		o.vpce = a.vpce[f.region]
	}
	e := &g.e
	g.s3Object(e, f, t, &o)
	g.render(f, e)
	kmsName := "Decrypt"
	if o.name == "PutObject" {
		kmsName = "GenerateDataKey"
	}
	if room < 2 || !o.b.kms || o.name == "HeadObject" || (o.b.bucketKey && g.r.chance(0.9)) {
		return 1
	}
	key := a.keys[f.region]
	keyID := key.arn
	if g.r.chance(0.3) {
		keyID = key.alias
	}
	g.kmsViaS3(e, f, t, &o, kmsName, key, keyID)
	g.render(f, e)
	return 2
}

func (g *gen) s3List(f *fileBuf, t time.Time, b *bucket) {
	a := g.w.accts[f.acct]
	p := pick(g.r, a.s3)
	e := &g.e
	g.base(e, f, p, t, "s3.amazonaws.com", "ListObjects")
	e.version, e.mgmt, e.category, e.readOnly = "1.10", false, "Data", true
	e.requestID = g.r.chars(16, upperAlnum)
	e.agent = e.s3agent
	e.tlsHost = b.host
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("list-type", "2")
	q.str("bucketName", b.name)
	q.str("encoding-type", "url")
	q.str("max-keys", "1000")
	q.str("prefix", pick(g.r, []string{"", "uploads/", "raw/events/", "reports/daily/", "images/"}))
	q.str("delimiter", "/")
	q.str("Host", b.host)
	q.end()
	e.req = q.b
	e.addl = g.bucketCallAddl(0, 0, 300, 60000)
	e.addResource(b.owner, "AWS::S3::Bucket", b.arn())
	g.render(f, e)
}

// s3Management writes a bucket-level read (a management event).
func (g *gen) s3Management(f *fileBuf, t time.Time) int {
	a := g.w.accts[f.acct]
	b := pick(g.r, a.buckets[f.region])
	p := pick(g.r, []*principal{a.admin, a.ci, a.ci})
	name := pick(g.r, []string{"GetBucketLocation", "GetBucketEncryption", "GetBucketPolicy", "GetBucketVersioning", "GetBucketAcl"})
	e := &g.e
	g.base(e, f, p, t, "s3.amazonaws.com", name)
	e.requestID = g.r.chars(16, upperAlnum)
	e.readOnly = true
	e.tlsHost = b.host
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("bucketName", b.name)
	q.str("Host", b.host)
	switch name {
	case "GetBucketLocation":
		q.str("location", "")
	case "GetBucketEncryption":
		q.str("encryption", "")
	case "GetBucketPolicy":
		q.str("policy", "")
	case "GetBucketVersioning":
		q.str("versioning", "")
	case "GetBucketAcl":
		q.str("acl", "")
	}
	q.end()
	e.req = q.b
	e.addl = g.bucketCallAddl(0, 0, 100, 900)
	e.addResource(a.id, "AWS::S3::Bucket", b.arn())
	g.render(f, e)
	return 1
}

func (g *gen) assumeRole(f *fileBuf, t time.Time) {
	a := g.w.accts[f.acct]
	e := &g.e
	var target *principal
	var caller *principal
	switch g.r.intn(3) {
	case 0:
		target = a.pipeline
		caller = &principal{kind: kindService, service: "lambda.amazonaws.com"}
	case 1:
		target = a.uploader
		caller = &principal{kind: kindService, service: "ec2.amazonaws.com"}
	default:
		target = a.etl
		caller = a.backup
	}
	g.base(e, f, caller, t, "sts.amazonaws.com", "AssumeRole")
	e.readOnly = true
	if caller.kind == kindService {
		e.shared = g.r.uuid()
		e.tlsHost = ""
	}
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	q.str("roleArn", target.roleARN)
	q.str("roleSessionName", target.session)
	if caller.kind == kindUser {
		q.num("durationSeconds", 3600)
	}
	q.end()
	e.req = q.b
	s := &g.rs
	s.b = s.b[:0]
	s.begin()
	s.obj("credentials")
	s.str("accessKeyId", "ASIA"+g.r.chars(16, upperAlnum))
	s.str("expiration", t.Add(time.Hour).Format("Jan 2, 2006, 3:04:05 PM"))
	s.end()
	s.obj("assumedRoleUser")
	s.str("assumedRoleId", target.id)
	s.str("arn", target.arn)
	s.end()
	s.end()
	e.resp = s.b
	e.addResource(a.id, "AWS::IAM::Role", target.roleARN)
	g.render(f, e)
}

func (g *gen) ec2Describe(f *fileBuf, t time.Time) {
	a := g.w.accts[f.acct]
	e := &g.e
	p := pick(g.r, []*principal{a.admin, a.ci, a.ci, a.etl})
	name := pick(g.r, []string{"DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes", "DescribeVpcEndpoints", "DescribeInstanceStatus"})
	g.base(e, f, p, t, "ec2.amazonaws.com", name)
	e.readOnly = true
	q := &g.rq
	q.b = q.b[:0]
	q.begin()
	switch name {
	case "DescribeInstances":
		q.obj("instancesSet")
		q.end()
		q.obj("filterSet")
		q.end()
	case "DescribeSecurityGroups":
		q.obj("securityGroupSet")
		q.end()
		q.obj("securityGroupIdSet")
		q.end()
		q.obj("filterSet")
		q.end()
	case "DescribeVolumes":
		q.obj("volumeSet")
		q.end()
		q.obj("filterSet")
		q.end()
	case "DescribeVpcEndpoints":
		q.obj("DescribeVpcEndpointsRequest")
		q.obj("VpcEndpointId")
		q.num("tag", 1)
		q.str("content", a.vpce[f.region])
		q.end()
		q.end()
	default:
		q.obj("instancesSet")
		q.end()
		q.obj("filterSet")
		q.end()
		q.boolean("includeAllInstances", false)
	}
	q.end()
	e.req = q.b
	g.render(f, e)
}

func (g *gen) iamRead(f *fileBuf, t time.Time) {
	a := g.w.accts[f.acct]
	e := &g.e
	p := pick(g.r, []*principal{a.admin, a.ci})
	name := pick(g.r, []string{"GetRole", "ListAttachedRolePolicies", "ListRoles", "GetRolePolicy"})
	g.base(e, f, p, t, "iam.amazonaws.com", name)
	e.readOnly = true
	q := &g.rq
	q.b = q.b[:0]
	role := pick(g.r, []*principal{a.uploader, a.pipeline, a.etl})
	switch name {
	case "ListRoles":
		e.req = nil
		g.render(f, e)
		return
	case "GetRolePolicy":
		q.begin()
		q.str("roleName", role.role)
		q.str("policyName", "s3-access")
		q.end()
	default:
		q.begin()
		q.str("roleName", role.role)
		q.end()
	}
	e.req = q.b
	g.render(f, e)
}
