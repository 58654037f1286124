package api

import (
	"fmt"

	"github.com/greenreach/greenreach/cases"
)

// oaCaseTilePaths: the case tiles (handle_case_tiles.go).
func oaCaseTilePaths() obj {
	zxy := func(maxZoom int) []obj {
		return []obj{
			oaPathParam("z", "zoom", obj{"type": "integer", "minimum": cases.TileMinZoom, "maximum": maxZoom}),
			oaPathParam("x", "column", obj{"type": "integer", "minimum": 0}),
			oaPathParam("y", "row", obj{"type": "integer", "minimum": 0}),
		}
	}
	layers := fmt.Sprintf("From zoom %d a tile draws each case as a point in layer `%s`; below it, or when a tile holds more than %d cases, layer `%s` draws the centres of a grid of cells (%d a side for staff, %d for the public) with `count`.",
		cases.PointZoom, cases.TileLayer, cases.MaxTilePoints, cases.HeatLayer, cases.HeatGrid, cases.PublicHeatGrid)
	tile := oaWithHeaders(oaResponses("200", "the tile (gzip when accepted)", oaContent("application/vnd.mapbox-vector-tile", obj{"type": "string", "format": "binary"}), "304", "400", "503"), "200", "ETag", "Cache-Control")
	day := func(name, doc string) obj {
		return param(name, doc, obj{"type": "string", "format": "date"}, false)
	}
	staff := oaOp("caseTile", "Cases as a Mapbox Vector Tile, for the case board's heatmap", "", append(zxy(cases.TileMaxZoom),
		day("from", fmt.Sprintf("first day reported (Beijing time); default %d days before to", defaultTileDays)),
		day("to", "last day reported (Beijing time); default today"),
		param("state", "states (a comma list)", obj{"type": "array", "items": obj{"type": "string", "enum": caseStates}}, false),
		param("category", "a category code (GET /api/cases/categories)", obj{"type": "string"}, false)), tile)
	staff["description"] = fmt.Sprintf("Needs a token of role inspector, dispatcher, unit (its own cases only), planner, auditor or admin. At most %d days. %s Points carry id, state, category, overdue and opened (the day reported).",
		cases.MaxTileDays, layers)
	staff["security"] = []obj{{"bearer": []string{}}}
	tile["401"], tile["403"] = oaProblem(), oaProblem()
	public := oaOp("publicCaseTile", "Registered cases of the last 90 days as a Mapbox Vector Tile, status only", "", zxy(cases.PublicMaxZoom),
		oaWithHeaders(oaResponses("200", "the tile (gzip when accepted)", oaContent("application/vnd.mapbox-vector-tile", obj{"type": "string", "format": "binary"}), "304", "400", "503"), "200", "ETag", "Cache-Control"))
	public["description"] = layers + " Points carry state, category and opened only, at the point rounded as the public list rounds it (4 decimals of a degree)."
	return obj{
		"/api/cases/tiles/{z}/{x}/{y}.mvt":        oaGet(staff),
		"/api/cases/public/tiles/{z}/{x}/{y}.mvt": oaGet(public),
	}
}
