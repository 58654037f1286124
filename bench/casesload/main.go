// Command casesload measures a year of cases (issue 19): filtered case
// lists, a month's assessment and case tiles through a running `greenreach
// serve` on a GeoPackage and on PostGIS, beside the same queries in SQL on
// the same PostGIS data in the same run, and checks that the assessment's
// scores equal the SQL's. It is run by bench/cases; see there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/demotown"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/index"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/postgis"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
)

// options of a run.
type options struct {
	size, dsn, bin, dir string
	n, per              int
	budget              time.Duration
	seed                int64
}

func main() {
	var o options
	flag.StringVar(&o.size, "size", "metro", "demo town whose zones, units and places the cases use: small, city or metro")
	flag.IntVar(&o.n, "n", 1_000_000, "cases in the year")
	flag.StringVar(&o.dsn, "pg", os.Getenv("GREENREACH_TEST_PG"), "PostGIS URL of a throwaway database (a new schema is made and dropped)")
	flag.StringVar(&o.bin, "bin", "bin/greenreach", "the greenreach binary to serve with")
	flag.StringVar(&o.dir, "dir", "", "directory for the GeoPackage (default: a new temporary one, removed after)")
	flag.IntVar(&o.per, "per", 200, "requests per list query kind and target (fewer if -budget runs out)")
	flag.DurationVar(&o.budget, "budget", 20*time.Second, "time per list query kind, all three targets together")
	flag.Int64Var(&o.seed, "seed", 1, "random seed of the town and the cases")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "casesload:", err)
		os.Exit(1)
	}
}

// errDiffer is returned when greenreach and SQL answer differently.
var errDiffer = errors.New("greenreach and the SQL baseline differ")

func run(ctx context.Context, o options) error {
	if o.dsn == "" {
		return errors.New("no PostGIS: pass -pg or set GREENREACH_TEST_PG")
	}
	if o.n < 1 || o.n > 20_000_000 {
		return fmt.Errorf("-n %d: want 1 to 20,000,000 cases", o.n)
	}
	if o.dir == "" {
		d, err := os.MkdirTemp("", "casesload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	sep := "?"
	if slices.Contains([]byte(o.dsn), '?') {
		sep = "&"
	}
	schema := fmt.Sprintf("casesload_%d", time.Now().UnixNano())
	pgURL := fmt.Sprintf("%s%sschema=%s", o.dsn, sep, schema)
	gpPath := filepath.Join(o.dir, "cases.gpkg")
	end := time.Now().UTC().Truncate(time.Hour)

	t0 := time.Now()
	w, err := load(ctx, o, gpPath, pgURL, schema, end)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, o.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	defer pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	fmt.Fprintf(os.Stderr, "loaded in %s\n", time.Since(t0).Round(time.Second))

	gpSrv, err := startServe(ctx, o.bin, gpPath, o.dir, "gpkg")
	if err != nil {
		return err
	}
	defer gpSrv.stop()
	pgSrv, err := startServe(ctx, o.bin, pgURL, o.dir, "postgis")
	if err != nil {
		return err
	}
	defer pgSrv.stop()
	b := &bench{o: o, w: w, gp: gpSrv, pg: pgSrv, sql: &sqlBase{pool: pool, schema: schema}, end: end}

	fmt.Printf("\na year of cases: %d cases (%s) over the %s town's %d zones and %d units, %s to %s; %s\n",
		w.n, w.stateMix(), o.size, len(w.zones), len(w.units), end.AddDate(0, 0, -365).Format("2006-01-02"), end.Format("2006-01-02 15:04 UTC"), w.loadNote)
	var failed error
	if err := b.lists(ctx); err != nil {
		failed = errors.Join(failed, err)
	}
	if err := b.assessment(ctx); err != nil {
		failed = errors.Join(failed, err)
	}
	if err := b.tiles(ctx); err != nil {
		failed = errors.Join(failed, err)
	}
	return failed
}

// world is what was loaded: the places, zones, units and the cases' count
// by state.
type world struct {
	n              int
	states         map[string]int
	green, waste   []place
	zones, units   []string
	bound          orb.Bound
	loadNote       string
	firstID, maxID int64
}

func (w *world) stateMix() string {
	s := ""
	for _, st := range []string{cases.Closed, cases.Verified, cases.Handled, cases.Dispatched, cases.Registered, cases.Reported, cases.Rejected} {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%s %.1f%%", st, 100*float64(w.states[st])/float64(max(1, w.n)))
	}
	return s
}

// load makes the town's layers the cases need (areas, green, waste,
// zones) and its units in a new GeoPackage and a new PostGIS schema, then
// the year of cases: into the GeoPackage through its CreateCases batches,
// into PostGIS by COPY.
func load(ctx context.Context, o options, gpPath, pgURL, schema string, end time.Time) (*world, error) {
	gp, err := gpkg.Open(ctx, gpPath)
	if err != nil {
		return nil, err
	}
	defer gp.Close()
	pg, err := postgis.Open(ctx, pgURL)
	if err != nil {
		return nil, err
	}
	defer pg.Close()
	keep := []string{geo.Areas, geo.Green, geo.Waste, geo.Zones}
	var feats []*geo.Feature
	t0 := time.Now()
	if _, err := demotown.Generate(demotown.Options{Seed: o.seed, Size: o.size}, func(b []*geo.Feature) error {
		if len(b) == 0 || !slices.Contains(keep, b[0].Layer) {
			return nil
		}
		for _, f := range b {
			if err := geo.Prepare(f); err != nil {
				return err
			}
		}
		feats = append(feats, b...)
		return nil
	}); err != nil {
		return nil, err
	}
	units, err := demotown.Units(demotown.Options{Seed: o.seed, Size: o.size})
	if err != nil {
		return nil, err
	}
	for _, st := range []store.Store{gp, pg} {
		for _, f := range feats { // new features to each store: it numbers them
			f.ID, f.Version = 0, 0
		}
		if _, err := st.Write(ctx, func(tx store.Tx) error {
			for i := 0; i < len(feats); i += demotown.BatchSize {
				if err := tx.Put(ctx, feats[i:min(len(feats), i+demotown.BatchSize)]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if err := st.PutUnits(ctx, units); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "%s town: %d features of %v and %d units into both stores in %s\n", o.size, len(feats), keep, len(units), time.Since(t0).Round(time.Millisecond))

	// The places' zones, as auto-dispatch finds them.
	ix := live.FromFeatures(feats)
	snap := ix.Snapshot()
	finder, err := zones.New(ix.Snapshot, 0)
	if err != nil {
		return nil, err
	}
	w := &world{states: map[string]int{}}
	zoneSet := map[string]bool{}
	for _, f := range feats {
		if f.Layer != geo.Green && f.Layer != geo.Waste {
			if f.Layer == geo.Zones {
				zoneSet[zones.Of(f).Code] = true
			}
			continue
		}
		pt := zones.Inside(f.Geom)
		z := finder.At(pt)
		name := f.Text("name")
		p := place{pt: pt, name: name, zone: z.Code, unit: z.Unit}
		if f.Layer == geo.Green {
			w.green = append(w.green, p)
		} else {
			w.waste = append(w.waste, p)
		}
	}
	for z := range zoneSet {
		w.zones = append(w.zones, z)
	}
	slices.Sort(w.zones)
	for _, u := range units {
		w.units = append(w.units, u.ID)
	}
	if b, ok := townBound(snap); ok {
		w.bound = b
	}
	feats, snap, ix = nil, nil, nil

	// The cases, a batch at a time into both stores.
	t1 := time.Now()
	g := newGen(o.seed, cases.Default(), w.green, w.waste, end, 365, o.n)
	cp, err := newCopier(ctx, o.dsn, schema)
	if err != nil {
		return nil, err
	}
	defer cp.close()
	var gpTime, pgTime time.Duration
	for {
		batch := g.next(store.MaxCaseBatch)
		if len(batch) == 0 {
			break
		}
		want := make([]int64, len(batch))
		for i, nc := range batch {
			want[i] = nc.Case.ID
			w.states[nc.Case.State]++
		}
		s := time.Now()
		n, err := gp.CreateCases(ctx, batch)
		if err != nil {
			return nil, err
		}
		gpTime += time.Since(s)
		if n != len(batch) {
			return nil, fmt.Errorf("GeoPackage stored %d of %d cases", n, len(batch))
		}
		for i, nc := range batch {
			if nc.Case.ID != want[i] {
				return nil, fmt.Errorf("GeoPackage gave case %d id %d", want[i], nc.Case.ID)
			}
		}
		s = time.Now()
		if err := cp.copy(ctx, batch); err != nil {
			return nil, err
		}
		pgTime += time.Since(s)
		w.n += len(batch)
		if w.n%100_000 < len(batch) {
			fmt.Fprintf(os.Stderr, "  %d cases (GeoPackage %s, PostGIS %s)\n", w.n, gpTime.Round(time.Second), pgTime.Round(time.Second))
		}
	}
	s := time.Now()
	if err := cp.finish(ctx); err != nil {
		return nil, err
	}
	pgTime += time.Since(s)
	w.firstID, w.maxID = 1, int64(w.n)
	w.loadNote = fmt.Sprintf("loaded into the GeoPackage by CreateCases batches of %d in %.1f s, into PostGIS by COPY in %.1f s (indexes and ANALYZE included); generated and loaded in %.1f s",
		store.MaxCaseBatch, gpTime.Seconds(), pgTime.Seconds(), time.Since(t1).Seconds())
	fmt.Fprintln(os.Stderr, w.loadNote)
	return w, nil
}

// townBound is the union of the snapshot's layers' bounds.
func townBound(snap *index.Snapshot) (orb.Bound, bool) {
	var b orb.Bound
	ok := false
	for _, l := range snap.Infos() {
		if l.BBox == nil {
			continue
		}
		if ok {
			b = b.Union(*l.BBox)
		} else {
			b, ok = *l.BBox, true
		}
	}
	return b, ok
}
