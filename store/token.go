package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Roles, from least to most trusted.
const (
	RolePublic  = "public"  // anonymous: public layers, no population
	RolePlanner = "planner" // + parcels, scenarios, what-ifs, suggestions
	RoleAuditor = "auditor" // + audits and every layer
	RoleAdmin   = "admin"   // + commits, metrics
)

// Roles lists the roles a token can have.
var Roles = []string{RolePlanner, RoleAuditor, RoleAdmin}

// Token is an API token. Only the SHA-256 of its secret is stored.
type Token struct {
	ID      int64
	Name    string
	Role    string
	Hash    string // hex SHA-256 of the secret
	Created time.Time
	Revoked *time.Time
}

// Tokens keeps API tokens beside the layers.
type Tokens interface {
	// CreateToken stores a token (its Hash set by the caller), setting ID
	// and Created.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the unrevoked token with that hash, or
	// ErrNotFound.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// ListTokens returns every token, revoked ones too, without hashes.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes a token (ErrNotFound if there is none).
	RevokeToken(ctx context.Context, id int64) error
}

// NewToken returns a new secret and the hash stored for it.
func NewToken() (secret, hash string) {
	var b [32]byte
	rand.Read(b[:])
	secret = "gr_" + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken is the hex SHA-256 of a secret, as stored.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
