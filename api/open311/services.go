package open311

import (
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/i18n"
)

// Changeset is when this endpoint last changed, for the discovery document.
const Changeset = "2026-12-06T00:00:00Z"

type discovery struct {
	XMLName    xml.Name   `json:"-" xml:"discovery"`
	Changeset  string     `json:"changeset" xml:"changeset"`
	Contact    string     `json:"contact" xml:"contact"`
	KeyService string     `json:"key_service" xml:"key_service"`
	Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

// Discovery: GET /open311/v2/discovery.{json,xml} — the Service Discovery
// document, with this one endpoint.
func (s *Service) Discovery(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.OnlyParams(web.Query(r), "jurisdiction_id"); e != nil {
		return e
	}
	contact := s.Contact
	if contact == "" {
		contact = "greenreach: ask the city's greening and sanitation bureau"
	}
	return s.write(w, r, http.StatusOK, discovery{
		Changeset:  Changeset,
		Contact:    contact,
		KeyService: "No key is needed: citizens' reports are anonymous, limited per client address and in size",
		Endpoints: []endpoint{{Specification: Spec, URL: web.BaseURL(r) + Prefix, Changeset: Changeset, Type: "production",
			Formats: []string{"application/json", "text/xml"}}},
	})
}

// service is one element of the service list.
type service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type serviceList struct {
	XMLName  xml.Name `xml:"services"`
	Services []service
}

// Services: GET /open311/v2/services.{json,xml} — the case categories, in
// Chinese unless lang or Accept-Language asks for English.
func (s *Service) Services(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.OnlyParams(web.Query(r), "jurisdiction_id", "lang"); e != nil {
		return e
	}
	l, e := lang(w, r)
	if e != nil {
		return e
	}
	cat := s.Cases.Catalog
	out := serviceList{Services: make([]service, 0, len(cat.Categories))}
	for i := range cat.Categories {
		k := &cat.Categories[i]
		g := groupLabel(cat, k.Group)
		out.Services = append(out.Services, service{
			ServiceCode: k.Code,
			ServiceName: categoryName(k, l),
			Description: describe(k, g, l),
			Type:        "realtime",
			Keywords:    k.Zh + ", " + k.En + ", " + g.Zh + ", " + g.En,
			Group:       text(g, l),
		})
	}
	return s.write(w, r, http.StatusOK, out)
}

func text(l cases.Label, lang i18n.Lang) string {
	return i18n.Text{ZH: l.Zh, EN: l.En}.In(lang)
}

func categoryName(k *cases.Category, l i18n.Lang) string {
	return i18n.Text{ZH: k.Zh, EN: k.En}.In(l)
}

func groupLabel(cat *cases.Catalog, code string) cases.Label {
	for _, g := range cat.Groups {
		if g.Code == code {
			return g
		}
	}
	return cases.Label{Code: code, Zh: code, En: code}
}

func stateLabel(cat *cases.Catalog, code string, l i18n.Lang) string {
	for _, st := range cat.States {
		if st.Code == code {
			return text(st, l)
		}
	}
	return code
}

// describe is a category's description: its group and handling deadline.
func describe(k *cases.Category, g cases.Label, l i18n.Lang) string {
	if l == i18n.EN {
		return fmt.Sprintf("%s: %s. %s", g.En, k.En, notice(k, l))
	}
	return fmt.Sprintf("%s：%s。%s", g.Zh, k.Zh, notice(k, l))
}

// notice is the service_notice of a category: what is expected to happen.
func notice(k *cases.Category, l i18n.Lang) string {
	if l == i18n.EN {
		return fmt.Sprintf("Once registered, the responsible unit handles it within %d hours.", k.DeadlineHours)
	}
	return fmt.Sprintf("立案后由责任单位在 %d 小时内处置。", k.DeadlineHours)
}
