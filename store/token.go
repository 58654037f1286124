package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Roles of planning, from least to most trusted.
const (
	RolePublic  = "public"  // anonymous: public layers, no population
	RolePlanner = "planner" // + parcels, scenarios, what-ifs, suggestions
	RoleAuditor = "auditor" // + audits and every layer
	RoleAdmin   = "admin"   // + commits, metrics
)

// Roles of case management (package cases): they sit beside the planning
// roles, not on their ladder, and read what the public reads on the map.
const (
	RoleInspector  = "inspector"  // 监督员: reports and checks cases
	RoleDispatcher = "dispatcher" // 派遣员: registers, dispatches, closes
	RoleUnit       = "unit"       // 责任单位: its own cases only (Token.Unit)
)

// Roles lists the planning roles a token can have (and an anonymous
// caller may be given).
var Roles = []string{RolePlanner, RoleAuditor, RoleAdmin}

// CaseRoles lists the case roles a token can have.
var CaseRoles = []string{RoleInspector, RoleDispatcher, RoleUnit}

// MaxUnitLen bounds a unit code, in bytes.
const MaxUnitLen = 40

// Token is an API token. Only the SHA-256 of its secret is stored.
type Token struct {
	ID      int64
	Name    string
	Role    string
	Hash    string // hex SHA-256 of the secret
	Unit    string // the unit a token of RoleUnit speaks for ("" otherwise)
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
