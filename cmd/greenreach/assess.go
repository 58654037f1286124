package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/assess"
	"github.com/greenreach/greenreach/cases/zones"
	"github.com/greenreach/greenreach/geo"
)

// assessYearsBack is how many years back from the clock a month or year
// may be asked for (as GET /api/assessment).
const assessYearsBack = 20

// runAssess: greenreach assess --month YYYY-MM | --year YYYY — the monthly
// 百分制 assessment of the responsible units, or the year's (年终考核: each
// unit's months' mean), as a table, CSV or JSON, from the stored cases.
func runAssess(ctx context.Context, cfg *config, args []string) error {
	fs := flags(cfg, "assess", "--month YYYY-MM | --year YYYY [--table units|streets] [--format table|csv|json] [--lang zh|en] [--clock TIME]")
	month := fs.String("month", "", "the month to assess (YYYY-MM, Beijing time)")
	year := fs.Int("year", 0, "the year to assess: each unit's score is the mean of its months ended by the clock")
	table := fs.String("table", assess.TableUnits, "units or streets")
	format := fs.String("format", "table", "table, csv (with a BOM) or json")
	lang := fs.String("lang", "zh", "zh or en: the headers of the table and CSV")
	clockFlag := fs.String("clock", "", "assess as at this RFC 3339 time (default now): months not yet ended count up to it")
	if err := parse(fs, args); err != nil {
		return err
	}
	clock := time.Now()
	if *clockFlag != "" {
		t, err := time.Parse(time.RFC3339, *clockFlag)
		if err != nil {
			return usageError{fmt.Sprintf("--clock %q: want an RFC 3339 time such as 2026-12-01T00:00:00+08:00", *clockFlag)}
		}
		clock = t
	}
	if *table != assess.TableUnits && *table != assess.TableStreets {
		return usageError{fmt.Sprintf("--table %q: want units or streets", *table)}
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: want table, csv or json", *format)}
	}
	if *lang != "zh" && *lang != "en" {
		return usageError{fmt.Sprintf("--lang %q: want zh or en", *lang)}
	}
	now := assess.MonthOf(clock)
	oldest := assess.Month{Year: now.Year - assessYearsBack, Month: time.January}
	var m assess.Month
	var from, end time.Time
	switch {
	case (*month == "") == (*year == 0):
		return usageError{"want one of --month YYYY-MM and --year YYYY"}
	case *month != "":
		var err error
		if m, err = assess.ParseMonth(*month); err != nil {
			return usageError{fmt.Sprintf("--month: %v", err)}
		}
		if m.Before(oldest) || now.Before(m) {
			return usageError{fmt.Sprintf("--month %s: want a month from %s to %s (%d years back from the clock, none yet to begin)", m, oldest, now, assessYearsBack)}
		}
		from, end = m.Add(-1).Start(), m.End()
	default:
		if *year < oldest.Year || *year > now.Year {
			return usageError{fmt.Sprintf("--year %d: want a year from %d to %d (%d years back from the clock)", *year, oldest.Year, now.Year, assessYearsBack)}
		}
		from, end = assess.Month{Year: *year, Month: time.January}.Start(), assess.Month{Year: *year, Month: time.December}.End()
	}

	st, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	units, err := st.ListUnits(ctx)
	if err != nil {
		return err
	}
	var zs []cases.ZoneStreet
	err = st.Scan(ctx, geo.Zones, func(f *geo.Feature) error {
		z := zones.Of(f)
		zs = append(zs, cases.ZoneStreet{Code: z.Code, Unit: z.Unit, Street: z.Street})
		return nil
	})
	if err != nil {
		return err
	}
	rules := assess.Default()
	in, err := cases.AssessInput(ctx, st, units, zs, cases.Default(), rules, from, end)
	if err != nil {
		return err
	}
	var mr *assess.MonthReport
	var yr *assess.YearReport
	if *year != 0 {
		yr, err = rules.Year(ctx, in, *year, clock)
	} else {
		mr, err = rules.Month(ctx, in, m, clock)
	}
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		if yr != nil {
			return yr.WriteCSV(cfg.stdout, *table, *lang)
		}
		return mr.WriteCSV(cfg.stdout, *table, *lang)
	case "json":
		if yr != nil {
			return cfg.printJSON(yr.JSON())
		}
		return cfg.printJSON(mr.JSON(false))
	}
	return assessTable(cfg, mr, yr, *table, *lang == "en")
}

// assessTable prints a month's or a year's units or streets as columns.
func assessTable(cfg *config, m *assess.MonthReport, y *assess.YearReport, table string, en bool) error {
	w := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
	word := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	opt := func(p *assess.Points) string {
		if p == nil {
			return "–"
		}
		return p.String()
	}
	switch {
	case y != nil && table == assess.TableUnits:
		fmt.Fprintf(w, "%s\n", word(fmt.Sprintf("%d 年度考核（各月平均，%d 个月）", y.Year, y.Months), fmt.Sprintf("Annual assessment %d (the months' mean, %d months)", y.Year, y.Months)))
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", word("排名", "Rank"), word("单位", "Unit"), word("名称", "Name"), word("街道", "Street"), word("得分", "Score"), word("考核月数", "Months"))
		for _, u := range y.Units {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\n", u.Rank, u.Unit, u.Name, u.Street, u.Score, u.N)
		}
	case y != nil:
		fmt.Fprintf(w, "%s\n", word(fmt.Sprintf("%d 年度考核：街道", y.Year), fmt.Sprintf("Annual assessment %d: streets", y.Year)))
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", word("排名", "Rank"), word("街道", "Street"), word("得分", "Score"), word("考核月数", "Months"))
		for _, s := range y.Streets {
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\n", s.Rank, s.Street, s.Score, s.N)
		}
	case table == assess.TableUnits:
		fmt.Fprintf(w, "%s\n", word(m.Month.String()+" 月度考核（百分制）", "Monthly assessment "+m.Month.String()+" (out of 100)"))
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", word("排名", "Rank"), word("单位", "Unit"), word("名称", "Name"), word("街道", "Street"),
			word("得分", "Score"), word("环比", "Change"), word("案件数", "Cases"), word("超期", "Overdue"), word("返工", "Re-opened"))
		for _, u := range m.Units {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", u.Rank, u.Unit, u.Name, u.Street, u.Score, opt(u.Change), u.Cases, u.Overdue, u.Reopened)
		}
	default:
		fmt.Fprintf(w, "%s\n", word(m.Month.String()+" 月度考核：街道", "Monthly assessment "+m.Month.String()+": streets"))
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", word("排名", "Rank"), word("街道", "Street"), word("得分", "Score"), word("环比", "Change"), word("单位数", "Units"), word("案件数", "Cases"))
		for _, s := range m.Streets {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\n", s.Rank, s.Street, s.Score, opt(s.Change), strconv.Itoa(s.Units), s.Cases)
		}
	}
	return w.Flush()
}
