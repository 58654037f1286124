package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
	"github.com/greenreach/greenreach/tiles/gzip"
)

// Case tiles (issue 19): GET /api/cases/tiles/{z}/{x}/{y}.mvt for staff
// (the case board's heatmap; a unit's token sees its own cases) and GET
// /api/cases/public/tiles/{z}/{x}/{y}.mvt for the public map (status
// only, through cases.Public's policy). What a tile draws is
// cases.Tile's; a tile reads the store in a turn of the heavy reads'
// queue, and is kept caseTileTTL, or until a case route writes cases
// (cases change without an index edit, so the feature tiles' cache does
// not see them: the server's cases.Counted does).

// Case tile limits.
const (
	caseTileTTL      = 30 * time.Second
	caseTileCacheMax = 32 << 20 // bytes of gzipped tiles kept
	defaultTileDays  = 30       // staff's window without from
	publicTileDays   = 90       // the public's window: the last 90 days, as Open311's lists
)

// caseTileRoles read the staff's case tiles.
var caseTileRoles = []string{store.RoleInspector, store.RoleDispatcher, store.RoleUnit, store.RolePlanner, store.RoleAuditor, store.RoleAdmin}

// caseTiles serves both routes with their cache.
type caseTiles struct {
	s     *Server
	cache *caseTileCache
}

func newCaseTiles(s *Server) *caseTiles {
	return &caseTiles{s: s, cache: &caseTileCache{ttl: caseTileTTL, max: caseTileCacheMax, now: time.Now, m: map[string]*caseTileEntry{}}}
}

// tileAddress reads the route's z, x and y.
func tileAddress(r *http.Request) (cases.TileQuery, *appError) {
	v := mux.Vars(r)
	var zxy [3]int
	for i, k := range [3]string{"z", "x", "y"} {
		n, err := strconv.Atoi(v[k])
		if err != nil {
			return cases.TileQuery{}, errBadRequest("%s=%q is not a whole number", k, v[k])
		}
		zxy[i] = n
	}
	t, err := tiles.Address(zxy[0], zxy[1], zxy[2])
	if err != nil {
		return cases.TileQuery{}, errBadRequest("%v", err)
	}
	return cases.TileQuery{Tile: t}, nil
}

// dayParam reads a day YYYY-MM-DD of Beijing time: its start.
func dayParam(name, v string) (time.Time, *appError) {
	t, err := time.ParseInLocation(time.DateOnly, v, cases.Day)
	if err != nil || len(v) != len(time.DateOnly) {
		return time.Time{}, errBadRequest("%s=%q: want a day YYYY-MM-DD (Beijing time)", name, v)
	}
	return t, nil
}

// today is the start of now's day in Beijing time.
func today(now time.Time) time.Time {
	y, m, d := now.In(cases.Day).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, cases.Day)
}

// staff: GET /api/cases/tiles/{z}/{x}/{y}.mvt?from=&to=&state=&category=
// — cases reported from the day from to the day to (both included, Beijing
// time; the last 30 days by default, at most cases.MaxTileDays), in the
// states (a comma list) and category given.
func (ct *caseTiles) staff(w http.ResponseWriter, r *http.Request) *appError {
	c := callerOf(r)
	if !slices.Contains(caseTileRoles, c.Role) {
		what := r.Method + " " + r.URL.Path
		if !c.Bearer {
			w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
			return errUnauthorized(what + " needs a token of role inspector, dispatcher, unit, planner, auditor or admin (Authorization: Bearer …)")
		}
		return forbidden(what + " needs role inspector, dispatcher, unit, planner, auditor or admin; this token is " + c.Role)
	}
	if c.Role == store.RoleUnit && c.Unit == "" {
		return forbidden("this unit token names no unit; create one with greenreach token create --role unit --unit CODE")
	}
	q := queryOf(r)
	if e := onlyParams(q, "from", "to", "state", "category"); e != nil {
		return e
	}
	tq, e := tileAddress(r)
	if e != nil {
		return e
	}
	now := ct.s.cases.Clock()
	tq.Before = today(now).AddDate(0, 0, 1)
	if v := q.Get("to"); v != "" {
		d, e := dayParam("to", v)
		if e != nil {
			return e
		}
		tq.Before = d.AddDate(0, 0, 1)
	}
	tq.From = tq.Before.AddDate(0, 0, -defaultTileDays)
	if v := q.Get("from"); v != "" {
		if tq.From, e = dayParam("from", v); e != nil {
			return e
		}
	}
	if v := q.Get("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !slices.Contains(caseStates, st) {
				return errBadRequest("state=%q: want one of %s", st, strings.Join(caseStates, ", "))
			}
			if !slices.Contains(tq.States, st) {
				tq.States = append(tq.States, st)
			}
		}
		slices.Sort(tq.States)
	}
	if v := q.Get("category"); v != "" {
		if ct.s.cases.Catalog.Category(v) == nil {
			return errBadRequest("category=%q is not a case category (GET /api/cases/categories)", v)
		}
		tq.Category = v
	}
	if c.Role == store.RoleUnit {
		tq.Unit = c.Unit
	}
	key := strings.Join([]string{"staff", tq.Unit, tq.From.Format(time.DateOnly), tq.Before.Format(time.DateOnly), strings.Join(tq.States, ","), tq.Category, tileKey(tq)}, "|")
	return ct.serve(w, r, tq, key, now, hdrPrivateShort)
}

// public: GET /api/cases/public/tiles/{z}/{x}/{y}.mvt — registered cases
// of the last 90 days, status only.
func (ct *caseTiles) public(w http.ResponseWriter, r *http.Request) *appError {
	if e := onlyParams(queryOf(r)); e != nil {
		return e
	}
	tq, e := tileAddress(r)
	if e != nil {
		return e
	}
	now := ct.s.cases.Clock()
	tq.Public, tq.States = true, publicStates
	tq.Before = today(now).AddDate(0, 0, 1)
	tq.From = tq.Before.AddDate(0, 0, -publicTileDays)
	key := strings.Join([]string{"public", tq.From.Format(time.DateOnly), tileKey(tq)}, "|")
	return ct.serve(w, r, tq, key, now, hdrPublicShort)
}

func tileKey(q cases.TileQuery) string {
	return strconv.Itoa(int(q.Tile.Z)) + "/" + strconv.FormatUint(uint64(q.Tile.X), 10) + "/" + strconv.FormatUint(uint64(q.Tile.Y), 10)
}

// Cache-Control of case tiles: the staff's browser asks again each time
// (a 304 by the ETag while nothing changed), so a step shows at once on
// the board; the public's tiles may be kept as long as the server keeps
// them.
var (
	hdrPrivateShort = []string{"private, no-cache"}
	hdrPublicShort  = []string{"public, max-age=30"}
)

// serve answers tile tq from the cache, or draws it in a turn of the
// heavy reads and keeps it.
func (ct *caseTiles) serve(w http.ResponseWriter, r *http.Request, tq cases.TileQuery, key string, now time.Time, cacheControl []string) *appError {
	if err := tq.Check(); err != nil {
		return errBadRequest("%v", err)
	}
	// The count of case writes before the tile is drawn: a write that
	// returns while it is drawn makes it stale at once.
	writes := ct.s.caseWrites.Writes()
	ent, hit := ct.cache.get(key, writes)
	if !hit {
		release, e := ct.s.reads.acquire(r.Context())
		if e != nil {
			return e
		}
		raw, err := cases.Tile(r.Context(), ct.s.store, tq, now)
		release()
		if err != nil {
			return caseError(err)
		}
		gz, err := gzip.Append(nil, raw, gzip.ForSize(len(raw)))
		if err != nil {
			return errInternal(err)
		}
		ent = &caseTileEntry{gz: gz, raw: len(raw), etag: `"` + strconv.FormatUint(xxhash.Sum64(raw), 16) + `"`, writes: writes}
		ct.cache.put(key, ent)
	}
	h := w.Header()
	h["Etag"] = []string{ent.etag}
	h["Cache-Control"] = cacheControl
	h.Add("Vary", "Accept-Encoding")
	if hit {
		h["X-Cache"] = hdrHit
	} else {
		h["X-Cache"] = hdrMiss
	}
	if match := r.Header.Get("If-None-Match"); match != "" && (match == "*" || strings.Contains(match, ent.etag)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	data := ent.gz
	h["Content-Type"] = hdrMVT
	if acceptsGzip(r) {
		h["Content-Encoding"] = hdrGzip
	} else {
		var err error
		if data, err = gunzip(ent.gz, ent.raw); err != nil {
			return errInternal(err)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
	return nil
}

// caseTileCache keeps drawn case tiles for ttl, at most max bytes: when
// full it drops the expired tiles, then all. A tile drawn before the
// last case write is stale.
type caseTileCache struct {
	ttl  time.Duration
	max  int64
	now  func() time.Time
	mu   sync.Mutex
	size int64
	m    map[string]*caseTileEntry
}

type caseTileEntry struct {
	gz     []byte
	raw    int
	etag   string
	at     time.Time
	writes uint64 // the count of case writes when it was drawn
}

// get returns the tile of key if it is younger than ttl and was drawn at
// the current count of case writes.
func (c *caseTileCache) get(key string, writes uint64) (*caseTileEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	if c.now().Sub(e.at) >= c.ttl || e.writes != writes {
		c.drop(key, e)
		return nil, false
	}
	return e, true
}

func (c *caseTileCache) put(key string, e *caseTileEntry) {
	n := int64(len(e.gz) + len(key))
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	e.at = now
	if old, ok := c.m[key]; ok {
		c.drop(key, old)
	}
	if c.size+n > c.max {
		for k, x := range c.m {
			if now.Sub(x.at) >= c.ttl {
				c.drop(k, x)
			}
		}
	}
	if c.size+n > c.max {
		clear(c.m)
		c.size = 0
	}
	c.m[key] = e
	c.size += n
}

func (c *caseTileCache) drop(key string, e *caseTileEntry) {
	delete(c.m, key)
	c.size -= int64(len(e.gz) + len(key))
}
