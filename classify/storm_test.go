package classify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// stormRecords are the records of n retries of one denied upload, each
// leaving the bare PutObject denial and the GenerateDataKey denial S3 made
// for it, perMinute retries a minute: what one application retrying one
// upload leaves in a trail.
func stormRecords(t testing.TB, n, perMinute int) []*Event {
	t.Helper()
	up := mustParse(t, raw(t, upload("u", at(0, 0))))
	k := mustParse(t, raw(t, viaS3("k", at(0, 0))))
	start := time.Date(2024, 10, 17, 21, 0, 0, 0, time.UTC)
	evs := make([]*Event, 0, 2*n)
	for i := range n {
		// CloudTrail's event times are whole seconds: a storm puts many
		// retries in each.
		at := start.Add(time.Duration(i) * time.Minute / time.Duration(perMinute)).Truncate(time.Second)
		u, kk := *up, *k
		u.EventID, u.EventTime = fmt.Sprintf("u%07d", i), at
		kk.EventID, kk.EventTime = fmt.Sprintf("k%07d", i), at
		evs = append(evs, &u, &kk)
	}
	return evs
}

// BenchmarkStorm: the engine's cost per retry of a denial storm stays
// flat as the storm grows (it was quadratic: every KMS call compared with
// every held upload of the same principal and bucket). Compare ns/op/retry
// across the sizes of one run.
func BenchmarkStorm(b *testing.B) {
	for _, n := range []int{5_000, 10_000, 20_000, 40_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			evs := stormRecords(b, n, 3000)
			vs := make([]Verdict, len(evs))
			for i, ev := range evs {
				vs[i] = Judge(ev)
			}
			b.ResetTimer()
			for b.Loop() {
				var emitted int
				e := NewEngine(EngineConfig{Lateness: time.Second}, func(f Finding) { emitted++ })
				for i, ev := range evs {
					e.Add(ev, vs[i], "storm")
				}
				e.Close()
				if emitted == 0 {
					b.Fatal("no findings")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/retry")
		})
	}
}

// TestStormJoinsEveryRetry: in a storm (50 retries in each second) every
// KMS call joins an upload of its own second, one each, and the engine
// holds only its window.
func TestStormJoinsEveryRetry(t *testing.T) {
	evs := stormRecords(t, 6000, 3000)
	var fs []Finding
	e := NewEngine(EngineConfig{Lateness: time.Second}, func(f Finding) { fs = append(fs, f) })
	for _, ev := range evs {
		e.Add(ev, Judge(ev), "storm")
	}
	e.Close()
	if len(fs) != 6000 {
		t.Fatalf("%d findings, want one per retry", len(fs))
	}
	for i, f := range fs {
		if i > 0 && compareFindings(&fs[i-1], &f) > 0 {
			t.Fatalf("finding %d (%s) emitted before %d (%s): not in event-time order", i-1, fs[i-1].EventID, i, f.EventID)
		}
		if len(f.Related) != 1 || f.Layer != LayerKMS || !f.EventTime.Equal(f.Records[1].EventTime) {
			t.Fatalf("retry %s: related %v, layer %s; want its own KMS call of the same second", f.EventID, f.Related, f.Layer)
		}
	}
	// 3000 a minute, both records, for the window of uploads: about
	// 2×(1s+2×2m+1m+1m slot) of them.
	if _, peak := e.Held(); peak > 2*3000*7 {
		t.Errorf("held up to %d records", peak)
	}
}

// TestNearestMatchesTheRule holds the uploadLists to the rule they index:
// the closest upload in time of the same principal and bucket (and object
// unless the KMS call names only the bucket), within the window, then the
// smallest event ID, whatever was added and removed before.
func TestNearestMatchesTheRule(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2024, 10, 17, 21, 0, 0, 0, time.UTC)
	for round := range 200 {
		var l uploadList
		var all []*call
		for i := range 1 + r.IntN(40) {
			c := &call{t: base.Add(time.Duration(r.IntN(600)) * time.Second), minID: fmt.Sprintf("u%02d", r.IntN(50)+i*0)}
			l.insert(c)
			all = append(all, c)
		}
		for _, c := range all {
			if r.IntN(3) == 0 {
				c.gone = true
				l.drop()
			}
		}
		k := &call{t: base.Add(time.Duration(r.IntN(600)) * time.Second)}
		window := time.Duration(r.IntN(200)) * time.Second
		var want *call
		for _, u := range all {
			d := u.t.Sub(k.t).Abs()
			if u.gone || d > window {
				continue
			}
			if want == nil || d < want.t.Sub(k.t).Abs() || d == want.t.Sub(k.t).Abs() && u.minID < want.minID {
				want = u
			}
		}
		got := l.nearest(k, window)
		if got != want && (got == nil || want == nil || got.t != want.t || got.minID != want.minID) {
			t.Fatalf("round %d: nearest %+v, want %+v", round, got, want)
		}
		if live := slices.IndexFunc(l.calls, func(c *call) bool { return !c.gone }); len(l.calls) > 0 && live != 0 {
			t.Fatalf("round %d: the list starts with %d gone calls", round, live)
		}
	}
}

// TestCloseByStopsJudging: past its deadline CloseBy judges one batch more
// and drops the window: what was emitted is a prefix of what Close emits.
func TestCloseByStopsJudging(t *testing.T) {
	evs := stormRecords(t, 3000, 300) // ten minutes: twice the window
	var all, some []Finding
	full := NewEngine(EngineConfig{Lateness: time.Second}, func(f Finding) { all = append(all, f) })
	e := NewEngine(EngineConfig{Lateness: time.Second}, func(f Finding) { some = append(some, f) })
	for _, ev := range evs {
		full.Add(ev, Judge(ev), "storm")
		e.Add(ev, Judge(ev), "storm")
	}
	full.Close()
	before := len(some)
	if e.CloseBy(time.Now().Add(-time.Second)) {
		t.Error("CloseBy past its deadline says it emitted everything")
	}
	if len(some) != before+emitBatch || before == 0 || len(some) >= len(all) {
		t.Fatalf("%d findings emitted before CloseBy, %d after, of %d", before, len(some), len(all))
	}
	for i := range some {
		if some[i].EventID != all[i].EventID {
			t.Fatalf("finding %d: %s, want %s", i, some[i].EventID, all[i].EventID)
		}
	}
	if now, _ := e.Held(); now != 0 {
		t.Errorf("%d records held after CloseBy", now)
	}
}
