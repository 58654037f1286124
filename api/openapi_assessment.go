package api

import "strconv"

// oaAssessmentPaths: the monthly assessment (handle_assessment.go).
func oaAssessmentPaths() obj {
	str, integer := obj{"type": "string"}, obj{"type": "integer"}
	pts := obj{"type": "number", "description": "points, one decimal"}
	optPts := obj{"type": "number", "nullable": true, "description": "points; null when there was nothing the month before"}
	object := func(required []string, props obj) obj {
		return obj{"type": "object", "required": required, "properties": props}
	}
	byMonth := obj{"type": "array", "items": optPts, "minItems": 12, "maxItems": 12, "description": "January to December; null where a month does not count"}
	item := object([]string{"case", "state", "reported", "deadline", "total"}, obj{
		"case": str, "category": str, "street": str, "state": str, "reported": obj{"type": "string", "format": "date-time"},
		"deadline": obj{"type": "string", "format": "date-time"}, "closed": obj{"type": "string", "format": "date-time"},
		"carried": obj{"type": "boolean"}, "weight": pts, "reopens": integer, "reopen": pts, "overdue_days": integer,
		"overdue": pts, "capped": obj{"type": "boolean"}, "total": pts,
	})
	unit := object([]string{"unit", "street", "rank", "score", "prev", "change", "deducted", "cases", "overdue", "reopened", "carried"}, obj{
		"unit": str, "name": str, "street": str, "rank": integer, "score": pts, "prev": optPts, "change": optPts, "deducted": pts,
		"cases": integer, "overdue": integer, "reopened": integer, "carried": integer, "items": obj{"type": "array", "items": item},
	})
	street := object([]string{"street", "rank", "score", "prev", "change", "units", "cases"}, obj{
		"street": str, "rank": integer, "score": pts, "prev": optPts, "change": optPts, "units": integer, "cases": integer,
	})
	month := object([]string{"rules", "month", "clock", "complete", "units", "streets"}, obj{
		"rules": str, "month": str, "clock": obj{"type": "string", "format": "date-time"}, "complete": obj{"type": "boolean"},
		"units": obj{"type": "array", "items": unit}, "streets": obj{"type": "array", "items": street},
	})
	year := object([]string{"rules", "year", "clock", "months", "units", "streets"}, obj{
		"rules": str, "year": integer, "clock": obj{"type": "string", "format": "date-time"}, "months": integer,
		"units": obj{"type": "array", "items": object([]string{"unit", "street", "rank", "score", "months", "by_month"}, obj{
			"unit": str, "name": str, "street": str, "rank": integer, "score": pts, "months": integer, "by_month": byMonth})},
		"streets": obj{"type": "array", "items": object([]string{"street", "rank", "score", "months", "by_month"}, obj{
			"street": str, "rank": integer, "score": pts, "months": integer, "by_month": byMonth})},
	})
	rs := oaResponses("200", "the month's or the year's assessment", obj{
		mediaJSON:                  obj{"schema": obj{"type": "object", "oneOf": []obj{month, year}}},
		"text/csv; charset=utf-8":  obj{"schema": str},
		"text/html; charset=utf-8": obj{"schema": str},
	}, "401", "403", "409", "422")
	op := oaOp("assessment", "The monthly 百分制 assessment of the responsible units: scores, itemised deductions, ranks of units and streets, month-on-month; or a year's (the months' mean)", "", []obj{
		param("month", "YYYY-MM (Beijing time), begun by now and at most "+strconv.Itoa(assessYears)+" years back; or year", str, false),
		param("year", "YYYY: the year's ended months", integer, false),
		param("format", "json (the default), csv (UTF-8 with a BOM) or html (a printable page)", obj{"type": "string", "enum": []string{"json", "csv", "html"}}, false),
		param("table", "csv: units (the default), streets or items (a month's deductions)", obj{"type": "string", "enum": []string{"units", "streets", "items"}}, false),
		param("bom", "csv: false leaves out the BOM", obj{"type": "boolean"}, false),
		param("items", "json: true gives each unit's itemised deductions", obj{"type": "boolean"}, false),
		oaLangParam(),
	}, rs)
	op["description"] = "Needs a token of role auditor or admin; a unit's token gets its own unit's line and rank only (no streets)."
	op["security"] = []obj{{"bearer": []string{}}}
	return obj{"/api/assessment": oaGet(op)}
}
