package api

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/greenreach/greenreach/store/memstore"
)

// TestOpenAPICaseAnswers: requests to the case routes, and the answers
// they get (successes and refusals), validate against the document
// (kin-openapi), so its case schemas are the service's own.
func TestOpenAPICaseAnswers(t *testing.T) {
	e := newCaseEnv(t, memstore.New())
	o := newOpenAPICheck(t, e.h)
	report, rct := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 104.06, "lat": 30.65, "description": "断枝", "contact": secretContact})
	withPhoto, pct := caseBodyOf(t, map[string]any{"category": "exposed_garbage", "lon": 104.15, "lat": 30.65}, phonePhoto(t, 3))
	outside, _ := caseBodyOf(t, map[string]any{"category": "broken_branch", "lon": 116.4, "lat": 39.9})
	handle, hct := caseBodyOf(t, map[string]any{"note": "done"}, phonePhoto(t, 4))
	steps := []struct {
		q         req
		want      int
		multipart bool
	}{
		{req{method: "GET", path: "/api/cases/categories?lang=en"}, 200, false},
		{req{method: "POST", path: "/api/cases", as: "insp-wang", body: report, ctype: rct}, 201, false},
		{req{method: "POST", path: "/api/cases", as: "insp-wang", body: withPhoto, ctype: pct}, 201, true},
		{req{method: "POST", path: "/api/cases", as: "insp-wang", body: outside, ctype: rct}, 422, false},
		{req{method: "POST", path: "/api/cases", body: report, ctype: rct}, 401, false},
		{req{method: "POST", path: "/api/cases/1/register", as: "disp-li", ifMatch: 1}, 200, false},
		{req{method: "POST", path: "/api/cases/1/register", as: "disp-li", ifMatch: 3}, 409, false},
		{req{method: "POST", path: "/api/cases/1/register", as: "disp-li", ifMatch: 1}, 412, false},
		{req{method: "POST", path: "/api/cases/1/handle", as: "jj-team", ifMatch: 3, body: handle, ctype: hct}, 403, true},
		{req{method: "POST", path: "/api/cases/1/handle", as: "dh-team", ifMatch: 3, body: handle, ctype: hct}, 200, true},
		{req{method: "GET", path: "/api/cases?state=handled,dispatched&limit=1", as: "audit-zhao"}, 200, false},
		{req{method: "GET", path: "/api/cases/1", as: "dh-team"}, 200, false},
		{req{method: "GET", path: "/api/cases/1/photos/2", as: "insp-wang"}, 200, false},
		{req{method: "GET", path: "/api/cases/1/photos/2/thumb", as: "insp-wang"}, 200, false},
		{req{method: "GET", path: "/api/cases/1/photos/1", as: "insp-wang"}, 404, false}, // case 2's
		{req{method: "GET", path: "/api/cases/public?bbox=104,30.6,104.2,30.7&state=handled"}, 200, false},
		{req{method: "GET", path: "/api/cases/tiles/12/3233/1681.mvt?from=2026-02-01&to=2026-03-02&state=dispatched,handled&category=broken_branch", as: "disp-li"}, 200, false},
		{req{method: "GET", path: "/api/cases/tiles/12/3233/1681.mvt", as: "plan-chen"}, 200, false},
		{req{method: "GET", path: "/api/cases/tiles/12/3233/1681.mvt"}, 401, false},
		{req{method: "GET", path: "/api/cases/tiles/2/3/1.mvt", as: "disp-li"}, 400, false},
		{req{method: "GET", path: "/api/cases/public/tiles/15/25870/13459.mvt"}, 200, false},
	}
	openapi3filter.RegisterBodyDecoder("image/jpeg", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/vnd.mapbox-vector-tile", openapi3filter.FileBodyDecoder)
	for _, c := range steps {
		what := fmt.Sprintf("%s %s as %q", c.q.method, c.q.path, c.q.as)
		r := httptest.NewRequest(c.q.method, c.q.path, bytes.NewReader(c.q.body))
		if c.q.ctype != "" {
			r.Header.Set("Content-Type", c.q.ctype)
		}
		if c.q.ifMatch > 0 {
			r.Header.Set("If-Match", fmt.Sprintf(`"v%d"`, c.q.ifMatch))
		}
		if c.q.as != "" {
			r.Header.Set("Authorization", "Bearer "+e.tok[c.q.as])
		}
		o.serve(what, r, c.q.body, c.want, !c.multipart)
	}
}
