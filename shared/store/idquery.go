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

// Owner is what made a record through the API: a personal token
// (TokenID) or an OAuth application (AppID), one of the two.
type Owner struct {
	TokenID, AppID int64
}

// Columns are the owner as the api_token_id and oauth_app_id columns
// hold it (NULL for the one it is not).
func (o Owner) Columns() (token, app *int64) {
	if o.TokenID != 0 {
		return &o.TokenID, nil
	}
	return nil, &o.AppID
}

// SQL is the condition that a row's owner columns are o's.
func (o Owner) SQL() (string, []any) {
	if o.TokenID != 0 {
		return "api_token_id = ?", []any{o.TokenID}
	}
	return "oauth_app_id = ?", []any{o.AppID}
}
