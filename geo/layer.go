package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// LayerInfo summarises one layer: what a store lists of its layers and
// what the in-memory index says of its own.
type LayerInfo struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"`
	Count   int64      `json:"count"`
	BBox    *orb.Bound `json:"-"` // nil when the layer is empty
	Version int64      `json:"version"`
	Updated time.Time  `json:"-"` // zero when never written
}
