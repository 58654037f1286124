package main

import "github.com/greenreach/greenreach/i18n"

// messages are the commands' own words for people in both languages (the
// audit's are package report's); flags and errors stay English, as the
// Go tool chain's do.
var messages = i18n.Catalog{
	"layers.layer":    {ZH: "图层", EN: "layer"},
	"layers.title":    {ZH: "名称", EN: "title"},
	"layers.features": {ZH: "要素数", EN: "features"},
	"layers.version":  {ZH: "版本", EN: "version"},
	"layers.bbox":     {ZH: "范围（西 南 东 北）", EN: "bbox (west south east north)"},
}
