// Package api is greenreach's HTTP service: its routes (routes.go, the one
// place they are mounted, with their middleware), handlers and the JSON
// they answer with. Handlers parse the request (params.go), call the
// domain and write the answer (respond.go); OGC API – Features is
// api/features, and the plumbing both share (problems, parameters,
// writers, the request's caller) is api/web. Handlers read the in-memory
// index (geo/index) and write through it to the store.
package api

import (
	"cmp"
	"log/slog"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/open311"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/geo/network"
	"github.com/greenreach/greenreach/geo/repair"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/scenario"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/survey"
	"github.com/greenreach/greenreach/tiles"
	"github.com/paulmach/orb"
)

// Config is the service's typed configuration.
type Config struct {
	Addr         string        // listen address, e.g. ":8080"
	ReadTimeout  time.Duration // whole-request read limit
	WriteTimeout time.Duration
	PingTimeout  time.Duration // /readyz store check
	// TileCacheControl is the Cache-Control header of tiles.
	TileCacheControl string
	// TileCacheBytes bounds the tile cache (compressed bytes; 0: off;
	// AutoTileCache: from the loaded data).
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

	// Cases (handle_cases*.go): the categories (nil: cases.Default()), the
	// zones registered cases are dispatched by (nil: none; dispatchers
	// name the unit), the city's bound reports must lie in (zero: the
	// extent of the served layers), the largest photo one may upload (0:
	// DefaultCasePhotoBytes) and the workflow's clock (nil: time.Now).
	CaseCatalog    *cases.Catalog
	CaseZones      cases.Zones
	CaseBound      orb.Bound
	CasePhotoBytes int64
	CaseClock      func() time.Time
	// AssessRules are the monthly assessment's rules (nil: assess.Default()).
	AssessRules *assess.Rules
}

// DefaultConfig returns the defaults documented in the README.
func DefaultConfig() Config {
	return Config{Addr: ":8080", ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, PingTimeout: 2 * time.Second, TileCacheControl: "public, max-age=60", TileCacheBytes: AutoTileCache, TileCacheDoorkeeper: 32768, Anonymous: store.RolePublic, MaxUploadBytes: 256 << 20, UploadMinRate: 64 << 10, QueryTimeout: 30 * time.Second,
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
	toks             tokenCache

	net     web.Front    // trusted proxies, public URL
	work    *workQueue   // expensive requests
	reads   *workQueue   // heavy reads
	repairs *workQueue   // GEOS repairs
	rate    *rateLimiter // anonymous expensive requests; nil: no limit
	refused refusalLog   // 429 and busy 503s, logged in sum

	cases  *cases.Service // the case workflow (handle_cases*.go)
	photos *workQueue     // case bodies with photos being read (each up to Photos × CasePhotoBytes)
	// caseWrites is the store every case route writes cases through; its
	// count of writes tells the case tiles' cache a tile may be stale.
	caseWrites *cases.Counted

	// Open311 GeoReport v2 (api/open311) on the cases workflow.
	open311 *open311.Service

	// Each layer's real maximum zoom (TileJSON, OGC API – Tiles), per
	// layer version.
	detailZooms tiles.DetailZooms

	// coverageBuilds builds the audits behind coverage tiles, one per
	// snapshot and mode at a time, each in a turn of work.
	coverageBuilds *builds[coverageKey, *coverage.Audit]
	survey         *survey.Service // the green-space survey's edits and history
}

// coverageKey names an audit behind coverage tiles: a snapshot's, in a
// mode.
type coverageKey struct {
	snap *index.Snapshot
	mode string
}

// New returns a server. The index must hold the store's layers.
func New(cfg Config, st store.Store, ix *live.Index, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	c := tiles.NewCache(max(cfg.TileCacheBytes, 0))
	c.Admit(cfg.TileCacheDoorkeeper)
	c.Watch(ix)
	if !web.KnownRole(cfg.Anonymous) {
		cfg.Anonymous = store.RolePublic
	}
	rules := cfg.Rules
	if rules == nil {
		rules = coverage.Default()
	}
	s := &Server{cfg: cfg, store: st, index: ix, tiles: c, log: log, rules: rules, tileCacheControl: []string{cfg.TileCacheControl}}
	s.walks = network.NewCache(0, log)
	s.audits = coverage.NewCache(rules, s.walks)
	s.audits.Follow(ix) // a commit's audit is brought up to date, not run again
	s.scens = s.scenarioSnapshots()
	s.net = web.Front{Trusted: cfg.TrustedProxies, PublicURL: strings.TrimRight(cfg.PublicURL, "/")}
	wait := cmp.Or(cfg.QueueWait, cfg.QueryTimeout, 10*time.Second) // one wait for every queue
	s.work = newWorkQueue("expensive requests", cmp.Or(cfg.Workers, max(1, runtime.GOMAXPROCS(0)/2)), cfg.QueueLength, wait)
	s.reads = newWorkQueue("heavy reads", cmp.Or(cfg.ReadWorkers, max(1, runtime.GOMAXPROCS(0)/2)), cfg.ReadQueue, wait)
	s.repairs = newWorkQueue("GEOS repairs", cmp.Or(cfg.RepairWorkers, runtime.GOMAXPROCS(0)), 1<<20, wait)
	s.rate = newRateLimiter(cfg.RateLimit, cfg.RateBurst, cmp.Or(cfg.RateClients, 10000))
	s.coverageBuilds = newBuilds[coverageKey, *coverage.Audit](s.work, cfg.QueryTimeout, "the coverage audit")
	s.metrics = newMetrics(c, ix.Snapshot)
	s.caseWrites = &cases.Counted{Cases: st}
	s.cases = newCaseService(cfg, s.caseWrites)
	s.survey = newSurveyService(st, ix)
	s.photos = newWorkQueue("photo uploads", maxPhotoUploads, 4*maxPhotoUploads, wait)

	// Open311: citizens report inside the city's extent at start (its
	// administrative areas, else every layer), with the case routes'
	// categories and clock.
	s.open311 = &open311.Service{Reads: s.reads.acquire, Log: log,
		Cases: &cases.Service{Store: s.caseWrites, Catalog: s.cases.Catalog, Clock: s.cases.Clock, Bound: ix.Snapshot().CityBound()}}
	s.cityBoundOnLoad()
	s.SizeTileCache()
	return s
}
