package assess

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSV tables of a month, and of a year (units, streets).
const (
	TableUnits   = "units"
	TableStreets = "streets"
	TableItems   = "items"
)

// bom starts every CSV so that spreadsheet programs read it as UTF-8.
const bom = "\ufeff"

// header is a column's heading in Chinese and English.
type header struct{ zh, en string }

var (
	unitHeaders = []header{
		{"月份", "month"}, {"排名", "rank"}, {"单位编号", "unit"}, {"单位名称", "name"}, {"街道", "street"},
		{"得分", "score"}, {"上月得分", "prev_score"}, {"环比", "change"}, {"扣分合计", "deducted"},
		{"案件数", "cases"}, {"超期案件数", "overdue"}, {"返工案件数", "reopened"}, {"跨月超期案件数", "carried"},
	}
	streetHeaders = []header{
		{"月份", "month"}, {"排名", "rank"}, {"街道", "street"}, {"得分", "score"}, {"上月得分", "prev_score"},
		{"环比", "change"}, {"单位数", "units"}, {"案件数", "cases"},
	}
	itemHeaders = []header{
		{"月份", "month"}, {"单位编号", "unit"}, {"单位名称", "name"}, {"街道", "street"}, {"案件编号", "case"},
		{"类别", "category"}, {"案件所在街道", "case_street"}, {"状态", "state"}, {"上报时间", "reported"},
		{"处置时限", "deadline"}, {"结案时间", "closed"}, {"跨月", "carried"}, {"类别扣分", "weight"},
		{"返工次数", "reopens"}, {"返工扣分", "reopen"}, {"超期天数", "overdue_days"}, {"超期扣分", "overdue"},
		{"封顶", "capped"}, {"扣分", "total"},
	}
	yearHeaders = []header{
		{"年度", "year"}, {"排名", "rank"}, {"单位编号", "unit"}, {"单位名称", "name"}, {"街道", "street"},
		{"年度得分", "score"}, {"考核月数", "months"},
	}
	yearStreetHeaders = []header{
		{"年度", "year"}, {"排名", "rank"}, {"街道", "street"}, {"年度得分", "score"}, {"考核月数", "months"},
	}
)

// csvWriter writes one table in a language, "zh" (the default, also "")
// or "en".
type csvWriter struct {
	*csv.Writer
	en bool
}

func newCSV(w io.Writer, lang string) (*csvWriter, error) {
	switch lang {
	case "", "zh", "en":
	default:
		return nil, fmt.Errorf("csv language %q: want zh or en", lang)
	}
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{cw, lang == "en"}, nil
}

func (c *csvWriter) header(hs []header, extra ...string) error {
	row := make([]string, 0, len(hs)+len(extra))
	for _, h := range hs {
		if c.en {
			row = append(row, h.en)
		} else {
			row = append(row, h.zh)
		}
	}
	return c.Write(append(row, extra...))
}

func (c *csvWriter) yes(b bool) string {
	switch {
	case c.en && b:
		return "yes"
	case c.en:
		return "no"
	case b:
		return "是"
	}
	return "否"
}

// text makes a cell of text from the input safe from spreadsheet formulas:
// one starting with = + - @ or a control character gets a leading '.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}

func optCSV(p *Points) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func timeCSV(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone).Format("2006-01-02 15:04")
}

// WriteCSV writes a table of the month — TableUnits, TableStreets or
// TableItems (one row per deduction) — as CSV with a UTF-8 BOM, headed in
// lang ("zh", the default, or "en").
func (m *MonthReport) WriteCSV(w io.Writer, table, lang string) error {
	c, err := newCSV(w, lang)
	if err != nil {
		return err
	}
	month := m.Month.String()
	switch table {
	case TableUnits:
		if err := c.header(unitHeaders); err != nil {
			return err
		}
		for _, u := range m.Units {
			if err := c.Write([]string{month, strconv.Itoa(u.Rank), text(u.Unit), text(u.Name), text(u.Street),
				u.Score.String(), optCSV(u.Prev), optCSV(u.Change), u.Deducted.String(),
				strconv.Itoa(u.Cases), strconv.Itoa(u.Overdue), strconv.Itoa(u.Reopened), strconv.Itoa(u.Carried)}); err != nil {
				return err
			}
		}
	case TableStreets:
		if err := c.header(streetHeaders); err != nil {
			return err
		}
		for _, s := range m.Streets {
			if err := c.Write([]string{month, strconv.Itoa(s.Rank), text(s.Street), s.Score.String(),
				optCSV(s.Prev), optCSV(s.Change), strconv.Itoa(s.Units), strconv.Itoa(s.Cases)}); err != nil {
				return err
			}
		}
	case TableItems:
		if err := c.header(itemHeaders); err != nil {
			return err
		}
		for _, u := range m.Units {
			for _, it := range u.Items {
				if err := c.Write([]string{month, text(u.Unit), text(u.Name), text(u.Street), text(it.Case),
					text(it.Category), text(it.Street), it.State, timeCSV(it.Reported), timeCSV(it.Deadline),
					timeCSV(it.Closed), c.yes(it.Carried), it.Weight.String(), strconv.Itoa(it.Reopens),
					it.Reopen.String(), strconv.Itoa(it.OverdueDays), it.Overdue.String(), c.yes(it.Capped),
					it.Total.String()}); err != nil {
					return err
				}
			}
		}
	default:
		return fmt.Errorf("assessment table %q: want units, streets or items", table)
	}
	c.Flush()
	return c.Error()
}

// WriteCSV writes the year's TableUnits or TableStreets as CSV with a UTF-8
// BOM: the year's score and one column per month (empty where the month
// does not count).
func (y *YearReport) WriteCSV(w io.Writer, table, lang string) error {
	c, err := newCSV(w, lang)
	if err != nil {
		return err
	}
	months := make([]string, 12)
	for i := range months {
		if c.en {
			months[i] = Month{y.Year, time.Month(i + 1)}.String()
		} else {
			months[i] = strconv.Itoa(i+1) + "月"
		}
	}
	row := func(fixed []string, ms *[12]*Points) error {
		for _, p := range ms {
			fixed = append(fixed, optCSV(p))
		}
		return c.Write(fixed)
	}
	year := strconv.Itoa(y.Year)
	switch table {
	case TableUnits:
		if err := c.header(yearHeaders, months...); err != nil {
			return err
		}
		for _, u := range y.Units {
			if err := row([]string{year, strconv.Itoa(u.Rank), text(u.Unit), text(u.Name), text(u.Street),
				u.Score.String(), strconv.Itoa(u.N)}, &u.Months); err != nil {
				return err
			}
		}
	case TableStreets:
		if err := c.header(yearStreetHeaders, months...); err != nil {
			return err
		}
		for _, s := range y.Streets {
			if err := row([]string{year, strconv.Itoa(s.Rank), text(s.Street), s.Score.String(), strconv.Itoa(s.N)}, &s.Months); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("assessment table %q: want units or streets", table)
	}
	c.Flush()
	return c.Error()
}

// MonthJSON is a month's assessment as the API serves it.
type MonthJSON struct {
	Rules    string       `json:"rules"`
	Month    string       `json:"month"`
	Clock    time.Time    `json:"clock"`
	Complete bool         `json:"complete"`
	Units    []UnitJSON   `json:"units"`
	Streets  []StreetJSON `json:"streets"`
}

// UnitJSON is a unit's month; Prev and Change are null when the unit did
// not exist the month before; Items only when asked for.
type UnitJSON struct {
	Unit     string     `json:"unit"`
	Name     string     `json:"name,omitempty"`
	Street   string     `json:"street"`
	Rank     int        `json:"rank"`
	Score    Points     `json:"score"`
	Prev     *Points    `json:"prev"`
	Change   *Points    `json:"change"`
	Deducted Points     `json:"deducted"`
	Cases    int        `json:"cases"`
	Overdue  int        `json:"overdue"`
	Reopened int        `json:"reopened"`
	Carried  int        `json:"carried"`
	Items    []ItemJSON `json:"items,omitempty"`
}

// ItemJSON is one deduction; zero parts are left out.
type ItemJSON struct {
	Case        string     `json:"case"`
	Category    string     `json:"category,omitempty"`
	Street      string     `json:"street,omitempty"`
	State       string     `json:"state"`
	Reported    time.Time  `json:"reported"`
	Deadline    time.Time  `json:"deadline"`
	Closed      *time.Time `json:"closed,omitempty"`
	Carried     bool       `json:"carried,omitempty"`
	Weight      Points     `json:"weight,omitempty"`
	Reopens     int        `json:"reopens,omitempty"`
	Reopen      Points     `json:"reopen,omitempty"`
	OverdueDays int        `json:"overdue_days,omitempty"`
	Overdue     Points     `json:"overdue,omitempty"`
	Capped      bool       `json:"capped,omitempty"`
	Total       Points     `json:"total"`
}

// StreetJSON is a street's month.
type StreetJSON struct {
	Street string  `json:"street"`
	Rank   int     `json:"rank"`
	Score  Points  `json:"score"`
	Prev   *Points `json:"prev"`
	Change *Points `json:"change"`
	Units  int     `json:"units"`
	Cases  int     `json:"cases"`
}

// JSON is the month in its API shape, with each unit's items if items.
func (m *MonthReport) JSON(items bool) MonthJSON {
	out := MonthJSON{Rules: m.Rules, Month: m.Month.String(), Clock: m.Clock.In(Zone), Complete: m.Complete,
		Units: make([]UnitJSON, 0, len(m.Units)), Streets: make([]StreetJSON, 0, len(m.Streets))}
	for _, u := range m.Units {
		uj := UnitJSON{Unit: u.Unit, Name: u.Name, Street: u.Street, Rank: u.Rank, Score: u.Score, Prev: u.Prev,
			Change: u.Change, Deducted: u.Deducted, Cases: u.Cases, Overdue: u.Overdue, Reopened: u.Reopened, Carried: u.Carried}
		if items {
			uj.Items = make([]ItemJSON, 0, len(u.Items))
			for _, it := range u.Items {
				ij := ItemJSON{Case: it.Case, Category: it.Category, Street: it.Street, State: it.State,
					Reported: it.Reported.In(Zone), Deadline: it.Deadline.In(Zone), Carried: it.Carried,
					Weight: it.Weight, Reopens: it.Reopens, Reopen: it.Reopen, OverdueDays: it.OverdueDays,
					Overdue: it.Overdue, Capped: it.Capped, Total: it.Total}
				if !it.Closed.IsZero() {
					c := it.Closed.In(Zone)
					ij.Closed = &c
				}
				uj.Items = append(uj.Items, ij)
			}
		}
		out.Units = append(out.Units, uj)
	}
	for _, s := range m.Streets {
		out.Streets = append(out.Streets, StreetJSON{Street: s.Street, Rank: s.Rank, Score: s.Score, Prev: s.Prev,
			Change: s.Change, Units: s.Units, Cases: s.Cases})
	}
	return out
}

// YearJSON is a year's assessment as the API serves it; months are
// January to December, null where a month does not count.
type YearJSON struct {
	Rules   string           `json:"rules"`
	Year    int              `json:"year"`
	Clock   time.Time        `json:"clock"`
	Months  int              `json:"months"`
	Units   []YearUnitJSON   `json:"units"`
	Streets []YearStreetJSON `json:"streets"`
}

// YearUnitJSON is a unit's year.
type YearUnitJSON struct {
	Unit   string      `json:"unit"`
	Name   string      `json:"name,omitempty"`
	Street string      `json:"street"`
	Rank   int         `json:"rank"`
	Score  Points      `json:"score"`
	N      int         `json:"months"`
	Months [12]*Points `json:"by_month"`
}

// YearStreetJSON is a street's year.
type YearStreetJSON struct {
	Street string      `json:"street"`
	Rank   int         `json:"rank"`
	Score  Points      `json:"score"`
	N      int         `json:"months"`
	Months [12]*Points `json:"by_month"`
}

// JSON is the year in its API shape.
func (y *YearReport) JSON() YearJSON {
	out := YearJSON{Rules: y.Rules, Year: y.Year, Clock: y.Clock.In(Zone), Months: y.Months,
		Units: make([]YearUnitJSON, 0, len(y.Units)), Streets: make([]YearStreetJSON, 0, len(y.Streets))}
	for _, u := range y.Units {
		out.Units = append(out.Units, YearUnitJSON{u.Unit, u.Name, u.Street, u.Rank, u.Score, u.N, u.Months})
	}
	for _, s := range y.Streets {
		out.Streets = append(out.Streets, YearStreetJSON{s.Street, s.Rank, s.Score, s.N, s.Months})
	}
	return out
}
