package gpkg

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
)

// areaWhere is the WHERE clause of a CaseArea and its arguments: the
// (lon, lat) index narrows the bound, the rest filters.
func areaWhere(a *store.CaseArea) (string, []any) {
	where := []string{`lon BETWEEN ? AND ?`, `lat BETWEEN ? AND ?`, `reported >= ?`, `reported < ?`}
	args := []any{a.Bound.Min[0], a.Bound.Max[0], a.Bound.Min[1], a.Bound.Max[1], formatTime(a.From), formatTime(a.Before)}
	if len(a.States) > 0 {
		where = append(where, `state IN (?`+strings.Repeat(`, ?`, len(a.States)-1)+`)`)
		for _, st := range a.States {
			args = append(args, st)
		}
	}
	if a.Category != "" {
		where, args = append(where, `category = ?`), append(args, a.Category)
	}
	if a.Unit != "" {
		where, args = append(where, `unit = ?`), append(args, a.Unit)
	}
	return strings.Join(where, ` AND `), args
}

func (s *Store) CasePoints(ctx context.Context, a store.CaseArea, limit int) ([]store.CasePoint, bool, error) {
	if err := store.CheckCaseLimit(limit); err != nil {
		return nil, false, err
	}
	where, args := areaWhere(&a)
	rows, err := s.r.QueryContext(ctx, `SELECT id, category, state, lon, lat, reported, deadline, closed FROM gr_cases WHERE `+where+` ORDER BY id DESC LIMIT ?`,
		append(args, limit+1)...)
	if err != nil {
		return nil, false, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.CasePoint
	for rows.Next() {
		var p store.CasePoint
		var reported, deadline, closed any
		if err := rows.Scan(&p.ID, &p.Category, &p.State, &p.Point[0], &p.Point[1], &reported, &deadline, &closed); err != nil {
			return nil, false, fmt.Errorf("gpkg: case points: %w", err)
		}
		if p.Reported, err = parseTime(reported); err != nil {
			return nil, false, fmt.Errorf("gpkg: case points: %w", err)
		}
		for _, t := range []struct {
			v   any
			dst **time.Time
		}{{deadline, &p.Deadline}, {closed, &p.Closed}} {
			if t.v == nil {
				continue
			}
			v, err := parseTime(t.v)
			if err != nil {
				return nil, false, fmt.Errorf("gpkg: case points: %w", err)
			}
			*t.dst = &v
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.unavailable(err)
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// CaseCells counts in SQL: a cell is store.CaseCellOf's, computed with the
// same steps in the same floating point (a point inside the bound is not
// west or south of it, so CAST's truncation is the floor).
func (s *Store) CaseCells(ctx context.Context, a store.CaseArea, n int) ([]store.CaseCell, error) {
	if err := store.CheckCaseGrid(a, n); err != nil {
		return nil, err
	}
	b := a.Bound
	dx, dy := (b.Max[0]-b.Min[0])/float64(n), (b.Max[1]-b.Min[1])/float64(n)
	where, args := areaWhere(&a)
	q := `SELECT r, c, count(*) FROM (SELECT min(max(CAST((lat - ?) / ? AS INTEGER), 0), ?) AS r, min(max(CAST((lon - ?) / ? AS INTEGER), 0), ?) AS c FROM gr_cases WHERE ` +
		where + `) GROUP BY r, c ORDER BY r, c`
	rows, err := s.r.QueryContext(ctx, q, append([]any{b.Min[1], dy, n - 1, b.Min[0], dx, n - 1}, args...)...)
	if err != nil {
		return nil, s.unavailable(err)
	}
	defer rows.Close()
	var out []store.CaseCell
	for rows.Next() {
		var c store.CaseCell
		if err := rows.Scan(&c.Row, &c.Col, &c.Count); err != nil {
			return nil, fmt.Errorf("gpkg: case cells: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.unavailable(err)
	}
	return out, nil
}
