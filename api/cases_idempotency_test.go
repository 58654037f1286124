package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest/testenv"
)

// report posts a case as whom with an Idempotency-Key (none when key is
// nil).
func (e *caseEnv) report(as string, key *string, body any, photos ...[]byte) *httptest.ResponseRecorder {
	b, ct := caseBodyOf(e.t, body, photos...)
	r := httptest.NewRequest("POST", "/api/cases", bytes.NewReader(b))
	r.Header.Set("Authorization", "Bearer "+e.tok[as])
	r.Header.Set("Content-Type", ct)
	if key != nil {
		r.Header.Set("Idempotency-Key", *key)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// TestCaseReportIdempotencyKey: a report sent again with its
// Idempotency-Key (its answer lost) answers the stored case, 200 with the
// same Location, and stores nothing; the key with another report is 422;
// the key is the reporter's own (another reporter's same key is another
// case); bad keys are 400 naming the limit; of concurrent reports with
// one key exactly one is stored. TestCaseReportIdempotencyKeyPostGIS runs
// it on PostGIS.
func TestCaseReportIdempotencyKey(t *testing.T) {
	idempotencyStory(t, newCaseEnv(t, memstore.New()))
}

func TestCaseReportIdempotencyKeyPostGIS(t *testing.T) {
	idempotencyStory(t, newCaseEnv(t, testenv.PostGIS(t, "apiidem")))
}

func idempotencyStory(t *testing.T, e *caseEnv) {
	key := func(s string) *string { return &s }
	body := map[string]any{"category": "broken_branch", "lon": 104.06123, "lat": 30.65118, "description": "东湖公园北门 断枝", "contact": secretContact}
	photo := phonePhoto(t, 10)
	first := e.report("insp-wang", key("lq1x2-ab3d.9:Z_"), body, photo)
	c := e.ok(first, http.StatusCreated, "first report")
	loc := first.Header().Get("Location")
	again := e.report("insp-wang", key("lq1x2-ab3d.9:Z_"), body, photo)
	r := e.ok(again, http.StatusOK, "the same report again")
	if r.ID != c.ID || r.Version != 1 || again.Header().Get("Location") != loc || loc == "" || len(r.History) != 1 || len(r.History[0].Photos) != 1 {
		t.Errorf("the repeat answered %+v at %q; the first was case %d at %q", r, again.Header().Get("Location"), c.ID, loc)
	}
	if n, nev, nph := caseCount(t, e.st); n != 1 || nev != 1 || nph != 1 {
		t.Fatalf("after a report and its repeat: %d cases, %d events, %d photos; want 1 each", n, nev, nph)
	}
	// The key with another report: another note, another photo, no photo,
	// another place, another category.
	other := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range body {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	for _, w := range []struct {
		what   string
		body   any
		photos [][]byte
	}{
		{"another description", other("description", "东湖公园南门 断枝"), [][]byte{photo}},
		{"another photo", body, [][]byte{phonePhoto(t, 200)}},
		{"no photo", body, nil},
		{"two photos", body, [][]byte{photo, photo}},
		{"another place", other("lon", 104.06124), [][]byte{photo}},
		{"another category", other("category", "overflowing_bin"), [][]byte{photo}},
		{"another source", other("source", "citizen"), [][]byte{photo}},
	} {
		rec := e.report("insp-wang", key("lq1x2-ab3d.9:Z_"), w.body, w.photos...)
		e.problem(rec, http.StatusUnprocessableEntity, "the key with "+w.what)
		var p struct{ Title, Detail string }
		json.Unmarshal(rec.Body.Bytes(), &p)
		if p.Title != "Idempotency key reused" {
			t.Errorf("the key with %s: %+v", w.what, p)
		}
	}
	// Another reporter's key is theirs.
	d := e.ok(e.report("disp-li", key("lq1x2-ab3d.9:Z_"), body, photo), http.StatusCreated, "another reporter, the same key")
	if d.ID == c.ID {
		t.Errorf("another reporter's key answered the first reporter's case %d", c.ID)
	}
	// Bad keys name the limit and store nothing.
	for _, k := range []string{"", strings.Repeat("k", 65), "a/b", "a b", "键"} {
		rec := e.report("insp-wang", key(k), body, photo)
		e.problem(rec, http.StatusBadRequest, "key "+k)
		if !strings.Contains(rec.Body.String(), "64") {
			t.Errorf("key %q: the refusal names no limit: %s", k, rec.Body)
		}
	}
	if n, _, _ := caseCount(t, e.st); n != 2 {
		t.Fatalf("after the refusals: %d cases, want 2", n)
	}
	// Without a key every report is a case, as before.
	for i := 0; i < 2; i++ {
		e.ok(e.report("insp-wang", nil, body, photo), http.StatusCreated, "a report without a key")
	}
	// Concurrent reports with one key: one stored, the others its repeats.
	const n = 8
	var wg sync.WaitGroup
	codes, ids := make([]int, n), make([]int64, n)
	race := other("description", "并发上报")
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rec := e.report("insp-wang", key("race-1"), race, photo)
			var k CaseJSON
			json.Unmarshal(rec.Body.Bytes(), &k)
			codes[i], ids[i] = rec.Code, k.ID
		}(i)
	}
	wg.Wait()
	created := 0
	for i := range codes {
		switch {
		case codes[i] == http.StatusCreated:
			created++
		case codes[i] != http.StatusOK:
			t.Errorf("concurrent report %d: %d", i, codes[i])
		}
		if ids[i] != ids[0] || ids[0] == 0 {
			t.Errorf("concurrent reports answered cases %v", ids)
			break
		}
	}
	list, err := e.st.ListCases(context.Background(), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, k := range list {
		if k.Description == "并发上报" {
			stored++
		}
	}
	if created != 1 || stored != 1 {
		t.Errorf("%d concurrent reports with one key: %d answered 201, %d stored; want 1 and 1", n, created, stored)
	}
}
