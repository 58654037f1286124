// Package gzip compresses tiles as gzip members. Built with cgo it uses
// libdeflate (Debian's libdeflate-dev) and, at the fastest level on larger
// inputs, Intel's ISA-L (libisal-dev): on tile-sized inputs both are faster
// and smaller than the pure-Go compressors (bench/RESULTS.md). Built
// without cgo, or with the purego tag, it uses klauspost/compress, so the
// package builds where those libraries are missing. Compressors are
// pooled; each serves one call at a time.
package gzip

import "errors"

// Levels: 0 stores (gzip framing, no compression), 1 is the fastest that
// compresses, 12 the smallest.
const (
	Store = 0
	Fast  = 1
	Best  = 12
)

// StoreBelow: inputs shorter than this many bytes are stored, not
// compressed: small tiles shrink by less than an HTTP response's own
// headers, and storing them costs a fraction of compressing them.
const StoreBelow = 1024

// ForSize is the level for an input of n bytes: Store below StoreBelow,
// else Fast.
func ForSize(n int) int {
	if n < StoreBelow {
		return Store
	}
	return Fast
}

// Append appends src gzip-compressed at level (0–12) to dst.
func Append(dst, src []byte, level int) ([]byte, error) {
	if level < Store || level > Best {
		return dst, errors.New("gzip: level outside 0–12")
	}
	return appendLevel(dst, src, level)
}
