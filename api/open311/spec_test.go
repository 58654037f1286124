package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/memstore"
)

// The GeoReport v2 field lists, from the spec's Response tables
// (testdata/spec/SOURCE.md): what each answer's records may hold.
var specFields = map[string][]string{
	"services": {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"},
	"post":     {"service_request_id", "token", "service_notice", "account_id"},
	"requests": {"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
		"service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"},
	"errors":    {"code", "description"},
	"discovery": {"changeset", "contact", "key_service", "endpoints"},
	"endpoint":  {"specification", "url", "changeset", "type", "formats"},
}

// node is an XML element read generically, to compare structures.
type node struct {
	Name     string
	Children []*node
	Text     string
}

func parseXML(t *testing.T, b []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XML: %v\n%s", err, b)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tk.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(tk)
			}
		}
	}
	return root
}

func (n *node) names() []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Name)
	}
	return out
}

// example reads a published example, without the HTTP status line the
// error examples show.
func example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.IndexAny(b, "[{<"); i > 0 {
		b = b[i:]
	}
	return b
}

var jsonKey = regexp.MustCompile(`"(\w+)"\s*:`)

// exampleJSONKeys are the member names of a published JSON example (which
// is not valid JSON: service codes like 001).
func exampleJSONKeys(t *testing.T, name string) []string {
	var out []string
	for _, m := range jsonKey.FindAllSubmatch(example(t, name), -1) {
		if !slices.Contains(out, string(m[1])) {
			out = append(out, string(m[1]))
		}
	}
	slices.Sort(out)
	return out
}

func subset(t *testing.T, what string, got, of []string) {
	t.Helper()
	for _, g := range got {
		if !slices.Contains(of, g) {
			t.Errorf("%s: %q is not a GeoReport v2 field (%v)", what, g, of)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// TestSpecExamples: the published examples (XML and JSON alike) use the
// field lists above, so the lists are the spec's.
func TestSpecExamples(t *testing.T) {
	for _, c := range []struct{ file, root, record, fields string }{
		{"services", "services", "service", "services"},
		{"post", "service_requests", "request", "post"},
		{"requests", "service_requests", "request", "requests"},
		{"request", "service_requests", "request", "requests"},
		{"errors", "errors", "error", "errors"},
	} {
		x := parseXML(t, example(t, c.file+".xml"))
		if x.Name != c.root || len(x.Children) == 0 {
			t.Fatalf("%s.xml: root %s", c.file, x.Name)
		}
		var union []string
		for _, r := range x.Children {
			if r.Name != c.record {
				t.Errorf("%s.xml: record %s", c.file, r.Name)
			}
			subset(t, c.file+".xml", r.names(), specFields[c.fields])
			union = append(union, r.names()...)
		}
		if got, want := exampleJSONKeys(t, c.file+".json"), sorted(union); !slices.Equal(got, want) {
			t.Errorf("%s: JSON example has %v, XML %v", c.file, got, want)
		}
		if c.file == "requests" && !slices.Equal(sorted(union), sorted(specFields["requests"])) {
			t.Errorf("the requests example has %v, the table %v", sorted(union), sorted(specFields["requests"]))
		}
	}
	d := parseXML(t, example(t, "discovery.xml"))
	subset(t, "discovery.xml", d.names(), specFields["discovery"])
	for _, ep := range d.Children[3].Children {
		subset(t, "discovery.xml endpoint", ep.names(), specFields["endpoint"])
	}
}

// TestAnswersMatchSpec: every answer, JSON and XML, has the structure of
// the published example and only fields of the spec's lists, with the
// types and values the spec says (status open/closed, W3C datetimes with
// a zone, numbers for lat/long, metadata false, type realtime); the XML
// and JSON of one answer say the same.
func TestAnswersMatchSpec(t *testing.T) {
	e := newEnv(t, memstore.New())
	if rec := e.postMultipart(t, Prefix+"/requests.json", report("broken_branch"), gpsJPEG(t, 64, 48)); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	// A second request, registered and dispatched: every optional field.
	rec := e.postForm(t, report("exposed_garbage"))
	if rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	e.register(t, 2)
	for _, c := range []struct {
		method, path string
		example      string
		fields       string
		required     []string
	}{
		{"GET", "/services", "services", "services", specFields["services"]},
		{"GET", "/requests", "requests", "requests", []string{"service_request_id", "status", "service_name", "service_code", "description", "requested_datetime", "updated_datetime", "lat", "long"}},
		{"GET", "/requests/1", "request", "requests", []string{"service_request_id", "status", "service_name", "service_code", "description", "requested_datetime", "updated_datetime", "lat", "long", "media_url"}},
		{"GET", "/requests/2", "request", "requests", []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "lat", "long"}},
		{"POST", "/requests", "post", "post", []string{"service_request_id", "service_notice", "account_id"}},
		{"GET", "/requests/9", "errors", "errors", specFields["errors"]},
	} {
		var js, xs []byte
		for _, ext := range []string{".json", ".xml"} {
			var rec = e.do(t, c.method, Prefix+c.path+ext, []byte(report("overflowing_bin").Encode()), "application/x-www-form-urlencoded")
			if c.example != "errors" && rec.Code != 200 {
				t.Fatalf("%s%s: %d %s", c.path, ext, rec.Code, rec.Body)
			}
			ct := rec.Header().Get("Content-Type")
			if ext == ".json" && ct != MediaJSON || ext == ".xml" && ct != MediaXML {
				t.Errorf("%s%s: Content-Type %s", c.path, ext, ct)
			}
			if ext == ".json" {
				js = rec.Body.Bytes()
			} else {
				xs = rec.Body.Bytes()
			}
		}
		what := c.method + " " + c.path
		var recs []map[string]any
		if err := json.Unmarshal(js, &recs); err != nil || len(recs) == 0 {
			t.Fatalf("%s: %v %s", what, err, js)
		}
		for _, r := range recs {
			var keys []string
			for k := range r {
				keys = append(keys, k)
			}
			subset(t, what+" JSON", keys, specFields[c.fields])
			checkTypes(t, what, r)
		}
		// The record with the most fields has every required one.
		full := recs[0]
		for _, r := range recs {
			if len(r) > len(full) {
				full = r
			}
		}
		for _, k := range c.required {
			if _, ok := full[k]; !ok {
				t.Errorf("%s: no %s in %v", what, k, full)
			}
		}
		if !bytes.HasPrefix(xs, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
			t.Errorf("%s: XML without its declaration: %.60s", what, xs)
		}
		ex, got := parseXML(t, example(t, c.example+".xml")), parseXML(t, xs)
		if got.Name != ex.Name || len(got.Children) != len(recs) {
			t.Fatalf("%s: XML root %s with %d records, want %s with %d", what, got.Name, len(got.Children), ex.Name, len(recs))
		}
		for i, r := range got.Children {
			if r.Name != ex.Children[0].Name {
				t.Errorf("%s: XML record %s, want %s", what, r.Name, ex.Children[0].Name)
			}
			subset(t, what+" XML", r.names(), specFields[c.fields])
			for _, f := range r.Children {
				j, ok := recs[i][f.Name]
				if !ok {
					if f.Name == "account_id" && f.Text == "" && recs[i]["account_id"] == nil {
						continue
					}
					t.Errorf("%s: XML %s not in the JSON", what, f.Name)
					continue
				}
				js := fmt.Sprint(j)
				if j == nil {
					js = ""
				}
				if f.Text != js && !(c.method == "POST" && f.Name == "service_request_id") { // two reports: two ids
					t.Errorf("%s: %s is %q in XML, %q in JSON", what, f.Name, f.Text, js)
				}
			}
		}
	}
	// Discovery.
	for _, ext := range []string{".json", ".xml"} {
		rec := e.get(t, Prefix+"/discovery"+ext)
		if rec.Code != 200 {
			t.Fatal(rec.Body)
		}
		if ext == ".xml" {
			x, ex := parseXML(t, rec.Body.Bytes()), parseXML(t, example(t, "discovery.xml"))
			if !slices.Equal(x.names(), ex.names()) || x.Children[3].Children[0].Name != "endpoint" || !slices.Equal(x.Children[3].Children[0].names(), ex.Children[3].Children[0].names()) {
				t.Errorf("discovery.xml: %v / %v", x.names(), x.Children[3].Children[0].names())
			}
			continue
		}
		var d map[string]any
		json.Unmarshal(rec.Body.Bytes(), &d)
		var keys []string
		for k := range d {
			keys = append(keys, k)
		}
		if !slices.Equal(sorted(keys), sorted(specFields["discovery"])) {
			t.Errorf("discovery.json: %v", keys)
		}
		ep := d["endpoints"].([]any)[0].(map[string]any)
		if ep["specification"] != Spec || ep["url"] != "http://example.com"+Prefix || !slices.Equal(sorted(keysOf(ep)), sorted(specFields["endpoint"])) {
			t.Errorf("endpoint %v", ep)
		}
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// checkTypes checks the values of a JSON record by the spec.
func checkTypes(t *testing.T, what string, r map[string]any) {
	t.Helper()
	for k, v := range r {
		switch k {
		case "status":
			if v != "open" && v != "closed" {
				t.Errorf("%s: status %v", what, v)
			}
		case "requested_datetime", "updated_datetime", "expected_datetime":
			s, _ := v.(string)
			if _, err := time.Parse(time.RFC3339, s); err != nil || !strings.HasSuffix(s, "Z") && !regexp.MustCompile(`[+-]\d\d:\d\d$`).MatchString(s) {
				t.Errorf("%s: %s %v is not a W3C datetime with a zone", what, k, v)
			}
		case "lat", "long":
			if _, ok := v.(float64); !ok {
				t.Errorf("%s: %s %v is not a number", what, k, v)
			}
		case "metadata":
			if v != false {
				t.Errorf("%s: metadata %v", what, v)
			}
		case "type":
			if v != "realtime" {
				t.Errorf("%s: type %v", what, v)
			}
		case "code":
			if _, ok := v.(float64); !ok {
				t.Errorf("%s: code %v", what, v)
			}
		case "account_id":
			if v != nil {
				t.Errorf("%s: account_id %v", what, v)
			}
		default:
			if _, ok := v.(string); !ok {
				t.Errorf("%s: %s %v is not a string", what, k, v)
			}
		}
	}
}
