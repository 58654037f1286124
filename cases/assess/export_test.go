package assess

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func november(t *testing.T) *MonthReport {
	t.Helper()
	in, clock := fixture(t)
	rep, err := Default().Month(context.Background(), in, Month{2026, 11}, clock)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func writeCSV(t *testing.T, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// readCSV reads a CSV written by WriteCSV: a UTF-8 BOM, then the rows.
func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	if !strings.HasPrefix(s, "\xef\xbb\xbf") {
		t.Fatalf("no UTF-8 BOM: %q", s[:min(len(s), 10)])
	}
	rows, err := csv.NewReader(strings.NewReader(s[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The fixture's November (see fixture) as tables; the numbers are the
// hand-worked ones.
var (
	wantUnitsZH = [][]string{
		{"月份", "排名", "单位编号", "单位名称", "街道", "得分", "上月得分", "环比", "扣分合计", "案件数", "超期案件数", "返工案件数", "跨月超期案件数"},
		{"2026-11", "1", "U3", "西园街道办", "街道B", "97.5", "98.0", "-0.5", "2.5", "1", "1", "0", "1"},
		{"2026-11", "2", "U1", "城东养护公司", "街道A", "93.0", "100.0", "-7.0", "7.0", "3", "1", "1", "0"},
		{"2026-11", "3", "U2", "绿城物业", "街道A", "82.5", "", "", "17.5", "2", "2", "1", "0"},
	}
	wantStreetsEN = [][]string{
		{"month", "rank", "street", "score", "prev_score", "change", "units", "cases"},
		{"2026-11", "1", "街道B", "97.5", "98.0", "-0.5", "1", "1"},
		{"2026-11", "2", "街道A", "87.8", "100.0", "-12.2", "2", "5"},
	}
	wantItemsEN = [][]string{
		{"month", "unit", "name", "street", "case", "category", "case_street", "state", "reported", "deadline", "closed",
			"carried", "weight", "reopens", "reopen", "overdue_days", "overdue", "capped", "total"},
		{"2026-11", "U3", "西园街道办", "街道B", "C8", "tree-dead", "街道B", "closed", "2026-10-28 09:00", "2026-10-30 09:00", "2026-11-03 20:00", "yes", "0.0", "0", "0.0", "3", "1.5", "no", "1.5"},
		{"2026-11", "U3", "西园街道办", "街道B", "C9", "facility", "街道B", "handled", "2026-11-15 09:00", "2026-12-10 09:00", "", "no", "1.0", "0", "0.0", "0", "0.0", "no", "1.0"},
		{"2026-11", "U1", "城东养护公司", "街道A", "C1", "tree-dead", "街道A", "closed", "2026-11-03 09:00", "2026-11-05 09:00", "2026-11-04 15:00", "no", "1.0", "0", "0.0", "0", "0.0", "no", "1.0"},
		{"2026-11", "U1", "城东养护公司", "街道A", "C2", "branch", "街道A", "closed", "2026-11-10 08:00", "2026-11-12 08:00", "2026-11-14 09:00", "no", "2.0", "1", "1.0", "3", "1.5", "no", "4.5"},
		{"2026-11", "U1", "城东养护公司", "街道A", "C4", "litter", "街道A", "closed", "2026-11-01 07:00", "2026-11-02 07:00", "2026-11-01 18:00", "no", "1.5", "0", "0.0", "0", "0.0", "no", "1.5"},
		{"2026-11", "U2", "绿城物业", "街道A", "C5", "occupied", "街道A", "dispatched", "2026-11-20 10:00", "2026-11-22 10:00", "", "no", "3.0", "0", "0.0", "9", "4.5", "no", "7.5"},
		{"2026-11", "U2", "绿城物业", "街道A", "C6", "branch", "街道A", "closed", "2026-11-05 12:00", "2026-11-07 12:00", "2026-11-25 12:00", "no", "2.0", "3", "3.0", "18", "9.0", "yes", "10.0"},
	}
	// The year (see TestFixtureYear).
	wantYearZH = [][]string{
		{"年度", "排名", "单位编号", "单位名称", "街道", "年度得分", "考核月数", "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"},
		{"2026", "1", "U3", "西园街道办", "街道B", "99.6", "11", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "98.0", "97.5", ""},
		{"2026", "2", "U1", "城东养护公司", "街道A", "99.4", "11", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "100.0", "93.0", ""},
		{"2026", "3", "U2", "绿城物业", "街道A", "82.5", "1", "", "", "", "", "", "", "", "", "", "", "82.5", ""},
	}
)

func exports(t *testing.T) map[string]string {
	rep := november(t)
	in, clock := fixture(t)
	year, err := Default().Year(context.Background(), in, 2026, clock)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"units_zh":   writeCSV(t, func(b *bytes.Buffer) error { return rep.WriteCSV(b, TableUnits, "") }),
		"streets_en": writeCSV(t, func(b *bytes.Buffer) error { return rep.WriteCSV(b, TableStreets, "en") }),
		"items_en":   writeCSV(t, func(b *bytes.Buffer) error { return rep.WriteCSV(b, TableItems, "en") }),
		"year_zh":    writeCSV(t, func(b *bytes.Buffer) error { return year.WriteCSV(b, TableUnits, "zh") }),
	}
}

var wantTables = map[string][][]string{
	"units_zh": wantUnitsZH, "streets_en": wantStreetsEN, "items_en": wantItemsEN, "year_zh": wantYearZH,
}

func TestCSV(t *testing.T) {
	for name, s := range exports(t) {
		if got := readCSV(t, s); !reflect.DeepEqual(got, wantTables[name]) {
			t.Errorf("%s:\n%q\nwant\n%q", name, got, wantTables[name])
		}
	}
	rep := november(t)
	var b bytes.Buffer
	if err := rep.WriteCSV(&b, "totals", "zh"); err == nil {
		t.Error("unknown table written")
	}
	if err := rep.WriteCSV(&b, TableUnits, "fr"); err == nil {
		t.Error("unknown language written")
	}
}

// TestCSVPython reads the CSVs back with Python's csv module through the
// utf-8-sig codec, as a bureau's scripts would.
func TestCSVPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
			t.Fatal("python3 is required")
		}
		t.Skip("python3 not installed")
	}
	dir := t.TempDir()
	args := []string{"-c", `import csv, json, sys
out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        out[path] = list(csv.reader(f))
json.dump(out, sys.stdout, ensure_ascii=False)`}
	for name, s := range exports(t) {
		path := filepath.Join(dir, name+".csv")
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	out, err := exec.Command(py, args...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got map[string][][]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for name, want := range wantTables {
		if rows := got[filepath.Join(dir, name+".csv")]; !reflect.DeepEqual(rows, want) {
			t.Errorf("%s read by python:\n%q\nwant\n%q", name, rows, want)
		}
	}
}

// TestCSVFormulas: text from the input never starts a spreadsheet formula.
func TestCSVFormulas(t *testing.T) {
	r := bj(t, "2026-11-02 08:00")
	in := &Input{
		Units: []Unit{{ID: "U", Name: `=HYPERLINK("http://x","y")`, Street: "+S"}},
		Cases: []Record{{ID: "@c", Unit: "U", Street: "-S", Category: "=1+1", Weight: 1, State: "closed", Reported: r, Deadline: r, Closed: r}},
	}
	rep := month(t, Default(), in, Month{2026, 11}, bj(t, "2026-12-01 00:00"))
	units := readCSV(t, writeCSV(t, func(b *bytes.Buffer) error { return rep.WriteCSV(b, TableUnits, "en") }))
	items := readCSV(t, writeCSV(t, func(b *bytes.Buffer) error { return rep.WriteCSV(b, TableItems, "en") }))
	if got := units[1][3] + " " + units[1][4]; got != `'=HYPERLINK("http://x","y") '+S` {
		t.Errorf("unit row %q", units[1])
	}
	if got := strings.Join(items[1][4:7], " "); got != "'@c '=1+1 '-S" {
		t.Errorf("item row %q", items[1])
	}
}

func TestJSON(t *testing.T) {
	rep := november(t)
	b, err := json.Marshal(rep.JSON(true))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Rules, Month string
		Complete     bool
		Units        []json.RawMessage
		Streets      []json.RawMessage
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Rules != "default" || m.Month != "2026-11" || !m.Complete || len(m.Units) != 3 || len(m.Streets) != 2 {
		t.Fatalf("month json %s", b)
	}
	// U3 (see fixture): C8 carried 3 days, C9 on time.
	wantU3 := `{"unit":"U3","name":"西园街道办","street":"街道B","rank":1,"score":97.5,"prev":98.0,"change":-0.5,` +
		`"deducted":2.5,"cases":1,"overdue":1,"reopened":0,"carried":1,"items":[` +
		`{"case":"C8","category":"tree-dead","street":"街道B","state":"closed","reported":"2026-10-28T09:00:00+08:00",` +
		`"deadline":"2026-10-30T09:00:00+08:00","closed":"2026-11-03T20:00:00+08:00","carried":true,"overdue_days":3,"overdue":1.5,"total":1.5},` +
		`{"case":"C9","category":"facility","street":"街道B","state":"handled","reported":"2026-11-15T09:00:00+08:00",` +
		`"deadline":"2026-12-10T09:00:00+08:00","weight":1.0,"total":1.0}]}`
	if string(m.Units[0]) != wantU3 {
		t.Errorf("U3:\n%s\nwant\n%s", m.Units[0], wantU3)
	}
	if want := `{"unit":"U2","name":"绿城物业","street":"街道A","rank":3,"score":82.5,"prev":null,"change":null,`; !strings.HasPrefix(string(m.Units[2]), want) {
		t.Errorf("U2: %s", m.Units[2])
	}
	if want := `{"street":"街道A","rank":2,"score":87.8,"prev":100.0,"change":-12.2,"units":2,"cases":5}`; string(m.Streets[1]) != want {
		t.Errorf("街道A: %s", m.Streets[1])
	}
	if b, _ := json.Marshal(rep.JSON(false)); bytes.Contains(b, []byte(`"items"`)) {
		t.Errorf("items without asking: %s", b)
	}
	in, clock := fixture(t)
	year, err := Default().Year(context.Background(), in, 2026, clock)
	if err != nil {
		t.Fatal(err)
	}
	yb, err := json.Marshal(year.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"unit":"U2","name":"绿城物业","street":"街道A","rank":3,"score":82.5,"months":1,` +
		`"by_month":[null,null,null,null,null,null,null,null,null,null,82.5,null]}`; !bytes.Contains(yb, []byte(want)) {
		t.Errorf("year json %s\nwant to contain %s", yb, want)
	}
}
