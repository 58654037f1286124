package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// flood is one stream of requests an anonymous caller may send, each as
// costly as the route allows.
type flood struct {
	name, what string
	next       func(r *rand.Rand) (method, path string)
}

// publicLayers are the layers (and tile layers) the public role may read;
// parcels and the coverage layer need a planner.
var publicLayers = []string{"green", "roads", "waste", "areas"}

// floods returns the floods over a town whose extent is bb.
func floods(bb orb.Bound) []flood {
	point := func(r *rand.Rand) orb.Point {
		return orb.Point{bb.Min[0] + r.Float64()*(bb.Max[0]-bb.Min[0]), bb.Min[1] + r.Float64()*(bb.Max[1]-bb.Min[1])}
	}
	pick := func(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }
	get := func(format string, a ...any) (string, string) { return http.MethodGet, fmt.Sprintf(format, a...) }
	search := []string{"新村", "公园", "绿地", "街", "路", "区", "站", "1", "a"}
	huge := hugeQueries(bb)
	return []flood{
		{"reach", "/api/reach?meters=5000 (the longest walk) from random points", func(r *rand.Rand) (string, string) {
			p := point(r)
			return get("/api/reach?lon=%.6f&lat=%.6f&meters=5000", p[0], p[1])
		}},
		{"nearest-walk", "/api/nearest?k=100&by=walk&meters=5000, green, waste or areas", func(r *rand.Rand) (string, string) {
			p := point(r)
			return get("/api/nearest?lon=%.6f&lat=%.6f&k=100&by=walk&meters=5000&layer=%s", p[0], p[1], pick(r, []string{"green", "waste", "areas"}))
		}},
		{"within", "/api/within?meters=50000 (the whole town) of a public layer", func(r *rand.Rand) (string, string) {
			p := point(r)
			return get("/api/within?lon=%.6f&lat=%.6f&meters=50000&layer=%s", p[0], p[1], pick(r, publicLayers))
		}},
		{"search", "/api/search?limit=100 for common words of a public layer", func(r *rand.Rand) (string, string) {
			return get("/api/search?q=%s&limit=100&layer=%s", url.QueryEscape(pick(r, search)), pick(r, publicLayers))
		}},
		{"at", "/api/at (every polygon layer) at random points", func(r *rand.Rand) (string, string) {
			p := point(r)
			return get("/api/at?lon=%.6f&lat=%.6f", p[0], p[1])
		}},
		{"items", "/collections/{public}/items?limit=10000 over the whole town", func(r *rand.Rand) (string, string) {
			return get("/collections/%s/items?limit=10000&offset=%d&bbox=%.6f,%.6f,%.6f,%.6f", pick(r, publicLayers), r.IntN(100),
				bb.Min[0]-r.Float64()*0.01, bb.Min[1]-r.Float64()*0.01, bb.Max[0]+r.Float64()*0.01, bb.Max[1]+r.Float64()*0.01)
		}},
		{"tiles", "/tiles/{public,layer}/z/x/y.mvt, random z12–22 in the town: mostly uncached", func(r *rand.Rand) (string, string) {
			t := maptile.At(point(r), maptile.Zoom(12+r.IntN(11)))
			return get("/tiles/%s/%d/%d/%d.mvt", pick(r, append([]string{"public"}, publicLayers...)), t.Z, t.X, t.Y)
		}},
		{"random-method", "random method tokens (XQZT…) on real and random paths", func(r *rand.Rand) (string, string) {
			paths := []string{"/healthz", "/api/reach", "/api/nearest", "/tiles/public/14/0/0.mvt", "/collections/green/items", "/metrics", "/api/import", "/"}
			path := pick(r, paths)
			if r.IntN(4) == 0 {
				path = "/" + token(r, "abcdefghijklmnopqrstuvwxyz0123456789", 1+r.IntN(12))
			}
			return token(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3+r.IntN(8)), path
		}},
		{"huge-query", "query strings of 16 KB–900 KB: thousands of ;- and &-parameters, long values", func(r *rand.Rand) (string, string) {
			return http.MethodGet, huge[r.IntN(len(huge))]
		}},
	}
}

// token is n random characters of alphabet.
func token(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// hugeQueries are paths with query strings built once (building them per
// request would make the load generator the bottleneck): many ;-separated
// and &-separated parameters, one parameter repeated, and one long value,
// on routes anonymous callers may ask, each at several sizes below the
// server's 1 MB header limit.
func hugeQueries(bb orb.Bound) []string {
	c := bb.Center()
	var out []string
	for _, size := range []int{16 << 10, 128 << 10, 512 << 10, 900 << 10} {
		grow := func(prefix string, part func(i int) string) string {
			var b strings.Builder
			b.WriteString(prefix)
			for i := 0; b.Len() < size; i++ {
				b.WriteString(part(i))
			}
			return b.String()
		}
		out = append(out,
			grow(fmt.Sprintf("/api/nearest?lon=%.6f&lat=%.6f", c[0], c[1]), func(i int) string { return fmt.Sprintf(";p%d=%d", i, i) }),
			grow("/collections/green/items?limit=10000", func(i int) string { return fmt.Sprintf("&name%d=x%d", i, i) }),
			grow("/collections/roads/items?limit=10000", func(i int) string {
				return fmt.Sprintf("&bbox=%.6f,%.6f,%.6f,%.6f", bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1])
			}),
			grow("/api/search?limit=100&q=", func(int) string { return "%E5%85%AC%E5%9B%AD" }),
			grow(fmt.Sprintf("/api/reach?meters=5000&lon=%.6f&lat=%.6f", c[0], c[1]), func(i int) string { return fmt.Sprintf(";%d", i) }),
		)
	}
	return out
}
