// Package hotline imports a 12345 hotline export (CSV, UTF-8 with or
// without BOM, or GB18030, headers in Chinese as the platforms write them)
// as reported cases: a row's coordinates (WGS84, GCJ-02 or BD-09) are
// converted to WGS84, a row without them is placed by matching its address
// against the named features of the index. Every row is imported or none:
// a file with any unmatched or invalid row stores nothing and lists them
// with their line numbers. The hotline's 工单编号 is kept with each case,
// so a file imported again adds nothing.
//
// It lives beside package cases rather than under importer: it makes
// cases through cases.Service, not features of a layer.
package hotline

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo/crs"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Source is the case source of imported rows.
const Source = "12345"

// Limits bound what one file may hold; each refusal names its limit.
type Limits struct {
	FileBytes  int64 // bytes of the file
	Rows       int   // data rows
	Columns    int   // columns of a row
	FieldBytes int   // bytes of one field
}

// DefaultLimits: a month's export of a large district fits.
var DefaultLimits = Limits{FileBytes: 16 << 20, Rows: store.MaxCaseBatch, Columns: 100, FieldBytes: 8 << 10}

// Columns: the header names each column may have in an export.
var columns = map[string][]string{
	"ref":      {"工单编号", "工单号", "工单编码", "编号"},
	"time":     {"受理时间", "来电时间", "登记时间", "创建时间"},
	"text":     {"诉求内容", "反映内容", "问题描述", "诉求描述"},
	"category": {"问题分类", "诉求分类", "事项分类", "问题类别"},
	"address":  {"地址", "事发地址", "发生地址", "事发地点", "地点"},
	"lon":      {"经度"},
	"lat":      {"纬度"},
	"crs":      {"坐标系"},
	"contact":  {"联系电话", "来电号码", "联系方式"},
}

// Row is one data row as read.
type Row struct {
	Line     int // of the file, 1 the header
	Ref      string
	At       time.Time // zero: not given
	Category string    // case category code
	Text     string
	Address  string
	Contact  string
	Point    orb.Point // WGS84, once placed
	Placed   string    // how: "WGS84", "GCJ-02", "BD-09" or the matched feature
}

// Problem is why a row cannot be imported.
type Problem struct {
	Line   int    `json:"line"`
	Ref    string `json:"ref,omitempty"`
	Reason string `json:"reason"`
}

// Result of an import.
type Result struct {
	File     string    `json:"file"`
	Rows     int       `json:"rows"`
	Stored   int       `json:"stored"`   // new cases
	Existing int       `json:"existing"` // rows imported before, skipped
	DryRun   bool      `json:"dry_run,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// ErrFile is wrapped by a refusal of the whole file (encoding, header,
// a limit).
var ErrFile = errors.New("bad 12345 export")

// RowsError: some rows cannot be imported; nothing was stored.
type RowsError struct {
	File     string
	Problems []Problem
}

func (e *RowsError) Error() string {
	p := e.Problems[0]
	more := ""
	if n := len(e.Problems); n > 1 {
		more = fmt.Sprintf(" (and %d more rows)", n-1)
	}
	return fmt.Sprintf("%s: %d rows cannot be imported, nothing imported: line %d: %s%s", e.File, len(e.Problems), p.Line, p.Reason, more)
}

func (e *RowsError) Unwrap() error { return ErrFile }

// Options of an import.
type Options struct {
	Limits  Limits   // zero: DefaultLimits
	Mapping *Mapping // nil: DefaultMapping of the service's catalog
	Places  *Places  // nil: rows without coordinates are unmatched
	// CRS is the coordinate system of rows that do not name one
	// ("wgs84", "gcj02", "bd09"); "" means such rows are refused.
	CRS    string
	DryRun bool // check and place every row, store nothing
}

// china is Beijing time, in which exports give their times.
var china = time.FixedZone("CST", 8*3600)

// Import reads a 12345 export (name is its file name, for messages) and
// stores every row as a reported case, or none (*RowsError).
func Import(ctx context.Context, svc *cases.Service, who cases.Actor, name string, r io.Reader, o Options) (*Result, error) {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Mapping == nil {
		o.Mapping = DefaultMapping(svc.Catalog)
	}
	rows, problems, err := Parse(ctx, name, r, o)
	if err != nil {
		return nil, err
	}
	res := &Result{File: name, Rows: len(rows) + len(problems), DryRun: o.DryRun}
	var ok []Row
	for _, row := range rows {
		if row.Placed == "" {
			at, matched, why := o.Places.lookup(row.Address)
			if why != "" {
				problems = append(problems, Problem{Line: row.Line, Ref: row.Ref, Reason: "地址 " + why})
				continue
			}
			row.Point, row.Placed = at, matched
		}
		ok = append(ok, row)
	}
	imp := make([]cases.Imported, len(ok))
	for i, row := range ok {
		imp[i] = cases.Imported{Report: cases.Report{Category: row.Category, Point: row.Point, Description: row.Text,
			Source: Source, Contact: row.Contact}, Ref: row.Ref, At: row.At}
	}
	if len(problems) == 0 && !o.DryRun {
		res.Stored, err = svc.ReportAll(ctx, who, imp)
	} else {
		// A dry run, or rows refused already: check the others as the
		// import would, so that the list of problems is whole.
		err = svc.CheckAll(ctx, who, imp)
	}
	var be *cases.BatchError
	if errors.As(err, &be) {
		for _, re := range be.Rows {
			row := ok[re.Index]
			problems = append(problems, Problem{Line: row.Line, Ref: row.Ref, Reason: reason(re.Err, row)})
		}
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(problems) > 0 {
		sortProblems(problems)
		res.Stored, res.Problems = 0, problems
		return res, &RowsError{File: name, Problems: problems}
	}
	if !o.DryRun {
		res.Existing = len(ok) - res.Stored
	}
	return res, nil
}

// reason says why the service refused a row, in the export's terms.
func reason(err error, row Row) string {
	var ie *cases.InputError
	if errors.As(err, &ie) && ie.Field == "point" {
		return fmt.Sprintf("position (%s) %s", row.Placed, ie.Msg)
	}
	return err.Error()
}

func sortProblems(ps []Problem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Line < ps[j-1].Line; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// lookup is Lookup on nil Places too (no features: nothing matches).
func (p *Places) lookup(text string) (orb.Point, string, string) {
	if p == nil {
		p = &Places{}
	}
	return p.Lookup(text)
}

// Decode returns a file's text as UTF-8: UTF-8 with its BOM dropped, or
// GB18030 decoded. Binary data, UTF-16 and text that is neither are
// refused.
func Decode(data []byte) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil, "", errors.New("UTF-16 text: save the export as CSV in UTF-8 or GB18030")
	case bytes.IndexByte(data, 0) >= 0:
		return nil, "", fmt.Errorf("binary data (a NUL byte at offset %d), not a CSV text file", bytes.IndexByte(data, 0))
	}
	if b, ok := bytes.CutPrefix(data, []byte{0xEF, 0xBB, 0xBF}); ok {
		if !utf8.Valid(b) {
			return nil, "", errors.New("a UTF-8 byte order mark, but not UTF-8 text")
		}
		return b, "UTF-8", nil
	}
	if utf8.Valid(data) {
		return data, "UTF-8", nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, "", errors.New("neither UTF-8 nor GB18030 text")
	}
	return out, "GB18030", nil
}

// Parse reads the rows of an export, with the problems of those that
// cannot be imported. A row with coordinates is placed (Row.Placed set);
// one without has its Address to match. The error refuses the whole file.
func Parse(ctx context.Context, name string, r io.Reader, o Options) ([]Row, []Problem, error) {
	l := o.Limits
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrFile, name, fmt.Sprintf(format, a...))
	}
	data, err := io.ReadAll(io.LimitReader(r, l.FileBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > l.FileBytes {
		return nil, nil, bad("more than the limit of %d bytes", l.FileBytes)
	}
	text, _, err := Decode(data)
	if err != nil {
		return nil, nil, bad("%v", err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil, bad("empty: no header row")
	}
	if err != nil {
		return nil, nil, bad("header: %v", err)
	}
	if len(head) > l.Columns {
		return nil, nil, bad("%d columns, more than the limit of %d", len(head), l.Columns)
	}
	col, err := header(head, l)
	if err != nil {
		return nil, nil, bad("header: %v", err)
	}
	var rows []Row
	var problems []Problem
	seen := map[string]int{}
	for n := 0; ; n++ {
		if n%1000 == 999 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, bad("line %d: %v", pe.StartLine, pe.Err)
			}
			return nil, nil, bad("%v", err)
		}
		if n >= l.Rows {
			return nil, nil, bad("more than the limit of %d rows", l.Rows)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		row, why := parseRow(rec, col, l, o)
		row.Line = line
		if why == "" && row.Ref != "" {
			if first, dup := seen[row.Ref]; dup {
				why = fmt.Sprintf("工单编号 %s repeats line %d", row.Ref, first)
			} else {
				seen[row.Ref] = line
			}
		}
		if why != "" {
			problems = append(problems, Problem{Line: line, Ref: row.Ref, Reason: why})
			continue
		}
		rows = append(rows, row)
	}
	if len(rows)+len(problems) == 0 {
		return nil, nil, bad("no data rows")
	}
	return rows, problems, nil
}

// header maps column roles to indexes (-1: absent).
func header(head []string, l Limits) (map[string]int, error) {
	col := map[string]int{}
	for k := range columns {
		col[k] = -1
	}
	for i, h := range head {
		if len(h) > l.FieldBytes {
			return nil, fmt.Errorf("column %d: name longer than the limit of %d bytes", i+1, l.FieldBytes)
		}
		h = strings.TrimSpace(h)
		for k, names := range columns {
			for _, n := range names {
				if h == n {
					if col[k] >= 0 {
						return nil, fmt.Errorf("two columns are %s (%d and %d)", names[0], col[k]+1, i+1)
					}
					col[k] = i
				}
			}
		}
	}
	for _, k := range []string{"ref", "category"} {
		if col[k] < 0 {
			return nil, fmt.Errorf("no %s column (%s)", columns[k][0], strings.Join(columns[k], ", "))
		}
	}
	if (col["lon"] < 0) != (col["lat"] < 0) {
		return nil, errors.New("经度 and 纬度 come together")
	}
	if col["lon"] < 0 && col["address"] < 0 {
		return nil, errors.New("neither 经度/纬度 nor 地址: no row could be placed")
	}
	return col, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// timeLayouts are the forms 受理时间 takes in exports (Beijing time).
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006-01-02T15:04:05", "2006年1月2日 15:04:05", "2006年1月2日 15:04"}

// parseRow reads one record; why says why it cannot be imported.
func parseRow(rec []string, col map[string]int, l Limits, o Options) (Row, string) {
	var row Row
	for i, f := range rec {
		if len(f) > l.FieldBytes {
			return row, fmt.Sprintf("field %d is longer than the limit of %d bytes", i+1, l.FieldBytes)
		}
	}
	if len(rec) > l.Columns {
		return row, fmt.Sprintf("%d fields, more than the limit of %d", len(rec), l.Columns)
	}
	get := func(k string) string {
		if i := col[k]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row.Ref, row.Text, row.Address, row.Contact = get("ref"), get("text"), get("address"), get("contact")
	if row.Ref == "" {
		return row, "no 工单编号"
	}
	cat := get("category")
	code, ok := o.Mapping.Code(cat)
	if !ok {
		return row, fmt.Sprintf("问题分类 %q maps to no case category (see the mapping %s)", cat, o.Mapping.Name)
	}
	row.Category = code
	if row.Text == "" {
		row.Text = cat
	}
	if t := get("time"); t != "" {
		var err error
		for _, layout := range timeLayouts {
			if row.At, err = time.ParseInLocation(layout, t, china); err == nil {
				break
			}
		}
		if err != nil {
			return row, fmt.Sprintf("受理时间 %q is not a time like 2026-03-02 09:15:00", t)
		}
	}
	lon, lat := get("lon"), get("lat")
	if lon == "" && lat == "" {
		return row, ""
	}
	if lon == "" || lat == "" {
		return row, "经度 and 纬度 come together"
	}
	x, errX := strconv.ParseFloat(lon, 64)
	y, errY := strconv.ParseFloat(lat, 64)
	if errX != nil || errY != nil || math.IsNaN(x) || math.IsNaN(y) || math.Abs(x) > 180 || math.Abs(y) > 90 {
		return row, fmt.Sprintf("经度 %q 纬度 %q are not a longitude and latitude in degrees", lon, lat)
	}
	name := get("crs")
	if name == "" {
		name = o.CRS
	}
	if name == "" {
		return row, "no 坐标系 (WGS84, GCJ-02 or BD-09) for its coordinates"
	}
	sys, ok := system(name)
	if !ok {
		return row, fmt.Sprintf("坐标系 %q: want WGS84, GCJ-02 or BD-09", name)
	}
	p := orb.Point{x, y}
	switch sys {
	case "GCJ-02":
		p = crs.GCJ02ToWGS84(p)
	case "BD-09":
		p = crs.BD09ToWGS84(p)
	}
	row.Point, row.Placed = p, sys
	return row, ""
}

// system names a coordinate system as exports spell it.
func system(s string) (string, bool) {
	k := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(normalize(s)))
	switch k {
	case "wgs84", "gps", "epsg:4326", "4326", "wgs":
		return "WGS84", true
	case "gcj02", "gcj", "火星坐标", "火星", "国测局", "高德", "腾讯":
		return "GCJ-02", true
	case "bd09", "bd09ll", "bd", "百度", "百度坐标":
		return "BD-09", true
	}
	return "", false
}
