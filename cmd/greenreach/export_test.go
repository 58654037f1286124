package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/tiles"
)

// TestExportCommand: export writes a PMTiles v3 archive of the public
// tiles; mistakes are usage errors and leave no file.
func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "d.gpkg")
	demo(t, db, "small")
	out := filepath.Join(dir, "town.pmtiles")
	code, _, errs := runCLI(t, ctx, "--db", db, "export", "--format", "pmtiles", "--out", out, "--maxzoom", "14")
	b, err := os.ReadFile(out)
	if code != 0 || err != nil || len(b) < 127 || string(b[:7]) != "PMTiles" || b[7] != 3 || b[101] != 14 || !strings.Contains(errs, "tiles, zoom 0–14") {
		t.Fatalf("export: %d %v %q", code, err, errs)
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"export", "--format", "mbtiles", "--out", out + "2"}, "only pmtiles"},
		{[]string{"export"}, "--out FILE is required"},
		{[]string{"export", "--out", out + "2", "--maxzoom", "30"}, "maxzoom"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: %d %q", c.args, code, errs)
		}
	}
	if _, err := os.Stat(out + "2"); err == nil {
		t.Error("a refused export left a file")
	}
}

// TestExportMetadata: the archive's metadata, as the npm pmtiles library
// (MapLibre's reader) reads it, names the tiles and describes each layer
// in Chinese first, then English (the schema's titles), and gives each
// layer the zooms it has: from --minzoom to the data's real maximum
// (tiles.DetailZoom) within --maxzoom, past which the map overzooms — not
// the zoom 24 tiles are served to.
func TestExportMetadata(t *testing.T) {
	_, err := exec.LookPath("node")
	required(t, err == nil, "node (nodejs)")
	_, err = os.Stat("../../static/node_modules/pmtiles")
	required(t, err == nil, "static/node_modules/pmtiles (npm ci in static/)")
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "d.gpkg")
	demo(t, db, "small")
	out := filepath.Join(dir, "town.pmtiles")
	if code, _, errs := runCLI(t, ctx, "--db", db, "export", "--out", out, "--minzoom", "2", "--maxzoom", "16"); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	raw, err := exec.Command("node", "../../static/test/pmtiles-read.mjs", out).Output()
	if err != nil {
		t.Fatalf("node pmtiles-read.mjs: %v", err)
	}
	var got struct {
		Header struct{ MinZoom, MaxZoom int }
		Meta   struct {
			Name, Description, Version, Format string
			VectorLayers                       []struct {
				ID, Description  string
				MinZoom, MaxZoom int
			} `json:"vector_layers"`
		}
	}
	lines := bytes.Split(bytes.TrimSpace(raw), []byte("\n"))
	if err := json.Unmarshal(lines[len(lines)-1], &got); err != nil {
		t.Fatalf("pmtiles-read.mjs: %v", err)
	}
	if got.Header.MinZoom != 2 || got.Header.MaxZoom != 16 {
		t.Errorf("header zooms %d–%d, want 2–16", got.Header.MinZoom, got.Header.MaxZoom)
	}
	m := got.Meta
	if m.Name != "greenreach 公开地图 / public map" || !strings.HasPrefix(m.Description, "公开地图的图层：") || !strings.Contains(m.Description, " / the public map's layers: ") ||
		m.Format != "pbf" || !strings.HasPrefix(m.Version, "1.") {
		t.Errorf("metadata %+v", m)
	}

	st, err := gpkg.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
	if len(m.VectorLayers) != len(tiles.Public) {
		t.Fatalf("vector_layers %+v, want %v", m.VectorLayers, tiles.Public)
	}
	for i, id := range tiles.Public {
		v, sc := m.VectorLayers[i], geo.SchemaOf(id)
		if v.ID != id || v.Description != sc.TitleZH+" / "+sc.Title || sc.TitleZH == "" {
			t.Errorf("layer %d: %q %q, want %s described %q / %q", i, v.ID, v.Description, id, sc.TitleZH, sc.Title)
		}
		if !strings.Contains(m.Description, sc.TitleZH) || !strings.Contains(m.Description, sc.Title) {
			t.Errorf("the description %q does not name %s", m.Description, id)
		}
		want := min(max(tiles.DetailZoom(snap.Layer(id)), 2), 16)
		if v.MinZoom != 2 || v.MaxZoom != want || v.MaxZoom >= tiles.MaxZoom {
			t.Errorf("%s: zooms %d–%d, want 2–%d", id, v.MinZoom, v.MaxZoom, want)
		}
	}
}
