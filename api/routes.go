package api

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/features"
	"github.com/greenreach/greenreach/api/mapstyle"
	"github.com/greenreach/greenreach/api/ogctiles"
	"github.com/greenreach/greenreach/api/open311"
	"github.com/greenreach/greenreach/store"
)

// Handler returns the routed handler, observed (metrics, request ids,
// CORS, authentication).
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	s.router = r
	s.routes(r)
	r.NotFoundHandler = s.wrap(func(w http.ResponseWriter, r *http.Request) *appError {
		return errNotFound("no route for %s", r.URL.Path)
	})
	r.MethodNotAllowedHandler = s.wrap(func(w http.ResponseWriter, r *http.Request) *appError {
		return &appError{Status: http.StatusMethodNotAllowed, Title: "Method not allowed", Detail: r.Method + " is not allowed on " + r.URL.Path}
	})
	return s.observe(s.whileLoading(r))
}

// routes mounts every route of the service, each with its middleware:
// wrap (or untimed) writes its errors and bounds its time, role asks for a
// token, costly queues expensive work. The router tries routes in order.
func (s *Server) routes(r *mux.Router) {
	ogc := &features.Service{Index: s.index, Reads: s.reads.acquire, LayerRole: layerRole}
	s.routesPlanning(r, ogc)
	s.routesCases(r)
	s.routesOGC(r, ogc)
}

// routesPlanning: tiles, health, queries, coverage, scenarios, OGC API
// Features and the planning pages.
func (s *Server) routesPlanning(r *mux.Router, ogc *features.Service) {
	get, post := []string{http.MethodGet, http.MethodHead}, []string{http.MethodPost} // GET routes answer HEAD too
	// Tiles first: most requests are for tiles.
	r.NewRoute().Name(tileRoute).MatcherFunc(matchTilePath).Methods(get...).Handler(s.serve(s.handleTile, tileTimed))
	r.Handle("/metrics", s.wrap(role(store.RoleAdmin, s.metrics.handler()))).Methods(http.MethodGet)
	r.Handle("/healthz", s.wrap(s.handleHealthz)).Methods(get...)
	r.Handle("/readyz", s.wrap(s.handleReadyz)).Methods(get...)
	r.Handle("/api/layers", s.wrap(s.handleLayers)).Methods(get...)
	r.Handle("/tiles/{layer}.json", s.wrap(s.handleTileJSON)).Methods(get...)
	r.Handle("/", s.wrap(landing(s.handleMapPage, ogc.Landing))).Methods(get...)

	// Spatial queries (handle_query.go, handle_reach.go).
	r.Handle("/api/nearest", s.wrap(s.handleNearest)).Methods(get...)
	r.Handle("/api/within", s.wrap(s.handleWithin)).Methods(get...)
	r.Handle("/api/at", s.wrap(s.handleAt)).Methods(get...)
	r.Handle("/api/search", s.wrap(s.handleSearch)).Methods(get...)
	r.Handle("/api/reach", s.wrap(s.costly(s.handleReach))).Methods(get...)

	// Coverage: audit, rules, what-if; imports.
	r.Handle("/api/audit", s.wrap(role(store.RoleAuditor, s.costly(s.handleAudit)))).Methods(get...)
	r.Handle("/api/import", s.untimed(role(store.RoleAdmin, s.handleImport))).Methods(post...)
	r.Handle("/api/rules", s.wrap(s.handleRules)).Methods(get...)
	r.Handle("/api/whatif", s.wrap(role(store.RolePlanner, s.costly(s.handleWhatIf)))).Methods(post...)

	// Scenarios (handle_scenarios.go).
	r.Handle("/api/scenarios", s.wrap(role(store.RolePlanner, s.handleScenarioList))).Methods(get...)
	r.Handle("/api/scenarios", s.wrap(role(store.RolePlanner, s.handleScenarioCreate))).Methods(post...)
	r.Handle("/api/scenarios/{id}", s.wrap(role(store.RolePlanner, s.handleScenarioGet))).Methods(get...)
	r.Handle("/api/scenarios/{id}", s.wrap(role(store.RolePlanner, s.handleScenarioUpdate))).Methods(http.MethodPatch, http.MethodPut)
	r.Handle("/api/scenarios/{id}", s.wrap(role(store.RolePlanner, s.handleScenarioDelete))).Methods(http.MethodDelete)
	r.Handle("/api/scenarios/{id}/commit", s.wrap(role(store.RoleAdmin, s.handleScenarioCommit))).Methods(post...)
	r.Handle("/api/suggest", s.wrap(role(store.RolePlanner, s.costly(s.handleSuggest)))).Methods(get...)

	// OGC API – Features (api/features) and its definition; "/" is above.
	r.Handle("/conformance", s.wrap(ogc.ConformanceDoc)).Methods(get...)
	r.Handle("/collections", s.wrap(ogc.Collections)).Methods(get...)
	r.Handle("/collections/{id}", s.wrap(ogc.Collection)).Methods(get...)
	r.Handle("/collections/{id}/items", s.wrap(ogc.Items)).Methods(get...)
	r.Handle("/collections/{id}/items/{fid}", s.wrap(ogc.Item)).Methods(get...)
	r.Handle("/api", s.wrap(handleOpenAPI())).Methods(get...)

	// The web pages' assets and the glyphs their labels ask for; the
	// public map itself is / for browsers (handle_map.go).
	r.PathPrefix("/static/").Handler(s.wrap(s.handleStatic)).Methods(get...)
	r.Handle("/fonts/{stack}/{range}.pbf", s.wrap(s.handleGlyphs)).Methods(get...)
	r.Handle("/planner", s.wrap(s.handlePlannerPage)).Methods(get...)
	r.Handle("/auditor", s.wrap(s.handleAuditorPage)).Methods(get...)

}

// routesCases: the case pages, Open311, the case API, 12345 imports and
// the monthly assessment.
func (s *Server) routesCases(r *mux.Router) {
	get, post := []string{http.MethodGet, http.MethodHead}, []string{http.MethodPost} // GET routes answer HEAD too
	// The case pages (handle_map.go): the inspector's phone page and the
	// dispatcher's board; what they show comes from /api/cases with a token.
	r.Handle("/inspect", s.wrap(s.handleInspectPage)).Methods(get...)
	r.Handle("/cases", s.wrap(s.handleCasesPage)).Methods(get...)
	r.Handle("/unit", s.wrap(s.handleUnitPage)).Methods(get...)

	// Open311 GeoReport v2 (api/open311): its errors, those of the rate
	// limit and the queue included, in GeoReport's form. A report decodes
	// a photo: it is costly.
	o3 := s.open311
	const o3ext = ".{format:json|xml}"
	r.Handle(open311.Prefix+"/discovery"+o3ext, s.wrap(o3.Handle(o3.Discovery))).Methods(get...)
	r.Handle(open311.Prefix+"/services"+o3ext, s.wrap(o3.Handle(o3.Services))).Methods(get...)
	r.Handle(open311.Prefix+"/requests"+o3ext, s.wrap(o3.Handle(o3.Requests))).Methods(get...)
	r.Handle(open311.Prefix+"/requests"+o3ext, s.wrap(o3.Handle(s.costly(o3.PostRequest)))).Methods(post...)
	r.Handle(open311.Prefix+"/requests/{id:[0-9]+}"+o3ext, s.wrap(o3.Handle(o3.Request))).Methods(get...)
	r.Handle(open311.Prefix+"/media/{id:[0-9]+}.jpg", s.wrap(o3.Handle(o3.Media))).Methods(get...)

	// Cases (handle_cases*.go): the public view and categories for anyone;
	// the rest for the case roles (see handle_cases.go), photos untimed
	// as uploads are.
	r.Handle("/api/cases/categories", s.wrap(s.handleCaseCategories)).Methods(get...)
	r.Handle("/api/cases/public", s.wrap(s.handleCasesPublic)).Methods(get...)
	// Case tiles (handle_case_tiles.go): the staff's heatmap, the public
	// map's status-only layer.
	ct := newCaseTiles(s)
	r.Handle("/api/cases/tiles/{z}/{x}/{y}.mvt", s.wrap(ct.staff)).Methods(get...)
	r.Handle("/api/cases/public/tiles/{z}/{x}/{y}.mvt", s.wrap(ct.public)).Methods(get...)
	r.Handle("/api/cases", s.wrap(s.handleCaseList)).Methods(get...)
	r.Handle("/api/cases", s.untimed(s.handleCaseReport)).Methods(post...)
	r.Handle("/api/cases/{id:[0-9]+}", s.wrap(s.handleCaseGet)).Methods(get...)
	r.Handle("/api/cases/{id:[0-9]+}/photos/{pid:[0-9]+}", s.wrap(s.handleCasePhoto(false))).Methods(get...)
	r.Handle("/api/cases/{id:[0-9]+}/photos/{pid:[0-9]+}/thumb", s.wrap(s.handleCasePhoto(true))).Methods(get...)
	r.Handle("/api/cases/{id:[0-9]+}/{action:[a-z_]+}", s.untimed(s.handleCaseStep)).Methods(post...)

	// 12345 hotline exports imported as cases, all rows or none
	// (handle_cases_import.go): dispatcher and admin, untimed as uploads are.
	r.Handle("/api/cases/import", s.untimed(s.handleCaseImport)).Methods(post...)

	// The monthly assessment (handle_assessment.go): auditor and admin, a
	// unit's token its own line; it reads every counted case of two months
	// (or a year): costly.
	r.Handle("/api/assessment", s.wrap(assessRole(s.costly(s.handleAssessment)))).Methods(get...)

	// The green-space survey (handle_survey.go): staff read records, their
	// history and the survey table; inspectors, planners, admins and a
	// unit (its own green spaces' counts) edit with If-Match.
	r.Handle("/api/survey/green.csv", s.wrap(s.handleSurveyCSV)).Methods(get...)
	r.Handle("/api/survey/green/{id:[0-9]+}", s.wrap(s.handleSurveyGet)).Methods(get...)
	r.Handle("/api/survey/green/{id:[0-9]+}", s.wrap(s.handleSurveyEdit)).Methods(http.MethodPatch)
	r.Handle("/api/survey/green/{id:[0-9]+}/history", s.wrap(s.handleSurveyHistory)).Methods(get...)

}

// routesOGC: OGC API Features Part 3, OGC API Tiles and the map's style.
func (s *Server) routesOGC(r *mux.Router, ogc *features.Service) {
	get := []string{http.MethodGet, http.MethodHead}
	// OGC API – Features Part 3: what a filter may name (api/features/cql.go).
	r.Handle("/collections/{id}/queryables", s.wrap(ogc.Queryables)).Methods(get...)

	// OGC API – Tiles (api/ogctiles): tilesets of the dataset and of each
	// collection, served by the tile route's machinery (serveTile).
	tl := &ogctiles.Service{Index: s.index, LayerRole: layerRole, Tile: s.serveTile, DetailZoom: s.detailZooms.Of}
	r.Handle("/tileMatrixSets", s.wrap(tl.TileMatrixSets)).Methods(get...)
	r.Handle("/tileMatrixSets/{tms}", s.wrap(tl.TileMatrixSet)).Methods(get...)
	r.Handle("/tiles", s.wrap(tl.DatasetTilesets)).Methods(get...)
	r.Handle("/tiles/"+ogctiles.TMSID, s.wrap(tl.DatasetTileset)).Methods(get...)
	r.Handle("/tiles/"+ogctiles.TMSID+"/{tileMatrix}/{tileRow}/{tileCol}", s.serve(tl.DatasetTile, tileTimed)).Methods(get...)
	r.Handle("/collections/{id}/tiles", s.wrap(tl.CollectionTilesets)).Methods(get...)
	r.Handle("/collections/{id}/tiles/"+ogctiles.TMSID, s.wrap(tl.CollectionTileset)).Methods(get...)
	r.Handle("/collections/{id}/tiles/"+ogctiles.TMSID+"/{tileMatrix}/{tileRow}/{tileCol}", s.serve(tl.CollectionTile, tileTimed)).Methods(get...)

	// The map's style and the sprite its symbols use (api/mapstyle).
	ms := mapstyle.New(s.index)
	r.Handle("/style.json", s.wrap(ms.Style)).Methods(get...)
	r.Handle("/sprite.json", s.wrap(ms.Sprite(1, true))).Methods(get...)
	r.Handle("/sprite.png", s.wrap(ms.Sprite(1, false))).Methods(get...)
	r.Handle("/sprite@2x.json", s.wrap(ms.Sprite(2, true))).Methods(get...)
	r.Handle("/sprite@2x.png", s.wrap(ms.Sprite(2, false))).Methods(get...)
}
