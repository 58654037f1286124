package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5"
)

// copier loads cases into the PostGIS store's own tables (made by its
// migrations) with COPY in text format, the ids as the GeoPackage gave
// them, each case with its report event.
type copier struct {
	conn   *pgx.Conn
	schema string
}

func newCopier(ctx context.Context, dsn, schema string) (*copier, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &copier{conn: conn, schema: schema}, nil
}

func (c *copier) close() { c.conn.Close(context.Background()) }

// copy sends one batch of cases and their events.
func (c *copier) copy(ctx context.Context, batch []store.NewCase) error {
	var cs, evs bytes.Buffer
	for _, nc := range batch {
		k := nc.Case
		row(&cs, k.ID, 1, k.Category, k.State, fmt.Sprintf("SRID=4326;POINT(%s %s)", num(k.Point[0]), num(k.Point[1])), k.Description, k.Source,
			k.Reporter, k.Contact, k.Zone, k.Unit, k.DuplicateOf, k.Reason, k.Reopens, k.Reported, k.Registered, k.Deadline, k.Closed, k.Updated, k.Ref)
		e := nc.Event
		row(&evs, k.ID, k.ID, e.At, e.Who, e.Role, e.Action, e.From, e.To, e.Note, e.Unit)
	}
	if _, err := c.conn.PgConn().CopyFrom(ctx, &cs, fmt.Sprintf(`COPY %s.gr_cases (id, version, category, state, geom, description, source, reporter, contact, zone, unit, duplicate_of, reason, reopens, reported, registered, deadline, closed, updated, ref) FROM STDIN`, c.schema)); err != nil {
		return fmt.Errorf("COPY gr_cases: %w", err)
	}
	if _, err := c.conn.PgConn().CopyFrom(ctx, &evs, fmt.Sprintf(`COPY %s.gr_case_events (id, case_id, at, who, role, action, from_state, to_state, note, unit) FROM STDIN`, c.schema)); err != nil {
		return fmt.Errorf("COPY gr_case_events: %w", err)
	}
	return nil
}

// finish moves the id sequences past the copied ids and analyses the
// tables, as a store that wrote them itself would stand.
func (c *copier) finish(ctx context.Context) error {
	_, err := c.conn.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s.gr_cases', 'id'), (SELECT max(id) FROM %[1]s.gr_cases));
SELECT setval(pg_get_serial_sequence('%[1]s.gr_case_events', 'id'), (SELECT max(id) FROM %[1]s.gr_case_events));
ANALYZE %[1]s.gr_cases; ANALYZE %[1]s.gr_case_events`, c.schema))
	return err
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// row writes one line of COPY's text format.
func row(b *bytes.Buffer, vals ...any) {
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('\t')
		}
		switch x := v.(type) {
		case string:
			b.WriteString(copyEscaper.Replace(x))
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		case int:
			b.WriteString(strconv.Itoa(x))
		case time.Time:
			b.WriteString(x.UTC().Format(time.RFC3339Nano))
		case *time.Time:
			if x == nil {
				b.WriteString(`\N`)
			} else {
				b.WriteString(x.UTC().Format(time.RFC3339Nano))
			}
		default:
			panic(fmt.Sprintf("copy: %T", v))
		}
	}
	b.WriteByte('\n')
}

var copyEscaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
