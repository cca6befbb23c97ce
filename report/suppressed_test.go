package report

import (
	"testing"
	"time"

	"github.com/denytrail/denytrail/history"
)

// The day's history keeps what each suppression rule muted, so that a
// muted pattern is not mistaken for a stopped one.
func TestDailyKeepsSuppressedCounts(t *testing.T) {
	st := Stats{Suppressed: []Suppression{
		{Rule: "line 2 (bucket=b)", Reason: "INC-1", Expires: "2099-01-01", Count: 7},
		{Rule: "line 6 (key=x/)", Reason: "old", Expires: "2020-01-01", Expired: true},
	}}
	d := NewDaily(New(st, nil), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), history.Baseline{})
	if got := d.Today.Suppressed; len(got) != 1 || got[0] != (history.Suppressed{Rule: "line 2 (bucket=b)", Reason: "INC-1", Count: 7}) {
		t.Errorf("today's suppressed counts %+v", got)
	}
}
