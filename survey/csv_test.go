package survey

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/i18n"
)

// TestWriteCSV: a BOM, the header in Chinese or English from the schema's
// aliases, one row a green space with its unit's name, text from the data
// kept from starting a spreadsheet formula, and a cancelled context
// stopping the table.
func TestWriteCSV(t *testing.T) {
	at := time.Date(2026, 12, 6, 3, 4, 5, 0, time.UTC)
	fs := []*geo.Feature{
		{ID: 7, Version: 3, Updated: at, Props: map[string]any{"name": "=HYPERLINK(\"x\")", "kind": "park", "area_m2": 1234.567, "grade": int64(2), "unit": "U01", "trees": int64(40), "shrub_m2": 100.5}},
		{ID: 9, Version: 1, Updated: at, Props: map[string]any{"name": "东湖公园", "kind": "garden", "area_m2": 10.0, "unit": "+U9"}},
	}
	each := func(fn func(*geo.Feature) bool) {
		for _, f := range fs {
			if !fn(f) {
				return
			}
		}
	}
	names := map[string]string{"U01": "东湖绿化养护有限公司"}
	var b bytes.Buffer
	if err := WriteCSV(context.Background(), &b, i18n.ZH, false, each, func(id string) string { return names[id] }); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\ufeff")) {
		t.Fatal("no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"要素编号", "名称", "类型", "面积（平方米）", "养护等级", "责任单位", "责任单位名称", "乔木株数", "灌木面积（平方米）", "草坪面积（平方米）", "版本", "更新时间"},
		{"7", "'=HYPERLINK(\"x\")", "park", "1234.57", "2", "U01", "东湖绿化养护有限公司", "40", "100.5", "", "3", "2026-12-06T03:04:05Z"},
		{"9", "东湖公园", "garden", "10.00", "", "'+U9", "", "", "", "", "1", "2026-12-06T03:04:05Z"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	if h := Header(i18n.EN); h[0] != "Feature id" || h[6] != "Unit name" || h[9] != "Lawn area (m²)" {
		t.Errorf("English header %q", h)
	}
	many := make([]*geo.Feature, 5000)
	for i := range many {
		many[i] = fs[1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = WriteCSV(ctx, &bytes.Buffer{}, i18n.ZH, true, func(fn func(*geo.Feature) bool) {
		for _, f := range many {
			if !fn(f) {
				return
			}
		}
	}, func(string) string { return "" })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled table: %v", err)
	}
}
