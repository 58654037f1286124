package store

// LayerJSON is one entry of the layer listing, as GET /api/layers and
// `greenreach layers --json` print it.
type LayerJSON struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Count   int64       `json:"count"`
	BBox    *[4]float64 `json:"bbox"` // [west, south, east, north]; null when empty
	Version int64       `json:"version"`
}

// LayersJSON converts layer summaries to their JSON form.
func LayersJSON(infos []LayerInfo) []LayerJSON {
	out := make([]LayerJSON, 0, len(infos))
	for _, l := range infos {
		j := LayerJSON{ID: l.ID, Title: l.Title, Count: l.Count, Version: l.Version}
		if l.BBox != nil {
			j.BBox = &[4]float64{l.BBox.Min[0], l.BBox.Min[1], l.BBox.Max[0], l.BBox.Max[1]}
		}
		out = append(out, j)
	}
	return out
}
