package i18n

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestFromHeader: headers as browsers send them.
func TestFromHeader(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
	}{
		{"", ZH},
		{"*", ZH},
		{"zh-CN,zh;q=0.9", ZH}, // Chrome, zh-CN
		{"zh-CN,zh;q=0.9,en;q=0.8,en-GB;q=0.7,en-US;q=0.6", ZH}, // Chrome, zh-CN with English added
		{"zh-Hans", ZH},
		{"zh-SG,zh;q=0.9", ZH},
		{"zh-TW", ZH}, // Traditional only: Simplified is the closest we have
		{"zh-HK,zh;q=0.9", ZH},
		{"zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", ZH}, // plain zh listed above English
		{"zh-TW,en;q=0.8", EN},                      // the matcher ranks exact English above Simplified for zh-TW
		{"en-US,en;q=0.9", EN},                      // Chrome, en-US
		{"en-GB", EN},
		{"en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7", EN},
		{"en;q=0.5,zh-CN;q=0.9", ZH},    // q-values, not order, rank
		{"de-DE,de;q=0.9,en;q=0.8", EN}, // no German: English is listed
		{"de-DE,zh-CN;q=0.2", ZH},
		{"fr-FR,fr;q=0.9", ZH}, // nothing spoken listed: the default
		{"ja", ZH},
		{"en;q=0", ZH}, // q=0 means "not English"
		{"en;q=0,zh;q=0.1", ZH},
		{"*;q=0.5,en;q=0.6", EN},
		{"zh-CN;q=bad,,;;", ZH}, // malformed: the default
		{"\x00\xff", ZH},
	} {
		if got := FromHeader(tc.header); got != tc.want {
			t.Errorf("FromHeader(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

// TestFromHeaderLong: a header over the limit is read up to its last whole
// entry within it, so a long list still counts its first entries and a
// huge one costs no more than the limit.
func TestFromHeaderLong(t *testing.T) {
	long := "en-US," + strings.Repeat("fr;q=0.1,", 1000)
	if got := FromHeader(long); got != EN {
		t.Errorf("long header starting with en-US: %s", got)
	}
	if got := FromHeader(strings.Repeat("x", 1<<20)); got != Default {
		t.Errorf("1 MiB of junk: %s", got)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Lang{
		"zh": ZH, "zh-CN": ZH, "zh-cn": ZH, "zh-Hans": ZH, "zh-Hans-CN": ZH, "zh-TW": ZH,
		"en": EN, "en-US": EN, "en-GB": EN, "EN": EN,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fr", "de-DE", "*", "zh_CN!", "und", strings.Repeat("a", 36)} {
		if got, err := Parse(in); !errors.Is(err, ErrLang) {
			t.Errorf("Parse(%q) = %s, %v; want ErrLang", in, got, err)
		} else if !strings.Contains(err.Error(), "zh-CN or en") && !strings.Contains(err.Error(), "35") {
			t.Errorf("Parse(%q): %v names neither the languages nor the limit", in, err)
		}
	}
}

// TestRequest: the lang parameter wins over the header; a bad one is an
// error, not a silent default.
func TestRequest(t *testing.T) {
	for _, tc := range []struct {
		url, header string
		want        Lang
		err         bool
	}{
		{"/api/rules", "", ZH, false},
		{"/api/rules", "en-US,en;q=0.9", EN, false},
		{"/api/rules?lang=zh", "en-US,en;q=0.9", ZH, false},
		{"/api/rules?lang=en", "zh-CN", EN, false},
		{"/api/rules?lang=fr", "en", "", true},
	} {
		r := httptest.NewRequest("GET", tc.url, nil)
		if tc.header != "" {
			r.Header.Set("Accept-Language", tc.header)
		}
		got, err := Request(r)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%s [%s] = %s, %v; want %s (error %v)", tc.url, tc.header, got, err, tc.want, tc.err)
		}
	}
}

func TestText(t *testing.T) {
	both := Text{ZH: "绿地", EN: "Green spaces"}
	if both.In(ZH) != "绿地" || both.In(EN) != "Green spaces" || both.Both() != "绿地 / Green spaces" || !both.Complete() {
		t.Errorf("both: %q %q %q", both.In(ZH), both.In(EN), both.Both())
	}
	zh := Text{ZH: "绿地"}
	en := Text{EN: "Green spaces"}
	if zh.In(EN) != "绿地" || en.In(ZH) != "Green spaces" || zh.Both() != "绿地" || en.Both() != "Green spaces" || zh.Complete() || en.Complete() {
		t.Errorf("one language: %q %q %q %q", zh.In(EN), en.In(ZH), zh.Both(), en.Both())
	}
}

func TestTextYAML(t *testing.T) {
	var v struct{ A, B Text }
	if err := yaml.Unmarshal([]byte("a: {zh: 绿地率, en: Green space ratio}\nb: Park access\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != (Text{ZH: "绿地率", EN: "Green space ratio"}) || v.B != (Text{ZH: "Park access", EN: "Park access"}) {
		t.Errorf("got %+v", v)
	}
	for _, bad := range []string{"a: {zh: x, fr: y}", "a: [x]", "a: {zh: [x]}"} {
		if err := yaml.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
