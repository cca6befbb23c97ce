package history

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"math"
	"slices"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// MaxBaseline is the largest number of days LoadBaseline reads.
const MaxBaseline = 366

// Problem is a history file that exists but could not be read.
type Problem struct {
	// Date is the day of the file, YYYY-MM-DD.
	Date string `json:"date"`
	// Reason says what is wrong, naming the file.
	Reason string `json:"reason"`
}

// Baseline is what the history holds for the days before a date.
type Baseline struct {
	// Days are the summaries that were read, newest first.
	Days []*Day
	// Missing are the dates (YYYY-MM-DD) with no summary, newest first.
	Missing []string
	// Unreadable are the summaries that exist but could not be read
	// (damaged, from a newer version, or refused), newest first.
	Unreadable []Problem
}

// LoadBaseline reads the summaries of the n days before the UTC day that
// holds date, newest first. Missing and unreadable files are listed in the
// Baseline and skipped, never fatal; the error is non-nil only when ctx
// ends, with the days read until then.
func LoadBaseline(ctx context.Context, s Store, date time.Time, n int) (Baseline, error) {
	b := Baseline{Days: []*Day{}, Missing: []string{}, Unreadable: []Problem{}}
	n = min(max(n, 0), MaxBaseline)
	day := Midnight(date)
	for i := 1; i <= n; i++ {
		d := day.AddDate(0, 0, -i)
		name := d.Format(DateLayout)
		got, err := s.Load(ctx, d)
		switch {
		case err == nil:
			b.Days = append(b.Days, got)
		case ctx.Err() != nil:
			return b, ctx.Err()
		case errors.Is(err, fs.ErrNotExist):
			b.Missing = append(b.Missing, name)
		default:
			b.Unreadable = append(b.Unreadable, Problem{Date: name, Reason: err.Error()})
		}
	}
	return b, nil
}

// The jump rule: a pattern seen before jumped when today's count is at
// least JumpFactor times its daily mean over the compared days (a day
// without it counts as zero) and exceeds that mean by at least
// JumpMinIncrease. The floor keeps rare patterns (1 a day becoming 3) from
// raising alarms; the factor keeps busy ones (500 becoming 510) quiet.
const (
	JumpFactor      = 2
	JumpMinIncrease = 5
)

// Comparison is a day set against the days before it.
type Comparison struct {
	// Date is the day compared, YYYY-MM-DD.
	Date string `json:"date"`
	// Requested is the number of previous days asked for.
	Requested int `json:"baselineDays"`
	// Compared are the previous days with a readable summary, newest first.
	Compared []string `json:"compared"`
	// Incomplete are the compared days whose scan skipped inputs.
	Incomplete []string `json:"incomplete"`
	// Missing and Unreadable are as in Baseline.
	Missing    []string  `json:"missing"`
	Unreadable []Problem `json:"unreadable"`
	// New are today's patterns that no compared day has, highest count first.
	New []Change `json:"new"`
	// Jumped are today's patterns whose count jumped (see JumpFactor),
	// largest increase first.
	Jumped []Change `json:"jumped"`
	// Stopped are the patterns of the newest compared day that today does
	// not have, highest count on that day first. Older patterns that
	// stopped were reported as stopped on the day after their last one.
	Stopped []Change `json:"stopped"`
	// Status maps each of today's pattern IDs to StatusNew, StatusJumped
	// or StatusOngoing.
	Status map[string]Status `json:"status"`
}

// Status is how a pattern of today compares with the days before.
type Status string

// The statuses of today's patterns.
const (
	StatusNew     Status = "new"
	StatusJumped  Status = "jumped"
	StatusOngoing Status = "ongoing"
)

// Change is one pattern that is new, jumped or stopped.
type Change struct {
	// Pattern is today's pattern (new, jumped), or the pattern as last
	// seen (stopped).
	Pattern classify.Pattern `json:"pattern"`
	// Today is the pattern's count today (zero when stopped).
	Today int `json:"today"`
	// Mean is the pattern's mean count per compared day.
	Mean float64 `json:"baselineMean"`
	// DaysSeen is the number of compared days that have the pattern.
	DaysSeen int `json:"daysSeen"`
	// LastDate is the newest compared day that has the pattern, or "".
	LastDate string `json:"lastDate"`
}

// NoHistory reports whether no previous day could be compared, so that
// every pattern counts as new.
func (c *Comparison) NoHistory() bool { return len(c.Compared) == 0 }

// Compare sets today against the baseline. It needs today's patterns to
// have distinct IDs, as classify.Patterns gives them.
func Compare(today *Day, b Baseline) Comparison {
	c := Comparison{
		Date:       today.Date,
		Requested:  len(b.Days) + len(b.Missing) + len(b.Unreadable),
		Compared:   []string{},
		Incomplete: []string{},
		Missing:    slices.Clone(b.Missing),
		Unreadable: slices.Clone(b.Unreadable),
		New:        []Change{},
		Jumped:     []Change{},
		Stopped:    []Change{},
		Status:     map[string]Status{},
	}
	if c.Missing == nil {
		c.Missing = []string{}
	}
	if c.Unreadable == nil {
		c.Unreadable = []Problem{}
	}

	// What the compared days say about each pattern.
	type past struct {
		total, days int
		last        string
		lastPattern classify.Pattern
	}
	seen := map[string]*past{}
	for _, d := range b.Days { // newest first
		c.Compared = append(c.Compared, d.Date)
		if d.Skipped > 0 {
			c.Incomplete = append(c.Incomplete, d.Date)
		}
		for _, p := range d.Patterns {
			ps := seen[p.ID]
			if ps == nil {
				ps = &past{last: d.Date, lastPattern: p}
				seen[p.ID] = ps
			}
			ps.total = addSat(ps.total, p.Count)
			ps.days++
		}
	}
	mean := func(ps *past) float64 {
		if ps == nil || len(b.Days) == 0 {
			return 0
		}
		return float64(ps.total) / float64(len(b.Days))
	}

	todays := map[string]bool{}
	for _, p := range today.Patterns {
		todays[p.ID] = true
		ps := seen[p.ID]
		ch := Change{Pattern: p, Today: p.Count, Mean: mean(ps)}
		if ps == nil {
			c.New = append(c.New, ch)
			c.Status[p.ID] = StatusNew
			continue
		}
		ch.DaysSeen, ch.LastDate = ps.days, ps.last
		if inc := float64(p.Count) - ch.Mean; float64(p.Count) >= JumpFactor*ch.Mean && inc >= JumpMinIncrease {
			c.Jumped = append(c.Jumped, ch)
			c.Status[p.ID] = StatusJumped
			continue
		}
		c.Status[p.ID] = StatusOngoing
	}
	if len(b.Days) > 0 {
		newest := b.Days[0]
		for _, p := range newest.Patterns {
			if todays[p.ID] {
				continue
			}
			ps := seen[p.ID]
			c.Stopped = append(c.Stopped, Change{Pattern: p, Mean: mean(ps), DaysSeen: ps.days, LastDate: newest.Date})
		}
	}

	byCount := func(a, b Change) int {
		return cmp.Or(cmp.Compare(b.Today, a.Today), cmp.Compare(b.Pattern.Count, a.Pattern.Count), cmp.Compare(a.Pattern.ID, b.Pattern.ID))
	}
	slices.SortFunc(c.New, byCount)
	slices.SortFunc(c.Stopped, byCount)
	slices.SortFunc(c.Jumped, func(a, b Change) int {
		return cmp.Or(cmp.Compare(float64(b.Today)-b.Mean, float64(a.Today)-a.Mean), cmp.Compare(a.Pattern.ID, b.Pattern.ID))
	})
	return c
}

// addSat is a+b for non-negative counts, saturating at math.MaxInt rather
// than wrapping negative: a Day built in memory is not checked as a loaded
// one is, and a wrapped total would turn a mean, and a jump, upside down.
func addSat(a, b int) int {
	if b > 0 && a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
