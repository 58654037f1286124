package api

import (
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/geo/coverage"
)

// The builders of the OpenAPI definition that openapi.go and the
// openapi_*.go files share: parameters, responses and operations.

type obj = map[string]any

// param is a query parameter, a comma-separated list when its schema is
// an array (form style, not exploded).
func param(name, doc string, schema obj, required bool) obj {
	p := obj{"name": name, "in": "query", "description": doc, "required": required, "schema": schema}
	if schema["type"] == "array" {
		p["style"], p["explode"] = "form", false
	}
	return p
}

// pathParam is a path parameter (simple style, always required).
func oaPathParam(name, doc string, schema obj) obj {
	return obj{"name": name, "in": "path", "description": doc, "required": true, "schema": schema}
}

// header is a request header parameter.
func oaHeader(name, doc string, required bool) obj {
	return obj{"name": name, "in": "header", "description": doc, "required": required, "schema": obj{"type": "string"}}
}

func oaRef(name string) obj                  { return obj{"$ref": "#/components/schemas/" + name} }
func oaArrayOf(items obj) obj                { return obj{"type": "array", "items": items} }
func oaProblem() obj                         { return obj{"$ref": "#/components/responses/Problem"} }
func oaContent(media string, schema obj) obj { return obj{media: obj{"schema": schema}} }

// responses is the 200 (or other success) answer and the problems every
// route may give.
func oaResponses(code, doc string, body obj, extra ...string) obj {
	rs := obj{code: obj{"description": doc}, "400": oaProblem(), "503": oaProblem(), "default": oaProblem()}
	if body != nil {
		rs[code].(obj)["content"] = body
	}
	for _, c := range extra {
		rs[c] = oaProblem()
	}
	return rs
}

// op is one operation. role is the least role it needs ("" for any
// caller: the token is then optional and widens what is answered).
func oaOp(id, summary, role string, params []obj, rs obj) obj {
	if params == nil {
		params = []obj{}
	}
	o := obj{"operationId": id, "summary": summary, "parameters": params, "responses": rs}
	if role != "" {
		o["description"] = "Needs a token of role " + web.NeedText(role) + " (or an anonymous role that high)."
		o["security"] = []obj{{"bearer": []string{}}}
		rs["401"], rs["403"] = oaProblem(), oaProblem()
	}
	return o
}

func oaGet(o obj) obj { return obj{"get": o} }

func oaJSONBody(schema string) obj    { return oaContent(mediaJSON, oaRef(schema)) }
func oaGeoJSONBody(schema string) obj { return oaContent(mediaGeoJSON, oaRef(schema)) }
func oaOkJSON(doc, schema string) obj { return oaResponses("200", doc, oaJSONBody(schema)) }
func oaOkGeo(doc, schema string) obj  { return oaResponses("200", doc, oaGeoJSONBody(schema)) }
func oaMode() obj {
	return param("mode", "how walk rules measure distance", obj{"type": "string", "enum": []string{coverage.Walk, coverage.Straight}, "default": coverage.Walk}, false)
}
func oaLangParam() obj {
	return param("lang", "the language of titles, descriptions and report words: zh-CN (the default) or en; without it, Accept-Language", obj{"type": "string", "example": "en"}, false)
}
func oaScenarioParam() obj {
	return param("scenario", "answer as if the planner's scenario with this id were committed (planner or above)", obj{"type": "integer", "minimum": 1}, false)
}
func oaIfMatchHeader() obj {
	return oaHeader("If-Match", "the scenario's ETag from its last read (428 without, 412 when stale)", true)
}
func oaScenarioID() obj {
	return oaPathParam("id", "scenario id", obj{"type": "integer", "minimum": 1})
}
func oaText(media, doc string) obj {
	return oaResponses("200", doc, oaContent(media, obj{"type": "string"}))
}
func oaWithHeaders(rs obj, code string, names ...string) obj {
	hs := obj{}
	for _, n := range names {
		hs[n] = obj{"schema": obj{"type": "string"}}
	}
	rs[code].(obj)["headers"] = hs
	return rs
}

// withBody adds a request body to an operation.
func oaWithBody(o obj, doc string, required bool, body obj) obj {
	o["requestBody"] = obj{"description": doc, "required": required, "content": body}
	return o
}
