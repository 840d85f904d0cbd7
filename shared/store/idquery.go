package store

import (
	"time"

	"gorm.io/gorm"
)

// IDQuery picks a page of a list in ID order, as the REST API pages every
// list: the rows after After (0 for the first page), at most Limit, among
// IDs when given, created or updated since a time when given. A row added
// while a client pages gets a higher ID, so no row is skipped or repeated.
type IDQuery struct {
	After        int64
	Limit        int
	IDs          []int64
	CreatedSince *time.Time
	UpdatedSince *time.Time
}

// Scope narrows a gorm query on a table with id, created_at and updated_at
// to q's page, in ID order.
func (q IDQuery) Scope(db *gorm.DB) *gorm.DB {
	db = db.Where("id > ?", q.After)
	if len(q.IDs) > 0 {
		db = db.Where("id IN ?", q.IDs)
	}
	if q.CreatedSince != nil {
		db = db.Where("created_at >= ?", *q.CreatedSince)
	}
	if q.UpdatedSince != nil {
		db = db.Where("updated_at >= ?", *q.UpdatedSince)
	}
	return db.Order("id").Limit(q.Limit)
}
