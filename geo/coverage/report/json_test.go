package report

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/i18n"
)

// encoded is the audit's JSON report as encoding/json writes NewJSON: the
// form WriteJSON streams, byte for byte.
func encoded(t *testing.T, a *coverage.Audit, l i18n.Lang) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(NewJSON(a, l)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteJSONAsEncoder: the streamed JSON report is byte for byte what
// encoding/json makes of NewJSON — on the fixture town's audit in both
// languages, and on made-up audits with what the town lacks: names to
// escape, a rule without units, units without failing parcels, gaps, no
// results at all, infinite and not-applicable values, grid units.
func TestWriteJSONAsEncoder(t *testing.T) {
	town, err := coverage.Run(context.Background(), town(t), coverage.Default(), coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs := coverage.Default()
	city := &coverage.Unit{Name: "city", Level: "city"}
	odd := &coverage.Unit{ID: 7, Name: `<"Ödland" & 东区>` + "\t\u2028", Level: "grid", Area: 1e6}
	made := &coverage.Audit{Rules: rs, Mode: coverage.Walk, Generated: time.Date(2026, 12, 6, 14, 0, 0, 5, time.UTC), Network: `graph "<x>"`,
		Units: []*coverage.Unit{city, odd}, Parcels: []*coverage.Parcel{{ID: 1, Population: 12}, {ID: 2, Population: 1 << 40}, {ID: -2}, {ID: math.MaxInt64}, {ID: 42}}, GridSize: 250}
	made.Results = []*coverage.Result{
		{Rule: &rs.Rules[0], Units: []*coverage.UnitResult{
			{Unit: city, Value: 0.123456789, Threshold: 0.9, Residents: 12, Covered: 3, Land: 1.5, Numerator: 3.005, Denominator: 12, Straight: math.Inf(1), Failing: coverage.ParcelList{0, 2, 3}},
			{Unit: odd, Value: math.Inf(1), NA: false, Residents: 5, Failing: coverage.ParcelList{}},
		}},
		{Rule: &rs.Rules[1]},
		{Rule: &rs.Rules[len(rs.Rules)-1], Units: []*coverage.UnitResult{
			{Unit: city, NA: true, Pass: true, Gaps: []coverage.Gap{{Road: 9, Side: "left", Length: 123.456}, {Road: 10, Side: "right", Length: 1}}},
			{Unit: odd, Value: 1, Pass: true, Residents: 1, Failing: coverage.ParcelList{4}, Gaps: []coverage.Gap{{Road: 11, Side: "left", Length: 0.04}}},
		}},
	}
	empty := &coverage.Audit{Rules: rs, Mode: coverage.Straight, Units: []*coverage.Unit{city}}
	for name, a := range map[string]*coverage.Audit{"town": town, "made": made, "empty": empty} {
		for _, l := range []i18n.Lang{i18n.EN, i18n.Default} {
			want := encoded(t, a, l)
			var got bytes.Buffer
			if err := Write(&got, a, "json", Options{Lang: l}); err != nil {
				t.Fatalf("%s %s: %v", name, l, err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				g, w := got.String(), string(want)
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("%s %s: streamed JSON differs at byte %d:\n got …%s…\nwant …%s…", name, l, i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
			}
		}
	}
	// The town has failing parcels and a gap, so the loops above ran.
	if s := string(encoded(t, town, i18n.EN)); !strings.Contains(s, `"failing_parcels"`) || !strings.Contains(s, `"gaps"`) {
		t.Error("the town's report has no failing parcels or no gaps")
	}
}
