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
//   - Hostile files: the .shp/.shx/.dbf readers here bound every count,
//     length and offset by the bytes the file holds before allocating, and
//     a .zip is unpacked within limits on its total size, its entries and
//     its compression ratio (unzip.go); a malformed file fails in one line
//     naming the file and the record.
package shapefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/importer"
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
	TempDir  string            // where a .zip is unpacked ("": os.TempDir())
	MaxUnzip int64             // bytes a .zip may unpack to in all (0: DefaultMaxUnzip)
}

// ReadFile reads a .shp (or a .zip holding one) into features ready for
// importer.Load.
func ReadFile(ctx context.Context, path string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	if strings.HasSuffix(strings.ToLower(path), ".zip") {
		dir, shpPath, err := unzip(ctx, path, opt.TempDir, opt.MaxUnzip)
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

// maxSidecar bounds the .prj and .cpg, which are a line or two of text.
const maxSidecar = 64 << 10

// openSidecar opens the file beside shpPath with extension ext (either
// case); ok is false when there is none.
func openSidecar(shpPath, ext string) (f *os.File, size int64, ok bool, err error) {
	base := strings.TrimSuffix(shpPath, filepath.Ext(shpPath))
	for _, e := range []string{ext, strings.ToUpper(ext)} {
		f, err := os.Open(base + e)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, false, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, false, err
		}
		return f, st.Size(), true, nil
	}
	return nil, 0, false, nil
}

// sidecar reads a small text file beside shpPath (.prj, .cpg).
func sidecar(shpPath, ext string) (string, bool, error) {
	f, size, ok, err := openSidecar(shpPath, ext)
	if !ok || err != nil {
		return "", false, err
	}
	defer f.Close()
	if size > maxSidecar {
		return "", false, fmt.Errorf("the %s is %d bytes, over the %d a %s may be", ext, size, maxSidecar, ext)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSidecar))
	return string(b), true, err
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
func read(ctx context.Context, shpPath, name string, opt Options) ([]*geo.Feature, *importer.Summary, error) {
	fail := func(err error) ([]*geo.Feature, *importer.Summary, error) {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if geo.SchemaOf(opt.Layer) == nil {
		return fail(fmt.Errorf("unknown layer %q (one of green, parcels, roads, waste, areas)", opt.Layer))
	}
	if opt.Source == "" {
		opt.Source = "shapefile:" + filepath.Base(shpPath)
	}
	tr, err := transformer(shpPath, opt.CRS)
	if err != nil {
		return fail(err)
	}
	defer tr.Close()
	decode, err := textDecoder(shpPath, opt.Encoding)
	if err != nil {
		return fail(err)
	}
	recs, err := openRecords(shpPath, decode, opt.IDField)
	if err != nil {
		return fail(err)
	}
	defer recs.close()
	col, err := importer.NewCollector(name, "shapefile", opt.Layer, opt.Source, opt.Fields, tr)
	if err != nil {
		return nil, nil, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		more, err := recs.add(col)
		if err != nil {
			return fail(err)
		}
		if !more {
			break
		}
	}
	feats, sum := col.Done()
	return feats, sum, nil
}

// transformer converts from the coordinate system def, else the .prj's,
// else WGS84.
func transformer(shpPath, def string) (*crs.Transformer, error) {
	if def == "" {
		prj, ok, err := sidecar(shpPath, ".prj")
		if err != nil {
			return nil, err
		}
		def = "EPSG:4326"
		if ok {
			def = prj
		}
	}
	return crs.New(def)
}

// textDecoder decodes the .dbf's text in the encoding enc, else the
// .cpg's, else UTF-8 or GB18030 as each value looks.
func textDecoder(shpPath, enc string) (decoder, error) {
	if enc == "" {
		var err error
		if enc, _, err = sidecar(shpPath, ".cpg"); err != nil {
			return nil, err
		}
	}
	return decoderFor(enc)
}

// records reads a shapefile's shapes, in order, with their attribute rows.
type records struct {
	tbl     *table
	shapes  *shapes
	decode  decoder
	idField string
	files   []*os.File
}

// openRecords opens the .dbf, the .shx if there is one, and the .shp, and
// checks their headers.
func openRecords(shpPath string, decode decoder, idField string) (*records, error) {
	rs := &records{decode: decode, idField: idField}
	if err := rs.open(shpPath); err != nil {
		rs.close()
		return nil, err
	}
	return rs, nil
}

func (rs *records) open(shpPath string) error {
	dbf, dbfSize, ok, err := openSidecar(shpPath, ".dbf")
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the .dbf (attributes) is missing beside the .shp")
	}
	rs.files = append(rs.files, dbf)
	if rs.tbl, err = openTable(dbf, dbfSize); err != nil {
		return err
	}
	shx, shxSize, ok, err := openSidecar(shpPath, ".shx")
	if err != nil {
		return err
	}
	var index io.ReaderAt // nil without a .shx: records are read in sequence
	if ok {
		rs.files = append(rs.files, shx)
		index = shx
	}
	f, err := os.Open(shpPath)
	if err != nil {
		return err
	}
	rs.files = append(rs.files, f)
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rs.shapes, err = newShapes(f, st.Size(), index, shxSize)
	return err
}

func (rs *records) close() {
	for _, f := range rs.files {
		f.Close()
	}
}

// add reads the next record into col; false after the last one.
func (rs *records) add(col *importer.Collector) (bool, error) {
	n, sh, err := rs.shapes.Next()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	row, err := rs.tbl.row(n)
	if err != nil {
		return false, err
	}
	props := make(map[string]any, len(rs.tbl.fields))
	for _, fld := range rs.tbl.fields {
		v := strings.Trim(fld.value(row), "\x00 ")
		if v == "" || strings.Trim(v, "*") == "" { // dBase writes a NULL number as asterisks
			continue
		}
		s, err := rs.decode(v)
		if err != nil {
			return false, fmt.Errorf("record %d, field %s: %w", n, fld.name, err)
		}
		props[fld.name] = s
	}
	sid := fmt.Sprintf("#%d", n)
	if rs.idField != "" {
		v, ok := props[rs.idField].(string)
		if !ok {
			return false, fmt.Errorf("record %d has no %s (the --id field)", n, rs.idField)
		}
		sid = v
	}
	if err := col.Add(sid, geometry(sh), props); err != nil {
		return false, fmt.Errorf("record %d: %w", n, err)
	}
	return true, nil
}

// parts splits a multi-part shape's points at its part offsets; nil when
// the offsets are out of order or out of range.
func parts(offsets []int32, ps []orb.Point) [][]orb.Point {
	var out [][]orb.Point
	for i, start := range offsets {
		end := int32(len(ps))
		if i+1 < len(offsets) {
			end = offsets[i+1]
		}
		if start < 0 || start > end || end > int32(len(ps)) {
			return nil
		}
		out = append(out, ps[start:end:end]) // capped: a part never grows into the next
	}
	return out
}

func geometry(s shape) orb.Geometry {
	switch s.kind {
	case shapePoint, shapePointZ, shapePointM:
		return s.pts[0]
	case shapePolyLine, shapePolyLineZ, shapePolyLineM:
		return lines(parts(s.parts, s.pts))
	case shapePolygon, shapePolygonZ, shapePolygonM:
		return polygons(parts(s.parts, s.pts))
	case shapeMultiPoint, shapeMultiPointZ, shapeMultiPointM:
		return orb.MultiPoint(s.pts)
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
