package main

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		in         string
		end        bool
		want       time.Time
		wantErrStr bool
	}{
		{in: "2026-11-20", want: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-20", end: true, want: time.Date(2026, 11, 20, 23, 59, 59, 999999999, time.UTC)},
		{in: "today", want: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
		{in: "Yesterday", want: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{in: "yesterday", end: true, want: time.Date(2026, 11, 25, 23, 59, 59, 999999999, time.UTC)},
		{in: "7d", want: now.AddDate(0, 0, -7)},
		{in: "90m", want: now.Add(-90 * time.Minute)},
		{in: "2026-11-26T10:00:00+02:00", want: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		{in: "9999-12-31T23:59:59-01:00", wantErrStr: true}, // year 10000 in UTC
		{in: "0000-01-01T00:00:00+01:00", wantErrStr: true},
		{in: "999999999999d", wantErrStr: true},
		{in: "36501d", wantErrStr: true},
		{in: "-1h", wantErrStr: true},
		{in: "tomorrow", wantErrStr: true},
	} {
		got, err := parseTime(c.in, now, c.end)
		if (err != nil) != c.wantErrStr || err == nil && !got.Equal(c.want) {
			t.Errorf("parseTime(%q, end=%v) = %v, %v; want %v (error: %v)", c.in, c.end, got, err, c.want, c.wantErrStr)
		}
	}
}

// FuzzTimeFlag: --since/--until/--day never panic; what parses is in the
// years 1-9999 and writes as RFC 3339 that reads back; as an end it is
// never before the same value as a start; durations never reach the future.
func FuzzTimeFlag(f *testing.F) {
	for _, s := range []string{"2026-11-26", "today", "yesterday", "7d", "24h", "90m", "2026-11-26T08:00:00Z",
		"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00", "1e308", "-1d", "106752d", "2562047h", " 1d ", "0d"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		since, err1 := parseTime(s, now, false)
		until, err2 := parseTime(s, now, true)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: start error %v, end error %v", s, err1, err2)
		}
		if err1 == nil {
			for _, tm := range []time.Time{since, until} {
				if y := tm.Year(); y < 1 || y > 9999 {
					t.Fatalf("%q: %v is out of range", s, tm)
				}
				back, err := time.Parse(time.RFC3339Nano, tm.Format(time.RFC3339Nano))
				if err != nil || !back.Equal(tm) {
					t.Fatalf("%q: %v does not round-trip: %v %v", s, tm, back, err)
				}
			}
			if until.Before(since) {
				t.Fatalf("%q: as an end %v is before the start %v", s, until, since)
			}
			if _, err := time.ParseDuration(s); err == nil && since.After(now) {
				t.Fatalf("%q: a duration back from now gave the future %v", s, since)
			}
		}
		var o filterFlags
		o.since, o.until = s, s
		if since, until, err := o.window(now, true); err == nil && until.Before(since) {
			t.Fatalf("%q: window %v to %v", s, since, until)
		}
		if d, err := parseDay(s, now); err == nil && (d.After(now) || d.Year() < 1) {
			t.Fatalf("--day %q: %v", s, d)
		}
	})
}
