package api

import "github.com/greenreach/greenreach/api/open311"

// oaOpen311Paths: the Open311 GeoReport v2 endpoint (api/open311). Its
// answers and errors are the spec's own shapes, in JSON or XML by the
// resource's extension, not problem+json.
func oaOpen311Paths() obj {
	str, num := obj{"type": "string"}, obj{"type": "number"}
	object := func(required []string, props obj) obj {
		return obj{"type": "object", "required": required, "properties": props}
	}
	format := oaPathParam("format", "json or xml", obj{"type": "string", "enum": []string{"json", "xml"}})
	jurisdiction := param("jurisdiction_id", "ignored: the endpoint serves one city", str, false)
	lang := param("lang", "zh-CN (default) or en; else Accept-Language", str, false)
	errs := obj{"description": "GeoReport errors: [{code, description}], code the HTTP status",
		"content": obj{open311.MediaJSON: obj{"schema": oaArrayOf(object([]string{"code", "description"}, obj{"code": obj{"type": "integer"}, "description": str}))},
			open311.MediaXML: obj{"schema": str}}}
	answer := func(doc string, schema obj, codes ...string) obj {
		rs := obj{"200": obj{"description": doc, "content": obj{open311.MediaJSON: obj{"schema": schema}, open311.MediaXML: obj{"schema": str}}},
			"400": errs, "503": errs, "default": errs}
		for _, c := range codes {
			rs[c] = errs
		}
		return rs
	}
	request := object([]string{"service_request_id", "status", "service_name", "service_code", "description", "requested_datetime", "updated_datetime", "lat", "long"}, obj{
		"service_request_id": str,
		"status":             obj{"type": "string", "enum": []string{"open", "closed"}},
		"status_notes":       str, "service_name": str, "service_code": str, "description": str,
		"agency_responsible": obj{"type": "string", "description": "the responsible unit"},
		"service_notice":     str,
		"requested_datetime": obj{"type": "string", "format": "date-time"},
		"updated_datetime":   obj{"type": "string", "format": "date-time"},
		"expected_datetime":  obj{"type": "string", "format": "date-time", "description": "the handling deadline, once registered"},
		"address":            str, "lat": num, "long": num,
		"media_url": obj{"type": "string", "description": "a thumbnail of the report's photo, without metadata"},
	})
	p := open311.Prefix
	text := func(d string) obj { return obj{"type": "string", "description": d} }
	return obj{
		p + "/discovery.{format}": oaGet(oaOp("open311Discovery", "Open311 service discovery", "", []obj{format, jurisdiction},
			answer("the discovery document", object([]string{"changeset", "contact", "key_service", "endpoints"}, obj{
				"changeset": str, "contact": str, "key_service": str,
				"endpoints": oaArrayOf(object([]string{"specification", "url", "changeset", "type", "formats"}, obj{
					"specification": str, "url": str, "changeset": str, "type": str, "formats": oaArrayOf(str)})),
			})))),
		p + "/services.{format}": oaGet(oaOp("open311Services", "The case categories as GeoReport services", "", []obj{format, jurisdiction, lang},
			answer("services", oaArrayOf(object([]string{"service_code", "service_name", "metadata", "type"}, obj{
				"service_code": str, "service_name": str, "description": str, "metadata": obj{"type": "boolean"},
				"type": obj{"type": "string", "enum": []string{"realtime"}}, "keywords": str, "group": str,
			}))))),
		p + "/requests.{format}": obj{
			"get": oaOp("open311Requests", "Service requests: the public view of the cases, newest first, at most 1000", "", []obj{format, jurisdiction, lang,
				param("service_request_id", "ids, comma-separated (at most 100); overrides the other filters", str, false),
				param("service_code", "service codes, comma-separated", str, false),
				param("start_date", "earliest requested_datetime (W3C datetime with a zone); the range is at most 90 days, by default the last 90", obj{"type": "string", "format": "date-time"}, false),
				param("end_date", "latest requested_datetime (W3C datetime with a zone)", obj{"type": "string", "format": "date-time"}, false),
				param("status", "open, closed or both, comma-separated", str, false),
			}, answer("requests", oaArrayOf(request))),
			"post": oaWithBody(oaOp("open311Report", "An anonymous citizen's report (rate-limited per client address); the contact fields are never shown", "", []obj{format, jurisdiction, lang},
				answer("the new request's id", oaArrayOf(object([]string{"service_request_id"}, obj{
					"service_request_id": str, "service_notice": str, "account_id": obj{"type": "string", "nullable": true}})), "404", "429")),
				"the report", true, func() obj {
					fields := obj{
						"service_code": str, "lat": num, "long": num,
						"address_string": text("kept as the request's address (not located)"),
						"description":    text("what is wrong (at most 2000 characters)"),
						"email":          str, "first_name": str, "last_name": str, "phone": str, "device_id": str,
						"media_url":       text("refused: send the photo as media"),
						"jurisdiction_id": str, "api_key": text("ignored"), "account_id": text("ignored"),
					}
					form := object([]string{"service_code", "lat", "long", "description"}, fields)
					multi := object([]string{"service_code", "lat", "long", "description"}, fields)
					withMedia := obj{}
					for k, v := range fields {
						withMedia[k] = v
					}
					withMedia["media"] = obj{"type": "string", "format": "binary", "description": "a JPEG, PNG or WebP photo; stored re-encoded without metadata"}
					multi["properties"] = withMedia
					return obj{"application/x-www-form-urlencoded": obj{"schema": form}, "multipart/form-data": obj{"schema": multi}}
				}()),
		},
		p + "/requests/{id}.{format}": oaGet(oaOp("open311Request", "One service request (a list of one)", "",
			[]obj{oaPathParam("id", "service_request_id", obj{"type": "integer", "minimum": 1}), format, jurisdiction, lang},
			answer("the request", oaArrayOf(request), "404"))),
		p + "/media/{id}.jpg": oaGet(oaOp("open311Media", "The thumbnail of a report's photo, re-encoded without metadata", "",
			[]obj{oaPathParam("id", "media id (from media_url)", obj{"type": "integer", "minimum": 1})},
			obj{"200": obj{"description": "a JPEG", "content": obj{"image/jpeg": obj{"schema": obj{"type": "string", "format": "binary"}}}},
				"404": errs, "503": errs, "default": errs})),
	}
}
