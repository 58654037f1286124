package api

import (
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/survey"
)

// oaSurveyRoles is what the survey routes say of who may call them.
const oaSurveyRoles = "Needs a token of role inspector, dispatcher, unit, planner, auditor or admin. Inspector, planner and admin edit every survey field; a unit's token edits trees, shrub_m2 and lawn_m2 of the green spaces whose unit it is, and reads the history and survey table of those only."

// oaSurveyOp is an operation of the survey routes.
func oaSurveyOp(id, summary string, params []obj, rs obj) obj {
	o := oaOp(id, summary, "", params, rs)
	o["description"] = oaSurveyRoles
	o["security"] = []obj{{"bearer": []string{}}}
	rs["401"], rs["403"] = oaProblem(), oaProblem()
	return o
}

// oaSurveyPaths: the green-space survey (handle_survey.go).
func oaSurveyPaths() obj {
	id := oaPathParam("id", "the green space's feature id", obj{"type": "integer", "minimum": 1})
	edit := oaSurveyOp("editSurvey", "Edit a green space's survey record (普查): 428 without If-Match, 412 when the green space moved on, 400 for a field unknown, of the wrong type or out of range (nothing is written)",
		[]obj{id, oaHeader("If-Match", `the green space's ETag from its last read ("v3", or its OGC API item's "green-12-v3"); 428 without, 412 when stale`, true)},
		oaWithHeaders(oaResponses("200", "the record as written, with the changes it made", oaJSONBody("SurveyRecord"), "404", "412", "413", "415", "428"), "200", "ETag"))
	edit["requestBody"] = obj{"required": true, "content": obj{mediaJSON: obj{"schema": oaRef("SurveyEdit")}}}
	return obj{
		"/api/survey/green.csv": oaGet(oaSurveyOp("surveyTable", "The survey table (普查表) of the green spaces (a unit's token: its own), UTF-8 CSV with a BOM, headed with the layer's field aliases in the language",
			[]obj{oaLangParam(), param("bom", "false leaves out the BOM", obj{"type": "boolean"}, false)},
			oaResponses("200", "the survey table", obj{"text/csv; charset=utf-8": obj{"schema": obj{"type": "string"}}}))),
		"/api/survey/green/{id}": obj{
			"get": oaSurveyOp("getSurvey", "A green space's survey record, its ETag and the fields the caller may edit", []obj{id},
				oaWithHeaders(oaResponses("200", "the record", oaJSONBody("SurveyRecord"), "404"), "200", "ETag")),
			"patch": edit,
		},
		"/api/survey/green/{id}/history": oaGet(oaSurveyOp("surveyHistory", "A green space's survey history, newest first: who, when, field, old → new, note",
			[]obj{id, param("limit", "at most this many entries", obj{"type": "integer", "minimum": 1, "maximum": survey.MaxHistory, "default": defaultSurveyHistory}, false)},
			oaResponses("200", "the history", oaJSONBody("SurveyHistory"), "404"))),
	}
}

// oaSurveySchemas: the survey routes' bodies and answers.
func oaSurveySchemas() obj {
	str, num := obj{"type": "string"}, obj{"type": "number"}
	dateTime := obj{"type": "string", "format": "date-time"}
	grade := obj{"type": "integer", "minimum": 1, "maximum": 3, "nullable": true, "description": "养护等级 1, 2 or 3; null clears it"}
	unit := obj{"type": "string", "nullable": true, "maxLength": store.MaxUnitID, "description": "责任单位: a unit's id (greenreach units); \"\" or null clears it"}
	trees := obj{"type": "integer", "minimum": 0, "maximum": survey.MaxTrees, "nullable": true, "description": "乔木株数"}
	area := func(doc string) obj {
		return obj{"type": "number", "minimum": 0, "nullable": true, "description": doc + " in m², at most the green space's area_m2"}
	}
	value := obj{"nullable": true, "description": "the field's value: a number or text; null for none"}
	entry := obj{"type": "object", "required": []string{"id", "at", "who", "role", "version", "field", "old", "new"}, "properties": obj{
		"id": obj{"type": "integer"}, "at": dateTime, "who": str, "role": str, "version": obj{"type": "integer"},
		"field": obj{"type": "string", "enum": survey.Fields}, "old": value, "new": value, "note": str,
	}}
	return obj{
		"SurveyEdit": obj{"type": "object", "additionalProperties": false, "minProperties": 1, "properties": obj{
			"grade": grade, "unit": unit, "trees": trees, "shrub_m2": area("灌木面积"), "lawn_m2": area("草坪面积"),
			"note": obj{"type": "string", "maxLength": survey.MaxNote, "description": "why, kept with each change"},
		}},
		"SurveyRecord": obj{"type": "object", "required": []string{"id", "version", "name", "kind", "area_m2", "grade", "unit", "trees", "shrub_m2", "lawn_m2", "updated", "editable"}, "properties": obj{
			"id": obj{"type": "integer"}, "version": obj{"type": "integer"}, "name": str, "kind": str, "area_m2": num,
			"grade": obj{"type": "integer", "nullable": true}, "unit": obj{"type": "string", "nullable": true}, "unit_name": str,
			"trees": obj{"type": "integer", "nullable": true}, "shrub_m2": obj{"type": "number", "nullable": true}, "lawn_m2": obj{"type": "number", "nullable": true},
			"updated":  dateTime,
			"editable": obj{"type": "array", "items": obj{"type": "string", "enum": survey.Fields}, "description": "the fields the caller may edit"},
			"changes":  obj{"type": "array", "items": entry, "description": "an edit's answer: the entries it appended (none when it changed nothing)"},
		}},
		"SurveyHistory": obj{"type": "object", "required": []string{"id", "history"}, "properties": obj{
			"id": obj{"type": "integer"}, "history": obj{"type": "array", "items": entry},
		}},
	}
}
