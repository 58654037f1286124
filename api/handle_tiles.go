package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles"
)

// tileSource is what a tile layer name draws from the index: its layers
// and their views.
type tileSource struct {
	name   string
	layers []string
	views  []tiles.View
}

// tileSources resolves tile layer names, made once: each layer, and
// "public" for the composite of the public layers.
var tileSources = func() map[string]tileSource {
	m := map[string]tileSource{"public": {"public", tiles.Public, tiles.LayerViews(tiles.Public)}}
	for _, sc := range geo.Schemas {
		m[sc.ID] = tileSource{sc.ID, []string{sc.ID}, tiles.LayerViews([]string{sc.ID})}
	}
	return m
}()

// tileRoute is the tile route's template. The route matches with its own
// parser (splitTilePath) rather than the template's regular expression,
// which costs much of a cached tile's time (bench/RESULTS.md).
const tileRoute = "/tiles/{layer}/{z}/{x}/{y}.mvt"

// splitTilePath splits a path of tileRoute's shape into its layer, z, x and y,
// as the template's expression would: four non-empty parts without a slash,
// the last before ".mvt".
func splitTilePath(p string) (parts [4]string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/tiles/")
	if !ok {
		return parts, false
	}
	if rest, ok = strings.CutSuffix(rest, ".mvt"); !ok {
		return parts, false
	}
	for i := range parts {
		if i < 3 {
			parts[i], rest, ok = strings.Cut(rest, "/")
		} else {
			parts[i], ok = rest, !strings.Contains(rest, "/")
		}
		if !ok || parts[i] == "" {
			return parts, false
		}
	}
	return parts, true
}

func matchTilePath(r *http.Request, _ *mux.RouteMatch) bool {
	_, ok := splitTilePath(r.URL.Path)
	return ok
}

// tileTimed: a tile of the index is cut in memory in bounded time, so it
// goes without a timer; a scenario's tile reads the store and the coverage
// layer's runs an audit, under Config.QueryTimeout like other queries.
func tileTimed(r *http.Request) bool {
	return r.URL.RawQuery != "" || strings.HasPrefix(r.URL.Path, "/tiles/"+coverageLayer+"/")
}

// handleTile: GET /tiles/{layer}/{z}/{x}/{y}.mvt. Tiles come from the
// cache or are cut from the current snapshot and cached; the ETag is a hash
// of the tile's content, so it changes exactly when an edit changes the
// tile.
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) *appError {
	parts, _ := splitTilePath(r.URL.Path) // the route matched it
	return s.serveTile(w, r, parts[0], parts[1], parts[2], parts[3])
}

// serveTile serves tile z/x/y (as given in the path) of the tile layer
// name, for the tile route and OGC API – Tiles' tile URLs alike.
func (s *Server) serveTile(w http.ResponseWriter, r *http.Request, name, z, x, y string) *appError {
	src, ok := tileSources[name]
	if !ok && name != coverageLayer {
		return errNotFound("no tile layer %q (layers: public, coverage, %s)", name, strings.Join(layerIDs(), ", "))
	}
	if e := needLayers(w, r, name); e != nil {
		return e
	}
	var zxy [3]int
	for i, k := range [3]string{"z", "x", "y"} {
		v := [3]string{z, x, y}[i]
		n, err := strconv.Atoi(v)
		if err != nil {
			return errBadRequest("%s=%q is not a whole number", k, v)
		}
		zxy[i] = n
	}
	tile, err := tiles.Address(zxy[0], zxy[1], zxy[2])
	if err != nil {
		return errBadRequest("%v", err)
	}
	base := s.index.Snapshot()
	snap, tag, ae := s.snapshotFor(r)
	if ae != nil {
		return ae
	}
	// The key names the source with the table's string, not the path's,
	// which a cached tile would otherwise keep in memory with its request.
	key := tiles.Key{Source: coverageLayer, Tile: tile}
	if name != coverageLayer {
		key.Source = src.name
	}
	if tag != "" {
		key.Source += "@" + tag // a scenario's tiles are cached apart
	}
	e, hit := s.tiles.Get(key)
	if !hit {
		bufs := getTileBuf() // the tile's bytes until it is written
		defer bufs.release()
		if name == coverageLayer {
			e, ae = s.cutCoverageTile(r, bufs, base, snap, key)
		} else if e, err = s.cut(bufs, base, snap, key, src.views, src.layers, false); err != nil {
			ae = errInternal(err)
		}
		if ae != nil {
			return ae
		}
	}
	// The headers every tile shares are set from slices made once (net/http
	// only reads them); Vary keeps an earlier "Origin" from cors.
	h := w.Header()
	h["Etag"] = []string{e.ETag}
	h["Cache-Control"] = s.tileCacheControl
	if tag != "" {
		h["Cache-Control"] = hdrPrivate // a draft: never in a shared cache
	}
	if vary := h["Vary"]; len(vary) > 0 {
		h["Vary"] = append(vary, "Accept-Encoding")
	} else {
		h["Vary"] = hdrAcceptEncoding
	}
	if hit {
		h["X-Cache"] = hdrHit
	} else {
		h["X-Cache"] = hdrMiss
	}
	if match := r.Header.Get("If-None-Match"); match != "" && (match == "*" || strings.Contains(match, e.ETag)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	data := e.Gzip
	h["Content-Type"] = hdrMVT
	if acceptsGzip(r) {
		h["Content-Encoding"] = hdrGzip
	} else if data, err = gunzip(e.Gzip, e.Raw); err != nil {
		return errInternal(err)
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return nil
}

// Header values shared by every tile response; never written to.
var (
	hdrAcceptEncoding = []string{"Accept-Encoding"}
	hdrHit            = []string{"HIT"}
	hdrMiss           = []string{"MISS"}
	hdrMVT            = []string{"application/vnd.mapbox-vector-tile"}
	hdrGzip           = []string{"gzip"}
	hdrPrivate        = []string{"private, no-cache"}
)

// acceptsGzip reports whether Accept-Encoding allows gzip (and does not
// refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for rest := r.Header.Get("Accept-Encoding"); rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

func gunzip(data []byte, size int) ([]byte, error) {
	zr, err := kgzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, size)
	buf := bytes.NewBuffer(out)
	if _, err := io.Copy(buf, zr); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TileJSON is the TileJSON 3.0.0 document of a tile layer.
type TileJSON struct {
	TileJSON     string              `json:"tilejson"`
	Name         string              `json:"name"`
	Description  string              `json:"description,omitempty"`
	Tiles        []string            `json:"tiles"`
	VectorLayers []tiles.VectorLayer `json:"vector_layers"`
	Bounds       [4]float64          `json:"bounds"`
	Center       [3]float64          `json:"center"`
	MinZoom      int                 `json:"minzoom"`
	MaxZoom      int                 `json:"maxzoom"`
	Attribution  string              `json:"attribution,omitempty"`
	Version      string              `json:"version"`
}

// handleTileJSON: GET /tiles/{layer}.json.
func (s *Server) handleTileJSON(w http.ResponseWriter, r *http.Request) *appError {
	name := mux.Vars(r)["layer"]
	src, ok := tileSources[name]
	layers := src.layers
	if name == coverageLayer {
		layers, ok = []string{geo.Parcels}, true
	}
	if !ok {
		return errNotFound("no tile layer %q (layers: public, coverage, %s)", name, strings.Join(layerIDs(), ", "))
	}
	if e := needLayers(w, r, name); e != nil {
		return e
	}
	lang, e := web.Lang(w, r)
	if e != nil {
		return e
	}
	snap := s.index.Snapshot()
	tj := TileJSON{TileJSON: "3.0.0", MinZoom: 0,
		Tiles: []string{web.BaseURL(r) + "/tiles/" + name + "/{z}/{x}/{y}.mvt"}, Bounds: [4]float64{-180, -85.0511, 180, 85.0511}}
	for _, l := range layers {
		ly := snap.Layer(l)
		sc, id := ly.Schema, l
		if name == coverageLayer {
			sc, id = coverageSchema, coverageLayer
		}
		// Tiles are served to zoom 24, but past the data's own maximum
		// they only magnify it: clients overzoom from there.
		vl := tiles.VectorLayerIn(id, sc, lang)
		vl.MaxZoom = s.detailZooms.Of(ly)
		tj.MaxZoom = max(tj.MaxZoom, vl.MaxZoom)
		tj.VectorLayers = append(tj.VectorLayers, vl)
	}
	if b, ok := tiles.LayersBound(snap, layers); ok {
		tj.Bounds = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	tj.Center = [3]float64{(tj.Bounds[0] + tj.Bounds[2]) / 2, (tj.Bounds[1] + tj.Bounds[3]) / 2, float64(min(14, tj.MaxZoom))}
	tj.Version = tiles.Semver(snap, layers)
	tj.Attribution = tiles.Attribution(snap, layers)
	tj.Name, tj.Description = tiles.Titles(name, lang)
	return writeJSON(w, http.StatusOK, tj)
}
