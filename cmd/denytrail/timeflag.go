package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxDays bounds "Nd": a hundred years back is more than any trail holds,
// and far from overflowing a time.Duration.
const maxDays = 36500

// inRange refuses times outside the years 1 to 9999 (UTC), which no event
// has and no report format can write.
func inRange(s string, t time.Time) (time.Time, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is out of range: want a time in the years 0001 to 9999 (UTC)", s)
	}
	return t, nil
}

// parseTime reads a --since/--until value: RFC 3339, a date (YYYY-MM-DD,
// UTC), "today" or "yesterday" (UTC days), or a duration back from now
// ("90m", "24h", "7d"). A day given as an end (--until) means the last
// instant of that day.
func parseTime(s string, now time.Time, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return inRange(s, t.UTC())
	}
	day, err := time.Parse(time.DateOnly, s)
	isDay := err == nil
	switch {
	case strings.EqualFold(s, "today"):
		day, isDay = now.UTC().Truncate(24*time.Hour), true
	case strings.EqualFold(s, "yesterday"):
		day, isDay = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1), true
	}
	if isDay {
		if end {
			day = day.Add(24*time.Hour - time.Nanosecond)
		}
		return day, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err == nil && days >= 0 && days <= maxDays {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return inRange(s, now.Add(-d))
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want RFC 3339 (2026-11-26T08:00:00Z), a date (2026-11-26), today, yesterday, or a duration back from now (24h, 7d)", s)
}
