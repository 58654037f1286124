package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
)

// sqlBase asks PostGIS directly, with SQL written here (not the store's):
// the baseline.
type sqlBase struct {
	pool   *pgxpool.Pool
	schema string
}

// listQuery is one filtered list: GET /api/cases's parameters.
type listQuery struct {
	states         []string
	category, zone string
	unit           string
	bbox           *orb.Bound
	overdue        bool
	before         int64
	limit          int
}

func (q listQuery) path() string {
	var p []string
	if len(q.states) > 0 {
		p = append(p, "state="+strings.Join(q.states, ","))
	}
	for k, v := range map[string]string{"category": q.category, "zone": q.zone, "unit": q.unit} {
		if v != "" {
			p = append(p, k+"="+v)
		}
	}
	if q.bbox != nil {
		p = append(p, fmt.Sprintf("bbox=%s,%s,%s,%s", num(q.bbox.Min[0]), num(q.bbox.Min[1]), num(q.bbox.Max[0]), num(q.bbox.Max[1])))
	}
	if q.overdue {
		p = append(p, "overdue=true")
	}
	if q.before > 0 {
		p = append(p, fmt.Sprint("before=", q.before))
	}
	p = append(p, fmt.Sprint("limit=", q.limit))
	return "/api/cases?" + strings.Join(p, "&")
}

// list runs q as one SELECT … WHERE … ORDER BY id DESC LIMIT n, reading
// every column the API's list reads, and returns the ids.
func (s *sqlBase) list(ctx context.Context, q listQuery, now time.Time) ([]int64, time.Duration, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	states := q.states
	if q.overdue && len(states) == 0 {
		states = cases.Open
	}
	if len(states) > 0 {
		where = append(where, "state = ANY("+arg(states)+")")
	}
	if q.category != "" {
		where = append(where, "category = "+arg(q.category))
	}
	if q.zone != "" {
		where = append(where, "zone = "+arg(q.zone))
	}
	if q.unit != "" {
		where = append(where, "unit = "+arg(q.unit))
	}
	if q.bbox != nil {
		b := q.bbox
		// The index's boxes are single precision: exact on the coordinates.
		x0, y0, x1, y1 := arg(b.Min[0]), arg(b.Min[1]), arg(b.Max[0]), arg(b.Max[1])
		where = append(where, fmt.Sprintf("geom && ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4326) AND ST_X(geom) BETWEEN %[1]s AND %[3]s AND ST_Y(geom) BETWEEN %[2]s AND %[4]s", x0, y0, x1, y1))
	}
	if q.overdue {
		where = append(where, "deadline < "+arg(now))
	}
	if q.before > 0 {
		where = append(where, "id < "+arg(q.before))
	}
	sql := fmt.Sprintf(`SELECT id, version, category, state, ST_X(geom), ST_Y(geom), description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, registered, deadline, closed, updated, ref FROM %s.gr_cases`, s.schema)
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY id DESC LIMIT " + arg(q.limit)
	start := time.Now()
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var (
			id, version, dup                                                     int64
			cat, state, desc, source, reporter, contact, zone, unit, reason, ref string
			x, y                                                                 float64
			reopens                                                              int
			reported, updated                                                    time.Time
			registered, deadline, closed                                         *time.Time
		)
		if err := rows.Scan(&id, &version, &cat, &state, &x, &y, &desc, &source, &reporter, &contact, &zone, &unit, &dup, &reason, &reopens,
			&reported, &registered, &deadline, &closed, &updated, &ref); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return ids, time.Since(start), nil
}

// unitMonth is one unit's month as the SQL computes it.
type unitMonth struct {
	deducted                int64 // tenths of a point
	cases, overdue, carried int
}

// assessment computes month m's and the month before's deductions per
// unit in one GROUP BY, as cases/assess's rules say (rules.yaml): a
// case's weight and re-opens in its own month, the overdue days that
// start in each month (to the clock, or its closure), each case capped,
// from the counted states. Cases reported before the month before count
// only for their overdue days.
func (s *sqlBase) assessment(ctx context.Context, r *assess.Rules, cat *cases.Catalog, m assess.Month, clock time.Time) (map[string]unitMonth, map[string]unitMonth, time.Duration, error) {
	var codes []string
	var weights []int64
	for _, c := range cat.Categories {
		codes = append(codes, c.Code)
		weights = append(weights, int64(c.Weight*10+0.5))
	}
	counted, _ := r.States()
	prev := m.Add(-1)
	sql := fmt.Sprintf(`WITH w AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS w(category, weight)),
months(k, ms, me) AS (VALUES (0, $3::timestamptz, $4::timestamptz), (1, $4::timestamptz, $5::timestamptz)),
c AS (
  SELECT c.unit, c.reported, c.deadline, c.reopens, w.weight, LEAST($6::timestamptz, COALESCE(c.closed, $6::timestamptz)) AS stop
  FROM %s.gr_cases c JOIN w USING (category)
  WHERE c.state = ANY($7) AND c.reported < LEAST($6::timestamptz, $5::timestamptz)
    AND (c.reported >= $3 OR c.closed IS NULL OR c.closed >= $3)
),
d AS (
  SELECT m.k, c.unit, c.reported >= m.ms AS own, c.weight, c.reopens,
    CASE WHEN c.stop > c.deadline AND LEAST(m.me, c.stop) > GREATEST(m.ms, c.deadline)
      THEN ceil(extract(epoch FROM LEAST(m.me, c.stop) - c.deadline) / 86400) - ceil(extract(epoch FROM GREATEST(m.ms, c.deadline) - c.deadline) / 86400)
      ELSE 0 END::bigint AS days
  FROM c JOIN months m ON c.reported < m.me
)
SELECT k, unit,
  sum(LEAST($8::bigint, CASE WHEN own THEN weight + reopens * $9::bigint ELSE 0 END + days * $10::bigint)) AS deducted,
  count(*) FILTER (WHERE own), count(*) FILTER (WHERE days > 0), count(*) FILTER (WHERE NOT own)
FROM d WHERE own OR days > 0
GROUP BY k, unit`, s.schema)
	start := time.Now()
	rows, err := s.pool.Query(ctx, sql, codes, weights, prev.Start(), m.Start(), m.End(), clock, counted,
		int64(r.CaseCap), int64(r.Reopen), int64(r.OverduePerDay))
	if err != nil {
		return nil, nil, 0, err
	}
	defer rows.Close()
	out := [2]map[string]unitMonth{{}, {}}
	for rows.Next() {
		var k int
		var unit string
		var u unitMonth
		if err := rows.Scan(&k, &unit, &u.deducted, &u.cases, &u.overdue, &u.carried); err != nil {
			return nil, nil, 0, err
		}
		out[k][unit] = u
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, err
	}
	return out[1], out[0], time.Since(start), nil
}

// tile draws a staff case tile as the route's contract says, in SQL:
// from zoom 14 the cases as points (layer cases) unless the tile holds
// more than 2000, else the counts of a 64×64 grid (layer cases_heat);
// ST_AsMVT writes it.
func (s *sqlBase) tile(ctx context.Context, z, x, y int, b orb.Bound, from, before, now time.Time) ([]byte, time.Duration, error) {
	start := time.Now()
	var mvt []byte
	if z >= tilePointZoom {
		err := s.pool.QueryRow(ctx, fmt.Sprintf(`WITH p AS (
  SELECT id, state, category, reported, deadline, closed, geom FROM %s.gr_cases
  WHERE geom && ST_MakeEnvelope($4, $5, $6, $7, 4326) AND ST_X(geom) BETWEEN $4 AND $6 AND ST_Y(geom) BETWEEN $5 AND $7 AND reported >= $8 AND reported < $9
  ORDER BY id DESC LIMIT %d)
SELECT CASE WHEN count(*) <= %d THEN ST_AsMVT(t, 'cases', 4096, 'geom', 'id') END FROM (
  SELECT id, state, category, to_char(reported AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS opened,
    deadline IS NOT NULL AND COALESCE(closed, $10) > deadline AS overdue,
    ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3)) AS geom FROM p) t`, s.schema, tileMaxPoints+1, tileMaxPoints),
			z, x, y, b.Min[0], b.Min[1], b.Max[0], b.Max[1], from, before, now).Scan(&mvt)
		if err != nil {
			return nil, 0, err
		}
		if mvt != nil {
			return mvt, time.Since(start), nil
		}
	}
	n := tileHeatGrid
	dx, dy := (b.Max[0]-b.Min[0])/float64(n), (b.Max[1]-b.Min[1])/float64(n)
	err := s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT ST_AsMVT(t, 'cases_heat') FROM (
  SELECT count(*) AS count, ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint($4 + (c + 0.5) * $8, $5 + (r + 0.5) * $9), 4326), 3857), ST_TileEnvelope($1, $2, $3)) AS geom
  FROM (SELECT LEAST(GREATEST(floor((ST_Y(geom) - $5) / $9)::int, 0), $12::int) AS r, LEAST(GREATEST(floor((ST_X(geom) - $4) / $8)::int, 0), $12::int) AS c
    FROM %s.gr_cases WHERE geom && ST_MakeEnvelope($4, $5, $6, $7, 4326) AND ST_X(geom) BETWEEN $4 AND $6 AND ST_Y(geom) BETWEEN $5 AND $7 AND reported >= $10 AND reported < $11) cells
  GROUP BY r, c) t`, s.schema),
		z, x, y, b.Min[0], b.Min[1], b.Max[0], b.Max[1], dx, dy, from, before, n-1).Scan(&mvt)
	if err != nil {
		return nil, 0, err
	}
	return mvt, time.Since(start), nil
}

// What a staff case tile draws, by the route's contract (helper c-tiles'
// cases.PointZoom, MaxTilePoints and HeatGrid).
const (
	tilePointZoom = 14
	tileMaxPoints = 2000
	tileHeatGrid  = 64
)
