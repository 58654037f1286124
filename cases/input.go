package cases

import (
	"math"
	"unicode/utf8"

	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// Limits bound what one request may carry.
type Limits struct {
	Description int // characters of a report's description
	Note        int // characters of a step's note
	Contact     int // characters of a reporter's contact
	Name        int // characters of a unit, zone or actor name
	Photos      int // photos per step
	PhotoBytes  int // bytes of one photo
}

// DefaultLimits are the limits of a Service that sets none.
var DefaultLimits = Limits{Description: 2000, Note: 1000, Contact: 200, Name: 100, Photos: 4, PhotoBytes: 8 << 20}

// photoTypes are the image types a photo may declare; its content is
// checked by package cases/photo before it gets here.
var photoTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true}

// text checks a free text field: valid UTF-8 of at most max characters.
func text(field, s string, max int) error {
	if len(s) > 4*max { // no UTF-8 character is longer: refuse before counting
		return inputErr(field, "longer than its limit of %d characters", max)
	}
	if !utf8.ValidString(s) {
		return inputErr(field, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return inputErr(field, "%d characters, more than its limit of %d", n, max)
	}
	return nil
}

// photos checks the photos of one step and copies them for the store.
func (l *Limits) photos(ps []store.Photo) ([]*store.Photo, error) {
	if len(ps) > l.Photos {
		return nil, inputErr("photos", "%d photos, more than the limit of %d per step", len(ps), l.Photos)
	}
	out := make([]*store.Photo, 0, len(ps))
	for i, p := range ps {
		if !photoTypes[p.Type] {
			return nil, inputErr("photos", "photo %d: type %q is not image/jpeg, image/png or image/webp", i+1, p.Type)
		}
		if len(p.Data) == 0 || len(p.Data) > l.PhotoBytes {
			return nil, inputErr("photos", "photo %d: %d bytes, want 1 to the limit of %d", i+1, len(p.Data), l.PhotoBytes)
		}
		out = append(out, &store.Photo{Type: p.Type, Data: p.Data})
	}
	return out, nil
}

// point checks a location: finite, and inside the service's bound.
func point(p orb.Point, bound orb.Bound) error {
	for _, v := range p {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return inputErr("point", "coordinates must be finite numbers")
		}
	}
	if !bound.Contains(p) {
		return inputErr("point", "(%g, %g) is outside the city's bounds [%g, %g – %g, %g]", p[0], p[1], bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1])
	}
	return nil
}
