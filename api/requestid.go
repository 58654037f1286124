package api

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/url"

	"github.com/greenreach/greenreach/store"
)

// reqInfo is what observe learns about a request before routing it, kept
// in its context once: its id and, once authenticated, its caller.
type reqInfo struct {
	id     string
	caller caller
	net    *front     // the server's, for links and client addresses
	query  url.Values // parsed once by checkQuery; see queryOf
}

type reqInfoKey struct{}

func withReqInfo(ctx context.Context, in *reqInfo) context.Context {
	return context.WithValue(ctx, reqInfoKey{}, in)
}

func reqInfoOf(ctx context.Context) *reqInfo {
	in, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return in
}

// requestID returns the request's id ("" outside a request).
func requestID(ctx context.Context) string {
	if in := reqInfoOf(ctx); in != nil {
		return in.id
	}
	return ""
}

// newRequestID is 16 hex digits from math/rand/v2's generator: ids need
// to be told apart in logs, not kept secret.
func newRequestID() string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// anonymous is the caller of a request not yet authenticated.
var anonymous = caller{role: store.RolePublic}
