package classify

import (
	"strings"
	"testing"
)

func TestChangeEventsAreChanges(t *testing.T) {
	names := ChangeEvents()
	if len(names) == 0 {
		t.Fatal("no change events")
	}
	for _, n := range names {
		svc, name, ok := strings.Cut(n, ":")
		if !ok {
			t.Fatalf("%q is not service:EventName", n)
		}
		e := &Event{EventSource: svc + ".amazonaws.com", EventName: name}
		if !IsChange(e) {
			t.Errorf("%s is listed but IsChange rejects it", n)
		}
		e.ErrorCode = "AccessDenied"
		if IsChange(e) {
			t.Errorf("a failed %s counts as a change", n)
		}
	}
}

func TestEventPatterns(t *testing.T) {
	if got := (Filter{}).EventPatterns(); strings.Join(got, ",") != strings.Join(DefaultEvents(), ",") {
		t.Errorf("zero filter: %v", got)
	}
	f := Filter{Events: []string{"s3:Put*"}}
	got := f.EventPatterns()
	got[0] = "x"
	if f.Events[0] != "s3:Put*" {
		t.Error("EventPatterns shares the filter's slice")
	}
}
