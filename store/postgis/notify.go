package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
)

// channel is the LISTEN/NOTIFY channel of the store's schema.
func (s *Store) channel() string { return "greenreach_" + s.schema }

// Watch calls changed whenever another process commits to the store
// (PostgreSQL LISTEN/NOTIFY on the schema's channel, notified by every
// Write), and once after every (re)connection, so that a notification
// missed while the connection was down is caught up by the caller's own
// version check. It returns when ctx ends or the store is closed; a lost
// connection is retried every second.
func (s *Store) Watch(ctx context.Context, changed func()) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-s.closed.Done():
			stop()
		case <-ctx.Done():
		}
	}()
	for ctx.Err() == nil {
		err := s.listen(ctx, changed)
		if ctx.Err() != nil {
			break
		}
		_ = err // reconnect after a pause; the caller's poll covers the gap
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return ctx.Err()
}

func (s *Store) listen(ctx context.Context, changed func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, fmt.Sprintf(`LISTEN %q`, s.channel())); err != nil {
		return err
	}
	defer func() {
		// Back to the pool not listening (the deferred call must not
		// run before the wait: its arguments would).
		conn.Exec(context.Background(), fmt.Sprintf(`UNLISTEN %q`, s.channel()))
	}()
	changed() // catch up on what happened while not listening
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}

// LayerVersions returns each layer's version and last update, without the
// counts and extents Layers computes: what a replica checks to see whether
// it is behind.
func (s *Store) LayerVersions(ctx context.Context) ([]store.LayerInfo, error) {
	rows, err := s.pool.Query(ctx, fmt.Sprintf(`SELECT layer, version, updated FROM %s.gr_layers`, s.schema))
	if err != nil {
		return nil, fmt.Errorf("postgis: %w: %v", store.ErrUnavailable, err)
	}
	defer rows.Close()
	var out []store.LayerInfo
	for rows.Next() {
		var info store.LayerInfo
		var updated *time.Time
		if err := rows.Scan(&info.ID, &info.Version, &updated); err != nil {
			return nil, err
		}
		if updated != nil {
			info.Updated = updated.UTC()
		}
		out = append(out, info)
	}
	return out, rows.Err()
}
