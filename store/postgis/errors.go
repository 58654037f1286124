package postgis

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/greenreach/greenreach/store"
	"github.com/jackc/pgx/v5/pgconn"
)

// dbErr wraps an error of a statement; one that means the server is out of
// reach or the connection was lost (not a SQL error) also wraps
// store.ErrUnavailable, so that the service answers 503, not 500.
func dbErr(what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("postgis: %s: %w: %w", what, store.ErrUnavailable, err)
	}
	return fmt.Errorf("postgis: %s: %w", what, err)
}

func unreachable(err error) bool {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exceptions; 57P01–57P03: shutdown, crash
		// shutdown, cannot connect now.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) || strings.Contains(err.Error(), "conn closed")
}
