package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/greenreach/greenreach/store"
)

// surveyData is the survey history, guarded by the writers' lock (wmu);
// its zero value is empty.
type surveyData struct {
	entries []store.SurveyEntry // in id order
	last    int64
}

// AppendSurvey is checked now and applied when the Write commits (the
// writers' lock is held throughout).
func (t *tx) AppendSurvey(ctx context.Context, es []*store.SurveyEntry) error {
	if err := store.CheckSurvey(es); err != nil {
		return err
	}
	t.survey = append(t.survey, es...)
	return ctx.Err()
}

// applySurvey appends the transaction's survey entries, numbering and
// stamping them.
func (t *tx) applySurvey(at time.Time) {
	d := &t.s.d.survey
	for _, e := range t.survey {
		d.last++
		e.ID, e.At = d.last, at
		d.entries = append(d.entries, *e)
	}
}

func (s *Store) SurveyHistory(ctx context.Context, layer string, fid int64, limit int) ([]store.SurveyEntry, error) {
	if s.Unavailable {
		return nil, fmt.Errorf("memstore: %w", store.ErrUnavailable)
	}
	s.d.wmu.Lock()
	defer s.d.wmu.Unlock()
	var out []store.SurveyEntry
	n := store.SurveyLimit(limit)
	for i := len(s.d.survey.entries) - 1; i >= 0 && len(out) < n; i-- {
		if e := s.d.survey.entries[i]; e.Layer == layer && e.FeatureID == fid {
			out = append(out, e)
		}
	}
	return out, ctx.Err()
}
