package cases

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// TestStory: the story on every store. An inspector reports a
// broken branch, a dispatcher registers it and it goes to the unit of its
// zone; the unit handles it with a photo; the inspector sends it back
// once, then passes it; the dispatcher closes it. Another case runs
// overdue; a report beside an open case is merged; of concurrent steps
// one wins.
func TestStory(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		clk := &clock{}
		svc := newService(st, clk)
		storyBranch(t, svc, clk)
		storyOverdue(t, svc, clk)
		storyRace(t, svc, clk)
	})
}

// step takes a step at time at, failing the test on error.
func step(t *testing.T, svc *Service, clk *clock, at time.Time, who Actor, c *store.Case, s Step) *store.Case {
	t.Helper()
	clk.Set(at)
	got, err := svc.Take(context.Background(), who, c.ID, c.Version, s)
	if err != nil {
		t.Fatalf("%s by %s at %s: %v", s.Action, who.Name, at.Format("15:04"), err)
	}
	return got
}

func storyBranch(t *testing.T, svc *Service, clk *clock) {
	ctx := context.Background()
	p := orb.Point{104.0612, 30.6512} // in the west zone
	clk.Set(t0)
	c, err := svc.Report(ctx, inspector, Report{Category: "broken_branch", Point: p, Description: "东湖公园北门 断枝挂在树上", Contact: "138 0000 0001", Photos: []store.Photo{photo(1)}})
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{t0, t0.Add(30 * time.Minute), t0.Add(5 * time.Hour), t0.Add(6 * time.Hour), t0.Add(8 * time.Hour), t0.Add(9 * time.Hour), t0.Add(10 * time.Hour)}
	c = step(t, svc, clk, times[1], dispatcher, c, Step{Action: ActRegister})
	if c.State != Dispatched || c.Unit != zoneWest.Unit || c.Zone != zoneWest.ID || c.Version != 3 {
		t.Fatalf("registered and auto-dispatched: %+v", c)
	}
	deadline := times[1].Add(yamlDeadline(t, "broken_branch"))
	if c.Deadline == nil || !c.Deadline.Equal(deadline) || !c.Registered.Equal(times[1]) {
		t.Fatalf("deadline %v, want %v", c.Deadline, deadline)
	}
	// The other zone's unit may not touch it.
	clk.Set(times[2])
	if _, err := svc.Take(ctx, unitEast, c.ID, c.Version, Step{Action: ActHandle, Note: "done", Photos: []store.Photo{photo(9)}}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another unit handled the case: %v", err)
	}
	c = step(t, svc, clk, times[2], unitWest, c, Step{Action: ActHandle, Note: "断枝已修剪", Photos: []store.Photo{photo(2)}})
	c = step(t, svc, clk, times[3], inspector, c, Step{Action: ActSendBack, Note: "枝条未清运"})
	if c.State != Dispatched || c.Reopens != 1 || c.Reason != "枝条未清运" {
		t.Fatalf("sent back: %+v", c)
	}
	c = step(t, svc, clk, times[4], unitWest, c, Step{Action: ActHandle, Note: "已清运", Photos: []store.Photo{photo(3)}})
	c = step(t, svc, clk, times[5], inspector, c, Step{Action: ActVerify, Photos: []store.Photo{photo(4)}})
	c = step(t, svc, clk, times[6], dispatcher, c, Step{Action: ActClose})
	stored, err := svc.Store.GetCase(ctx, c.ID)
	if err != nil || stored.State != Closed || stored.Version != 8 || !stored.Closed.Equal(times[6]) || stored.Reopens != 1 || stored.Contact != "138 0000 0001" {
		t.Fatalf("closed: %+v %v", stored, err)
	}
	// Version 8: one per event below. Closed 10 h after a 08:00 report, inside its 24 h: never overdue.
	if Overdue(stored, t0.Add(1000*time.Hour)) {
		t.Error("a case closed in time counts as overdue")
	}
	checkHistory(t, svc, c.ID, []evWant{
		{ActReport, inspector, "", Reported, times[0], []byte{1}},
		{ActRegister, dispatcher, Reported, Registered, times[1], nil},
		{ActDispatch, dispatcher, Registered, Dispatched, times[1], nil},
		{ActHandle, unitWest, Dispatched, Handled, times[2], []byte{2}},
		{ActSendBack, inspector, Handled, Dispatched, times[3], nil},
		{ActHandle, unitWest, Dispatched, Handled, times[4], []byte{3}},
		{ActVerify, inspector, Handled, Verified, times[5], []byte{4}},
		{ActClose, dispatcher, Verified, Closed, times[6], nil},
	})
	// A closed case takes no more steps.
	if _, err := svc.Take(ctx, inspector, c.ID, c.Version, Step{Action: ActSendBack, Note: "again"}); !errors.Is(err, ErrImpossible) {
		t.Errorf("a step after closure: %v", err)
	}
}

type evWant struct {
	action   string
	who      Actor
	from, to string
	at       time.Time
	photos   []byte // the distinguishing byte of each photo
}

func checkHistory(t *testing.T, svc *Service, id int64, want []evWant) {
	t.Helper()
	evs, err := svc.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		e := evs[i]
		if e.Action != w.action || e.Who != w.who.Name || e.Role != w.who.Role || e.From != w.from || e.To != w.to || !e.At.Equal(w.at) || len(e.Photos) != len(w.photos) {
			t.Errorf("event %d: %+v, want %+v", i+1, e, w)
			continue
		}
		for j, id := range e.Photos {
			p, err := svc.Store.CasePhoto(context.Background(), id)
			if err != nil || !bytes.Equal(p.Data, photo(w.photos[j]).Data) {
				t.Errorf("event %d photo %d: %+v %v", i+1, j, p, err)
			}
		}
	}
}

// storyOverdue: an exposed-garbage case in the east zone runs past its
// deadline; a second report 20 m away is merged into it.
func storyOverdue(t *testing.T, svc *Service, clk *clock) {
	ctx := context.Background()
	p := orb.Point{104.15, 30.65}
	reported := t0.Add(time.Hour)
	clk.Set(reported)
	c, err := svc.Report(ctx, inspector, Report{Category: "exposed_garbage", Point: p, Description: "路边垃圾堆"})
	if err != nil {
		t.Fatal(err)
	}
	registered := reported.Add(10 * time.Minute)
	c = step(t, svc, clk, registered, dispatcher, c, Step{Action: ActRegister})
	if c.Unit != zoneEast.Unit {
		t.Fatalf("dispatched to %q, want %q", c.Unit, zoneEast.Unit)
	}
	due := registered.Add(yamlDeadline(t, "exposed_garbage"))
	if Overdue(c, due) || !Overdue(c, due.Add(time.Millisecond)) {
		t.Errorf("overdue at its deadline %v or not just after it", due)
	}
	late, err := svc.OverdueAt(ctx, due.Add(time.Minute))
	if err != nil || len(late) != 1 || late[0].ID != c.ID {
		t.Errorf("overdue cases a minute after %v: %+v %v", due, late, err)
	}
	if early, _ := svc.OverdueAt(ctx, due.Add(-time.Minute)); len(early) != 0 {
		t.Errorf("overdue cases before the deadline: %+v", early)
	}

	// 0.00018° of latitude is 20 m: inside the 30 m radius.
	clk.Set(registered.Add(time.Hour))
	dup, err := svc.Report(ctx, Actor{Name: "citizen", Role: store.RolePublic}, Report{Category: "exposed_garbage", Point: orb.Point{p[0], p[1] + 0.00018}, Contact: "someone@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	dup = step(t, svc, clk, registered.Add(2*time.Hour), dispatcher, dup, Step{Action: ActRegister})
	if dup.State != Rejected || dup.DuplicateOf != c.ID || dup.Deadline != nil || dup.Source != "citizen" {
		t.Errorf("the duplicate: %+v", dup)
	}
	// 0.00036° is 40 m: a case of its own.
	other, err := svc.Report(ctx, inspector, Report{Category: "exposed_garbage", Point: orb.Point{p[0], p[1] - 0.00036}})
	if err != nil {
		t.Fatal(err)
	}
	if other = step(t, svc, clk, registered.Add(3*time.Hour), dispatcher, other, Step{Action: ActRegister}); other.State != Dispatched || other.DuplicateOf != 0 {
		t.Errorf("a case 40 m away: %+v", other)
	}
}

// storyRace: dispatchers register one case at once from the same version;
// exactly one wins and the history holds one registration.
func storyRace(t *testing.T, svc *Service, clk *clock) {
	ctx := context.Background()
	clk.Set(t0.Add(20 * time.Hour))
	c, err := svc.Report(ctx, inspector, Report{Category: "pests_disease", Point: orb.Point{104.05, 30.62}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = svc.Take(ctx, Actor{Name: fmt.Sprint("disp", i), Role: RoleDispatcher}, c.ID, 1, Step{Action: ActRegister})
		}(i)
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("dispatcher %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d registrations won: %v", won, errs)
	}
	evs, _ := svc.History(ctx, c.ID)
	if len(evs) != 3 || evs[1].Action != ActRegister || evs[2].Action != ActDispatch || evs[1].Who != evs[2].Who {
		t.Errorf("history after the race: %+v", evs)
	}
	if !reflect.DeepEqual(evs[0].Photos, []int64(nil)) {
		t.Errorf("photos from nowhere: %+v", evs[0])
	}
}
