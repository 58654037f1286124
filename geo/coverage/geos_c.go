package coverage

/*
#cgo pkg-config: geos
#include <stdlib.h>
#include <geos_c.h>

// overlap_union unions the geometries of the collection polys (WKB, n
// bytes) and intersects the union with unit (WKB, m bytes) unless unit is
// NULL; it returns the result as WKB (its length in *size; the caller
// frees it with free_wkb), or NULL with *empty set when the result is
// empty, or NULL alone when GEOS failed. The calls are go-geos's for
// overlapArea (UnaryUnion, then Intersection of the union with the unit),
// but every geometry is destroyed before it returns.
static unsigned char *overlap_union(GEOSContextHandle_t h, const unsigned char *polys, size_t n,
		const unsigned char *unit, size_t m, size_t *size, int *empty) {
	*empty = 0;
	GEOSGeometry *all = GEOSGeomFromWKB_buf_r(h, polys, n);
	if (all == NULL) {
		return NULL;
	}
	GEOSGeometry *in = GEOSUnaryUnion_r(h, all);
	GEOSGeom_destroy_r(h, all);
	if (in == NULL) {
		return NULL;
	}
	if (unit != NULL) {
		GEOSGeometry *u = GEOSGeomFromWKB_buf_r(h, unit, m);
		if (u == NULL) {
			GEOSGeom_destroy_r(h, in);
			return NULL;
		}
		GEOSGeometry *x = GEOSIntersection_r(h, in, u);
		GEOSGeom_destroy_r(h, u);
		GEOSGeom_destroy_r(h, in);
		if (x == NULL) {
			return NULL;
		}
		in = x;
	}
	char e = GEOSisEmpty_r(h, in);
	if (e != 0) {
		GEOSGeom_destroy_r(h, in);
		*empty = e == 1;
		return NULL;
	}
	unsigned char *wkb = GEOSGeomToWKB_buf_r(h, in, size);
	GEOSGeom_destroy_r(h, in);
	return wkb;
}

static void free_wkb(GEOSContextHandle_t h, unsigned char *wkb) { GEOSFree_r(h, wkb); }

// centroid_y sets *y to the y of g's centroid as GEOSGetCentroid_r makes
// it (go-geos's Centroid().Y()), the centroid destroyed at once; it
// returns 0 when GEOS failed.
static int centroid_y(GEOSContextHandle_t h, const GEOSGeometry *g, double *y) {
	GEOSGeometry *c = GEOSGetCentroid_r(h, g);
	if (c == NULL) {
		return 0;
	}
	int ok = GEOSGeomGetY_r(h, c, y);
	GEOSGeom_destroy_r(h, c);
	return ok == 1;
}

// clip_meet_area sets *area to the area of p's intersection with u
// clipped to the rectangle x0 y0 x1 y1 (snapped to prec when prec > 0),
// and *y to its centroid's y when the area is not 0; *empty when the
// intersection is empty. The clip and the intersection are go-geos's
// ClipByRect and Intersection(Prec), destroyed at once. It returns 0 when
// GEOS failed.
static int clip_meet_area(GEOSContextHandle_t h, const GEOSGeometry *p, const GEOSGeometry *u,
		double x0, double y0, double x1, double y1, double prec, double *area, double *y, int *empty) {
	*empty = 0;
	GEOSGeometry *clip = GEOSClipByRect_r(h, u, x0, y0, x1, y1);
	if (clip == NULL) {
		return 0;
	}
	GEOSGeometry *x = prec > 0 ? GEOSIntersectionPrec_r(h, p, clip, prec) : GEOSIntersection_r(h, p, clip);
	GEOSGeom_destroy_r(h, clip);
	if (x == NULL) {
		return 0;
	}
	int ok = 1;
	char e = GEOSisEmpty_r(h, x);
	if (e == 2) {
		ok = 0;
	} else if (e == 1) {
		*empty = 1;
	} else if (GEOSArea_r(h, x, area) == 0) {
		ok = 0;
	} else if (*area != 0) {
		ok = centroid_y(h, x, y);
	}
	GEOSGeom_destroy_r(h, x);
	return ok;
}

#ifdef __GLIBC__
#include <malloc.h>
static void trim_c_heap(void) { malloc_trim(0); }
#else
static void trim_c_heap(void) {}
#endif
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/greenreach/greenreach/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// unionWithin is the union of polys (as one GEOS collection) within unit
// (nil: all of it), as the polygons of its geodesic area, or nil when it
// is empty. GEOS's geometries are freed as soon as they are used rather
// than when Go's collector runs go-geos's cleanups: a metro's unions of
// parks are hundreds of megabytes of C memory the collector's pacing does
// not see.
func unionWithin(unit orb.Geometry, polys []orb.Geometry) (orb.MultiPolygon, error) {
	pw, err := wkb.Marshal(orb.Collection(polys))
	if err != nil {
		return nil, err
	}
	var uw []byte
	if unit != nil {
		if uw, err = wkb.Marshal(unit); err != nil {
			return nil, err
		}
	}
	h := C.GEOS_init_r() // a context of its own: GEOS contexts are not shared between goroutines
	if h == nil {
		return nil, errors.New("GEOS did not start")
	}
	defer C.GEOS_finish_r(h)
	var size C.size_t
	var empty C.int
	var up *C.uchar
	if uw != nil {
		up = (*C.uchar)(unsafe.Pointer(&uw[0]))
	}
	data := C.overlap_union(h, (*C.uchar)(unsafe.Pointer(&pw[0])), C.size_t(len(pw)), up, C.size_t(len(uw)), &size, &empty)
	if data == nil {
		if empty != 0 {
			return nil, nil
		}
		return nil, errors.New("GEOS union or intersection failed")
	}
	defer C.free_wkb(h, data)
	out, err := wkb.Unmarshal(C.GoBytes(unsafe.Pointer(data), C.int(size)))
	if err != nil {
		return nil, err
	}
	return geo.Polygons(out), nil
}

// releaseFreedC gives back to the system the C heap's free memory (glibc's
// malloc_trim; elsewhere nothing). The geometries go-geos frees when Go's
// collector runs its cleanups leave their memory in malloc's arenas, where
// only later C allocations reuse it: after an audit's GEOS-heavy rules a
// metro's is hundreds of megabytes the walk rules never touch.
func releaseFreedC() { C.trim_c_heap() }

// cContext is a GEOS context of one goroutine's own for the calls made
// here on go-geos's geometries: each result is destroyed at once, where
// go-geos's would wait for Go's collector. A radius overlay takes a
// centroid of each of millions of pieces.
type cContext struct{ h C.GEOSContextHandle_t }

func newCContext() (*cContext, error) {
	h := C.GEOS_init_r()
	if h == nil {
		return nil, errors.New("GEOS did not start")
	}
	return &cContext{h}, nil
}

func (c *cContext) close() { C.GEOS_finish_r(c.h) }

// goGEOSGeom is the head of go-geos's Geom (v0.20.4, pinned in go.mod): its
// context, then its C geometry, which go-geos does not export.
// TestCentroidYAsGoGEOS fails should a new version change it.
type goGEOSGeom struct {
	_     unsafe.Pointer
	cGeom *C.GEOSGeometry
}

// centroidY is g.Centroid().Y(), without the centroid outliving the call.
func (c *cContext) centroidY(g *geos.Geom) float64 {
	var y C.double
	ok := C.centroid_y(c.h, (*goGEOSGeom)(unsafe.Pointer(g)).cGeom, &y)
	runtime.KeepAlive(g)
	if ok == 0 {
		panic(fmt.Errorf("GEOS centroid failed")) // as go-geos's Centroid would
	}
	return float64(y)
}

// clipMeetArea is cellArea of p's intersection (in the overlay's
// precision) with u clipped to b, as ov.cellArea(ov.intersection(p,
// u.ClipByRect(b))) makes it, the clip and the intersection destroyed at
// once.
func (c *cContext) clipMeetArea(p, u *geos.Geom, b orb.Bound, prec float64) float64 {
	var area, y C.double
	var empty C.int
	ok := C.clip_meet_area(c.h, (*goGEOSGeom)(unsafe.Pointer(p)).cGeom, (*goGEOSGeom)(unsafe.Pointer(u)).cGeom,
		C.double(b.Min[0]), C.double(b.Min[1]), C.double(b.Max[0]), C.double(b.Max[1]), C.double(prec), &area, &y, &empty)
	runtime.KeepAlive(p)
	runtime.KeepAlive(u)
	if ok == 0 {
		panic(fmt.Errorf("GEOS clip or intersection failed")) // as go-geos's would
	}
	if empty != 0 || area == 0 {
		return 0
	}
	kx, ky := geo.DegreeScale(float64(y))
	return float64(area) * kx * ky
}
