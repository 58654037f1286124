package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/open"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/jackc/pgx/v5"
)

// pgCase is a filter in CQL2 (text, or JSON when json is set) and the same
// condition written by hand in PostGIS SQL on the layer's table.
type pgCase struct {
	layer, cql, sql string
	json            bool
}

// TestOGCFilterPostGIS: on Monaco imported into PostGIS, every filter
// selects, through /collections/{id}/items, exactly the ids PostGIS selects
// with the same condition in SQL on the stored tables, and the same
// features as on Monaco imported into a GeoPackage — comparisons,
// three-valued NOT and NULL, LIKE, BETWEEN, IN, the spatial predicates
// against ST_Intersects, ST_Within, ST_Contains and ST_Disjoint, and the
// Basic CQL2 conformance class's logical combination
// (NOT p2 AND p1) OR (p3 AND p4) OR NOT (p1 OR p4) over pairs of
// predicates.
func TestOGCFilterPostGIS(t *testing.T) {
	ctx := context.Background()
	file := storetest.SharedData(t, "monaco.osm.pbf")
	dsn := storetest.PostGISURL(t, "cql")
	st, err := open.Store(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := osm.ImportFile(ctx, st, file, osm.Options{}); err != nil {
		t.Fatal(err)
	}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, storetest.PostGISURL(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("schema")
	h := New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	// The same city in a GeoPackage: the same filter selects the same
	// features (by source id; the stores number them each their own way).
	gst, err := open.Store(ctx, filepath.Join(t.TempDir(), "monaco.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gst.Close() })
	if _, _, err := osm.ImportFile(ctx, gst, file, osm.Options{}); err != nil {
		t.Fatal(err)
	}
	gix, err := live.Load(ctx, gst, nil)
	if err != nil {
		t.Fatal(err)
	}
	gh := New(openConfig(), gst, gix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	sourceIDs := func(ix *live.Index, layer string, ids []int64) []string {
		var out []string
		for _, id := range ids {
			f, ok := ix.Snapshot().Layer(layer).Get(id)
			if !ok {
				t.Fatalf("%s: no feature %d", layer, id)
			}
			out = append(out, f.SourceID)
		}
		slices.Sort(out)
		return out
	}

	poly := "POLYGON((7.4180 43.7310, 7.4260 43.7290, 7.4290 43.7350, 7.4230 43.7390, 7.4170 43.7360, 7.4180 43.7310))"
	line := "LINESTRING(7.4100 43.7250, 7.4200 43.7320, 7.4300 43.7330, 7.4400 43.7450)"
	env := "ST_MakeEnvelope(7.415, 43.728, 7.432, 43.742, 4326)"
	cases := []pgCase{
		{"green", "kind = 'park'", "kind = 'park'", false},
		{"green", "name IS NULL", "name IS NULL", false},
		{"green", "area_m2 > 5000 AND public = true", "area_m2 > 5000 AND public = true", false},
		{"green", "NOT (public = true) OR area_m2 < 300", "NOT (public = true) OR area_m2 < 300", false},
		{"green", "name >= 'Jardin' AND name < 'Parc'", "name >= 'Jardin' AND name < 'Parc'", false},
		{"parcels", "population BETWEEN 10 AND 200", "population BETWEEN 10 AND 200", false},
		{"parcels", "levels >= 5 OR kind <> 'building'", "levels >= 5 OR kind <> 'building'", false},
		{"parcels", "NOT (levels > 3)", "NOT (levels > 3)", false},
		{"parcels", "households <> 10", "households <> 10", false},
		{"roads", "name LIKE 'Avenue%'", "name LIKE 'Avenue%'", false},
		{"roads", "name NOT LIKE '%de%'", "name NOT LIKE '%de%'", false},
		{"roads", "class IN ('footway', 'steps', 'path')", "class IN ('footway', 'steps', 'path')", false},
		{"roads", "class NOT IN ('footway', 'steps')", "class NOT IN ('footway', 'steps')", false},
		{"roads", "NOT (walkable = true) OR ring = true", "NOT (walkable = true) OR ring = true", false},
		{"roads", "length_m NOT BETWEEN 20 AND 200", "length_m NOT BETWEEN 20 AND 200", false},
		{"roads", "S_INTERSECTS(geometry, " + poly + ")", "ST_Intersects(geom, ST_GeomFromText('" + poly + "', 4326))", false},
		{"green", "S_INTERSECTS(geometry, " + line + ")", "ST_Intersects(geom, ST_GeomFromText('" + line + "', 4326))", false},
		{"green", "S_WITHIN(geometry, BBOX(7.415, 43.728, 7.432, 43.742))", "ST_Within(geom, " + env + ")", false},
		{"parcels", "S_WITHIN(geometry, " + poly + ")", "ST_Within(geom, ST_GeomFromText('" + poly + "', 4326))", false},
		{"waste", "S_WITHIN(geometry, " + poly + ")", "ST_Within(geom, ST_GeomFromText('" + poly + "', 4326))", false},
		{"areas", "S_CONTAINS(geometry, POINT(7.4246 43.7384))", "ST_Contains(geom, ST_SetSRID(ST_MakePoint(7.4246, 43.7384), 4326))", false},
		{"roads", "S_DISJOINT(geometry, BBOX(7.415, 43.728, 7.432, 43.742)) AND walkable = true", "ST_Disjoint(geom, " + env + ") AND walkable = true", false},
		{"parcels", "S_INTERSECTS(geometry, POINT(7.4246 43.7384)) OR S_INTERSECTS(geometry, " + line + ")",
			"ST_Intersects(geom, ST_SetSRID(ST_MakePoint(7.4246, 43.7384), 4326)) OR ST_Intersects(geom, ST_GeomFromText('" + line + "', 4326))", false},
		{"green", "updated > TIMESTAMP('2000-01-01T00:00:00Z')", "updated > '2000-01-01T00:00:00Z'", false},
		{"green", `{"op":"and","args":[{"op":"like","args":[{"property":"name"},"%Jardin%"]},{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[7.40,43.72],[7.44,43.72],[7.44,43.76],[7.40,43.76],[7.40,43.72]]]}]}]}`,
			"name LIKE '%Jardin%' AND ST_Intersects(geom, ST_MakeEnvelope(7.40, 43.72, 7.44, 43.76, 4326))", true},
		{"parcels", `{"op":"or","args":[{"op":"isNull","args":[{"property":"name"}]},{"op":"in","args":[{"property":"kind"},["compound","block"]]}]}`,
			"name IS NULL OR kind IN ('compound', 'block')", true},
	}
	// The conformance class's combination over predicates that are NULL
	// on some parcels: CQL2's and SQL's three-valued logic must agree.
	preds := [][2]string{
		{"name IS NULL", "name IS NULL"},
		{"population > 100", "population > 100"},
		{"kind = 'building'", "kind = 'building'"},
		{"levels IS NOT NULL", "levels IS NOT NULL"},
		{"name < 'M'", "name < 'M'"},
		{"levels <> 4", "levels <> 4"},
		{"households <= 20", "households <= 20"},
	}
	combo := "(NOT (%[2]s) AND %[1]s) OR (%[3]s AND %[4]s) OR NOT (%[1]s OR %[4]s)"
	for i := range preds {
		p1, p2, p3, p4 := preds[i], preds[(i+1)%len(preds)], preds[(i+3)%len(preds)], preds[(i+5)%len(preds)]
		cases = append(cases, pgCase{"parcels",
			fmt.Sprintf(combo, "("+p1[0]+")", "("+p2[0]+")", "("+p3[0]+")", "("+p4[0]+")"),
			fmt.Sprintf(combo, "("+p1[1]+")", "("+p2[1]+")", "("+p3[1]+")", "("+p4[1]+")"), false})
	}
	nonEmpty := 0
	for _, c := range cases {
		rows, err := conn.Query(ctx, fmt.Sprintf("SELECT fid FROM %s.%s WHERE %s ORDER BY fid", schema, c.layer, c.sql))
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		q := cqlText(c.cql)
		if c.json {
			q = cqlJSON(c.cql)
		}
		got := filterIDs(t, h, c.layer, q)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s\n  ours %d %v\n  SQL  %d %v", c.layer, c.cql, len(got), head(got), len(want), head(want))
		}
		if len(want) > 0 {
			nonEmpty++
		}
		if g := filterIDs(t, gh, c.layer, q); fmt.Sprint(sourceIDs(gix, c.layer, g)) != fmt.Sprint(sourceIDs(ix, c.layer, got)) {
			t.Errorf("%s: %s: the GeoPackage answers %d features, PostGIS %d, or others", c.layer, c.cql, len(g), len(got))
		}
		total := 0
		conn.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s.%s", schema, c.layer)).Scan(&total)
		t.Logf("%-7s %4d of %5d  %s", c.layer, len(want), total, strings.ReplaceAll(c.cql[:min(len(c.cql), 90)], "\n", " "))
	}
	if nonEmpty < len(cases)*3/4 {
		t.Errorf("only %d of %d filters select anything on Monaco: a weak test", nonEmpty, len(cases))
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 12)] }
