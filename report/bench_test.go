package report

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// BenchmarkRender renders 10,000 findings in each format.
func BenchmarkRender(b *testing.B) {
	base := fixtureReport().Findings
	fs := make([]classify.Finding, 10000)
	for i := range fs {
		fs[i] = base[i%len(base)]
		fs[i].EventID = fmt.Sprintf("e%06d", i)
		fs[i].EventTime = fixtureTime.Add(time.Duration(i) * time.Second)
	}
	r := New(Stats{Sources: []string{"logs/"}, S3DataEvents: true}, fs)
	for _, f := range Formats() {
		b.Run(string(f), func(b *testing.B) {
			for b.Loop() {
				if err := Render(io.Discard, f, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
