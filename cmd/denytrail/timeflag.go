package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseTime reads a --since/--until value: RFC 3339, a date (YYYY-MM-DD,
// UTC), "today" or "yesterday" (UTC days), or a duration back from now
// ("90m", "24h", "7d"). A day given as an end (--until) means the last
// instant of that day.
func parseTime(s string, now time.Time, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
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
		if err == nil && days >= 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time: want RFC 3339 (2026-11-26T08:00:00Z), a date (2026-11-26), today, yesterday, or a duration back from now (24h, 7d)", s)
}
