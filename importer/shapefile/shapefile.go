// Package shapefile imports an ESRI Shapefile (.shp with its .shx, .dbf and,
// where present, .prj and .cpg; or a .zip holding one) into one greenreach
// layer.
//
//   - Coordinate system: the .prj (ESRI WKT, read by PROJ — CGCS2000 and its
//     Gauss-Krüger zones, UTM, Web Mercator, …); Options.CRS (--crs)
//     overrides it; without either the file is taken as WGS84 lon/lat.
//     Implausible coordinates fail the file (geo/crs).
//   - Text encoding of the .dbf: Options.Encoding (--encoding), else the
//     .cpg (UTF-8, GBK/CP936/GB2312/GB18030 — all read as GB18030, their
//     superset), else UTF-8 when the bytes are valid UTF-8 and GB18030 when
//     not (Chinese bureaus' files without a .cpg are GBK).
//   - Attributes as in the GeoJSON importer: fields named like the layer's,
//     or a field map (--map). Source id: the dbf field Options.IDField, else
//     the record number ("#0"). Source: "shapefile:" + the base name.
//   - Polygons: a Shapefile's outer rings are clockwise and its holes
//     counter-clockwise; holes go to the outer ring that contains them.
package shapefile

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/importer"
	shp "github.com/jonas-p/go-shp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Extensions are the file name endings this package reads.
var Extensions = []string{".shp", ".zip"}

// Supported reports whether path looks like a Shapefile or a zip of one.
func Supported(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".shp") || strings.HasSuffix(p, ".zip")
}

// Options control a Shapefile import.
type Options struct {
	Layer    string            // required
	Source   string            // default "shapefile:" + base name
	Fields   map[string]string // field → dbf field; nil: same-named fields
	IDField  string            // dbf field holding a stable id; default: record number
	CRS      string            // overrides the .prj
	Encoding string            // overrides the .cpg: "utf-8" or "gbk"/"gb18030"
}

// ReadFile reads a .shp (or a .zip holding one) into features ready for
// importer.Load.
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	if strings.HasSuffix(strings.ToLower(path), ".zip") {
		dir, shpPath, err := unzip(path)
		if dir != "" {
			defer os.RemoveAll(dir)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if opt.Source == "" {
			opt.Source = "shapefile:" + filepath.Base(path)
		}
		feats, sum, err := read(ctx, shpPath, path, opt)
		return feats, sum, err
	}
	return read(ctx, path, path, opt)
}

// unzip extracts the one Shapefile of a zip into a temporary directory.
func unzip(path string) (dir, shpPath string, err error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return "", "", fmt.Errorf("not a zip archive: %w", err)
	}
	defer z.Close()
	var shps []string
	for _, f := range z.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".shp") && !strings.HasPrefix(filepath.Base(f.Name), ".") {
			shps = append(shps, f.Name)
		}
	}
	switch len(shps) {
	case 0:
		return "", "", errors.New("the zip holds no .shp file")
	case 1:
	default:
		return "", "", fmt.Errorf("the zip holds %d Shapefiles (%s): zip one per import", len(shps), strings.Join(shps, ", "))
	}
	stem := strings.TrimSuffix(shps[0], filepath.Ext(shps[0]))
	dir, err = os.MkdirTemp("", "greenreach-shp-")
	if err != nil {
		return "", "", err
	}
	for _, f := range z.File {
		if strings.TrimSuffix(f.Name, filepath.Ext(f.Name)) != stem {
			continue
		}
		dst := filepath.Join(dir, "layer"+strings.ToLower(filepath.Ext(f.Name)))
		if err := extract(f, dst); err != nil {
			return dir, "", err
		}
	}
	return dir, filepath.Join(dir, "layer.shp"), nil
}

func extract(f *zip.File, dst string) error {
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, io.LimitReader(r, 4<<30)); err != nil {
		w.Close()
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return w.Close()
}

func sidecar(shpPath, ext string) ([]byte, bool) {
	base := strings.TrimSuffix(shpPath, filepath.Ext(shpPath))
	for _, e := range []string{ext, strings.ToUpper(ext)} {
		if b, err := os.ReadFile(base + e); err == nil {
			return b, true
		}
	}
	return nil, false
}

type decoder func(string) (string, error)

func decoderFor(enc string) (decoder, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "auto":
		gb := simplifiedchinese.GB18030.NewDecoder()
		return func(s string) (string, error) {
			if utf8.ValidString(s) {
				return s, nil
			}
			return gb.String(s)
		}, nil
	case "utf-8", "utf8", "65001":
		return func(s string) (string, error) {
			if !utf8.ValidString(s) {
				return "", errors.New("not UTF-8 (the .cpg says UTF-8; try --encoding gbk)")
			}
			return s, nil
		}, nil
	case "gbk", "cp936", "936", "gb2312", "gb18030", "54936", "ansi 936":
		gb := simplifiedchinese.GB18030.NewDecoder()
		return func(s string) (string, error) { return gb.String(s) }, nil
	}
	return nil, fmt.Errorf("text encoding %q is not one greenreach reads (utf-8, gbk, gb18030)", enc)
}

// read reads shpPath; name is what messages call the file.
func read(ctx context.Context, shpPath, name string, opt Options) (feats []*geo.Feature, sum *importer.Summary, err error) {
	if geo.SchemaOf(opt.Layer) == nil {
		return nil, nil, fmt.Errorf("%s: unknown layer %q (one of green, parcels, roads, waste, areas)", name, opt.Layer)
	}
	if opt.Source == "" {
		opt.Source = "shapefile:" + filepath.Base(shpPath)
	}
	def := opt.CRS
	if def == "" {
		if prj, ok := sidecar(shpPath, ".prj"); ok {
			def = string(prj)
		} else {
			def = "EPSG:4326"
		}
	}
	tr, err := crs.New(def)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	defer tr.Close()
	enc := opt.Encoding
	if enc == "" {
		if cpg, ok := sidecar(shpPath, ".cpg"); ok {
			enc = string(cpg)
		}
	}
	decode, err := decoderFor(enc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := sidecar(shpPath, ".dbf"); !ok {
		return nil, nil, fmt.Errorf("%s: the .dbf (attributes) is missing beside the .shp", name)
	}
	r, err := shp.Open(shpPath)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	defer r.Close()
	// go-shp panics on some malformed files: a panic is the file's fault.
	defer func() {
		if p := recover(); p != nil {
			feats, sum, err = nil, nil, fmt.Errorf("%s: malformed Shapefile: %v", name, p)
		}
	}()
	fields := r.Fields()
	col, err := importer.NewCollector(name, "shapefile", opt.Layer, opt.Source, opt.Fields, tr)
	if err != nil {
		return nil, nil, err
	}
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		n, shape := r.Shape()
		props := make(map[string]any, len(fields))
		for i, f := range fields {
			v := strings.Trim(r.ReadAttribute(n, i), "\x00 ")
			if v == "" || strings.Trim(v, "*") == "" { // dBase writes a NULL number as asterisks
				continue
			}
			s, err := decode(v)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: record %d, field %s: %w", name, n, f.String(), err)
			}
			props[f.String()] = s
		}
		sid := fmt.Sprintf("#%d", n)
		if opt.IDField != "" {
			v, ok := props[opt.IDField].(string)
			if !ok {
				return nil, nil, fmt.Errorf("%s: record %d has no %s (the --id field)", name, n, opt.IDField)
			}
			sid = v
		}
		if err := col.Add(sid, geometry(shape), props); err != nil {
			return nil, nil, fmt.Errorf("%s: record %d: %w", name, n, err)
		}
	}
	if err := r.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	feats, sum = col.Done()
	return feats, sum, nil
}

func points(ps []shp.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = orb.Point{p.X, p.Y}
	}
	return out
}

// parts splits a multi-part shape's points at its part offsets.
func parts(offsets []int32, ps []shp.Point) [][]orb.Point {
	var out [][]orb.Point
	for i, start := range offsets {
		end := int32(len(ps))
		if i+1 < len(offsets) {
			end = offsets[i+1]
		}
		if start < 0 || start > end || end > int32(len(ps)) {
			return nil
		}
		out = append(out, points(ps[start:end]))
	}
	return out
}

func geometry(s shp.Shape) orb.Geometry {
	switch t := s.(type) {
	case *shp.Point:
		return orb.Point{t.X, t.Y}
	case *shp.PointZ:
		return orb.Point{t.X, t.Y}
	case *shp.PointM:
		return orb.Point{t.X, t.Y}
	case *shp.PolyLine:
		return lines(parts(t.Parts, t.Points))
	case *shp.PolyLineZ:
		return lines(parts(t.Parts, t.Points))
	case *shp.PolyLineM:
		return lines(parts(t.Parts, t.Points))
	case *shp.Polygon:
		return polygons(parts(t.Parts, t.Points))
	case *shp.PolygonZ:
		return polygons(parts(t.Parts, t.Points))
	case *shp.PolygonM:
		return polygons(parts(t.Parts, t.Points))
	case *shp.MultiPoint:
		return orb.MultiPoint(points(t.Points))
	}
	return nil
}

func lines(ps [][]orb.Point) orb.Geometry {
	if len(ps) == 0 {
		return nil
	}
	ml := make(orb.MultiLineString, len(ps))
	for i, p := range ps {
		ml[i] = p
	}
	return ml
}

// polygons groups rings: clockwise ones are outers, counter-clockwise ones
// are holes of the outer that contains them (an orphan hole becomes an
// outer, as GDAL does).
func polygons(rs [][]orb.Point) orb.Geometry {
	var outers orb.MultiPolygon
	var holes []orb.Ring
	for _, p := range rs {
		r := orb.Ring(p)
		if len(r) < 4 {
			continue
		}
		if r.Orientation() == orb.CW {
			outers = append(outers, orb.Polygon{r})
		} else {
			holes = append(holes, r)
		}
	}
	for _, h := range holes {
		placed := false
		for i := range outers {
			if planar.RingContains(outers[i][0], h[0]) {
				outers[i] = append(outers[i], h)
				placed = true
				break
			}
		}
		if !placed {
			outers = append(outers, orb.Polygon{h})
		}
	}
	if len(outers) == 0 {
		return nil
	}
	return outers
}
