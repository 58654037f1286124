package ogctiles

import (
	"math"
	"strconv"
)

// The one tile matrix set served: WebMercatorQuad of OGC 17-083r4 (2D Tile
// Matrix Set and Tileset Metadata 2.0, Annex D.1), the z/x/y grid of every
// web map, 256 × 256 tiles from zoom 0 to tiles.MaxZoom.
const (
	TMSID      = "WebMercatorQuad"
	TMSURI     = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	CRS3857    = "http://www.opengis.net/def/crs/EPSG/0/3857"
	CRS84      = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	wkssGoogle = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"
)

// halfWorld is half the Web Mercator world's width in metres (πR, R the
// WGS84 semi-major axis): the origin is (-halfWorld, halfWorld).
const halfWorld = math.Pi * 6378137

// pixelSize is the standardised rendering pixel of the scale denominators,
// 0.28 mm.
const pixelSize = 0.28e-3

// TileMatrix is one zoom of a tile matrix set (2DTMS 2.0 tileMatrix).
type TileMatrix struct {
	ID               string     `json:"id"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      int        `json:"matrixWidth"`
	MatrixHeight     int        `json:"matrixHeight"`
	// The same in 2DTMS 1.0's words, which GDAL before 3.7 reads.
	Identifier    string     `json:"identifier"`
	TopLeftCorner [2]float64 `json:"topLeftCorner"`
}

// TileMatrixSet is a tile matrix set definition (2DTMS 2.0, with the
// members of 1.0 that older clients read alongside).
type TileMatrixSet struct {
	ID                string       `json:"id"`
	Title             string       `json:"title"`
	URI               string       `json:"uri"`
	CRS               string       `json:"crs"`
	OrderedAxes       []string     `json:"orderedAxes"`
	WellKnownScaleSet string       `json:"wellKnownScaleSet"`
	TileMatrices      []TileMatrix `json:"tileMatrices"`
	// 2DTMS 1.0
	Type         string       `json:"type"`
	Identifier   string       `json:"identifier"`
	SupportedCRS string       `json:"supportedCRS"`
	TileMatrix   []TileMatrix `json:"tileMatrix"`
	BoundingBox  struct {
		Type        string     `json:"type"`
		CRS         string     `json:"crs"`
		LowerCorner [2]float64 `json:"lowerCorner"`
		UpperCorner [2]float64 `json:"upperCorner"`
	} `json:"boundingBox"`
	Links []Link `json:"links,omitempty"`
}

// WebMercatorQuad is the definition of the tile matrix set, zooms 0 to
// maxZoom.
func WebMercatorQuad(maxZoom int) TileMatrixSet {
	tms := TileMatrixSet{
		ID: TMSID, Title: "Google Maps Compatible for the World", URI: TMSURI, CRS: CRS3857,
		OrderedAxes: []string{"X", "Y"}, WellKnownScaleSet: wkssGoogle,
		Type: "TileMatrixSetType", Identifier: TMSID, SupportedCRS: CRS3857,
	}
	tms.BoundingBox.Type, tms.BoundingBox.CRS = "BoundingBoxType", CRS3857
	tms.BoundingBox.LowerCorner = [2]float64{-halfWorld, -halfWorld}
	tms.BoundingBox.UpperCorner = [2]float64{halfWorld, halfWorld}
	for z := 0; z <= maxZoom; z++ {
		n := 1 << z
		cell := 2 * halfWorld / 256 / float64(n)
		id := strconv.Itoa(z)
		tms.TileMatrices = append(tms.TileMatrices, TileMatrix{
			ID: id, ScaleDenominator: cell / pixelSize, CellSize: cell, CornerOfOrigin: "topLeft",
			PointOfOrigin: [2]float64{-halfWorld, halfWorld}, TileWidth: 256, TileHeight: 256,
			MatrixWidth: n, MatrixHeight: n, Identifier: id, TopLeftCorner: [2]float64{-halfWorld, halfWorld},
		})
	}
	tms.TileMatrix = tms.TileMatrices
	return tms
}
