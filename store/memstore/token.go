package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/greenreach/greenreach/store"
)

func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	for _, o := range s.d.tokens {
		if o.Hash == t.Hash {
			return fmt.Errorf("memstore: create token: %w: hash already in use", store.ErrConflict)
		}
	}
	s.d.nextToken++
	t.ID, t.Created, t.Revoked = s.d.nextToken, store.Now(), nil
	c := *t
	s.d.tokens = append(s.d.tokens, &c)
	return nil
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (*store.Token, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	for _, t := range s.d.tokens {
		if t.Hash == hash && t.Revoked == nil {
			c := *t
			return &c, nil
		}
	}
	return nil, fmt.Errorf("token: %w", store.ErrNotFound)
}

func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	var out []store.Token
	for _, t := range s.d.tokens {
		c := *t
		c.Hash = ""
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b store.Token) int { return int(a.ID - b.ID) })
	return out, nil
}

func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	for _, t := range s.d.tokens {
		if t.ID == id {
			if t.Revoked == nil {
				now := store.Now()
				t.Revoked = &now
			}
			return nil
		}
	}
	return fmt.Errorf("token %d: %w", id, store.ErrNotFound)
}
