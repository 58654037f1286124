package cases

import (
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// TestPublic: the policy keeps a citizen's own text and drops everyone
// else's, never carries who reported or how to reach them, and rounds
// points to 4 decimals of a degree (half away from zero).
func TestPublic(t *testing.T) {
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	due := at.Add(time.Hour)
	c := &store.Case{ID: 7, Category: "broken_branch", State: Dispatched, Point: orb.Point{104.06125, -30.65115}, Description: "断枝",
		Source: "citizen", Reporter: "someone", Contact: "139", Zone: "Z1", Unit: "U01", Reason: "note", Reported: at, Updated: at, Deadline: &due}
	p := Public(c, at.Add(2*time.Hour))
	if p.Point != (orb.Point{104.0613, -30.6512}) || p.Description != "断枝" || !p.Overdue || p.Unit != "U01" || p.ID != 7 || !p.Deadline.Equal(due) {
		t.Errorf("a citizen's case: %+v", p)
	}
	for _, src := range []string{"inspector", "12345"} {
		c.Source = src
		if p := Public(c, at); p.Description != "" || p.Overdue {
			t.Errorf("a case from %s: %+v", src, p)
		}
	}
	for in, want := range map[orb.Point]orb.Point{
		{104.061234, 30.651234}: {104.0612, 30.6512},
		{104.06125, 30.65125}:   {104.0613, 30.6513}, // representable just above the half
		{0, 0}:                  {0, 0},
		{-0.00004, 0.00005}:     {-0, 0.0001},
	} {
		if got := PublicPoint(in); got != want {
			t.Errorf("PublicPoint(%v) = %v, want %v", in, got, want)
		}
	}
	m := PublicMapPoint(store.CasePoint{ID: 9, Category: "x", State: Closed, Point: orb.Point{104.061234, 30.651234}, Reported: at})
	if m.ID != 0 || m.Point != (orb.Point{104.0612, 30.6512}) || m.State != Closed || !m.Reported.Equal(at) {
		t.Errorf("PublicMapPoint: %+v", m)
	}
	if PublicPhoto(nil) != 0 || PublicPhoto([]store.CaseEvent{{Action: ActReport}}) != 0 ||
		PublicPhoto([]store.CaseEvent{{Action: ActReport, Photos: []int64{3, 4}}, {Action: ActHandle, Photos: []int64{5}}}) != 3 ||
		PublicPhoto([]store.CaseEvent{{Action: ActRegister, Photos: []int64{5}}}) != 0 {
		t.Error("PublicPhoto: not the report's first photo")
	}
}
