package api

import (
	"net/http"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// coverageLayer is the tile source of parcels coloured by their walking
// distance to the nearest qualifying green space.
const coverageLayer = "coverage"

// callerOf is the request's authenticated caller (observe puts it in the
// request's web.Info), the public before that.
func callerOf(r *http.Request) web.Caller { return web.CallerOf(r) }

// role wraps a handler that needs a role.
func role(role string, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		if e := callerOf(r).Need(w, role, r.Method+" "+r.URL.Path); e != nil {
			return e
		}
		return h(w, r)
	}
}

// layerRole is the role a layer (or tile layer) needs (a need of
// web.Caller.Allowed): parcels and the coverage layer carry residents;
// responsibility zones are staff's working data, not published, which
// dispatchers read too (the case board shows them).
func layerRole(layer string) string {
	switch layer {
	case geo.Parcels, coverageLayer:
		return store.RolePlanner
	case geo.Zones:
		return store.RolePlanner + "|" + store.RoleDispatcher
	}
	return store.RolePublic
}

// needLayers refuses layers the caller may not read.
func needLayers(w http.ResponseWriter, r *http.Request, layers ...string) *appError {
	for _, l := range layers {
		if e := callerOf(r).Need(w, layerRole(l), "layer "+l); e != nil {
			return e
		}
	}
	return nil
}

// readable reports whether the caller may read a layer.
func readable(r *http.Request, layer string) bool { return callerOf(r).Allowed(layerRole(layer)) }
