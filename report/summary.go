package report

import (
	"slices"
	"time"

	"github.com/denytrail/denytrail/classify"
)

// Summary is the aggregate of a set of findings: the overview a reader sees
// before the individual rows.
type Summary struct {
	// Findings counts all findings.
	Findings int `json:"findings"`
	// Principals and Buckets count the distinct non-empty principals and
	// buckets over all findings.
	Principals int `json:"principals"`
	Buckets    int `json:"buckets"`
	// FirstSeen and LastSeen bound the event times (zero when no finding
	// has one).
	FirstSeen time.Time `json:"firstSeen,omitzero"`
	LastSeen  time.Time `json:"lastSeen,omitzero"`
	// Layers has one entry per layer that has findings, in
	// classify.Layers() order; layers outside that list (which a newer
	// classifier might produce) follow in name order rather than vanish.
	Layers []LayerSummary `json:"layers"`
	// Confidence counts findings per confidence: high, medium and low
	// always, then any other value found, in name order.
	Confidence []ConfidenceCount `json:"confidence"`
}

// LayerSummary aggregates the findings of one layer.
type LayerSummary struct {
	Layer      classify.Layer `json:"layer"`
	Findings   int            `json:"findings"`
	Principals int            `json:"principals"`
	Buckets    int            `json:"buckets"`
	FirstSeen  time.Time      `json:"firstSeen,omitzero"`
	LastSeen   time.Time      `json:"lastSeen,omitzero"`
}

// ConfidenceCount is the number of findings with one confidence.
type ConfidenceCount struct {
	Confidence classify.Confidence `json:"confidence"`
	Findings   int                 `json:"findings"`
}

// Summarize aggregates findings; New calls it.
func Summarize(findings []classify.Finding) Summary {
	var s summarizer
	for i := range findings {
		s.add(&findings[i])
	}
	return s.summary()
}

// summarizer builds a Summary one finding at a time. It holds the distinct
// principals and buckets, not the findings.
type summarizer struct {
	all    *layerAcc
	layers map[classify.Layer]*layerAcc
	conf   map[classify.Confidence]int
}

type layerAcc struct {
	sum        LayerSummary
	principals map[string]struct{}
	buckets    map[string]struct{}
}

func newLayerAcc(l classify.Layer) *layerAcc {
	return &layerAcc{sum: LayerSummary{Layer: l}, principals: map[string]struct{}{}, buckets: map[string]struct{}{}}
}

func (s *summarizer) init() {
	if s.all == nil {
		s.all = newLayerAcc("")
		s.layers = map[classify.Layer]*layerAcc{}
		s.conf = map[classify.Confidence]int{}
	}
}

func (s *summarizer) add(f *classify.Finding) {
	s.init()
	a := s.layers[f.Layer]
	if a == nil {
		a = newLayerAcc(f.Layer)
		s.layers[f.Layer] = a
	}
	for _, a := range []*layerAcc{s.all, a} {
		a.sum.Findings++
		if f.Principal != "" {
			a.principals[f.Principal] = struct{}{}
		}
		if f.Bucket != "" {
			a.buckets[f.Bucket] = struct{}{}
		}
		if t := f.EventTime; !t.IsZero() {
			if a.sum.FirstSeen.IsZero() || t.Before(a.sum.FirstSeen) {
				a.sum.FirstSeen = t
			}
			if a.sum.LastSeen.IsZero() || t.After(a.sum.LastSeen) {
				a.sum.LastSeen = t
			}
		}
	}
	s.conf[f.Confidence]++
}

func (s *summarizer) summary() Summary {
	s.init()
	all, layers, conf := s.all, s.layers, s.conf
	out := Summary{
		Findings:   all.sum.Findings,
		Principals: len(all.principals),
		Buckets:    len(all.buckets),
		FirstSeen:  all.sum.FirstSeen,
		LastSeen:   all.sum.LastSeen,
		Layers:     []LayerSummary{},
	}
	order := classify.Layers()
	var extra []classify.Layer
	for l := range layers {
		if !slices.Contains(order, l) {
			extra = append(extra, l)
		}
	}
	slices.Sort(extra)
	for _, l := range append(order, extra...) {
		if a := layers[l]; a != nil {
			a.sum.Principals = len(a.principals)
			a.sum.Buckets = len(a.buckets)
			out.Layers = append(out.Layers, a.sum)
		}
	}

	levels := []classify.Confidence{classify.High, classify.Medium, classify.Low}
	var others []classify.Confidence
	for c := range conf {
		if !slices.Contains(levels, c) {
			others = append(others, c)
		}
	}
	slices.Sort(others)
	for _, c := range append(levels, others...) {
		out.Confidence = append(out.Confidence, ConfidenceCount{Confidence: c, Findings: conf[c]})
	}
	return out
}
