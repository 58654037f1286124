package api

import "github.com/greenreach/greenreach/cases/hotline"

// oaCaseImportPaths: POST /api/cases/import (handle_cases_import.go).
func oaCaseImportPaths() obj {
	op := oaOp("importCases", "Import a 12345 hotline export (CSV, UTF-8 or GB18030) as reported cases, all rows or none", "", []obj{
		param("dry_run", "check and place every row, store nothing", obj{"type": "boolean", "default": false}, false),
		param("crs", "coordinate system of rows without 坐标系", obj{"type": "string", "enum": []string{"wgs84", "gcj02", "bd09"}}, false),
	}, oaResponses("200", "rows read, new cases stored, rows imported before", oaJSONBody("CaseImport"), "401", "403", "413", "422"))
	op["description"] = "Needs a token of role dispatcher or admin. Columns (Chinese headers): 工单编号, 受理时间, 诉求内容, 问题分类, 地址, 经度, 纬度, 坐标系, 联系电话. " +
		"Coordinates in WGS84, GCJ-02 or BD-09 are converted to WGS84; a row without them is placed by its 地址 among the named features (ambiguous names are unmatched). " +
		"A 工单编号 imported before is skipped. When any row cannot be imported, nothing is stored and the 422 problem lists the rows (CaseImportProblem)."
	op["security"] = []obj{{"bearer": []string{}}}
	return obj{"/api/cases/import": obj{"post": oaWithBody(op, "the export's bytes", true,
		obj{"text/csv": obj{"schema": obj{"type": "string", "format": "binary", "maxLength": hotline.DefaultLimits.FileBytes}}})}}
}

// oaCaseImportSchemas: the import's answer and its problem's rows.
func oaCaseImportSchemas() obj {
	str, integer := obj{"type": "string"}, obj{"type": "integer"}
	row := obj{"type": "object", "required": []string{"line", "reason"}, "properties": obj{"line": integer, "ref": str, "reason": str}}
	return obj{
		"CaseImport": obj{"type": "object", "required": []string{"file", "rows", "stored", "existing"}, "properties": obj{
			"file": str, "rows": integer, "stored": integer, "existing": integer, "dry_run": obj{"type": "boolean"}}},
		"CaseImportProblem": obj{"type": "object", "required": []string{"status", "title", "rows"}, "properties": obj{
			"type": str, "instance": str, "status": integer, "title": str, "detail": str, "rows": obj{"type": "array", "items": row}}},
	}
}
