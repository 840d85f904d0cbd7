// Package imports owns contact imports (contact_imports and their rows):
// a CSV file read, each row checked and matched to the firm's contacts for
// the user to see before anything is saved, then saved by the worker a
// batch at a time through the contacts store.
package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/contactcsv"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// Store reads and writes imports.
type Store struct{ DB *gorm.DB }

// States of an import.
const (
	StatePreviewed = "previewed"
	StateQueued    = "queued"
	StateRunning   = "running"
	StateDone      = "done"
	StateFailed    = "failed"
)

// Actions a row is planned for.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionRefuse = "refuse"
)

// Import is one file's import and where it stands.
type Import struct {
	ID, FirmID, UserID          int64
	FileName, State, Error      string
	ToCreate, ToUpdate, Refused int
	Processed                   int
}

// TableName is gorm's.
func (Import) TableName() string { return "contact_imports" }

// Total is how many rows will be saved.
func (i Import) Total() int { return i.ToCreate + i.ToUpdate }

// Percent is how far the save has come.
func (i Import) Percent() int {
	if i.Total() == 0 {
		return 100
	}
	return i.Processed * 100 / i.Total()
}

// Finished says nothing more will happen to it.
func (i Import) Finished() bool { return i.State == StateDone || i.State == StateFailed }

// Row is one row of the file as planned.
type Row struct {
	FirmID    int64
	ImportID  int64
	Line      int
	Action    string
	ContactID *int64
	Name      string
	Input     []byte `gorm:"type:jsonb"`
	Reason    string
	Done      bool
}

// TableName is gorm's.
func (Row) TableName() string { return "contact_import_rows" }

// Plan decides what each row of a file becomes: refused (with the reason,
// for a row that fails the contact form's checks or repeats an earlier
// row's email or number), an update of the one contact that has one of
// its emails or numbers, or a new contact. matches maps emails and numbers
// to the firm's contacts (contacts.Store.Matches). Empty rows are left out.
func Plan(rows []contactcsv.Row, matches map[string]int64) []Row {
	return plan(rows, checkAll(rows), matches)
}

// checkedRow is a row of the file as the contact form's checks leave it.
type checkedRow struct {
	in  contacts.Input
	bad store.FieldErrors
}

func checkAll(rows []contactcsv.Row) []checkedRow {
	out := make([]checkedRow, len(rows))
	for i, r := range rows {
		out[i].in, out[i].bad = contacts.Check(r.Input)
	}
	return out
}

// plan is Plan over rows already checked (checked[i] is rows[i]).
func plan(rows []contactcsv.Row, checked []checkedRow, matches map[string]int64) []Row {
	out := make([]Row, 0, len(rows))
	seen := map[string]int{} // email or number -> the line that had it first
	for i, r := range rows {
		if r.Empty {
			continue
		}
		in, bad := checked[i].in, checked[i].bad
		row := Row{Line: r.Line, Name: nameOf(r.Input)}
		raw, _ := json.Marshal(in) // a plain struct: cannot fail
		row.Input = raw
		if len(bad) > 0 {
			row.Action, row.Reason = ActionRefuse, reasonOf(bad)
			out = append(out, row)
			continue
		}
		keys := make([]string, 0, len(in.Emails)+len(in.Phones))
		for _, e := range in.Emails {
			keys = append(keys, e.Address)
		}
		for _, p := range in.Phones {
			keys = append(keys, p.Number)
		}
		found := map[int64]bool{}
		for _, k := range keys {
			if line, ok := seen[k]; ok && row.Reason == "" {
				row.Action, row.Reason = ActionRefuse, fmt.Sprintf("%s is also on row %d of the file.", k, line)
			}
			if id, ok := matches[k]; ok {
				found[id] = true
			}
		}
		for _, k := range keys {
			if _, ok := seen[k]; !ok {
				seen[k] = r.Line
			}
		}
		switch {
		case row.Reason != "":
		case len(found) > 1:
			row.Action, row.Reason = ActionRefuse, "Its emails and numbers belong to different contacts; add or merge it by hand."
		case len(found) == 1:
			for id := range found {
				row.Action, row.ContactID = ActionUpdate, &id
			}
		default:
			row.Action = ActionCreate
		}
		out = append(out, row)
	}
	return out
}

// nameOf is how a row is named in the preview.
func nameOf(in contacts.Input) string {
	name := strings.Join(strings.Fields(in.FirstName+" "+in.LastName), " ")
	if name == "" {
		name = strings.TrimSpace(in.CompanyName)
	}
	return name
}

// reasonOf says, in one line, what is wrong with a row.
func reasonOf(bad store.FieldErrors) string {
	fields := make([]string, 0, len(bad))
	for f := range bad {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = bad[f]
	}
	return strings.Join(msgs, " ")
}

// Preview reads a file into a new import for v to confirm.
func (s *Store) Preview(ctx context.Context, v store.Viewer, fileName string, rows []contactcsv.Row) (Import, error) {
	if err := store.FirmUser(v); err != nil {
		return Import{}, err
	}
	checked := checkAll(rows)
	var emails, numbers []string
	for _, c := range checked {
		for _, e := range c.in.Emails {
			emails = append(emails, e.Address)
		}
		for _, p := range c.in.Phones {
			numbers = append(numbers, p.Number)
		}
	}
	matches, err := (&contacts.Store{DB: s.DB}).Matches(ctx, v, emails, numbers)
	if err != nil {
		return Import{}, err
	}
	planned := plan(rows, checked, matches)
	imp := Import{FirmID: v.FirmID, UserID: v.UserID, FileName: fileName, State: StatePreviewed}
	for _, r := range planned {
		switch r.Action {
		case ActionCreate:
			imp.ToCreate++
		case ActionUpdate:
			imp.ToUpdate++
		default:
			imp.Refused++
		}
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&imp).Error; err != nil {
			return err
		}
		for i := range planned {
			planned[i].FirmID, planned[i].ImportID = v.FirmID, imp.ID
		}
		if len(planned) == 0 {
			return nil
		}
		return tx.CreateInBatches(&planned, 1000).Error
	})
	if err != nil {
		return Import{}, fmt.Errorf("store: save import preview: %w", err)
	}
	return imp, nil
}

// Get reads one of the firm's imports.
func (s *Store) Get(ctx context.Context, v store.Viewer, id int64) (Import, error) {
	if err := store.FirmUser(v); err != nil {
		return Import{}, err
	}
	var imp Import
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&imp).Error; err != nil {
		return imp, store.NotFound(err, "load import")
	}
	return imp, nil
}

// Rows reads up to limit rows of an import planned for action, in file
// order after line after (keyset).
func (s *Store) Rows(ctx context.Context, v store.Viewer, id int64, action string, after, limit int) ([]Row, error) {
	if _, err := s.Get(ctx, v, id); err != nil {
		return nil, err
	}
	var rows []Row
	err := s.DB.WithContext(ctx).Where("import_id = ? AND action = ? AND line > ?", id, action, after).
		Order("line").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: import rows: %w", err)
	}
	return rows, nil
}

// ErrNotPreviewed refuses to confirm an import twice.
var ErrNotPreviewed = errors.New("store: the import was confirmed already")

// Confirm queues a previewed import for the worker.
func (s *Store) Confirm(ctx context.Context, v store.Viewer, id int64) (Import, error) {
	if _, err := s.Get(ctx, v, id); err != nil {
		return Import{}, err
	}
	res := s.DB.WithContext(ctx).Model(&Import{}).Where("firm_id = ? AND id = ? AND state = ?", v.FirmID, id, StatePreviewed).
		Updates(map[string]any{"state": StateQueued, "updated_at": gorm.Expr("now()")})
	if res.Error != nil {
		return Import{}, fmt.Errorf("store: confirm import: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Import{}, ErrNotPreviewed
	}
	return s.Get(ctx, v, id)
}

// Reopen takes back a confirmation whose task could not be queued.
func (s *Store) Reopen(ctx context.Context, v store.Viewer, id int64) error {
	err := s.DB.WithContext(ctx).Model(&Import{}).Where("firm_id = ? AND id = ? AND state = ?", v.FirmID, id, StateQueued).
		Update("state", StatePreviewed).Error
	if err != nil {
		return fmt.Errorf("store: reopen import: %w", err)
	}
	return nil
}

// RunBatch saves up to size of an import's pending rows, in one
// transaction with their marks and the progress count, so a batch is
// saved once however often a task runs. It reports whether the import is
// finished; an import not confirmed is left alone.
func (s *Store) RunBatch(ctx context.Context, sys store.System, id int64, size int) (bool, error) {
	firmID := sys.FirmID
	done := false
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp Import
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("firm_id = ? AND id = ?", firmID, id).Take(&imp).Error; err != nil {
			return store.NotFound(err, "load import")
		}
		if imp.State != StateQueued && imp.State != StateRunning {
			done = true // finished, or not confirmed: nothing to run
			return nil
		}
		var rows []Row
		if err := tx.Where("import_id = ? AND NOT done AND action <> ?", id, ActionRefuse).Order("line").Limit(size).Find(&rows).Error; err != nil {
			return fmt.Errorf("store: pending import rows: %w", err)
		}
		v := store.Viewer{FirmID: firmID, UserID: imp.UserID}
		refused, err := saveRows(tx, v, id, rows)
		if err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := tx.Model(&Row{}).Where("import_id = ? AND line BETWEEN ? AND ? AND action <> ?", id, rows[0].Line, rows[len(rows)-1].Line, ActionRefuse).
				Updates(map[string]any{"done": true, "updated_at": gorm.Expr("now()")}).Error; err != nil {
				return fmt.Errorf("store: mark import rows: %w", err)
			}
		}
		state := StateRunning
		if len(rows) < size {
			state, done = StateDone, true
		}
		return tx.Model(&Import{}).Where("id = ?", id).Updates(map[string]any{"state": state,
			"processed": gorm.Expr("processed + ?", len(rows)-refused), "refused": gorm.Expr("refused + ?", refused),
			"updated_at": gorm.Expr("now()")}).Error
	})
	if err != nil {
		return false, fmt.Errorf("store: run import: %w", err)
	}
	return done, nil
}

// saveRows saves a batch's rows: the new contacts together, then each
// update. A batch the new contacts' statement refuses, and any update that
// fails, is saved row by row, each in a savepoint, so a row the firm's data
// no longer allows (its match deleted since the preview) is refused alone.
// It returns how many rows were refused.
func saveRows(tx *gorm.DB, v store.Viewer, importID int64, rows []Row) (int, error) {
	inputs := make([]contacts.Input, len(rows))
	var creates []contacts.Input
	for i, r := range rows {
		if err := json.Unmarshal(r.Input, &inputs[i]); err != nil {
			return 0, fmt.Errorf("store: import row %d: %w", r.Line, err)
		}
		if r.ContactID == nil {
			creates = append(creates, inputs[i])
		}
	}
	one := func(r Row, in contacts.Input) (bool, error) {
		if err := tx.SavePoint("row").Error; err != nil {
			return false, err
		}
		var match int64
		if r.ContactID != nil {
			match = *r.ContactID
		}
		_, err := contacts.ImportTx(tx, v, in, match)
		if err == nil {
			return true, nil
		}
		if err := tx.RollbackTo("row").Error; err != nil {
			return false, err
		}
		why := "It could not be saved: the contact it matched was changed or deleted since the preview."
		if !errors.Is(err, store.ErrNotFound) {
			why = "It could not be saved (" + err.Error() + ")."
		}
		err = tx.Model(&Row{}).Where("import_id = ? AND line = ?", importID, r.Line).
			Updates(map[string]any{"action": ActionRefuse, "reason": why, "updated_at": gorm.Expr("now()")}).Error
		if err != nil {
			return false, fmt.Errorf("store: refuse import row: %w", err)
		}
		return false, nil
	}
	if err := tx.SavePoint("batch").Error; err != nil {
		return 0, err
	}
	together := contacts.ImportCreateTx(tx, v, creates) == nil
	if !together {
		if err := tx.RollbackTo("batch").Error; err != nil {
			return 0, err
		}
	}
	refused := 0
	for i, r := range rows {
		if r.ContactID == nil && together {
			continue
		}
		ok, err := one(r, inputs[i])
		if err != nil {
			return 0, err
		}
		if !ok {
			refused++
		}
	}
	return refused, nil
}

// Fail records why an import stopped.
func (s *Store) Fail(ctx context.Context, sys store.System, id int64, why string) error {
	firmID := sys.FirmID
	err := s.DB.WithContext(ctx).Model(&Import{}).Where("firm_id = ? AND id = ? AND state <> ?", firmID, id, StateDone).
		Updates(map[string]any{"state": StateFailed, "error": why, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("store: fail import: %w", err)
	}
	return nil
}
