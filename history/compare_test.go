package history

import (
	"context"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// ids returns the pattern IDs of changes, in order.
func ids(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Pattern.ID)
	}
	return out
}

// idOf returns the pattern ID of n findings of one pattern.
func idOf(fs []classify.Finding) string { return classify.Patterns(fs)[0].ID }

func TestCompare(t *testing.T) {
	d1, d2 := day0.AddDate(0, 0, -1), day0.AddDate(0, 0, -2)
	steady := func(d time.Time) []classify.Finding { return repeat(3, d, classify.LayerIAM, "role/steady", "b") }
	busy := func(d time.Time, n int) []classify.Finding { return repeat(n, d, classify.LayerKMS, "role/busy", "b") }
	gone := repeat(4, d1, classify.LayerACL, "role/gone", "b")           // yesterday only: stops today
	older := repeat(2, d2, classify.LayerACL, "role/older", "b")         // two days ago only: stopped yesterday
	fresh := repeat(2, day0, classify.LayerOrgControls, "role/new", "b") // today only
	small := func(d time.Time, n int) []classify.Finding {
		return repeat(n, d, classify.LayerNetwork, "role/small", "b")
	}

	base := Baseline{Days: []*Day{
		dayOf(d1, slices.Concat(steady(d1), busy(d1, 10), gone, small(d1, 1))...),
		dayOf(d2, slices.Concat(steady(d2), busy(d2, 10), older, small(d2, 1))...),
	}, Missing: []string{"2026-11-23"}}
	base.Days[1].Skipped = 2
	// busy: mean 10, today 20 = 2x and +10: jumped. small: mean 1, today 4
	// = 4x but only +3: not jumped. steady: unchanged.
	today := dayOf(day0, slices.Concat(steady(day0), busy(day0, 20), fresh, small(day0, 4))...)
	c := Compare(today, base)

	if got, want := ids(c.New), []string{idOf(fresh)}; !reflect.DeepEqual(got, want) {
		t.Errorf("new %v, want %v", got, want)
	}
	if got, want := ids(c.Jumped), []string{idOf(busy(day0, 1))}; !reflect.DeepEqual(got, want) {
		t.Errorf("jumped %v, want %v", got, want)
	}
	if got, want := ids(c.Stopped), []string{idOf(gone)}; !reflect.DeepEqual(got, want) {
		t.Errorf("stopped %v, want %v (only patterns of the newest compared day)", got, want)
	}
	j := c.Jumped[0]
	if j.Today != 20 || j.Mean != 10 || j.DaysSeen != 2 || j.LastDate != "2026-11-25" {
		t.Errorf("jumped change %+v", j)
	}
	s := c.Stopped[0]
	if s.Today != 0 || s.Pattern.Count != 4 || s.Mean != 2 || s.DaysSeen != 1 || s.LastDate != "2026-11-25" {
		t.Errorf("stopped change %+v", s)
	}
	wantStatus := map[string]Status{
		idOf(fresh): StatusNew, idOf(busy(day0, 1)): StatusJumped,
		idOf(steady(day0)): StatusOngoing, idOf(small(day0, 1)): StatusOngoing,
	}
	if !reflect.DeepEqual(c.Status, wantStatus) {
		t.Errorf("status %v, want %v", c.Status, wantStatus)
	}
	if !reflect.DeepEqual(c.Compared, []string{"2026-11-25", "2026-11-24"}) ||
		!reflect.DeepEqual(c.Incomplete, []string{"2026-11-24"}) ||
		!reflect.DeepEqual(c.Missing, []string{"2026-11-23"}) || c.Requested != 3 || c.NoHistory() {
		t.Errorf("comparison meta: %+v", c)
	}
}

// TestJumpRule pins the documented rule at its edges.
func TestJumpRule(t *testing.T) {
	d1 := day0.AddDate(0, 0, -1)
	cases := []struct {
		before, today int
		jumped        bool
	}{
		{5, 10, true},  // 2x and +5
		{5, 9, false},  // +4
		{6, 11, false}, // under 2x
		{10, 20, true}, // 2x and +10
		{100, 150, false},
		{1, 6, true},
		{1, 5, false},
	}
	for _, c := range cases {
		p := func(d time.Time, n int) []classify.Finding { return repeat(n, d, classify.LayerIAM, "role/p", "b") }
		cmp := Compare(dayOf(day0, p(day0, c.today)...), Baseline{Days: []*Day{dayOf(d1, p(d1, c.before)...)}})
		if got := len(cmp.Jumped) == 1; got != c.jumped {
			t.Errorf("%d then %d: jumped %v, want %v", c.before, c.today, got, c.jumped)
		}
	}
}

// TestCompareSaturates: days built in memory are not checked as loaded ones
// are; counts near the largest int must not wrap the total negative and
// make an ordinary day look like a jump.
func TestCompareSaturates(t *testing.T) {
	p := func(d time.Time, n int) []classify.Finding { return repeat(n, d, classify.LayerIAM, "role/p", "b") }
	var days []*Day
	for i := 1; i <= 3; i++ {
		d := dayOf(day0.AddDate(0, 0, -i), p(day0.AddDate(0, 0, -i), 1)...)
		d.Patterns[0].Count = math.MaxInt - 10
		days = append(days, d)
	}
	cmp := Compare(dayOf(day0, p(day0, 100)...), Baseline{Days: days})
	if len(cmp.Jumped) != 0 || cmp.Status[idOf(p(day0, 1))] != StatusOngoing {
		t.Errorf("jumped %v, status %v: a wrapped total made 100 a jump", ids(cmp.Jumped), cmp.Status)
	}
	if addSat(math.MaxInt-1, 5) != math.MaxInt || addSat(2, 3) != 5 {
		t.Error("addSat does not saturate")
	}
}

func TestCompareNoHistory(t *testing.T) {
	today := dayOf(day0, repeat(1, day0, classify.LayerIAM, "role/a", "b")...)
	c := Compare(today, Baseline{Missing: []string{"2026-11-25"}})
	if !c.NoHistory() || len(c.New) != 1 || len(c.Stopped) != 0 || c.Requested != 1 {
		t.Errorf("no history: %+v", c)
	}
}

func TestLoadBaseline(t *testing.T) {
	ctx := context.Background()
	s := NewDir(t.TempDir())
	d1, d3 := day0.AddDate(0, 0, -1), day0.AddDate(0, 0, -3)
	for _, d := range []*Day{
		dayOf(d1, repeat(1, d1, classify.LayerIAM, "role/a", "b")...),
		dayOf(d3, repeat(1, d3, classify.LayerIAM, "role/a", "b")...),
		dayOf(day0, repeat(1, day0, classify.LayerIAM, "role/a", "b")...), // the day itself: not baseline
	} {
		if err := s.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.Path(day0.AddDate(0, 0, -2)), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBaseline(ctx, s, day0.Add(9*time.Hour), 4)
	if err != nil {
		t.Fatal(err)
	}
	var dates []string
	for _, d := range b.Days {
		dates = append(dates, d.Date)
	}
	if !reflect.DeepEqual(dates, []string{"2026-11-25", "2026-11-23"}) {
		t.Errorf("days %v", dates)
	}
	if !reflect.DeepEqual(b.Missing, []string{"2026-11-22"}) {
		t.Errorf("missing %v", b.Missing)
	}
	if len(b.Unreadable) != 1 || b.Unreadable[0].Date != "2026-11-24" || !strings.Contains(b.Unreadable[0].Reason, "2026-11-24.json") {
		t.Errorf("unreadable %v", b.Unreadable)
	}

	if b, err := LoadBaseline(ctx, s, day0, 0); err != nil || len(b.Days)+len(b.Missing)+len(b.Unreadable) != 0 {
		t.Errorf("n=0: %+v, %v", b, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := LoadBaseline(canceled, s, day0, 4); err == nil {
		t.Error("canceled context: no error")
	}
}
