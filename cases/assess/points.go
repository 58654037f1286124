package assess

import (
	"fmt"
	"strconv"
	"time"
)

// Points are an amount of points in tenths: 975 is 97.5. Scores and
// deductions are added in Points, so itemised deductions sum exactly.
type Points int64

// String is the amount with one decimal: "97.5", "-0.5", "100.0".
func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return sign + strconv.FormatInt(int64(p/10), 10) + "." + strconv.FormatInt(int64(p%10), 10)
}

// Float is the amount as a number of points.
func (p Points) Float() float64 { return float64(p) / 10 }

// MarshalJSON writes the amount as a JSON number with one decimal.
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// meanPoints is the mean of sum over n, rounded half up (away from zero).
func meanPoints(sum Points, n int64) Points {
	if n <= 0 {
		return 0
	}
	if sum < 0 {
		return -meanPoints(-sum, n)
	}
	return Points((2*int64(sum) + n) / (2 * n))
}

// Zone is Beijing time, in which months begin and end. China has kept
// UTC+8 without daylight saving since 1991, so a fixed zone is exact and
// needs no time zone database.
var Zone = time.FixedZone("Asia/Shanghai", 8*3600)

// Month is a calendar month in Beijing time.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month in which t falls, in Beijing time.
func MonthOf(t time.Time) Month {
	y, m, _ := t.In(Zone).Date()
	return Month{y, m}
}

// ParseMonth reads "2026-11".
func ParseMonth(s string) (Month, error) {
	t, err := time.ParseInLocation("2006-01", s, Zone)
	if err != nil {
		return Month{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return MonthOf(t), nil
}

// String is "2026-11".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is the month's first instant.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, Zone) }

// End is the next month's first instant.
func (m Month) End() time.Time { return time.Date(m.Year, m.Month+1, 1, 0, 0, 0, 0, Zone) }

// Add is the month n months later (earlier when n < 0).
func (m Month) Add(n int) Month { return monthAt(m.index() + n) }

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool { return m.index() < o.index() }

// IsZero reports whether m is the zero Month (no month).
func (m Month) IsZero() bool { return m == Month{} }

func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

func monthAt(i int) Month { return Month{i / 12, time.Month(i%12 + 1)} }

// valid reports whether m is a month the assessment handles.
func (m Month) valid() bool { return m.Year >= 1991 && m.Year <= 2200 && m.Month >= 1 && m.Month <= 12 }
