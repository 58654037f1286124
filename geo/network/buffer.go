package network

/*
#cgo pkg-config: geos
#include <stdlib.h>
#include <geos_c.h>

// buffer_union buffers each of n lines by width (quadsegs segments a
// quarter circle), unions the buffers and simplifies the union by tol,
// and returns it as WKB (its length in *size; the caller frees it with
// free_wkb), or NULL if GEOS failed. Line i is the points xy[2·off[i]] to
// xy[2·off[i+1]] (x, y pairs). Every geometry made here is destroyed
// before it returns: a reach's polygon costs no C memory past its call.
static unsigned char *buffer_union(GEOSContextHandle_t h, const double *xy, const int *off, int n,
		double width, int quadsegs, double tol, size_t *size) {
	GEOSGeometry **bufs = calloc(n, sizeof *bufs);
	if (bufs == NULL) {
		return NULL;
	}
	int made = 0;
	for (; made < n; made++) {
		GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, xy + 2 * off[made], off[made + 1] - off[made], 0, 0);
		GEOSGeometry *line = seq == NULL ? NULL : GEOSGeom_createLineString_r(h, seq); // owns seq
		if (line == NULL) {
			if (seq != NULL) {
				GEOSCoordSeq_destroy_r(h, seq);
			}
			break;
		}
		bufs[made] = GEOSBuffer_r(h, line, width, quadsegs);
		GEOSGeom_destroy_r(h, line);
		if (bufs[made] == NULL) {
			break;
		}
	}
	if (made < n) {
		for (int i = 0; i < made; i++) {
			GEOSGeom_destroy_r(h, bufs[i]);
		}
		free(bufs);
		return NULL;
	}
	GEOSGeometry *all = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, bufs, n); // owns the buffers
	if (all == NULL) {
		for (int i = 0; i < n; i++) {
			GEOSGeom_destroy_r(h, bufs[i]);
		}
	}
	free(bufs);
	if (all == NULL) {
		return NULL;
	}
	GEOSGeometry *u = GEOSUnaryUnion_r(h, all);
	GEOSGeom_destroy_r(h, all);
	if (u == NULL) {
		return NULL;
	}
	GEOSGeometry *s = GEOSSimplify_r(h, u, tol);
	GEOSGeom_destroy_r(h, u);
	if (s == NULL) {
		return NULL;
	}
	unsigned char *wkb = GEOSGeomToWKB_buf_r(h, s, size);
	GEOSGeom_destroy_r(h, s);
	return wkb;
}

static void free_wkb(GEOSContextHandle_t h, unsigned char *wkb) { GEOSFree_r(h, wkb); }
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// bufferUnion returns the union of lines each buffered by width (quadsegs
// segments a quarter circle), simplified by tol: GEOS's Buffer,
// UnaryUnion and Simplify, as go-geos would call them, but with every GEOS
// geometry freed as soon as it is used rather than when Go's collector
// runs finalizers, which a flood of walks outpaces (the C memory is
// invisible to the collector's pacing).
func bufferUnion(lines orb.MultiLineString, width float64, quadsegs int, tol float64) (orb.Geometry, error) {
	if len(lines) == 0 {
		return nil, errors.New("no lines to buffer")
	}
	n := 0
	for _, l := range lines {
		if len(l) < 2 {
			return nil, fmt.Errorf("a line of %d points", len(l))
		}
		n += len(l)
	}
	if n > math.MaxInt32/2 || len(lines) > math.MaxInt32 {
		return nil, fmt.Errorf("%d points in %d lines: too many", n, len(lines))
	}
	// The points, x y pairs, and where each line starts: GEOS copies them.
	xy := make([]C.double, 2*n)
	off := make([]C.int, len(lines)+1)
	k := 0
	for i, l := range lines {
		off[i] = C.int(k)
		for _, p := range l {
			xy[2*k], xy[2*k+1] = C.double(p[0]), C.double(p[1])
			k++
		}
	}
	off[len(lines)] = C.int(k)

	h := C.GEOS_init_r() // a context of its own: GEOS contexts are not shared between goroutines
	if h == nil {
		return nil, errors.New("GEOS did not start")
	}
	defer C.GEOS_finish_r(h)
	var size C.size_t
	data := C.buffer_union(h, &xy[0], &off[0], C.int(len(lines)), C.double(width), C.int(quadsegs), C.double(tol), &size)
	if data == nil {
		return nil, errors.New("GEOS buffer or union failed")
	}
	defer C.free_wkb(h, data)
	return wkb.Unmarshal(C.GoBytes(unsafe.Pointer(data), C.int(size)))
}
