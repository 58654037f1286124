package survey

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/i18n"
)

// bom is the UTF-8 byte-order mark that tells spreadsheet programs the
// file is UTF-8 (Excel reads Chinese as mojibake without it).
const bom = "\ufeff"

// csvFields are the green layer's columns of the survey table (普查表),
// after the feature id and before the unit's name.
var csvFields = []string{"name", "kind", "area_m2", "grade", "unit"}

// unitNameHeader heads the column of the responsible unit's name.
var unitNameHeader = i18n.Text{ZH: "责任单位名称", EN: "Unit name"}

// Header is the survey table's header in l: the schema's aliases of the
// feature id, name, kind, area, grade and unit, the unit's name, then
// trees, shrub and lawn areas, version and update time.
func Header(l i18n.Lang) []string {
	sc := geo.SchemaOf(geo.Green)
	alias := func(name string) string {
		for _, c := range sc.Columns() {
			if c.Name == name {
				return c.Alias.In(l)
			}
		}
		return name
	}
	h := []string{alias("fid")}
	for _, f := range csvFields {
		h = append(h, alias(f))
	}
	h = append(h, unitNameHeader.In(l))
	for _, f := range UnitFields {
		h = append(h, alias(f))
	}
	return append(h, alias("version"), alias("updated"))
}

// WriteCSV writes the survey table of the green spaces each visits, one
// row a green space, with a BOM unless noBOM and the header in l;
// unitName names a unit by its id ("" when unknown). It checks ctx every
// thousand rows.
func WriteCSV(ctx context.Context, out io.Writer, l i18n.Lang, noBOM bool, each func(func(*geo.Feature) bool), unitName func(string) string) error {
	if !noBOM {
		if _, err := io.WriteString(out, bom); err != nil {
			return err
		}
	}
	w := csv.NewWriter(out)
	if err := w.Write(Header(l)); err != nil {
		return err
	}
	var err error
	n := 0
	row := make([]string, 0, 12)
	each(func(f *geo.Feature) bool {
		if n++; n%1000 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		row = append(row[:0], strconv.FormatInt(f.ID, 10), cell(f.Text("name")), cell(f.Text("kind")),
			strconv.FormatFloat(f.Float("area_m2"), 'f', 2, 64), Text(f.Value("grade")), cell(f.Text("unit")), cell(unitName(f.Text("unit"))))
		for _, k := range UnitFields {
			row = append(row, Text(f.Value(k)))
		}
		row = append(row, strconv.FormatInt(f.Version, 10), f.Updated.UTC().Format(time.RFC3339))
		err = w.Write(row)
		return err == nil
	})
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// cell makes a cell of text from the data safe from spreadsheet formulas:
// one starting with = + - @ or a control character gets a leading '.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}
