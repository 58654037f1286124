package postgis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
)

// areaWhere is the WHERE clause of a CaseArea with its arguments after
// args: the bound is an && on the point's GiST index, whose boxes are
// single precision, then exact on the coordinates.
func areaWhere(a *store.CaseArea, args []any) (string, []any) {
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	b := a.Bound
	where := []string{
		fmt.Sprintf(`geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)`, arg(b.Min[0]), arg(b.Min[1]), arg(b.Max[0]), arg(b.Max[1])),
		fmt.Sprintf(`ST_X(geom) BETWEEN %s AND %s AND ST_Y(geom) BETWEEN %s AND %s`, arg(b.Min[0]), arg(b.Max[0]), arg(b.Min[1]), arg(b.Max[1])),
		`reported >= ` + arg(a.From), `reported < ` + arg(a.Before),
	}
	if len(a.States) > 0 {
		where = append(where, `state = ANY(`+arg(a.States)+`)`)
	}
	if a.Category != "" {
		where = append(where, `category = `+arg(a.Category))
	}
	if a.Unit != "" {
		where = append(where, `unit = `+arg(a.Unit))
	}
	return strings.Join(where, ` AND `), args
}

func (s *Store) CasePoints(ctx context.Context, a store.CaseArea, limit int) ([]store.CasePoint, bool, error) {
	if err := store.CheckCaseLimit(limit); err != nil {
		return nil, false, err
	}
	where, args := areaWhere(&a, nil)
	args = append(args, limit+1)
	q := fmt.Sprintf(`SELECT id, category, state, ST_X(geom), ST_Y(geom), reported, deadline, closed FROM %s.gr_cases WHERE %s ORDER BY id DESC LIMIT $%d`,
		s.schema, where, len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, false, dbErr("case points", err)
	}
	defer rows.Close()
	var out []store.CasePoint
	for rows.Next() {
		var p store.CasePoint
		if err := rows.Scan(&p.ID, &p.Category, &p.State, &p.Point[0], &p.Point[1], &p.Reported, &p.Deadline, &p.Closed); err != nil {
			return nil, false, dbErr("case points", err)
		}
		p.Reported = p.Reported.UTC()
		for _, t := range []**time.Time{&p.Deadline, &p.Closed} {
			if *t != nil {
				u := (*t).UTC()
				*t = &u
			}
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, dbErr("case points", err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// CaseCells counts in SQL: a cell is store.CaseCellOf's, computed with the
// same steps in the same floating point.
func (s *Store) CaseCells(ctx context.Context, a store.CaseArea, n int) ([]store.CaseCell, error) {
	if err := store.CheckCaseGrid(a, n); err != nil {
		return nil, err
	}
	b := a.Bound
	dx, dy := (b.Max[0]-b.Min[0])/float64(n), (b.Max[1]-b.Min[1])/float64(n)
	where, args := areaWhere(&a, []any{b.Min[1], dy, n - 1, b.Min[0], dx})
	q := fmt.Sprintf(`SELECT r, c, count(*) FROM (SELECT LEAST(GREATEST(floor((ST_Y(geom) - $1::float8) / $2::float8)::int, 0), $3::int) AS r,
  LEAST(GREATEST(floor((ST_X(geom) - $4::float8) / $5::float8)::int, 0), $3::int) AS c FROM %s.gr_cases WHERE %s) AS cells GROUP BY r, c ORDER BY r, c`, s.schema, where)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, dbErr("case cells", err)
	}
	defer rows.Close()
	var out []store.CaseCell
	for rows.Next() {
		var c store.CaseCell
		var count int64
		if err := rows.Scan(&c.Row, &c.Col, &count); err != nil {
			return nil, dbErr("case cells", err)
		}
		c.Count = int(count)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("case cells", err)
	}
	return out, nil
}
