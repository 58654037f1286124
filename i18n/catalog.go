package i18n

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Catalog is a package's own words for people — headings, legends, units,
// column names — by key, each in both languages. Entries may hold fmt verbs;
// both languages of an entry take the same arguments (Chinese may reorder
// them with explicit indexes, %[2]s).
type Catalog map[string]Text

// T returns the entry key in l, formatted with args when it has any. A key
// the catalogue lacks gives "!key" so that it shows, and Check's callers'
// tests fail on it.
func (c Catalog) T(l Lang, key string, args ...any) string {
	t, ok := c[key]
	if !ok {
		return "!" + key
	}
	s := t.In(l)
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Has reports whether the catalogue holds key.
func (c Catalog) Has(key string) bool {
	_, ok := c[key]
	return ok
}

// verb is one fmt verb, with an explicit argument index, flags, width and
// precision; %% is not an argument.
var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d*)?[a-zA-Z%]`)

// verbs lists an entry's arguments as "index:verb", in argument order.
func verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verb.FindAllString(s, -1) {
		if strings.HasSuffix(m, "%") && !strings.HasPrefix(m, "%[") && len(m) == 2 {
			continue
		}
		i := next
		if m[1] == '[' {
			end := strings.IndexByte(m, ']')
			i, _ = strconv.Atoi(m[2:end])
		}
		out = append(out, strconv.Itoa(i)+":"+m[len(m)-1:])
		next = i + 1
	}
	sort.Strings(out)
	return out
}

// Check lists what is wrong with the catalogue: an entry missing in a
// language, or whose languages take different arguments.
func (c Catalog) Check() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		t := c[k]
		if t.ZH == "" {
			out = append(out, fmt.Sprintf("%s: no zh-CN", k))
		}
		if t.EN == "" {
			out = append(out, fmt.Sprintf("%s: no en", k))
		}
		if zh, en := verbs(t.ZH), verbs(t.EN); !slices.Equal(zh, en) {
			out = append(out, fmt.Sprintf("%s: zh-CN takes %v, en %v", k, zh, en))
		}
	}
	return out
}
