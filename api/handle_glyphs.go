package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/glyphs"
	"github.com/greenreach/greenreach/glyphs/ranges"
)

// glyphsCacheControl: a range changes only with the font, in a new build.
const glyphsCacheControl = "public, max-age=2592000"

// handleGlyphs: GET /fonts/{stack}/{range}.pbf — the glyph ranges the map
// draws its labels with (glyphs.proto, SDF at 24 px), built into the
// binary from Noto Sans CJK SC so that Chinese and Latin names draw in any
// browser. One stack, glyphs.Stack; ranges are the 256 ranges of 0-65535.
func (s *Server) handleGlyphs(w http.ResponseWriter, r *http.Request) *appError {
	v := mux.Vars(r)
	if stack := v["stack"]; stack != glyphs.Stack {
		if len(stack) > 100 {
			return errNotFound("no font stack of %d bytes: this service has %q", len(stack), glyphs.Stack)
		}
		return errNotFound("no font stack %q: this service has %q", stack, glyphs.Stack)
	}
	start, err := glyphs.ParseRange(v["range"])
	if err != nil {
		return errNotFound("%v", err)
	}
	rg, err := ranges.Open(start)
	if errors.Is(err, ranges.ErrNotBuilt) {
		return errNotFound("%v", err)
	}
	if err != nil {
		return errInternal(err)
	}
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	if rg.Gzip && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
	} else if rg, err = rg.Decompressed(); err != nil {
		return errInternal(err)
	}
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("Cache-Control", glyphsCacheControl)
	h.Set("ETag", rg.ETag)
	http.ServeContent(w, r, "", time.Time{}, rg.Content)
	return nil
}
