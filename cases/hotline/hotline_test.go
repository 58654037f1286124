package hotline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/paulmach/orb"
)

var (
	now       = time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	cityBound = orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.3, 30.8}}
	who       = cases.Actor{Name: "dispatcher1", Role: cases.RoleDispatcher}
)

func square(x, y, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
}

// town is the named features the fixture's addresses refer to.
func town(t *testing.T) *Places {
	t.Helper()
	named := func(layer string, id int64, name string, g orb.Geometry) *geo.Feature {
		return &geo.Feature{ID: id, Layer: layer, Source: "test", SourceID: name, Geom: g, Props: map[string]any{"name": name}}
	}
	snap := index.Empty().With([]*geo.Feature{
		named(geo.Green, 1, "东湖公园", square(104.10, 30.62, 0.01)),
		named(geo.Green, 2, "望江楼公园", square(104.08, 30.63, 0.005)),
		named(geo.Green, 3, "望江楼公园", square(104.09, 30.64, 0.005)),
		named(geo.Roads, 4, "人民南路", orb.MultiLineString{{{104.06, 30.60}, {104.061, 30.60}}}),
		named(geo.Roads, 5, "人民南路", orb.MultiLineString{{{104.065, 30.61}, {104.065, 30.62}, {104.065, 30.63}}}),
		named(geo.Waste, 6, "玉林公厕", orb.Point{104.05, 30.633}),
		named(geo.Areas, 7, "锦江区", square(104.0, 30.55, 0.2)),
		named(geo.Roads, 8, "", orb.MultiLineString{{{104.0, 30.6}, {104.1, 30.6}}}),
	}, nil)
	p, err := NewPlaces(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func service(st store.Store) *cases.Service {
	return &cases.Service{Store: st, Catalog: cases.Default(), Clock: func() time.Time { return now }, Bound: cityBound}
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// fingerprint is every stored case with its history.
func fingerprint(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	cs, err := st.ListCases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range cs {
		evs, err := st.CaseEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		json.NewEncoder(&b).Encode([]any{c, evs})
	}
	return b.String()
}

// want is what each good row of the fixture becomes: positions in WGS84
// computed apart from package crs (the fixture's GCJ-02 and BD-09
// coordinates were made from these with the published formulas in
// Python), placed ones from the town's features.
var want = []struct {
	ref, category string
	at            time.Time
	p             orb.Point
}{
	{"GD20260302000001", "overflowing_bin", time.Date(2026, 3, 2, 0, 15, 0, 0, time.UTC), orb.Point{104.0612, 30.6712}},
	{"GD20260302000002", "broken_branch", time.Date(2026, 3, 2, 1, 2, 11, 0, time.UTC), orb.Point{104.0723, 30.6634}},
	{"GD20260302000003", "construction_dumping", time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC), orb.Point{104.0815, 30.6502}},
	{"GD20260302000004", "green_dirty", time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), orb.Point{104.105, 30.625}},
	{"GD20260302000005", "tree_dead_missing", time.Date(2026, 3, 2, 4, 45, 0, 0, time.UTC), orb.Point{104.065, 30.62}},
	{"GD20260302000006", "dirty_toilet", time.Date(2026, 3, 2, 6, 20, 0, 0, time.UTC), orb.Point{104.05, 30.633}},
	{"GD20260302000007", "late_collection", time.Date(2026, 3, 2, 7, 5, 0, 0, time.UTC), orb.Point{104.0931, 30.6418}},
}

func stores(t *testing.T) map[string]store.Store {
	g, err := gpkg.Open(context.Background(), filepath.Join(t.TempDir(), "t.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return map[string]store.Store{"memory": memstore.New(), "gpkg": g}
}

// TestImportFixture: both encodings of the export import as the same
// cases, at their WGS84 positions; a second import adds nothing.
func TestImportFixture(t *testing.T) {
	places := town(t)
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			svc := service(st)
			res, err := Import(ctx, svc, who, "12345_utf8bom.csv", open(t, "12345_utf8bom.csv"), Options{Places: places})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != len(want) || res.Stored != len(want) || res.Existing != 0 {
				t.Fatalf("result %+v", res)
			}
			got, err := st.ListCases(ctx, store.CaseFilter{})
			if err != nil || len(got) != len(want) {
				t.Fatalf("%d cases stored, %v", len(got), err)
			}
			byRef := map[string]store.Case{}
			for _, c := range got {
				byRef[c.Ref] = c
			}
			for _, w := range want {
				c, ok := byRef[w.ref]
				if !ok {
					t.Errorf("%s not stored", w.ref)
					continue
				}
				if d := geo.Distance(c.Point, w.p); d > 0.05 {
					t.Errorf("%s at %v, %.3f m from %v", w.ref, c.Point, d, w.p)
				}
				if c.Category != w.category || !c.Reported.Equal(w.at) || c.Source != "12345" || c.State != cases.Reported || c.Reporter != who.Name {
					t.Errorf("%s: %+v", w.ref, c)
				}
			}
			if c := byRef["GD20260302000001"]; c.Contact != "13800000001" || !strings.Contains(c.Description, "垃圾桶满溢") {
				t.Errorf("contact and description: %+v", c)
			}
			before := fingerprint(t, st)
			for _, f := range []string{"12345_utf8bom.csv", "12345_gb18030.csv"} {
				res, err := Import(ctx, svc, who, f, open(t, f), Options{Places: places})
				if err != nil || res.Stored != 0 || res.Existing != len(want) {
					t.Fatalf("re-import of %s: %+v %v", f, res, err)
				}
			}
			if fingerprint(t, st) != before {
				t.Error("a re-import changed the store")
			}
		})
	}
}

// TestEncodings: the GB18030 and UTF-8-BOM exports read as the same rows.
func TestEncodings(t *testing.T) {
	o := Options{Limits: DefaultLimits, Mapping: DefaultMapping(cases.Default())}
	a, pa, err := Parse(context.Background(), "a", open(t, "12345_utf8bom.csv"), o)
	if err != nil {
		t.Fatal(err)
	}
	b, pb, err := Parse(context.Background(), "b", open(t, "12345_gb18030.csv"), o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) || len(pa)+len(pb) != 0 || len(a) != len(want) {
		t.Errorf("UTF-8 %+v %v\nGB18030 %+v %v", a, pa, b, pb)
	}
	if a[4].Text != "人民南路中段树木死亡两株,请补植" || a[4].Address != "人民南 路" {
		t.Errorf("quoted field: %+v", a[4])
	}
}

// TestImportAllOrNothing: an export with bad rows stores nothing, even
// its good rows, and lists every bad row with its line and reason.
func TestImportAllOrNothing(t *testing.T) {
	places := town(t)
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			svc := service(st)
			// One case there already, which must stay as it is.
			if _, err := svc.Report(ctx, cases.Actor{Name: "insp1", Role: cases.RoleInspector},
				cases.Report{Category: "broken_branch", Point: orb.Point{104.07, 30.66}, Description: "已有案件"}); err != nil {
				t.Fatal(err)
			}
			before := fingerprint(t, st)
			res, err := Import(ctx, svc, who, "12345_bad.csv", open(t, "12345_bad.csv"), Options{Places: places})
			var re *RowsError
			if !errors.As(err, &re) || !errors.Is(err, ErrFile) {
				t.Fatalf("want a RowsError, got %v", err)
			}
			if !strings.HasPrefix(err.Error(), "12345_bad.csv: 7 rows cannot be imported") {
				t.Errorf("message %q", err)
			}
			wantProblems := []struct {
				line int
				has  string
			}{
				{5, "ambiguous: 2 features match"},
				{6, "matches no named feature"},
				{7, `问题分类 "噪音扰民" maps to no case category`},
				{8, "outside the city's bounds"},
				{9, `受理时间 "昨天下午"`},
				{10, "工单编号 GD20260302000001 repeats line 2"},
				{11, "no 坐标系"},
			}
			if len(res.Problems) != len(wantProblems) {
				t.Fatalf("problems %+v", res.Problems)
			}
			for i, w := range wantProblems {
				if p := res.Problems[i]; p.Line != w.line || !strings.Contains(p.Reason, w.has) {
					t.Errorf("problem %d: %+v, want line %d with %q", i, p, w.line, w.has)
				}
			}
			if res.Stored != 0 || fingerprint(t, st) != before {
				t.Error("a refused import changed the store")
			}
			// A dry run of a good file stores nothing either.
			res, err = Import(ctx, svc, who, "12345_utf8bom.csv", open(t, "12345_utf8bom.csv"), Options{Places: places, DryRun: true})
			if err != nil || res.Stored != 0 || fingerprint(t, st) != before {
				t.Errorf("dry run: %+v %v", res, err)
			}
		})
	}
}

// TestHostile: oversized, binary and over-long input is refused fast,
// naming the limit, before it is read whole.
func TestHostile(t *testing.T) {
	ctx := context.Background()
	head := "工单编号,受理时间,诉求内容,问题分类,地址,经度,纬度,坐标系\n"
	row := "GD1,2026-03-02 08:00:00,垃圾满溢,垃圾满溢,,104.06,30.67,WGS84\n"
	many := head + strings.Repeat("GD,,,,,,,\n", 1_000_000)
	for _, tc := range []struct {
		name, data string
		limits     Limits
		want       string
	}{
		{"huge file", head + strings.Repeat(row, 100), Limits{FileBytes: 1000, Rows: 10, Columns: 10, FieldBytes: 100}, "more than the limit of 1000 bytes"},
		{"a million rows", many, Limits{}, "more than the limit of 10000 rows"},
		{"binary junk", "PK\x03\x04\x00\x00\xff\xfe junk", Limits{}, "binary data"},
		{"UTF-16", "\xff\xfe\x25\x5d\x55\x53", Limits{}, "UTF-16"},
		{"not text", "\x81\x30\xff\xff,\xfe\xfe\n", Limits{}, "neither UTF-8 nor GB18030"},
		{"many columns", strings.Repeat("a,", 200) + "\n", Limits{}, "201 columns, more than the limit of 100"},
		{"no header", "", Limits{}, "no header row"},
		{"no ref column", "受理时间,问题分类\n", Limits{}, "no 工单编号 column"},
		{"bad quotes", head + "\"GD1,x\n", Limits{}, "line 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Import(ctx, service(memstore.New()), who, "x.csv", strings.NewReader(tc.data), Options{Limits: tc.limits})
			if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "bad 12345 export: x.csv: ") {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("refused after %v", d)
			}
		})
	}
	// A huge field is a row problem naming the limit; nothing stored.
	st := memstore.New()
	data := head + row + "GD2,2026-03-02 08:00:00," + strings.Repeat("长", 5000) + ",垃圾满溢,,104.06,30.67,WGS84\n"
	_, err := Import(ctx, service(st), who, "x.csv", strings.NewReader(data), Options{})
	var re *RowsError
	if !errors.As(err, &re) || len(re.Problems) != 1 || re.Problems[0].Line != 3 || !strings.Contains(re.Problems[0].Reason, "longer than the limit of 8192 bytes") {
		t.Errorf("huge field: %v", err)
	}
	if cs, _ := st.ListCases(ctx, store.CaseFilter{}); len(cs) != 0 {
		t.Errorf("%d cases stored", len(cs))
	}
}

func TestPlaces(t *testing.T) {
	p := town(t)
	for _, tc := range []struct {
		text string
		at   orb.Point
		why  string
	}{
		{"东湖公园", orb.Point{104.105, 30.625}, ""},
		{" 东湖　公园 ", orb.Point{104.105, 30.625}, ""},
		{"人民南路", orb.Point{104.065, 30.62}, ""},
		{"人民南街", orb.Point{104.065, 30.62}, ""},
		{"人民南大道", orb.Point{104.065, 30.62}, ""},
		{"锦江区东湖公园北门", orb.Point{104.105, 30.625}, ""},
		{"锦江区", orb.Point{104.1, 30.65}, ""},
		{"东湖公园南门到东湖公园北门", orb.Point{104.105, 30.625}, ""},
		{"人民南路玉林公厕", orb.Point{104.05, 30.633}, ""},
		{strings.Repeat("长", 201) + "东湖公园", orb.Point{}, "longer than the 200 characters searched"},
		{"望江楼公园", orb.Point{}, "ambiguous"},
		{"双流区", orb.Point{}, "matches no named feature"},
		{"", orb.Point{}, "no coordinates and no place name"},
	} {
		at, _, why := p.Lookup(tc.text)
		if why == "" && tc.why == "" && geo.Distance(at, tc.at) > 0.01 || why != "" && (tc.why == "" || !strings.Contains(why, tc.why)) || why == "" && tc.why != "" {
			t.Errorf("Lookup(%q) = %v %q, want %v %q", tc.text, at, why, tc.at, tc.why)
		}
	}
}

func TestMapping(t *testing.T) {
	cat := cases.Default()
	m := DefaultMapping(cat)
	for text, code := range map[string]string{"垃圾满溢": "overflowing_bin", "城市管理／市容环卫／垃圾满溢": "overflowing_bin",
		"城市管理>园林绿化>树木断枝": "broken_branch", "公厕脏乱": "dirty_toilet", "late_collection": "late_collection"} {
		if got, ok := m.Code(text); !ok || got != code {
			t.Errorf("Code(%q) = %q %v, want %q", text, got, ok, code)
		}
	}
	if _, ok := m.Code("噪音扰民"); ok {
		t.Error("噪音扰民 mapped")
	}
	if _, err := ParseMapping("m.yaml", []byte("categories:\n  垃圾: no_such_code\n"), cat); !errors.Is(err, ErrMapping) || !strings.Contains(err.Error(), "no_such_code") {
		t.Errorf("bad code: %v", err)
	}
	if _, err := ParseMapping("m.yaml", []byte("kategorien: {}\n"), cat); !errors.Is(err, ErrMapping) {
		t.Errorf("unknown field: %v", err)
	}
}
