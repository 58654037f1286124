package api

import (
	"github.com/greenreach/greenreach/cases"
)

// oaCaseRoles is what the case routes say of who may call them.
const oaCaseRoles = "Needs a token of role inspector, dispatcher, unit (its own cases only), auditor or admin; contacts are shown to inspector, dispatcher and admin only."

// oaCaseOp is an operation of the case routes for staff.
func oaCaseOp(id, summary string, params []obj, rs obj) obj {
	o := oaOp(id, summary, "", params, rs)
	o["description"] = oaCaseRoles
	o["security"] = []obj{{"bearer": []string{}}}
	rs["401"], rs["403"] = oaProblem(), oaProblem()
	return o
}

// oaCaseBody is a report's or step's body: JSON, or multipart with the
// JSON as its data part and photos.
func oaCaseBody(schema string, required bool) obj {
	return obj{"required": required, "content": obj{
		mediaJSON: obj{"schema": oaRef(schema)},
		"multipart/form-data": obj{"schema": obj{"type": "object", "properties": obj{
			"data":  obj{"type": "string", "description": "the JSON body (" + schema + ")"},
			"photo": obj{"type": "array", "items": obj{"type": "string", "format": "binary"}, "maxItems": cases.DefaultLimits.Photos, "description": "JPEG, PNG or WebP photos, checked by content and stored re-encoded without metadata"},
		}}},
	}}
}

// oaCasePaths: the paths of cases (handle_cases*.go).
func oaCasePaths() obj {
	caseID := oaPathParam("id", "case id", obj{"type": "integer", "minimum": 1})
	photoID := oaPathParam("pid", "photo id", obj{"type": "integer", "minimum": 1})
	lang := param("lang", "zh-CN or en (else Accept-Language)", obj{"type": "string"}, false)
	bbox := param("bbox", "minlon,minlat,maxlon,maxlat (WGS84)", obj{"type": "array", "items": obj{"type": "number"}, "minItems": 4, "maxItems": 4}, false)
	category := param("category", "a category code (GET /api/cases/categories)", obj{"type": "string"}, false)
	states := obj{"type": "array", "items": obj{"type": "string", "enum": caseStates}}
	image := obj{"image/jpeg": obj{"schema": obj{"type": "string", "format": "binary"}}, "image/png": obj{"schema": obj{"type": "string", "format": "binary"}}}
	idemKey := obj{"name": "Idempotency-Key", "in": "header", "required": false,
		"description": "the reporter's own key of this report (IETF draft): sent again with the same report it answers the case stored (200, same Location); with another report 422",
		"schema":      obj{"type": "string", "minLength": 1, "maxLength": cases.MaxKeyLen, "pattern": "^[A-Za-z0-9._:-]+$"}}
	reportRs := oaWithHeaders(oaResponses("201", "the case with its history", oaJSONBody("Case"), "413", "415", "422"), "201", "ETag", "Location")
	reportRs["200"] = obj{"description": "the case this Idempotency-Key stored before (the same report sent again), with its history", "content": oaJSONBody("Case")}
	reportRs = oaWithHeaders(reportRs, "200", "ETag", "Location")
	report := oaCaseOp("reportCase", "Report a case (inspector, dispatcher, admin): JSON, or multipart with photos", []obj{idemKey}, reportRs)
	report["requestBody"] = oaCaseBody("CaseReport", true)
	step := oaCaseOp("stepCase", "Take a step of the workflow: 412 when the case moved on, 409 when the step does not follow from its state, 403 when the role or unit may not",
		[]obj{caseID, oaPathParam("action", "the step", obj{"type": "string", "enum": []string{cases.ActRegister, cases.ActReject, cases.ActMerge, cases.ActDispatch, cases.ActReturn, cases.ActHandle, cases.ActVerify, cases.ActSendBack, cases.ActClose}}),
			oaHeader("If-Match", "the case's ETag from its last read (428 without, 412 when stale)", true)},
		oaWithHeaders(oaResponses("200", "the case with its history", oaJSONBody("Case"), "404", "409", "412", "413", "415", "422", "428"), "200", "ETag"))
	step["requestBody"] = oaCaseBody("CaseStep", false)
	return obj{
		"/api/cases/categories": oaGet(oaOp("caseCategories", "Case categories with deadlines and weights, states and actions, in Chinese or English", "", []obj{lang}, oaOkJSON("the catalog", "CaseCategories"))),
		"/api/cases/public": oaGet(oaOp("publicCases", "Registered cases, status only: category, state, the days reported and updated, the point to about 10 m", "",
			[]obj{bbox, param("state", "states (registered and after)", states, false), category, lang,
				param("limit", "at most this many, newest first", obj{"type": "integer", "minimum": 1, "maximum": maxPublicCases, "default": 1000}, false),
				param("f", "json or geojson", obj{"type": "string", "enum": []string{"json", "geojson"}}, false)},
			oaOkGeo("public cases", "FeatureCollection"))),
		"/api/cases": obj{
			"get": oaCaseOp("listCases", "A page of cases, newest first", []obj{
				param("state", "states", states, false), category,
				param("zone", "responsibility zone", obj{"type": "string"}, false),
				param("unit", "responsible unit (a unit's token: its own)", obj{"type": "string"}, false),
				param("overdue", "open cases past their deadline", obj{"type": "boolean"}, false), bbox,
				param("limit", "page size", obj{"type": "integer", "minimum": 1, "maximum": maxCaseList, "default": defaultCaseList}, false),
				param("before", "the page below this case id (from next)", obj{"type": "integer", "minimum": 1}, false),
			}, oaOkJSON("cases", "CaseList")),
			"post": report,
		},
		"/api/cases/{id}": oaGet(oaCaseOp("getCase", "A case with its full history", []obj{caseID},
			oaWithHeaders(oaResponses("200", "the case", oaJSONBody("Case"), "404"), "200", "ETag"))),
		"/api/cases/{id}/{action}": obj{"post": step},
		"/api/cases/{id}/photos/{pid}": oaGet(oaCaseOp("getCasePhoto", "A case's photo, as stored: re-encoded without metadata at upload", []obj{caseID, photoID},
			oaResponses("200", "the photo", image, "404"))),
		"/api/cases/{id}/photos/{pid}/thumb": oaGet(oaCaseOp("getCasePhotoThumb", "A thumbnail of a case's photo (JPEG, longest side 320 px)", []obj{caseID, photoID},
			oaResponses("200", "the thumbnail", obj{"image/jpeg": obj{"schema": obj{"type": "string", "format": "binary"}}}, "404"))),
	}
}

// oaCaseSchemas: the case routes' bodies and answers.
func oaCaseSchemas() obj {
	str, num, integer, boolean := obj{"type": "string"}, obj{"type": "number"}, obj{"type": "integer"}, obj{"type": "boolean"}
	dateTime := obj{"type": "string", "format": "date-time"}
	label := obj{"type": "object", "required": []string{"code", "name"}, "properties": obj{"code": str, "name": str}}
	return obj{
		"CaseReport": obj{"type": "object", "required": []string{"category", "lon", "lat"}, "additionalProperties": false, "properties": obj{
			"category": str, "lon": num, "lat": num, "description": str, "contact": obj{"type": "string", "description": "never shown to the public"},
			"source": obj{"type": "string", "enum": []string{"inspector", "citizen", "12345"}},
		}},
		"CaseStep": obj{"type": "object", "additionalProperties": false, "properties": obj{
			"note": str, "unit": obj{"type": "string", "description": "dispatch (or register): the unit, overriding the zone's"},
			"zone": str, "duplicate": obj{"type": "integer", "description": "merge: the open case this one duplicates"},
		}},
		"CaseEvent": obj{"type": "object", "required": []string{"id", "at", "who", "role", "action", "to", "photos"}, "properties": obj{
			"id": integer, "at": dateTime, "who": str, "role": str, "action": str, "from": str, "to": str, "note": str, "unit": str,
			"photos": obj{"type": "array", "items": integer},
		}},
		"Case": obj{"type": "object", "required": []string{"id", "version", "category", "state", "lon", "lat", "reported", "updated", "overdue"}, "properties": obj{
			"id": integer, "version": integer, "category": str, "state": obj{"type": "string", "enum": caseStates}, "lon": num, "lat": num,
			"description": str, "source": str, "reporter": str, "contact": str, "zone": str, "unit": str, "duplicate_of": integer,
			"reason": str, "reopens": integer, "reported": dateTime, "registered": dateTime, "deadline": dateTime, "closed": dateTime,
			"updated": dateTime, "overdue": boolean, "history": obj{"type": "array", "items": oaRef("CaseEvent")}, "warning": str,
		}},
		"CaseList": obj{"type": "object", "required": []string{"cases"}, "properties": obj{
			"cases": obj{"type": "array", "items": oaRef("Case")}, "next": obj{"type": "string", "description": "the next page's URL"},
		}},
		"CaseCategories": obj{"type": "object", "required": []string{"lang", "categories", "states", "actions"}, "properties": obj{
			"lang": str, "duplicate_radius_m": num,
			"categories": obj{"type": "array", "items": obj{"type": "object", "required": []string{"code", "name", "group", "deadline_hours", "weight"}, "properties": obj{
				"code": str, "name": str, "group": str, "group_name": str, "deadline_hours": integer, "weight": num,
			}}},
			"states": obj{"type": "array", "items": label}, "actions": obj{"type": "array", "items": label},
		}},
	}
}
