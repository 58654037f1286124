package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// bench is one run's targets: greenreach serving the GeoPackage and the
// PostGIS store, and SQL on the same PostGIS tables.
type bench struct {
	o      options
	w      *world
	gp, pg *server
	sql    *sqlBase
	end    time.Time
}

// timings of one query kind on one target.
type timings []time.Duration

func (t timings) pct(p float64) time.Duration {
	if len(t) == 0 {
		return 0
	}
	s := slices.Clone(t)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)]
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// listKinds are the case board's filters (GET /api/cases), each made
// afresh per request from the loaded zones, units and places.
func (b *bench) listKinds() []struct {
	name string
	make func(r *rand.Rand) listQuery
} {
	w := b.w
	codes := []string{}
	for _, c := range cases.Default().Categories {
		codes = append(codes, c.Code)
	}
	box := func(r *rand.Rand, half float64) *orb.Bound {
		ps := w.green
		if r.IntN(2) == 0 {
			ps = w.waste
		}
		p := ps[r.IntN(len(ps))].pt
		return &orb.Bound{Min: orb.Point{p[0] - half, p[1] - half}, Max: orb.Point{p[0] + half, p[1] + half}}
	}
	zone := func(r *rand.Rand) string { return w.zones[r.IntN(len(w.zones))] }
	unit := func(r *rand.Rand) string { return w.units[r.IntN(len(w.units))] }
	cat := func(r *rand.Rand) string { return codes[r.IntN(len(codes))] }
	return []struct {
		name string
		make func(r *rand.Rand) listQuery
	}{
		{"newest 50 (no filter)", func(r *rand.Rand) listQuery { return listQuery{limit: 50} }},
		{"open: state=dispatched,handled,verified", func(r *rand.Rand) listQuery {
			return listQuery{states: []string{cases.Dispatched, cases.Handled, cases.Verified}, limit: 50}
		}},
		{"state=closed, a page deep (before=)", func(r *rand.Rand) listQuery {
			return listQuery{states: []string{cases.Closed}, before: 1 + r.Int64N(w.maxID), limit: 50}
		}},
		{"category", func(r *rand.Rand) listQuery { return listQuery{category: cat(r), limit: 50} }},
		{"zone", func(r *rand.Rand) listQuery { return listQuery{zone: zone(r), limit: 50} }},
		{"zone, a page deep (before=)", func(r *rand.Rand) listQuery {
			return listQuery{zone: zone(r), before: 1 + r.Int64N(w.maxID), limit: 50}
		}},
		{"unit & state=dispatched", func(r *rand.Rand) listQuery {
			return listQuery{unit: unit(r), states: []string{cases.Dispatched}, limit: 50}
		}},
		{"bbox ~1 km", func(r *rand.Rand) listQuery { return listQuery{bbox: box(r, 0.005), limit: 50} }},
		{"category & bbox ~2 km", func(r *rand.Rand) listQuery { return listQuery{category: cat(r), bbox: box(r, 0.01), limit: 50} }},
		{"overdue=true", func(r *rand.Rand) listQuery { return listQuery{overdue: true, limit: 50} }},
		{"overdue=true & zone", func(r *rand.Rand) listQuery { return listQuery{overdue: true, zone: zone(r), limit: 50} }},
		{"state=closed, limit=1000", func(r *rand.Rand) listQuery { return listQuery{states: []string{cases.Closed}, limit: 1000} }},
	}
}

// lists times every list kind on the three targets in turn, request by
// request, and checks that all three list the same ids.
func (b *bench) lists(ctx context.Context) error {
	r := rand.New(rand.NewPCG(uint64(b.o.seed), 0x6c69737473))
	fmt.Printf("\nfiltered lists, GET /api/cases (admin token, one request at a time) vs the same SELECT … ORDER BY id DESC LIMIT n over pgx; ms\n")
	fmt.Printf("%-40s %5s %17s %17s %17s %9s %9s\n", "query", "n", "gpkg p50/p99", "postgis p50/p99", "SQL p50/p99", "gpkg÷SQL", "pg÷SQL")
	differ := 0
	var worstGP, worstPG float64
	for _, k := range b.listKinds() {
		var tg, tp, ts timings
		start := time.Now()
		for i := 0; i < b.o.per && time.Since(start) < b.o.budget; i++ {
			q := k.make(r)
			path := q.path()
			var ids [3][]int64
			for j := range 3 {
				switch (i + j) % 3 { // each target first in turn
				case 0:
					got, d, err := b.listHTTP(ctx, b.gp, path)
					if err != nil {
						return err
					}
					ids[0], tg = got, append(tg, d)
				case 1:
					got, d, err := b.listHTTP(ctx, b.pg, path)
					if err != nil {
						return err
					}
					ids[1], tp = got, append(tp, d)
				case 2:
					got, d, err := b.sql.list(ctx, q, time.Now())
					if err != nil {
						return fmt.Errorf("SQL %s: %w", path, err)
					}
					ids[2], ts = got, append(ts, d)
				}
			}
			if !slices.Equal(ids[0], ids[2]) || !slices.Equal(ids[1], ids[2]) {
				if differ++; differ <= 5 {
					fmt.Fprintf(os.Stderr, "%s: gpkg %d ids, postgis %d, SQL %d (first %v %v %v)\n", path, len(ids[0]), len(ids[1]), len(ids[2]), head(ids[0]), head(ids[1]), head(ids[2]))
				}
			}
		}
		rg, rp := float64(tg.pct(0.99))/float64(ts.pct(0.99)), float64(tp.pct(0.99))/float64(ts.pct(0.99))
		worstGP, worstPG = max(worstGP, rg), max(worstPG, rp)
		fmt.Printf("%-40s %5d %8.2f/%8.2f %8.2f/%8.2f %8.2f/%8.2f %8.2fx %8.2fx\n", k.name, len(ts),
			ms(tg.pct(0.5)), ms(tg.pct(0.99)), ms(tp.pct(0.5)), ms(tp.pct(0.99)), ms(ts.pct(0.5)), ms(ts.pct(0.99)), rg, rp)
	}
	fmt.Printf("p99 ratios (greenreach ÷ SQL), worst kind: gpkg %.2fx, postgis %.2fx; lists that differ: %d\n", worstGP, worstPG, differ)
	if differ > 0 {
		return fmt.Errorf("%w: %d lists", errDiffer, differ)
	}
	return nil
}

func head(ids []int64) []int64 { return ids[:min(3, len(ids))] }

// listHTTP fetches a list and returns its ids.
func (b *bench) listHTTP(ctx context.Context, s *server, path string) ([]int64, time.Duration, error) {
	body, status, d, err := s.get(ctx, path)
	if err != nil {
		return nil, 0, err
	}
	if status != 200 {
		return nil, 0, fmt.Errorf("%s %s: %d %s", s.name, path, status, body)
	}
	var out struct {
		Cases []struct {
			ID int64 `json:"id"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(out.Cases))
	for i, c := range out.Cases {
		ids[i] = c.ID
	}
	return ids, d, nil
}

// monthJSON is what the assessment's JSON says of each unit.
type monthJSON struct {
	Clock time.Time  `json:"clock"`
	Units []unitJSON `json:"units"`
}

type unitJSON struct {
	Unit     string   `json:"unit"`
	Score    float64  `json:"score"`
	Prev     *float64 `json:"prev"`
	Deducted float64  `json:"deducted"`
	Cases    int      `json:"cases"`
	Overdue  int      `json:"overdue"`
	Carried  int      `json:"carried"`
}

// assessment times the last full month's assessment on both services
// beside the SQL GROUP BY, three rounds in turn (medians), and checks
// every unit's score, deductions and counts against the SQL's.
func (b *bench) assessment(ctx context.Context) error {
	m := assess.MonthOf(b.end).Add(-1)
	rules, cat := assess.Default(), cases.Default()
	path := "/api/assessment?month=" + m.String()
	var tg, tp, ts timings
	mismatch := 0
	units := 0
	for round := range 3 {
		var reps []*monthJSON
		for _, s := range []*server{b.gp, b.pg} {
			body, status, d, err := s.get(ctx, path)
			if err != nil {
				return err
			}
			if status != 200 {
				fmt.Printf("\nassessment of %s on %s: %d %s\n", m, s.name, status, body)
				return fmt.Errorf("assessment on %s: status %d", s.name, status)
			}
			var rep monthJSON
			if err := json.Unmarshal(body, &rep); err != nil {
				return err
			}
			reps = append(reps, &rep)
			if s == b.gp {
				tg = append(tg, d)
			} else {
				tp = append(tp, d)
			}
		}
		cur, prev, d, err := b.sql.assessment(ctx, rules, cat, m, reps[0].Clock)
		if err != nil {
			return fmt.Errorf("SQL assessment: %w", err)
		}
		ts = append(ts, d)
		if round > 0 {
			continue
		}
		for _, rep := range reps {
			units = len(rep.Units)
			for _, u := range rep.Units {
				c, p := cur[u.Unit], prev[u.Unit]
				score := max(int64(rules.Floor), int64(rules.Start)-c.deducted)
				prevScore := max(int64(rules.Floor), int64(rules.Start)-p.deducted)
				ok := tenths(u.Deducted) == c.deducted && tenths(u.Score) == score && u.Prev != nil && tenths(*u.Prev) == prevScore &&
					u.Cases == c.cases && u.Overdue == c.overdue && u.Carried == c.carried
				if !ok {
					if mismatch++; mismatch <= 5 {
						fmt.Fprintf(os.Stderr, "assessment %s, unit %s: greenreach score %.1f (prev %v) deducted %.1f cases %d overdue %d carried %d; SQL score %.1f (prev %.1f) deducted %.1f cases %d overdue %d carried %d\n",
							m, u.Unit, u.Score, u.Prev, u.Deducted, u.Cases, u.Overdue, u.Carried, float64(score)/10, float64(prevScore)/10, float64(c.deducted)/10, c.cases, c.overdue, c.carried)
					}
				}
			}
			for unit := range cur {
				if !slices.ContainsFunc(rep.Units, func(u unitJSON) bool {
					return u.Unit == unit
				}) {
					mismatch++
					fmt.Fprintf(os.Stderr, "assessment %s: unit %s has deductions in SQL, none in greenreach's report\n", m, unit)
				}
			}
		}
	}
	fmt.Printf("\na month's assessment, GET %s (%d units; the month and the one before, as the API computes them) vs one SQL GROUP BY of the same deductions; median of 3, s\n", path, units)
	fmt.Printf("%-34s %9s %9s\n", "run", "seconds", "÷ SQL")
	fmt.Printf("%-34s %9.3f %8.2fx\n", "SQL GROUP BY (PostGIS)", ts.pct(0.5).Seconds(), 1.0)
	fmt.Printf("%-34s %9.3f %8.2fx\n", "greenreach on the GeoPackage", tg.pct(0.5).Seconds(), tg.pct(0.5).Seconds()/ts.pct(0.5).Seconds())
	fmt.Printf("%-34s %9.3f %8.2fx\n", "greenreach on PostGIS", tp.pct(0.5).Seconds(), tp.pct(0.5).Seconds()/ts.pct(0.5).Seconds())
	if mismatch > 0 {
		fmt.Printf("scores: %d units DIFFER from the SQL's\n", mismatch)
		return fmt.Errorf("%w: assessment of %s, %d units", errDiffer, m, mismatch)
	}
	fmt.Printf("scores: every unit's score, previous score, deductions, cases, overdue and carried equal the SQL's on both stores\n")
	return nil
}

func tenths(p float64) int64 { return int64(math.Round(p * 10)) }

// tiles times staff case tiles (GET /api/cases/tiles/{z}/{x}/{y}.mvt,
// helper c-tiles' route) beside ST_AsMVT of the same cases, each tile
// asked once (the route keeps tiles 30 s), if this build has the route.
func (b *bench) tiles(ctx context.Context) error {
	if _, status, _, err := b.gp.get(ctx, "/api/cases/tiles/14/0/0.mvt"); err != nil {
		return err
	} else if status == 404 {
		fmt.Printf("\ncase tiles: route not in this build\n")
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(b.o.seed), 0x74696c6573))
	day := func(t time.Time) string { return t.In(assess.Zone).Format(time.DateOnly) }
	today := b.end.In(assess.Zone)
	type set struct {
		name string
		z    maptile.Zoom
		days int
	}
	differ := 0
	sets := []set{{"z12, last 30 days (heat)", 12, 30}, {"z14, last 30 days", 14, 30}, {"z16, last 30 days (points)", 16, 30}, {"z12, the year (heat)", 12, 365}, {"z14, the year", 14, 365}}
	fmt.Printf("\ncase tiles, GET /api/cases/tiles/{z}/{x}/{y}.mvt?from=&to= (each tile once: not cached) vs ST_AsMVT of the same cases; ms\n")
	fmt.Printf("%-28s %5s %17s %17s %17s %9s %9s\n", "tiles", "n", "gpkg p50/p99", "postgis p50/p99", "SQL p50/p99", "gpkg÷SQL", "pg÷SQL")
	for _, s := range sets {
		seen := map[maptile.Tile]bool{}
		var list []maptile.Tile
		for tries := 0; len(list) < min(b.o.per/2, 100) && tries < 10000; tries++ {
			ps := b.w.green
			if r.IntN(2) == 0 {
				ps = b.w.waste
			}
			t := maptile.At(ps[r.IntN(len(ps))].pt, s.z)
			if !seen[t] {
				seen[t] = true
				list = append(list, t)
			}
		}
		fromDay := today.AddDate(0, 0, -s.days+1)
		from := time.Date(fromDay.Year(), fromDay.Month(), fromDay.Day(), 0, 0, 0, 0, assess.Zone)
		before := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, assess.Zone).AddDate(0, 0, 1)
		q := fmt.Sprintf("?from=%s&to=%s", day(from), day(today))
		var tg, tp, ts timings
		for i, t := range list {
			path := fmt.Sprintf("/api/cases/tiles/%d/%d/%d.mvt%s", t.Z, t.X, t.Y, q)
			var sums [3]string
			for j := range 3 {
				switch (i + j) % 3 {
				case 0, 1:
					srv := b.gp
					if (i+j)%3 == 1 {
						srv = b.pg
					}
					body, status, d, err := srv.get(ctx, path)
					if err != nil {
						return err
					}
					if status != 200 && status != 204 {
						return fmt.Errorf("%s %s: %d %s", srv.name, path, status, body)
					}
					if srv == b.gp {
						tg = append(tg, d)
					} else {
						tp = append(tp, d)
					}
					if sums[j], err = tileSums(body); err != nil {
						return fmt.Errorf("%s %s: %w", srv.name, path, err)
					}
				case 2:
					mvt, d, err := b.sql.tile(ctx, int(t.Z), int(t.X), int(t.Y), t.Bound(), from, before, time.Now())
					if err != nil {
						return fmt.Errorf("SQL tile %v: %w", t, err)
					}
					ts = append(ts, d)
					if sums[j], err = tileSums(mvt); err != nil {
						return fmt.Errorf("SQL tile %v: %w", t, err)
					}
				}
			}
			for j := range 3 {
				if sums[j] != sums[(j+1)%3] {
					if differ++; differ <= 5 {
						fmt.Fprintf(os.Stderr, "tile %s: cases drawn by the three (in turn from the %d-th) %v\n", path, i%3, sums)
					}
					break
				}
			}
		}
		fmt.Printf("%-28s %5d %8.2f/%8.2f %8.2f/%8.2f %8.2f/%8.2f %8.2fx %8.2fx\n", s.name, len(ts),
			ms(tg.pct(0.5)), ms(tg.pct(0.99)), ms(tp.pct(0.5)), ms(tp.pct(0.99)), ms(ts.pct(0.5)), ms(ts.pct(0.99)),
			float64(tg.pct(0.99))/float64(ts.pct(0.99)), float64(tp.pct(0.99))/float64(ts.pct(0.99)))
	}
	fmt.Printf("tiles whose layers, features or heat counts differ from ST_AsMVT's: %d\n", differ)
	if differ > 0 {
		return fmt.Errorf("%w: %d case tiles", errDiffer, differ)
	}
	return nil
}

// tileSums says what a case tile draws: per layer, its features and the
// sum of their counts (heat cells), gzipped or not.
func tileSums(data []byte) (string, error) {
	if len(data) == 0 {
		return "", nil
	}
	ls, err := mvt.UnmarshalGzipped(data)
	if err != nil {
		if ls, err = mvt.Unmarshal(data); err != nil {
			return "", err
		}
	}
	out := ""
	for _, l := range ls {
		n := 0.0
		for _, f := range l.Features {
			switch c := f.Properties["count"].(type) {
			case float64:
				n += c
			case int64:
				n += float64(c)
			case uint64:
				n += float64(c)
			default:
				n++
			}
		}
		out += fmt.Sprintf("%s:%d/%g ", l.Name, len(l.Features), n)
	}
	return out, nil
}
