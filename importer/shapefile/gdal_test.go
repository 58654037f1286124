package shapefile

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// mixed holds every geometry kind a Shapefile stores, in lon/lat: a
// polygon with a hole, a multipolygon whose second part has a hole, an
// island inside a hole, lines and multilines, points and multipoints,
// with Chinese text, numbers and nulls.
func mixed(kind string) string {
	var feats []string
	add := func(geom string, i int) {
		name := fmt.Sprintf(`"锦华苑%d期"`, i)
		pop := strconv.Itoa(100 * i)
		if i%3 == 0 {
			name, pop = "null", "null"
		}
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"name":%s,"population":%s,"area":%g,"code":"P-%d"},"geometry":%s}`, name, pop, 1.5*float64(i), i, geom))
	}
	sq := func(x, y, d float64, ccw bool) string {
		ps := [][2]float64{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}
		if !ccw {
			slices.Reverse(ps)
		}
		b, _ := json.Marshal(ps)
		return string(b)
	}
	for i := range 12 {
		x, y := 104+0.01*float64(i), 30.6+0.003*float64(i)
		switch kind {
		case "polygon":
			switch i % 4 {
			case 0:
				add(fmt.Sprintf(`{"type":"Polygon","coordinates":[%s]}`, sq(x, y, 0.002, true)), i)
			case 1:
				add(fmt.Sprintf(`{"type":"Polygon","coordinates":[%s,%s]}`, sq(x, y, 0.002, true), sq(x+0.0005, y+0.0005, 0.0005, false)), i)
			case 2:
				add(fmt.Sprintf(`{"type":"MultiPolygon","coordinates":[[%s],[%s,%s]]}`, sq(x, y, 0.001, true), sq(x+0.003, y, 0.002, true), sq(x+0.0035, y+0.0005, 0.001, false)), i)
			case 3: // an island in a hole
				add(fmt.Sprintf(`{"type":"MultiPolygon","coordinates":[[%s,%s],[%s]]}`, sq(x, y, 0.004, true), sq(x+0.001, y+0.001, 0.002, false), sq(x+0.0015, y+0.0015, 0.001, true)), i)
			}
		case "line":
			if i%2 == 0 {
				add(fmt.Sprintf(`{"type":"LineString","coordinates":[[%g,%g],[%g,%g],[%g,%g]]}`, x, y, x+0.001, y+0.0007, x+0.002, y), i)
			} else {
				add(fmt.Sprintf(`{"type":"MultiLineString","coordinates":[[[%g,%g],[%g,%g]],[[%g,%g],[%g,%g],[%g,%g]]]}`, x, y, x+0.001, y, x, y+0.001, x+0.001, y+0.001, x+0.002, y+0.0015), i)
			}
		case "point":
			add(fmt.Sprintf(`{"type":"Point","coordinates":[%g,%g]}`, x+1e-7*float64(i), y), i)
		case "multipoint":
			add(fmt.Sprintf(`{"type":"MultiPoint","coordinates":[[%g,%g],[%g,%g],[%g,%g]]}`, x, y, x+0.0001, y, x, y+0.0003), i)
		}
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",\n") + "]}"
}

// record is one Shapefile record as read: its geometry and dbf fields.
type record struct {
	geom  orb.Geometry
	props map[string]string
}

// readRaw reads a Shapefile with this package's reader, without the
// importer's reprojection and repair, decoding text as the .cpg says.
func readRaw(t *testing.T, shpPath string) []record {
	t.Helper()
	enc, _, err := sidecar(shpPath, ".cpg")
	if err != nil {
		t.Fatal(err)
	}
	decode, err := decoderFor(enc)
	if err != nil {
		t.Fatal(err)
	}
	dbf, size, _, err := openSidecar(shpPath, ".dbf")
	if err != nil {
		t.Fatal(err)
	}
	defer dbf.Close()
	tbl, err := openTable(dbf, size)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(shpPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	shx, shxSize, ok, _ := openSidecar(shpPath, ".shx")
	var index *os.File
	if ok {
		defer shx.Close()
		index = shx
	}
	var recs *shapes
	if index != nil {
		recs, err = newShapes(f, st.Size(), index, shxSize)
	} else {
		recs, err = newShapes(f, st.Size(), nil, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for {
		n, sh, err := recs.Next()
		if err != nil {
			if err.Error() == "EOF" {
				return out
			}
			t.Fatal(err)
		}
		if n != int64(len(out)) {
			t.Fatalf("record %d read as number %d", len(out), n)
		}
		row, err := tbl.row(n)
		if err != nil {
			t.Fatal(err)
		}
		props := map[string]string{}
		for _, fld := range tbl.fields {
			v := strings.Trim(fld.value(row), "\x00 ")
			if v == "" || strings.Trim(v, "*") == "" {
				continue
			}
			if props[fld.name], err = decode(v); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, record{geometry(sh), props})
	}
}

// readGDAL reads a Shapefile with GDAL (ogr2ogr to GeoJSON).
func readGDAL(t *testing.T, shpPath string) *geojson.FeatureCollection {
	t.Helper()
	out := filepath.Join(t.TempDir(), "gdal.geojson")
	ogr2ogr(t, "-f", "GeoJSON", "-lco", "RFC7946=NO", out, shpPath)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	return fc
}

// canon writes a geometry so that equal geometries read by GDAL and by us
// compare equal: single parts as multis, polygons and holes in a sorted
// order (the two assign holes to outers independently), coordinates to 12
// significant digits (GDAL's GeoJSON writes 15).
func canon(g orb.Geometry) string {
	ring := func(ps []orb.Point) string {
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "%.12g,%.12g ", p[0], p[1])
		}
		return b.String()
	}
	poly := func(p orb.Polygon) string {
		holes := make([]string, 0, len(p))
		for _, h := range p[1:] {
			holes = append(holes, ring(h))
		}
		slices.Sort(holes)
		return ring(p[0]) + "holes[" + strings.Join(holes, "|") + "]"
	}
	switch g := g.(type) {
	case nil:
		return "nil"
	case orb.Point:
		return "point " + ring([]orb.Point{g})
	case orb.MultiPoint:
		return "multipoint " + ring(g)
	case orb.LineString:
		return canon(orb.MultiLineString{g})
	case orb.MultiLineString:
		var s []string
		for _, l := range g {
			s = append(s, ring(l))
		}
		return "lines " + strings.Join(s, "|")
	case orb.Polygon:
		return canon(orb.MultiPolygon{g})
	case orb.MultiPolygon:
		var s []string
		for _, p := range g {
			s = append(s, poly(p))
		}
		slices.Sort(s)
		return "polygons " + strings.Join(s, " / ")
	}
	return fmt.Sprintf("%T", g)
}

// TestAgainstGDAL: Shapefiles GDAL writes — every shape type in 2D, Z and
// M, UTF-8 and GBK text, with and without the .shx — read here exactly as
// GDAL reads them back: same records in the same order, same coordinates,
// same polygons and holes, same attribute values.
func TestAgainstGDAL(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"polygon", "line", "point", "multipoint", "fixture"} {
		in := filepath.Join(dir, kind+".geojson")
		data := mixed(kind)
		if kind == "fixture" {
			data = src
		}
		if err := os.WriteFile(in, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dim := range []string{"XY", "XYZ", "XYM"} {
			for _, enc := range []string{"UTF-8", "GBK"} {
				name := fmt.Sprintf("%s-%s-%s", kind, dim, enc)
				t.Run(name, func(t *testing.T) {
					shpPath := filepath.Join(dir, name+".shp")
					args := []string{"-f", "ESRI Shapefile", "-dim", dim, "-lco", "ENCODING=" + enc}
					if kind == "multipoint" {
						args = append(args, "-nlt", "MULTIPOINT")
					}
					ogr2ogr(t, append(args, shpPath, in)...)
					want := readGDAL(t, shpPath)
					got := readRaw(t, shpPath)
					compare(t, got, want)
					// Without the index the records are read in sequence, to the same result.
					shx := strings.TrimSuffix(shpPath, ".shp") + ".shx"
					if err := os.Rename(shx, shx+".off"); err != nil {
						t.Fatal(err)
					}
					compare(t, readRaw(t, shpPath), want)
				})
			}
		}
	}
}

func compare(t *testing.T, got []record, want *geojson.FeatureCollection) {
	t.Helper()
	if len(got) != len(want.Features) || len(got) == 0 {
		t.Fatalf("%d records, GDAL reads %d", len(got), len(want.Features))
	}
	for i, f := range want.Features {
		if g, w := canon(got[i].geom), canon(f.Geometry); g != w {
			t.Errorf("record %d: geometry\n %s\nGDAL:\n %s", i, g, w)
		}
		for k, v := range f.Properties {
			g, ok := got[i].props[k]
			switch v := v.(type) {
			case nil:
				if ok {
					t.Errorf("record %d: %s = %q, GDAL reads NULL", i, k, g)
				}
			case string:
				if g != v && !(v == "" && !ok) {
					t.Errorf("record %d: %s = %q, GDAL reads %q", i, k, g, v)
				}
			case float64:
				if x, err := strconv.ParseFloat(g, 64); err != nil || math.Abs(x-v) > 1e-9 {
					t.Errorf("record %d: %s = %q, GDAL reads %v", i, k, g, v)
				}
			default:
				t.Errorf("record %d: %s: GDAL reads a %T", i, k, v)
			}
		}
		if len(got[i].props) > len(f.Properties) {
			t.Errorf("record %d: fields %v, GDAL reads %v", i, got[i].props, f.Properties)
		}
	}
}
