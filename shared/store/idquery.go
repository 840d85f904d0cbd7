package store

import (
	"strings"
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
	args := map[string]any{}
	return db.Where(q.where("", args), args).Order("id").Limit(q.Limit)
}

// SQL is q's conditions on table's columns (after an AND), order and limit,
// its arguments added to args, for QueryAll.
func (q IDQuery) SQL(table string, args map[string]any) string {
	args["q_limit"] = q.Limit
	return " AND " + q.where(table+".", args) + " ORDER BY " + table + ".id LIMIT @q_limit"
}

// where is q's conditions on the columns (prefixed by col) joined by AND.
func (q IDQuery) where(col string, args map[string]any) string {
	args["q_after"] = q.After
	conds := []string{col + "id > @q_after"}
	if len(q.IDs) > 0 {
		args["q_ids"] = Int64Array(q.IDs)
		conds = append(conds, col+"id = ANY (CAST(@q_ids AS bigint[]))")
	}
	if q.CreatedSince != nil {
		args["q_created"] = *q.CreatedSince
		conds = append(conds, col+"created_at >= @q_created")
	}
	if q.UpdatedSince != nil {
		args["q_updated"] = *q.UpdatedSince
		conds = append(conds, col+"updated_at >= @q_updated")
	}
	return strings.Join(conds, " AND ")
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
