package features

import (
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/i18n"
)

// words are the collections' own words in both languages.
var words = i18n.Catalog{
	"attributes": {ZH: "%s。属性：%s", EN: "%s. Attributes: %s"},
	"geojson":    {ZH: "%s（GeoJSON）", EN: "%s as GeoJSON"},
}

// inLang puts a collection's title, description and its links' titles in
// l, for GIS tools that show them (QGIS's data source manager).
func inLang(c *CollectionJSON, sc *geo.Schema, l i18n.Lang) {
	fields := make([]string, len(sc.Fields))
	for i, f := range sc.Fields {
		fields[i] = f.Name
	}
	title := sc.TitleIn(l)
	c.Title = title
	c.Description = words.T(l, "attributes", sc.Description.In(l), strings.Join(fields, ", "))
	for i := range c.Links {
		switch c.Links[i].Rel {
		case "self":
			c.Links[i].Title = title
		case "items":
			c.Links[i].Title = words.T(l, "geojson", title)
		}
	}
}
