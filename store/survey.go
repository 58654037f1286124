package store

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// SurveyEntry is one changed attribute of a feature's survey record (普查:
// a green space's trees, shrub and lawn areas, maintenance grade and unit).
// Entries are only ever appended, in the transaction that writes the
// feature's new version (Tx.AppendSurvey), so the history and the feature
// never disagree.
type SurveyEntry struct {
	ID        int64
	Layer     string
	FeatureID int64
	Version   int64 // the feature's version the edit wrote
	Field     string
	// Old and New are the attribute's values as text (integers in
	// decimal, reals as Go's shortest form), "" for none (NULL).
	Old, New string
	Who      string // the token's name
	Role     string
	Note     string
	At       time.Time // the transaction's time, set by the store
}

// Limits of a survey entry.
const (
	MaxSurveyText = 2000 // characters of a note, a value or a name
	// MaxSurveyHistory is the most entries one SurveyHistory returns.
	MaxSurveyHistory = 10000
	// MaxSurveyBatch is the most entries one AppendSurvey takes.
	MaxSurveyBatch = 100
)

// Survey reads the survey history kept beside the layers; entries are
// written by Tx.AppendSurvey.
type Survey interface {
	// SurveyHistory returns the newest limit entries of a feature's survey
	// history (at most MaxSurveyHistory; 0 means that), newest first. A
	// feature with no history, stored or not, has none.
	SurveyHistory(ctx context.Context, layer string, fid int64, limit int) ([]SurveyEntry, error)
}

// CheckSurvey checks a batch for Tx.AppendSurvey: at most MaxSurveyBatch
// entries, each naming a layer, a feature and its version, a field, and
// texts of valid UTF-8 within MaxSurveyText.
func CheckSurvey(es []*SurveyEntry) error {
	if len(es) > MaxSurveyBatch {
		return fmt.Errorf("%d survey entries, more than the %d one write takes", len(es), MaxSurveyBatch)
	}
	for _, e := range es {
		if e.Layer == "" || e.FeatureID < 1 || e.Version < 1 || e.Field == "" {
			return fmt.Errorf("survey entry without layer, feature, version or field: %+v", *e)
		}
		for _, f := range []struct{ name, v string }{{"field", e.Field}, {"old", e.Old}, {"new", e.New}, {"who", e.Who}, {"role", e.Role}, {"note", e.Note}} {
			if !utf8.ValidString(f.v) {
				return fmt.Errorf("survey entry %s: %s is not UTF-8", e.Field, f.name)
			}
			if n := utf8.RuneCountInString(f.v); n > MaxSurveyText {
				return fmt.Errorf("survey entry %s: %s of %d characters, more than %d", e.Field, f.name, n, MaxSurveyText)
			}
		}
	}
	return nil
}

// SurveyLimit is the number of entries a SurveyHistory of limit returns
// at most.
func SurveyLimit(limit int) int {
	if limit <= 0 || limit > MaxSurveyHistory {
		return MaxSurveyHistory
	}
	return limit
}
