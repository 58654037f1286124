package network

import (
	"context"
	"errors"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
)

// grid is a walkable street grid of n×n blocks of 50 m.
func grid(n int) *Graph {
	var feats []*geo.Feature
	id := int64(1)
	for i := 0; i <= n; i++ {
		var ew, ns orb.LineString
		for j := 0; j <= n; j++ {
			ew = append(ew, m(float64(j*50), float64(i*50)))
			ns = append(ns, m(float64(i*50), float64(j*50)))
		}
		feats = append(feats, road(id, true, ew...), road(id+1, true, ns...))
		id += 2
	}
	return Build(feats)
}

// countdown is a context that turns done after its Err has been asked
// a number of times: it tells a check inside a loop from one at its start.
type countdown struct {
	context.Context
	left, asked int
}

func (c *countdown) Err() error {
	c.asked++
	if c.asked > c.left {
		return context.DeadlineExceeded
	}
	return nil
}

// TestWalksStopAtTheDeadline: a walk over a big graph stops with the
// context's error, both when the deadline has passed before it starts and
// when it passes during the walk.
func TestWalksStopAtTheDeadline(t *testing.T) {
	g := grid(200) // 40,401 nodes
	from := m(5000, 5000)
	if r, ok, err := g.ReachContext(context.Background(), from, 5000); err != nil || !ok || len(r.Stretches) < 1000 {
		t.Fatalf("a 5 km reach on a live context: ok %v, err %v", ok, err)
	}
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := g.ReachContext(expired, from, 5000); !errors.Is(err, context.Canceled) {
		t.Errorf("a reach on an expired context: err %v, want context.Canceled", err)
	}
	for _, left := range []int{1, 3} {
		c := &countdown{Context: context.Background(), left: left}
		_, _, err := g.ReachContext(c, from, 5000)
		if !errors.Is(err, context.DeadlineExceeded) || c.asked != left+1 {
			t.Errorf("a reach whose deadline passes after %d checks: err %v after %d checks", left, err, c.asked)
		}
		c = &countdown{Context: context.Background(), left: left}
		if _, err := g.MultiContext(c, []Source{{At: Loc{Edge: 0}}}, 0); !errors.Is(err, context.DeadlineExceeded) || c.asked != left+1 {
			t.Errorf("a whole-graph Dijkstra whose deadline passes after %d checks: err %v after %d checks", left, err, c.asked)
		}
	}
}
