package api

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/greenreach/greenreach/store"
)

// tokenTTL is how long a token lookup is trusted before the store is
// asked again: a revoked token stops working within it.
const tokenTTL = 30 * time.Second

// tokenCache remembers the store's answers to token lookups for tokenTTL,
// for at most 10,000 tokens.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]tokenEntry
}

type tokenEntry struct {
	tok   *store.Token
	until time.Time
}

// lookup returns the unrevoked token of a hash (nil: none), asking st,
// within timeout, when the cache does not know it.
func (c *tokenCache) lookup(ctx context.Context, st store.Tokens, hash string, timeout time.Duration) (*store.Token, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok && !now.After(e.until) {
		return e.tok, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	tok, err := st.TokenByHash(ctx, hash)
	cancel()
	switch {
	case errors.Is(err, store.ErrNotFound):
		tok = nil
	case err != nil:
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]tokenEntry{}
	}
	c.m[hash] = tokenEntry{tok, now.Add(tokenTTL)}
	c.mu.Unlock()
	return tok, nil
}
