package hotline

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/greenreach/greenreach/cases"
)

// FuzzParse: any bytes posted as a 12345 export either refuse the file
// with ErrFile or give rows that are each placed in range or left to
// match, with every problem on a line of the file, within the limits.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("工单编号,诉求内容,经度,纬度,坐标系\nA1,\"断枝,\"\"急\"\"\",104.06,30.65,gcj02\n"))
	f.Add([]byte("\xEF\xBB\xBF编号,内容,地址\n1,垃圾满溢,人民南路\n"))
	lim := Limits{FileBytes: 64 << 10, Rows: 200, Columns: 20, FieldBytes: 512}
	o := Options{Limits: lim, Mapping: DefaultMapping(cases.Default()), CRS: "wgs84"}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, probs, err := Parse(context.Background(), "f.csv", bytes.NewReader(data), o)
		if err != nil {
			if !errors.Is(err, ErrFile) && len(data) <= int(lim.FileBytes) {
				t.Fatalf("%q: %v is not ErrFile", data, err)
			}
			return
		}
		if len(rows)+len(probs) > lim.Rows {
			t.Fatalf("%d rows and %d problems past the limit of %d", len(rows), len(probs), lim.Rows)
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		for _, p := range probs {
			if p.Line < 2 || p.Line > lines || !utf8.ValidString(p.Reason) || p.Reason == "" {
				t.Fatalf("problem %+v of a %d-line file", p, lines)
			}
		}
		for _, r := range rows {
			if r.Line < 2 || r.Line > lines || len(r.Text) > lim.FieldBytes || len(r.Address) > lim.FieldBytes {
				t.Fatalf("row %+v of a %d-line file", r, lines)
			}
			if r.Placed != "" && (math.IsNaN(r.Point.X()) || math.Abs(r.Point.X()) > 180 || math.Abs(r.Point.Y()) > 90) {
				t.Fatalf("row placed at %v", r.Point)
			}
		}
	})
}
