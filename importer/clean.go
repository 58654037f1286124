package importer

import (
	"runtime"
	"sync"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/repair"
)

// Outcome is what repair.Validator.Fix (and CheckArea) said about one
// feature.
type Outcome struct {
	Repaired bool
	Reason   string // non-empty: skip the feature
}

// FixAll runs repair.Validator.Fix (and, on areas, CheckArea) on every feature, spread over
// GOMAXPROCS goroutines with a Validator each, and returns the outcomes in
// the order of feats.
func FixAll(feats []*geo.Feature) []Outcome {
	out := make([]Outcome, len(feats))
	workers := min(runtime.GOMAXPROCS(0), 1+len(feats)/500)
	var wg sync.WaitGroup
	chunk := (len(feats) + workers - 1) / max(workers, 1)
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(feats))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := repair.NewValidator()
			for i := lo; i < hi; i++ {
				out[i].Repaired, out[i].Reason = v.Fix(feats[i])
				if out[i].Reason == "" {
					out[i].Reason = CheckArea(feats[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// Clean runs Fix on every feature, counts each in sum (Read, Repaired,
// Skipped) and returns those to write.
func Clean(feats []*geo.Feature, sum *Summary) []*geo.Feature {
	outcomes := FixAll(feats)
	out := feats[:0:0]
	for i, f := range feats {
		repaired, reason := outcomes[i].Repaired, outcomes[i].Reason
		if reason != "" {
			sum.Skip(f.Layer, reason)
			continue
		}
		l := sum.Layer(f.Layer)
		l.Read++
		if repaired {
			l.Repaired++
		}
		out = append(out, f)
	}
	return out
}
