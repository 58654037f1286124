package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/hotline"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/store"
)

// casesVerbs: greenreach cases import FILE.csv [--dry-run]: a 12345 hotline
// export as reported cases, all rows or none.
var casesVerbs = &verbs{
	name:    "cases",
	example: "greenreach cases import 12345.csv",
	help: "usage: greenreach [--db DSN] cases import FILE.csv [--dry-run] [--crs SYSTEM] [--map FILE.yaml] [--as NAME]\n\n" +
		"  Imports a 12345 hotline export (CSV in UTF-8 or GB18030, columns 工单编号, 受理时间,\n" +
		"  诉求内容, 问题分类, 地址, 经度, 纬度, 坐标系, 联系电话) as reported cases. Coordinates\n" +
		"  in WGS84, GCJ-02 or BD-09 are converted to WGS84; a row without them is placed by\n" +
		"  its 地址 among the named features. Every row is imported or none: bad rows are\n" +
		"  listed with their line numbers. A 工单编号 imported before is skipped.\n",
	verbs: []verb{{"import", casesImport}},
}

func casesImport(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "cases import", "FILE.csv [--dry-run] [--crs SYSTEM] [--map FILE.yaml] [--as NAME]")
	dry := fs.Bool("dry-run", false, "check and place every row, store nothing")
	sys := fs.String("crs", "", "coordinate system of rows without 坐标系: wgs84, gcj02 or bd09")
	mapFile := fs.String("map", "", "YAML table of 问题分类 → category code (default: the shipped one)")
	as := fs.String("as", "12345-import", "who the cases' history records as reporting them")
	files, err := parseFiles(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usageError{"cases import takes one CSV file"}
	}
	path := files[0]
	cat := cases.Default()
	o := hotline.Options{CRS: *sys, DryRun: *dry}
	if *mapFile != "" {
		if o.Mapping, err = hotline.LoadMapping(*mapFile, cat); err != nil {
			return err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return err
	} else if fi.Size() > hotline.DefaultLimits.FileBytes {
		return fmt.Errorf("%s: %d bytes, more than the limit of %d for a 12345 export", path, fi.Size(), hotline.DefaultLimits.FileBytes)
	}
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := placeIndex(ctx, st)
	if err != nil {
		return err
	}
	if o.Places, err = hotline.NewPlaces(ctx, snap); err != nil {
		return err
	}
	svc := &cases.Service{Store: st, Catalog: cat, Clock: time.Now, Bound: snap.CityBound()}
	res, err := hotline.Import(ctx, svc, cases.Actor{Name: *as, Role: store.RoleAdmin}, path, f, o)
	var re *hotline.RowsError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			fmt.Fprintf(cfg.stderr, "%s:%d: %s\n", path, p.Line, problemText(p))
		}
	}
	if err != nil {
		return err
	}
	if *dry {
		fmt.Fprintf(cfg.stdout, "%s: %d rows can be imported (dry run: nothing stored)\n", path, res.Rows)
		return nil
	}
	cfg.log.Info("12345 export imported", "file", path, "rows", res.Rows, "stored", res.Stored, "existing", res.Existing, "db", cfg.DB)
	fmt.Fprintf(cfg.stdout, "%s: %d rows, %d new cases, %d imported before\n", path, res.Rows, res.Stored, res.Existing)
	return nil
}

func problemText(p hotline.Problem) string {
	if p.Ref != "" {
		return "工单编号 " + p.Ref + ": " + p.Reason
	}
	return p.Reason
}

// placeIndex reads the layers whose named features place rows and bound
// the city.
func placeIndex(ctx context.Context, st store.Store) (*index.Snapshot, error) {
	infos, err := st.Layers(ctx)
	if err != nil {
		return nil, err
	}
	infos = slices.DeleteFunc(infos, func(l store.LayerInfo) bool { return !slices.Contains(hotline.Layers(), l.ID) })
	return index.Read(ctx, infos, st.Scan, nil)
}
