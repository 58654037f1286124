package postgis

import (
	"context"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// TestSurveyHistoryAppendOnly: the database itself refuses to change,
// delete or truncate the survey history, whoever connects.
func TestSurveyHistoryAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fs := storetest.Sample("sv", "1", 104.06, 30.66)
	if _, err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Put(ctx, fs); err != nil {
			return err
		}
		return tx.AppendSurvey(ctx, []*store.SurveyEntry{{Layer: geo.Green, FeatureID: fs[0].ID, Version: 1, Field: "trees", Old: "", New: "120", Who: "insp1"}})
	}); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{`UPDATE %s.gr_survey SET new = '1'`, `DELETE FROM %s.gr_survey`, `TRUNCATE %s.gr_survey`} {
		st = strings.ReplaceAll(st, "%s", s.schema)
		if _, err := s.pool.Exec(ctx, st); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused", st, err)
		}
	}
	if h, err := s.SurveyHistory(ctx, geo.Green, fs[0].ID, 0); err != nil || len(h) != 1 {
		t.Errorf("history after the refusals: %+v %v", h, err)
	}
}
