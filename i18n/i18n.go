// Package i18n picks the reader's language — Chinese (zh-CN) or English —
// and holds phrases in both. Chinese is the default: greenreach's readers
// work in Chinese city bureaus. It imports nothing of greenreach's, so every
// package (geo's layer titles, the coverage rules, the API) may use it.
package i18n

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
)

// Lang is a language greenreach speaks, as a BCP 47 tag (the value of an
// HTML lang attribute and of Content-Language).
type Lang string

const (
	ZH Lang = "zh-CN" // Simplified Chinese, the default
	EN Lang = "en"
)

// Default is the language of a reader who asks for none we speak.
const Default = ZH

// Langs lists the languages spoken, the default first.
var Langs = []Lang{ZH, EN}

// matcher is read-only after init and safe for concurrent use.
var matcher = language.NewMatcher([]language.Tag{language.Make(string(ZH)), language.English})

// Limits on what is parsed: a lang parameter is one short tag; an
// Accept-Language header longer than maxHeader is read up to its last whole
// entry within the limit (browsers send well under 200 bytes).
const (
	maxParam  = 35 // the longest well-formed language tag a registry keeps (RFC 5646, 4.4.1)
	maxHeader = 1024
)

// ErrLang is wrapped by the error for a lang parameter greenreach cannot
// honour; the API answers it with 400.
var ErrLang = errors.New("bad lang")

func match(tags ...language.Tag) (Lang, bool) {
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default, false
	}
	return Langs[i], true
}

// FromHeader picks the language of an Accept-Language header by its
// q-values: any Chinese (zh, zh-Hans, zh-SG; zh-TW and zh-HK too when no
// closer language is listed) gives ZH, any English EN; an empty, "*" or
// malformed header, or one naming only other languages, gives Default.
// "zh-TW, en;q=0.8" gives EN: the matcher ranks an exact English above
// Simplified for a reader of Traditional Chinese.
func FromHeader(h string) Lang {
	if len(h) > maxHeader {
		h = h[:maxHeader]
		if i := strings.LastIndexByte(h, ','); i >= 0 {
			h = h[:i]
		}
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return Default
	}
	l, _ := match(tags...)
	return l
}

// Parse reads an explicit choice (a lang parameter, a --lang flag): a tag
// of Chinese or English in any region or script ("zh", "zh-CN", "zh-Hans",
// "en", "en-GB"). Any other language, or a malformed tag, is an error
// wrapping ErrLang that names what is spoken.
func Parse(s string) (Lang, error) {
	if len(s) > maxParam {
		return "", fmt.Errorf("%w: %d bytes, over the %d of a language tag", ErrLang, len(s), maxParam)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w %q: want zh-CN or en", ErrLang, s)
	}
	if base, conf := tag.Base(); conf != language.Exact || base.String() != "zh" && base.String() != "en" {
		return "", fmt.Errorf("%w %q: want zh-CN or en", ErrLang, s)
	}
	l, _ := match(tag)
	return l, nil
}

// Negotiate picks the language of a request: the lang parameter when it is
// given (an error when it names no language spoken), else the
// Accept-Language header.
func Negotiate(param, acceptLanguage string) (Lang, error) {
	if param != "" {
		return Parse(param)
	}
	return FromHeader(acceptLanguage), nil
}

// Request negotiates the language of r from its lang query parameter and
// its Accept-Language header. A response that depends on the header should
// say so with "Vary: Accept-Language".
func Request(r *http.Request) (Lang, error) {
	return Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
}

// Text is one phrase in both languages.
type Text struct {
	ZH string `yaml:"zh" json:"zh"`
	EN string `yaml:"en" json:"en"`
}

// In returns the phrase in l, or in the other language when it has none
// in l (a custom rule file may give one title only).
func (t Text) In(l Lang) string {
	if l == EN && t.EN != "" || t.ZH == "" {
		return t.EN
	}
	return t.ZH
}

// Both returns the phrase for a reader of either language: Chinese, then
// English after " / " when it differs. For fields that hold one string
// (a database comment, a GeoPackage description).
func (t Text) Both() string {
	switch {
	case t.EN == "" || t.EN == t.ZH:
		return t.ZH
	case t.ZH == "":
		return t.EN
	}
	return t.ZH + " / " + t.EN
}

// Complete reports whether the phrase is there in both languages.
func (t Text) Complete() bool { return t.ZH != "" && t.EN != "" }

// UnmarshalYAML reads either a mapping {zh: …, en: …} or, for files
// written before there were two languages, one string used for both.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*t = Text{ZH: n.Value, EN: n.Value}
		return nil
	case yaml.MappingNode:
		var out Text
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: %s: want a string", v.Line, k.Value)
			}
			switch k.Value {
			case "zh":
				out.ZH = v.Value
			case "en":
				out.EN = v.Value
			default:
				return fmt.Errorf("line %d: %q: want zh or en", k.Line, k.Value)
			}
		}
		*t = out
		return nil
	}
	return fmt.Errorf("line %d: want a string or {zh: …, en: …}", n.Line)
}
