package matters

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Record is a matter with what the REST API answers beside its own fields.
type Record struct {
	models.Matter
	// FirstAppointmentCreatedAt is when the first calendar event on the
	// matter was made.
	FirstAppointmentCreatedAt *time.Time
}

// RecordFilter narrows Records to matters opened from inbox leads: one
// lead, or those an integration (a personal token or an application)
// created.
type RecordFilter struct {
	InboxLeadID int64
	LeadsOf     *store.Owner
}

// Records is a page of the matters v may see that f keeps, in ID order
// (q), read by the matters' (firm_id, id) key.
func (s *Store) Records(ctx context.Context, v store.Viewer, q store.IDQuery, f RecordFilter) ([]Record, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	db := store.VisibleMatters(s.DB.WithContext(ctx), v)
	if f.InboxLeadID != 0 {
		db = db.Where("inbox_lead_id = ?", f.InboxLeadID)
	}
	if f.LeadsOf != nil {
		cond, args := f.LeadsOf.SQL()
		db = db.Where("inbox_lead_id IN (SELECT id FROM inbox_leads WHERE firm_id = ? AND "+cond+")", append([]any{v.FirmID}, args...)...)
	}
	var ms []models.Matter
	if err := db.Scopes(q.Scope).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("store: list matter records: %w", err)
	}
	if len(ms) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	var firsts []struct {
		MatterID int64
		At       time.Time
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT matter_id, min(created_at) AS at FROM events
		WHERE firm_id = ? AND matter_id IN ? GROUP BY matter_id`, v.FirmID, ids).Scan(&firsts).Error
	if err != nil {
		return nil, fmt.Errorf("store: load matters' first appointments: %w", err)
	}
	first := make(map[int64]time.Time, len(firsts))
	for _, f := range firsts {
		first[f.MatterID] = f.At
	}
	out := make([]Record, len(ms))
	for i, m := range ms {
		out[i].Matter = m
		if at, ok := first[m.ID]; ok {
			out[i].FirstAppointmentCreatedAt = &at
		}
	}
	return out, nil
}

// Record is one matter v may see, as Records has it.
func (s *Store) Record(ctx context.Context, v store.Viewer, id int64) (Record, error) {
	out, err := s.Records(ctx, v, store.IDQuery{IDs: []int64{id}, Limit: 1}, RecordFilter{})
	if err != nil {
		return Record{}, err
	}
	if len(out) == 0 {
		return Record{}, store.ErrNotFound
	}
	return out[0], nil
}
