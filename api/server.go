// Package api is greenreach's HTTP service: routes, handlers and the JSON and
// problem+json they answer with. Handlers read the in-memory index
// (geo/index) and write through it to the store.
package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/scenario"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/tiles"
)

// Config is the service's typed configuration.
type Config struct {
	Addr         string        // listen address, e.g. ":8080"
	ReadTimeout  time.Duration // whole-request read limit
	WriteTimeout time.Duration
	PingTimeout  time.Duration // /readyz store check
	// TileCacheControl is the Cache-Control header of tiles.
	TileCacheControl string
	// TileCacheBytes bounds the tile cache (compressed bytes; 0: off).
	TileCacheBytes int64
	// TileCacheDoorkeeper is how many tiles cut once the cache remembers:
	// a tile is cached when it is cut a second time while remembered, so
	// that tiles asked for once do not fill the cache (0: every tile is
	// cached when first cut).
	TileCacheDoorkeeper int
	// Rules are the coverage rules /api/audit applies; nil: the default set.
	Rules *coverage.RuleSet
	// Anonymous is the role of requests without a token (store.RolePublic
	// unless a private deployment opens everything).
	Anonymous string
	// CORSOrigins may call the API from other origins' pages ("*": any).
	CORSOrigins []string
	// PublicCORSOff withholds the CORS headers that by default let any
	// origin's pages read the public read routes (tiles, TileJSON, OGC API
	// reads and /api) without a token.
	PublicCORSOff bool
	// MaxUploadBytes bounds POST /api/import bodies (413 above).
	MaxUploadBytes int64
	// UploadMinRate is the slowest average rate, in bytes per second, at
	// which a POST /api/import body may arrive (408 below it): the body has
	// ReadTimeout plus the time its bytes take at this rate, and may not
	// pause for longer than ReadTimeout, so a large upload on a slow line
	// outlives ReadTimeout and a trickle does not. 0: ReadTimeout bounds
	// the whole body.
	UploadMinRate int64
	// TempDir holds uploads while they are read, and the readers' files
	// ("": os.TempDir()); serve gives a directory of the process's own.
	TempDir string
	// QueryTimeout bounds the work of one request (503 past it).
	QueryTimeout time.Duration

	// Expensive requests (walks: reach and nearest by walk; audit,
	// what-if, suggest) run at most Workers at once (by default half the
	// cores: a walk's GEOS work cannot be preempted); QueueLength more wait,
	// each at most QueueWait (and its QueryTimeout); past that 503 with
	// Retry-After.
	Workers, QueueLength int
	QueueWait            time.Duration
	// Heavy reads (within, search, at, OGC items: answers that can hold a
	// whole layer) run at most ReadWorkers at once (by default half the
	// cores, leaving the rest to cheap requests); ReadQueue more wait, each
	// at most QueueWait; past that 503 with Retry-After.
	ReadWorkers, ReadQueue int
	// MaxHeaderBytes bounds a request's line and headers, the query string
	// included (431 past it, before any handler runs).
	MaxHeaderBytes int
	// RateLimit is how many expensive requests a second one anonymous
	// client address may make, in bursts of RateBurst (429 with
	// Retry-After past it; 0: no limit); RateClients bounds the addresses
	// the limiter remembers.
	RateLimit              float64
	RateBurst, RateClients int
	// RepairCrossings and RepairVertices bound the GEOS repair of one
	// request's invalid polygons (what-if, scenario edits): the points
	// where their rings meet and their vertices, in all (422 past them).
	// At most RepairWorkers repairs run at once.
	RepairCrossings, RepairVertices, RepairWorkers int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// -Proto and -Host headers are believed; from anyone else they are
	// ignored.
	TrustedProxies []netip.Prefix
	// PublicURL is the service's URL as its users see it
	// (https://host[/prefix]), the base of the links it gives (TileJSON,
	// OGC API). Without it links use the request's host, if a plain one.
	PublicURL string
}

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{Addr: ":8080", ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, PingTimeout: 2 * time.Second, TileCacheControl: "public, max-age=60", TileCacheBytes: 256 << 20, TileCacheDoorkeeper: 32768, Anonymous: store.RolePublic, MaxUploadBytes: 256 << 20, UploadMinRate: 64 << 10, QueryTimeout: 30 * time.Second,
		Workers: max(1, runtime.GOMAXPROCS(0)/2), QueueLength: 32, QueueWait: 10 * time.Second,
		ReadWorkers: max(1, runtime.GOMAXPROCS(0)/2), ReadQueue: 32, MaxHeaderBytes: 64 << 10,
		RateLimit: 2, RateBurst: 20, RateClients: 10000,
		RepairCrossings: repair.DefaultMaxCrossings, RepairVertices: defaultRepairVertices, RepairWorkers: runtime.GOMAXPROCS(0)}
}

// Server serves one store through its in-memory index.
type Server struct {
	cfg   Config
	store store.Store
	index *live.Index
	tiles *tiles.Cache
	log   *slog.Logger

	walks *network.Cache // walking networks of the latest roads versions

	rules  *coverage.RuleSet
	audits *coverage.Cache // audits per snapshot and mode
	scens  *scenario.Snapshots
	// scenBuilding, when set (tests only), is called as a scenario's
	// snapshot starts to be built.
	scenBuilding func(id int64)

	router  *mux.Router
	metrics *metrics

	tileCacheControl []string // the Cache-Control header of tiles, made once
	openapi          obj      // the OpenAPI document but its servers, made once (handleOpenAPI)
	toks             tokenCache

	net     front        // trusted proxies, public URL
	work    *workQueue   // expensive requests
	reads   *workQueue   // heavy reads
	repairs *workQueue   // GEOS repairs
	rate    *rateLimiter // anonymous expensive requests; nil: no limit
	refused refusalLog   // 429 and busy 503s, logged in sum
}

// New returns a server. The index must hold the store's layers.
func New(cfg Config, st store.Store, ix *live.Index, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	c := tiles.NewCache(cfg.TileCacheBytes)
	c.Admit(cfg.TileCacheDoorkeeper)
	c.Watch(ix)
	if _, ok := roleRank[cfg.Anonymous]; !ok {
		cfg.Anonymous = store.RolePublic
	}
	rules := cfg.Rules
	if rules == nil {
		rules = coverage.Default()
	}
	s := &Server{cfg: cfg, store: st, index: ix, tiles: c, log: log, rules: rules, tileCacheControl: []string{cfg.TileCacheControl}}
	s.walks = network.NewCache(0, log)
	s.audits = coverage.NewCache(rules, s.walks)
	s.scens = s.scenarioSnapshots()
	s.net = front{trusted: cfg.TrustedProxies, publicURL: strings.TrimRight(cfg.PublicURL, "/")}
	wait := cmp.Or(cfg.QueueWait, cfg.QueryTimeout, 10*time.Second) // one wait for every queue
	s.work = newWorkQueue("expensive requests", cmp.Or(cfg.Workers, max(1, runtime.GOMAXPROCS(0)/2)), cfg.QueueLength, wait)
	s.reads = newWorkQueue("heavy reads", cmp.Or(cfg.ReadWorkers, max(1, runtime.GOMAXPROCS(0)/2)), cfg.ReadQueue, wait)
	s.repairs = newWorkQueue("GEOS repairs", cmp.Or(cfg.RepairWorkers, runtime.GOMAXPROCS(0)), 1<<20, wait)
	s.rate = newRateLimiter(cfg.RateLimit, cfg.RateBurst, cmp.Or(cfg.RateClients, 10000))
	s.metrics = s.newMetrics()
	s.openapi = openAPI("")
	return s
}

// Handler returns the routed handler, observed (metrics, request ids).
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	s.router = r
	// Tiles first: the router tries routes in order, and most requests are
	// for tiles.
	r.NewRoute().Name(tileRoute).MatcherFunc(matchTilePath).Methods(http.MethodGet, http.MethodHead).Handler(s.serve(s.handleTile, tileTimed))
	r.Handle("/metrics", s.wrap(s.role(store.RoleAdmin, s.handleMetrics()))).Methods(http.MethodGet)
	r.Handle("/healthz", s.wrap(s.handleHealthz)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", s.wrap(s.handleReadyz)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api/layers", s.wrap(s.handleLayers)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/tiles/{layer}.json", s.wrap(s.handleTileJSON)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/", s.wrap(s.handleLanding)).Methods(http.MethodGet, http.MethodHead)
	s.routesQuery(r) // handle_query.go: /api/nearest, /api/within, /api/at, /api/search
	s.routesWalk(r)  // handle_reach.go: /api/reach
	r.Handle("/api/audit", s.wrap(s.role(store.RoleAuditor, s.costly(s.handleAudit)))).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api/import", s.untimed(s.role(store.RoleAdmin, s.handleImport))).Methods(http.MethodPost)
	r.Handle("/api/rules", s.wrap(s.handleRules)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/api/whatif", s.wrap(s.role(store.RolePlanner, s.costly(s.handleWhatIf)))).Methods(http.MethodPost)
	s.routesScenarios(r) // handle_scenarios.go: /api/scenarios…
	r.Handle("/api/suggest", s.wrap(s.role(store.RolePlanner, s.costly(s.handleSuggest)))).Methods(http.MethodGet, http.MethodHead)
	s.routesOGC(r) // ogc*.go: OGC API – Features and /api (OpenAPI)
	s.routesMap(r) // handle_map.go: the public map's assets (the page itself is / for browsers)
	r.NotFoundHandler = s.wrap(func(w http.ResponseWriter, r *http.Request) *appError {
		return errNotFound("no route for %s", r.URL.Path)
	})
	r.MethodNotAllowedHandler = s.wrap(func(w http.ResponseWriter, r *http.Request) *appError {
		return &appError{Status: http.StatusMethodNotAllowed, Title: "Method not allowed", Detail: r.Method + " is not allowed on " + r.URL.Path}
	})
	return s.observe(r)
}

// httpServer is the http.Server that ListenAndServe runs: the handler with
// the configured timeouts.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		MaxHeaderBytes:    cmp.Or(s.cfg.MaxHeaderBytes, 64<<10),
	}
}

// ListenAndServe serves until ctx is cancelled, then drains requests.
func (s *Server) ListenAndServe(ctx context.Context) error {
	srv := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.log.Info("serving", "addr", s.cfg.Addr, "store", s.store.Kind())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) *appError

// wrap turns a handler returning *appError into an http.Handler that bounds
// its work by Config.QueryTimeout (503 past it), writes the error as
// problem+json and logs it.
func (s *Server) wrap(h handlerFunc) http.Handler { return s.serve(h, always) }

// untimed is wrap for work bounded otherwise than by Config.QueryTimeout
// (an upload is bounded by its size and its pace, see pacedBody).
func (s *Server) untimed(h handlerFunc) http.Handler { return s.serve(h, never) }

func always(*http.Request) bool { return true }
func never(*http.Request) bool  { return false }

// serve is wrap with the timeout applied to the requests timed reports.
func (s *Server) serve(h handlerFunc, timed func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if rec, ok := w.(*statusRecorder); ok {
			if rt := mux.CurrentRoute(r); rt != nil {
				rec.route = routeLabel(rt)
			}
		}
		if limit := s.cfg.QueryTimeout; limit > 0 && timed(r) {
			ctx, cancel := context.WithTimeout(r.Context(), limit)
			defer cancel()
			r = r.WithContext(ctx)
		}
		if e := h(w, r); e != nil {
			if e.Status >= 500 && errors.Is(e.Err, context.DeadlineExceeded) && r.Context().Err() != nil {
				e = &appError{Status: http.StatusServiceUnavailable, Title: "Query timeout", Detail: fmt.Sprintf("the request took longer than %s; ask for less (a smaller area, fewer features)", s.cfg.QueryTimeout), Err: e.Err}
			}
			e.write(w, r)
			if e.RetryAfter > 0 {
				s.refused.note(s.log, e) // a flood of them: one line a second
				return
			}
			lvl := slog.LevelInfo
			if e.Status >= 500 {
				lvl = slog.LevelError
			}
			s.log.Log(r.Context(), lvl, "request failed", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", e.Status, "detail", e.Detail, "err", e.Err, "ms", time.Since(start).Milliseconds())
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) *appError {
	return writeJSONStatus(w, status, "application/json", v)
}

// writeJSONAs writes v as JSON (200) with another media type.
func writeJSONAs(w http.ResponseWriter, media string, v any) *appError {
	return writeJSONStatus(w, http.StatusOK, media, v)
}

func writeJSONStatus(w http.ResponseWriter, status int, media string, v any) *appError {
	b, err := json.Marshal(v)
	if err != nil {
		return errInternal(err)
	}
	w.Header().Set("Content-Type", media)
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}
