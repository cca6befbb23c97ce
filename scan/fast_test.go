package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/denytrail/denytrail/classify"
	"github.com/denytrail/denytrail/ingest"
	"github.com/denytrail/denytrail/internal/synth"
)

// synthArchive generates an archive in memory holding every scenario
// several times, with digests, and returns it with the scenarios planted.
func synthArchive(t *testing.T, cfg synth.Config) (fstest.MapFS, map[string]bool) {
	t.Helper()
	fsys := fstest.MapFS{}
	planted := map[string]bool{}
	err := synth.Generate(context.Background(), cfg, func(f synth.File) error {
		fsys[f.Key] = &fstest.MapFile{Data: f.Data}
		for _, l := range f.Labels {
			planted[l.Scenario] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys, planted
}

// render is a scan result as text, every finding field and statistic.
func render(t *testing.T, res *Result) string {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		Stats       any
		Findings    []classify.Finding
		Interrupted bool
		Unreadable  bool
	}{res.Stats, found(t, res), res.Interrupted, res.Unreadable}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFastPathMatchesReference scans a generated archive with every
// scenario, and a log laid out to mislead the fast path, twice: once with
// the readers' needles and once asking the filter about every record, and
// wants the same report, byte for byte.
func TestFastPathMatchesReference(t *testing.T) {
	cfg := synth.Config{Seed: 7, OrgID: "o-abc123defg", Duration: 45 * time.Minute, RecordsPerFile: 80, FailureRate: 0.4, Digests: true}
	fsys, planted := synthArchive(t, cfg)
	for _, sc := range synth.Scenarios() {
		if !planted[sc.Name] {
			t.Fatalf("scenario %s not in the archive: make it longer", sc.Name)
		}
	}
	fsys["hostile/trail.json"] = hostileLog()
	for _, flt := range []classify.Filter{{}, {AllFailures: true}, {Events: []string{"s3:Get*", "kms:Decrypt"}}} {
		t.Run(fmt.Sprint(flt), func(t *testing.T) {
			src := []ingest.Source{ingest.FS(fsys, "arc")}
			fast, err := run(t, context.Background(), Config{Filter: flt, Workers: 2}, src)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := run(t, context.Background(), Config{Filter: flt, Workers: 2, everyRecord: true}, src)
			if err != nil {
				t.Fatal(err)
			}
			if len(found(t, fast)) == 0 || fast.Stats.Records == 0 || !fast.Stats.S3DataEvents {
				t.Fatalf("%d findings of %d records, S3 data events %v", len(found(t, fast)), fast.Stats.Records, fast.Stats.S3DataEvents)
			}
			if len(fast.Stats.Skipped) > 0 || flt.Events == nil && !strings.Contains(render(t, fast), `"hostile-`) {
				t.Fatalf("the hostile log is not read whole: skipped %v", fast.Stats.Skipped)
			}
			if got, want := render(t, fast), render(t, ref); got != want {
				t.Errorf("fast path and reference differ:\n%s", firstDiff(got, want))
			}
		})
	}
}

// hostileLog is a log file laid out to mislead a reader that guesses
// record boundaries: nested objects that start like records and carry
// an errorCode, strings full of brackets, quotes and escaped quotes,
// "eventVersion" and change event names inside strings, between real
// failures and a real policy change.
func hostileLog() *fstest.MapFile {
	rec := func(i int, name, extra string) string {
		return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u%d","accountId":"111122223333"},`+
			`"eventTime":"2026-11-26T10:%02d:00Z","eventSource":"s3.amazonaws.com","eventName":%q,"awsRegion":"us-east-1",%s`+
			`"requestParameters":{"bucketName":"b","key":"k%d"},"eventID":"hostile-%d","eventType":"AwsApiCall","recipientAccountId":"111122223333"}`,
			i, i%60, name, extra, i, i)
	}
	denied := `"errorCode":"AccessDenied","errorMessage":` + fmt.Sprintf("%q", deny) + `,`
	var recs []string
	for i := range 40 {
		recs = append(recs,
			rec(4*i, "GetObject", `"userAgent":"}]}]},{\"eventVersion\":\"1.09\",\"errorCode\":\"AccessDenied\"},[[{{\\","x":[{"eventVersion":"1.08","errorCode":"AccessDenied","eventName":"PutObject"}],`),
			rec(4*i+1, "PutObject", denied+`"s":"`+strings.Repeat(`\"`, i)+`{[`+strings.Repeat(`\\`, i)+`",`),
			rec(4*i+2, "HeadObject", `"doc":"{\"Records\":[{\"eventVersion\":\"1\",\"errorCode\":\"x\",\"eventName\":\"PutBucketPolicy\"}]}","pad":"`+strings.Repeat("]", i)+`",`),
			rec(4*i+3, "PutBucketPolicy", `"n":{"a":[[],[{}],{"z":"]]]]}}}}"}]},`))
	}
	return logFile(recs...)
}

// firstDiff shows the first line where two texts differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n fast: %s\n  ref: %s", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines vs %d", len(la), len(lb))
}

// TestS3DataEvents checks that the fast path notices S3 data events
// exactly as the reference does: none in a trail of management events
// (even ones naming S3), and one late in the last of many files.
func TestS3DataEvents(t *testing.T) {
	mgmt := func(id, source, name, extra string) string {
		return fmt.Sprintf(`{"eventVersion":"1.09","eventTime":"2026-11-26T10:00:00Z","eventSource":%q,"eventName":%q,`+
			`"sourceIPAddress":"s3.amazonaws.com","userAgent":"s3.amazonaws.com",%s"eventID":%q,"managementEvent":true,"eventCategory":"Management"}`,
			source, name, extra, id)
	}
	files := fstest.MapFS{}
	for i := range 6 {
		var recs []string
		for j := range 50 {
			recs = append(recs,
				mgmt(fmt.Sprintf("k%d-%d", i, j), "kms.amazonaws.com", "GenerateDataKey", `"requestParameters":{"encryptionContext":{"aws:s3:arn":"arn:aws:s3:::b/k"}},`),
				mgmt(fmt.Sprintf("s%d-%d", i, j), "s3.amazonaws.com", "CreateBucket", ""))
		}
		files[fmt.Sprintf("f%d.json", i)] = logFile(recs...)
	}
	data := `{"eventVersion":"1.05","eventTime":"2026-11-26T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"late"}`
	for _, late := range []bool{false, true} {
		if late {
			f := files["f5.json"]
			files["f5.json"] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), "]}", ","+data+"]}", 1))}
		}
		for _, w := range []int{1, 3} {
			fast, _ := run(t, context.Background(), Config{Workers: w}, []ingest.Source{ingest.FS(files, "arc")})
			ref, _ := run(t, context.Background(), Config{Workers: w, everyRecord: true}, []ingest.Source{ingest.FS(files, "arc")})
			if fast.Stats.S3DataEvents != late || ref.Stats.S3DataEvents != late {
				t.Errorf("late data event %v, %d workers: fast path saw data events %v, reference %v",
					late, w, fast.Stats.S3DataEvents, ref.Stats.S3DataEvents)
			}
			if fast.Stats.Records != ref.Stats.Records || fast.Stats.Records < 600 {
				t.Errorf("records: fast %d, reference %d", fast.Stats.Records, ref.Stats.Records)
			}
		}
	}
}
