package firms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Member is a user as the team list shows them.
type Member struct {
	models.User
	// LastSignIn is when they last followed a sign-in link; nil until their
	// first, and until then they show as invited.
	LastSignIn *time.Time
}

// Invited reports whether the user has yet to sign in for the first time.
func (m Member) Invited() bool { return m.LastSignIn == nil }

// Team lists a page of the firm's users by name (admins), after the cursor
// of the page before.
func (s *Store) Team(ctx context.Context, v store.Viewer, after string) (store.Page[Member], error) {
	if err := store.Admin(v); err != nil {
		return store.Page[Member]{}, err
	}
	args := map[string]any{"firm": v.FirmID, "first": "", "last": "", "id": int64(0)}
	var first, last string
	var id int64
	if ok, err := store.ReadCursor(after, &first, &last, &id); err != nil {
		return store.Page[Member]{}, err
	} else if ok {
		args["first"], args["last"], args["id"] = first, last, id
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.active,
		(SELECT max(t.used_at) FROM login_tokens t WHERE t.firm_id = u.firm_id AND t.user_id = u.id)
		FROM users u WHERE u.firm_id = @firm AND (u.first_name, u.last_name, u.id) > (@first, @last, @id)
		ORDER BY u.first_name, u.last_name, u.id LIMIT `+fmt.Sprint(store.PageSize+1), args,
		func(r store.Rows, m *Member) error {
			m.FirmID = v.FirmID
			return r.Scan(&m.ID, &m.Email, &m.FirstName, &m.LastName, &m.Role, &m.Active, &m.LastSignIn)
		})
	if err != nil {
		return store.Page[Member]{}, fmt.Errorf("store: list team: %w", err)
	}
	return store.Trim(rows, func(m Member) string { return store.Cursor(m.FirstName, m.LastName, m.ID) }), nil
}

// User reads one user of the viewer's firm (admins, or the user themself).
func (s *Store) User(ctx context.Context, v store.Viewer, id int64) (models.User, error) {
	if err := store.FirmUser(v); err != nil {
		return models.User{}, err
	}
	if !v.Admin && v.UserID != id {
		return models.User{}, store.ErrNotFound
	}
	var u models.User
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&u).Error; err != nil {
		return u, store.NotFound(err, "load user")
	}
	return u, nil
}

// NewUser is an invitation to the team.
type NewUser struct {
	Email string
	Name  string
	Role  models.Role
}

// Invite adds a user to the firm (admins); they show as invited until they
// first sign in. The caller sends the sign-in email (signin.Store.InviteUser).
// Input a person must fix comes back as store.FieldErrors.
func (s *Store) Invite(ctx context.Context, v store.Viewer, in NewUser) (models.User, error) {
	if err := store.Admin(v); err != nil {
		return models.User{}, err
	}
	bad := store.FieldErrors{}
	email := store.NormalizeEmail(in.Email)
	if email == "" {
		bad.Add("email", "Give the email address they will sign in with.")
	}
	name := strings.Join(strings.Fields(in.Name), " ")
	if name == "" {
		bad.Add("name", "Give their name.")
	} else if utf8.RuneCountInString(name) > 200 {
		bad.Add("name", "Keep the name under 200 characters.")
	}
	if in.Role != models.RoleAdmin && in.Role != models.RoleMember {
		bad.Add("role", "Choose administrator or member.")
	}
	if err := bad.Err(); err != nil {
		return models.User{}, err
	}
	first, last := SplitName(name)
	u := models.User{FirmID: v.FirmID, Email: email, FirstName: first, LastName: last, Role: in.Role, Active: true, TextBadge: true}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, setupLock).Error; err != nil {
			return fmt.Errorf("store: lock invitations: %w", err)
		}
		if taken, err := emailTaken(tx, email); err != nil {
			return err
		} else if taken {
			return store.FieldErrors{"email": "That address already signs someone in to Parley; each person needs their own."}
		}
		if err := tx.Create(&u).Error; err != nil {
			return fmt.Errorf("store: add user: %w", err)
		}
		return nil
	})
	return u, err
}

// ErrLastAdmin refuses to leave a firm without an active administrator.
var ErrLastAdmin = errors.New("the firm needs at least one active administrator: make someone else an administrator first")

// SetRole makes a user an administrator or a member (admins). Their
// sessions must end so the new role applies at once (the caller ends them).
func (s *Store) SetRole(ctx context.Context, v store.Viewer, id int64, role models.Role) error {
	if role != models.RoleAdmin && role != models.RoleMember {
		return store.Invalid("Choose administrator or member.")
	}
	return s.changeUser(ctx, v, id, role == models.RoleMember, map[string]any{"role": role})
}

// SetActive deactivates a user, who can no longer sign in and whose
// sessions end (the caller ends them), or reactivates them (admins). What
// they wrote keeps their name.
func (s *Store) SetActive(ctx context.Context, v store.Viewer, id int64, active bool) error {
	return s.changeUser(ctx, v, id, !active, map[string]any{"active": active})
}

// changeUser updates user id; demotes says the change may take away an
// active administrator, which the last one may not lose.
func (s *Store) changeUser(ctx context.Context, v store.Viewer, id int64, demotes bool, set map[string]any) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	set["updated_at"] = gorm.Expr("now()")
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Locking the firm's active admins makes two admins demoting each
		// other at once take turns, so one of them stays.
		var admins []int64
		if err := tx.Raw(`SELECT id FROM users WHERE firm_id = ? AND role = 'admin' AND active ORDER BY id FOR UPDATE`,
			v.FirmID).Scan(&admins).Error; err != nil {
			return fmt.Errorf("store: lock admins: %w", err)
		}
		if demotes && len(admins) == 1 && admins[0] == id {
			return ErrLastAdmin
		}
		res := tx.Model(&models.User{}).Where("firm_id = ? AND id = ?", v.FirmID, id).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("store: update user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// SetName changes the viewer's own name.
func (s *Store) SetName(ctx context.Context, v store.Viewer, first, last string) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	first, last = strings.Join(strings.Fields(first), " "), strings.Join(strings.Fields(last), " ")
	bad := store.FieldErrors{}
	if first == "" && last == "" {
		bad.Add("first_name", "Give your name.")
	}
	if utf8.RuneCountInString(first) > 100 {
		bad.Add("first_name", "Keep it under 100 characters.")
	}
	if utf8.RuneCountInString(last) > 100 {
		bad.Add("last_name", "Keep it under 100 characters.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Model(&models.User{}).Where("firm_id = ? AND id = ?", v.FirmID, v.UserID).
		Updates(map[string]any{"first_name": first, "last_name": last, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("store: save name: %w", err)
	}
	return nil
}

// Names maps user IDs to the names records show for them ("who changed
// this"), deactivated users included.
type Names map[int64]string

// Of is the name of the user id points to, or "" for none.
func (n Names) Of(id *int64) string {
	if id == nil {
		return ""
	}
	return n[*id]
}

// Names reads the names of the firm's users among ids (nil ones skipped).
func (s *Store) Names(ctx context.Context, v store.Viewer, ids ...*int64) (Names, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	want := []int64{}
	for _, id := range ids {
		if id != nil {
			want = append(want, *id)
		}
	}
	out := Names{}
	if len(want) == 0 {
		return out, nil
	}
	var users []models.User
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id IN ?", v.FirmID, want).Find(&users).Error; err != nil {
		return nil, fmt.Errorf("store: user names: %w", err)
	}
	for _, u := range users {
		out[u.ID] = u.Name()
	}
	return out, nil
}

// UsersByID is a page of v's firm's users in ID order (the API's list),
// read by the users' (firm_id, id) key.
func (s *Store) UsersByID(ctx context.Context, v store.Viewer, q store.IDQuery) ([]models.User, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []models.User
	if err := s.DB.WithContext(ctx).Where("firm_id = ?", v.FirmID).Scopes(q.Scope).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}
