package open311

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/i18n"
	"github.com/greenreach/greenreach/store"
)

// request is one service request as the public sees it: the GeoReport v2
// fields, nothing of who reported it or how to reach them.
type request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes,omitempty" xml:"status_notes,omitempty"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible,omitempty" xml:"agency_responsible,omitempty"`
	ServiceNotice     string   `json:"service_notice,omitempty" xml:"service_notice,omitempty"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime,omitempty" xml:"expected_datetime,omitempty"`
	Address           string   `json:"address,omitempty" xml:"address,omitempty"`
	Lat               float64  `json:"lat" xml:"lat"`
	Long              float64  `json:"long" xml:"long"`
	MediaURL          string   `json:"media_url,omitempty" xml:"media_url,omitempty"`
}

type requestList struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []request
}

// addressMark separates a report's address_string from its description
// in the stored description (the store has no address of its own); staff
// read it as it is, the public view splits it off again.
const addressMark = "\n\n地址："

// splitAddress undoes what a report joined.
func splitAddress(desc string) (description, address string) {
	if i := strings.LastIndex(desc, addressMark); i >= 0 {
		return desc[:i], desc[i+len(addressMark):]
	}
	return desc, ""
}

// w3c is the GeoReport datetime format (the W3C note's profile of ISO
// 8601), in UTC.
func w3c(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// closedStates are the states GeoReport calls closed: resolved (结案) or
// not taken up (不予立案, duplicates included).
var closedStates = []string{cases.Closed, cases.Rejected}

func openStates() []string {
	return []string{cases.Reported, cases.Registered, cases.Dispatched, cases.Handled, cases.Verified}
}

// view builds the public view of c from what the privacy policy lets out
// (cases.Public): never c itself. names caches unit names for one answer.
func (s *Service) view(ctx context.Context, r *http.Request, c *store.Case, l i18n.Lang, names map[string]string) (request, error) {
	pc := cases.Public(c, s.Cases.Clock())
	return s.publicView(ctx, r, &pc, l, names)
}

func (s *Service) publicView(ctx context.Context, r *http.Request, c *cases.PublicCase, l i18n.Lang, names map[string]string) (request, error) {
	cat := s.Cases.Catalog
	desc, addr := splitAddress(c.Description)
	q := request{
		ServiceRequestID:  strconv.FormatInt(c.ID, 10),
		Status:            "open",
		StatusNotes:       stateLabel(cat, c.State, l),
		ServiceCode:       c.Category,
		ServiceName:       c.Category,
		Description:       desc,
		RequestedDatetime: w3c(c.Reported),
		UpdatedDatetime:   w3c(c.Updated),
		Address:           addr,
		Lat:               c.Point[1],
		Long:              c.Point[0],
	}
	if slices.Contains(closedStates, c.State) {
		q.Status = "closed"
	}
	if c.DuplicateOf != 0 {
		if l == i18n.EN {
			q.StatusNotes += fmt.Sprintf(": duplicate of request %d", c.DuplicateOf)
		} else {
			q.StatusNotes += fmt.Sprintf("：与第 %d 号重复", c.DuplicateOf)
		}
	}
	if k := cat.Category(c.Category); k != nil {
		q.ServiceName = categoryName(k, l)
		if q.Status == "open" {
			q.ServiceNotice = notice(k, l)
		}
	}
	if c.Deadline != nil {
		q.ExpectedDatetime = w3c(*c.Deadline)
	}
	if c.Unit != "" {
		name, err := s.unitName(ctx, c.Unit, names)
		if err != nil {
			return q, err
		}
		q.AgencyResponsible = name
	}
	media, err := s.mediaURL(ctx, r, c.ID)
	if err != nil {
		return q, err
	}
	q.MediaURL = media
	return q, nil
}

func (s *Service) unitName(ctx context.Context, id string, names map[string]string) (string, error) {
	if n, ok := names[id]; ok {
		return n, nil
	}
	name := id
	if s.Units != nil {
		n, ok, err := s.Units.UnitName(ctx, id)
		if err != nil {
			return "", err
		}
		if ok && n != "" {
			name = n
		}
	}
	names[id] = name
	return name, nil
}

// reportPhoto is the only photo of case id the public sees (as a
// thumbnail): cases.PublicPhoto's, 0 if none.
func (s *Service) reportPhoto(ctx context.Context, id int64) (int64, error) {
	evs, err := s.Cases.Store.CaseEvents(ctx, id)
	if err != nil {
		return 0, err
	}
	return cases.PublicPhoto(evs), nil
}

func (s *Service) mediaURL(ctx context.Context, r *http.Request, id int64) (string, error) {
	p, err := s.reportPhoto(ctx, id)
	if err != nil || p == 0 {
		return "", err
	}
	return fmt.Sprintf("%s%s/media/%d.jpg", web.BaseURL(r), Prefix, p), nil
}

// reads takes a turn among the heavy reads.
func (s *Service) reads(ctx context.Context) (func(), *web.Error) {
	if s.Reads == nil {
		return func() {}, nil
	}
	return s.Reads(ctx)
}

// Requests: GET /open311/v2/requests.{json,xml} — the requests the spec's
// filters select: service_request_id (a list, overriding the rest), else
// service_code (a list), start_date and end_date (at most 90 days apart;
// the last 90 days by default) and status (open, closed); newest first,
// at most 1000.
func (s *Service) Requests(w http.ResponseWriter, r *http.Request) *web.Error {
	q := web.Query(r)
	if e := web.OnlyParams(q, "jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "lang"); e != nil {
		return e
	}
	l, e := lang(w, r)
	if e != nil {
		return e
	}
	release, e := s.reads(r.Context())
	if e != nil {
		return e
	}
	defer release()
	var found []store.Case
	if v := q.Get("service_request_id"); v != "" {
		found, e = s.byIDs(r.Context(), v)
	} else {
		found, e = s.filtered(r.Context(), q.Get("service_code"), q.Get("status"), q.Get("start_date"), q.Get("end_date"))
	}
	if e != nil {
		return e
	}
	out := requestList{Requests: make([]request, 0, len(found))}
	names := map[string]string{}
	for i := range found {
		v, err := s.view(r.Context(), r, &found[i], l, names)
		if err != nil {
			return storeError(err)
		}
		out.Requests = append(out.Requests, v)
	}
	return s.write(w, r, http.StatusOK, out)
}

// list splits a comma-separated parameter, dropping empty items.
func list(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Service) byIDs(ctx context.Context, v string) ([]store.Case, *web.Error) {
	if n := strings.Count(v, ",") + 1; n > maxIDs {
		return nil, web.BadRequest("service_request_id: %d ids, more than the limit of %d", n, maxIDs)
	}
	var out []store.Case
	seen := map[int64]bool{}
	for _, x := range list(v) {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil || id < 1 {
			return nil, web.BadRequest("service_request_id: %q is not a request id (a whole number from 1)", x)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.Cases.Store.GetCase(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, storeError(err)
		}
		out = append(out, *c)
	}
	return out, nil
}

// dateParam reads a W3C datetime with its time zone.
func dateParam(name, v string) (*time.Time, *web.Error) {
	if v == "" {
		return nil, nil
	}
	if len(v) <= 40 {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
			if t, err := time.Parse(layout, v); err == nil {
				return &t, nil
			}
		}
	}
	return nil, web.BadRequest("%s=%q is not a W3C datetime with a time zone (e.g. 2010-01-01T00:00:00Z or 2010-01-01T08:00:00+08:00)", name, v)
}

func (s *Service) filtered(ctx context.Context, codes, status, start, end string) ([]store.Case, *web.Error) {
	cs := list(codes)
	slices.Sort(cs)
	cs = slices.Compact(cs)
	if len(cs) > len(s.Cases.Catalog.Categories) {
		return nil, web.BadRequest("service_code: %d codes, more than the %d services there are", len(cs), len(s.Cases.Catalog.Categories))
	}
	for _, c := range cs {
		if s.Cases.Catalog.Category(c) == nil {
			return nil, web.BadRequest("service_code: %q is not a service (see services.json)", c)
		}
	}
	if len(cs) == 0 {
		cs = []string{""}
	}
	var states []string
	for _, st := range list(status) {
		switch st {
		case "open":
			states = append(states, openStates()...)
		case "closed":
			states = append(states, closedStates...)
		default:
			return nil, web.BadRequest("status: %q: want open or closed", st)
		}
	}
	from, e := dateParam("start_date", start)
	if e != nil {
		return nil, e
	}
	to, e := dateParam("end_date", end)
	if e != nil {
		return nil, e
	}
	span := listDays * 24 * time.Hour
	switch {
	case from == nil && to == nil:
		now := s.Cases.Clock()
		to = &now
		f := now.Add(-span)
		from = &f
	case from == nil:
		f := to.Add(-span)
		from = &f
	case to == nil:
		t := from.Add(span)
		to = &t
	}
	if to.Before(*from) {
		return nil, web.BadRequest("end_date is before start_date")
	}
	if to.Sub(*from) > span {
		return nil, web.BadRequest("start_date to end_date spans %s, more than the limit of %d days", to.Sub(*from).Round(time.Hour), listDays)
	}
	before := to.Add(time.Millisecond) // end_date is the latest time included; the store keeps milliseconds
	var out []store.Case
	for _, c := range cs {
		got, err := s.Cases.Store.ListCases(ctx, store.CaseFilter{Category: c, States: states, ReportedFrom: from, ReportedBefore: &before, Limit: maxList})
		if err != nil {
			return nil, storeError(err)
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b store.Case) int { return int(b.ID - a.ID) })
	if len(out) > maxList {
		out = out[:maxList]
	}
	return out, nil
}

// Request: GET /open311/v2/requests/{id}.{json,xml} — one request, as a
// list of one (the spec's form); 404 when there is none.
func (s *Service) Request(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.OnlyParams(web.Query(r), "jurisdiction_id", "lang"); e != nil {
		return e
	}
	l, e := lang(w, r)
	if e != nil {
		return e
	}
	v := mux.Vars(r)["id"]
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return web.NotFound("service_request_id %s not found", v)
	}
	c, err := s.Cases.Store.GetCase(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return web.NotFound("service_request_id %d not found", id)
	}
	if err != nil {
		return storeError(err)
	}
	q, err := s.view(r.Context(), r, c, l, map[string]string{})
	if err != nil {
		return storeError(err)
	}
	return s.write(w, r, http.StatusOK, requestList{Requests: []request{q}})
}
