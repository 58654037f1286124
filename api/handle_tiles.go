package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles"
)

// tileLayers resolves a tile layer name: one layer, or "public" for the
// composite of the public layers.
func tileLayers(name string) ([]string, bool) {
	if name == "public" {
		return tiles.Public, true
	}
	if geo.SchemaOf(name) != nil {
		return []string{name}, true
	}
	return nil, false
}

// handleTile: GET /tiles/{layer}/{z}/{x}/{y}.mvt. The ETag is the tile
// address and the versions of its layers, so an edit to a layer changes it.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) *appError {
	v := mux.Vars(r)
	layers, ok := tileLayers(v["layer"])
	if !ok {
		return errNotFound("no tile layer %q (layers: public, %s)", v["layer"], strings.Join(layerIDs(), ", "))
	}
	var zxy [3]int
	for i, k := range []string{"z", "x", "y"} {
		n, err := strconv.Atoi(v[k])
		if err != nil {
			return errBadRequest("%s=%q is not a whole number", k, v[k])
		}
		zxy[i] = n
	}
	tile, err := tiles.Address(zxy[0], zxy[1], zxy[2])
	if err != nil {
		return errBadRequest("%v", err)
	}
	snap := s.index.Snapshot()
	h := sha256.New()
	fmt.Fprintf(h, "%d/%d/%d", zxy[0], zxy[1], zxy[2])
	for _, l := range layers {
		fmt.Fprintf(h, "|%s:%d", l, snap.Layer(l).Version)
	}
	etag := `"` + hex.EncodeToString(h.Sum(nil)[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", s.cfg.TileCacheControl)
	w.Header().Set("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && (match == etag || match == "*" || strings.Contains(match, etag)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	data, err := tiles.Encode(snap, layers, tile)
	if err != nil {
		return errInternal(err)
	}
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return nil
}

func layerIDs() []string {
	out := make([]string, len(geo.Schemas))
	for i, sc := range geo.Schemas {
		out[i] = sc.ID
	}
	return out
}

// TileJSON is the TileJSON 3.0.0 document of a tile layer.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Tiles        []string      `json:"tiles"`
	VectorLayers []vectorLayer `json:"vector_layers"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Attribution  string        `json:"attribution,omitempty"`
	Version      string        `json:"version"`
}

type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

// handleTileJSON: GET /tiles/{layer}.json.
func (s *Server) handleTileJSON(w http.ResponseWriter, r *http.Request) *appError {
	name := mux.Vars(r)["layer"]
	layers, ok := tileLayers(name)
	if !ok {
		return errNotFound("no tile layer %q (layers: public, %s)", name, strings.Join(layerIDs(), ", "))
	}
	snap := s.index.Snapshot()
	tj := TileJSON{TileJSON: "3.0.0", Name: "greenreach " + name, MinZoom: 0, MaxZoom: tiles.MaxZoom,
		Tiles: []string{baseURL(r) + "/tiles/" + name + "/{z}/{x}/{y}.mvt"}, Bounds: [4]float64{-180, -85.0511, 180, 85.0511}}
	var versions []string
	first := true
	osm := false
	for _, l := range layers {
		ly := snap.Layer(l)
		fields := map[string]string{}
		for _, f := range ly.Schema.Fields {
			fields[f.Name] = map[geo.FieldType]string{geo.Text: "String", geo.Int: "Number", geo.Real: "Number", geo.Bool: "Boolean"}[f.Type]
		}
		tj.VectorLayers = append(tj.VectorLayers, vectorLayer{ID: l, Description: ly.Schema.Title, Fields: fields, MaxZoom: tiles.MaxZoom})
		versions = append(versions, fmt.Sprintf("%s:%d", l, ly.Version))
		if b, ok := ly.Bound(); ok {
			if first {
				tj.Bounds = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
				first = false
			} else {
				tj.Bounds = [4]float64{min(tj.Bounds[0], b.Min[0]), min(tj.Bounds[1], b.Min[1]), max(tj.Bounds[2], b.Max[0]), max(tj.Bounds[3], b.Max[1])}
			}
		}
		ly.Scan(func(f *geo.Feature) bool {
			osm = osm || strings.HasPrefix(f.Source, "osm")
			return !osm
		})
	}
	tj.Center = [3]float64{(tj.Bounds[0] + tj.Bounds[2]) / 2, (tj.Bounds[1] + tj.Bounds[3]) / 2, 14}
	tj.Version = strings.Join(versions, ",")
	if osm {
		tj.Attribution = "© OpenStreetMap contributors"
	}
	return writeJSON(w, http.StatusOK, tj)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
