package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestCreateFirm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &firms.Store{DB: testkit.DB(t)}

	f, admin, err := s.Create(ctx, firms.NewFirm{Name: "  Ada & Byron LLP ", AdminEmail: "Ada@Example.com", AdminName: "Ada King Lovelace"})
	require.NoError(t, err)
	assert.Equal(t, "Ada & Byron LLP", f.Name)
	assert.Equal(t, "ada-byron-llp", f.Slug)
	assert.Equal(t, firms.DefaultTimeZone, f.TimeZone)
	assert.Equal(t, "ada@example.com", admin.Email)
	assert.Equal(t, []string{"Ada King", "Lovelace"}, []string{admin.FirstName, admin.LastName})
	assert.Equal(t, models.RoleAdmin, admin.Role)
	assert.True(t, admin.Active)

	// A second firm of the same name gets its own slug; its admin sees
	// only their firm.
	f2, admin2, err := s.Create(ctx, firms.NewFirm{Name: "Ada & Byron LLP", AdminEmail: "byron@example.com", TimeZone: "America/Chicago"})
	require.NoError(t, err)
	assert.Equal(t, "ada-byron-llp-2", f2.Slug)
	assert.Equal(t, "America/Chicago", f2.TimeZone)
	team, err := s.Team(ctx, store.Viewer{FirmID: f2.ID, UserID: admin2.ID, Admin: true}, "")
	require.NoError(t, err)
	require.Len(t, team.Items, 1)
	assert.Equal(t, "byron@example.com", team.Items[0].Email)

	for name, in := range map[string]firms.NewFirm{
		"the same address, any case":   {Name: "Other", AdminEmail: "ADA@example.com"},
		"an address of another firm's": {Name: "Other", AdminEmail: "byron@example.com"},
	} {
		_, _, err := s.Create(ctx, in)
		assert.ErrorIs(t, err, firms.ErrEmailTaken, name)
	}
	for name, in := range map[string]firms.NewFirm{
		"no name":       {Name: " ", AdminEmail: "new@example.com"},
		"not an email":  {Name: "Other", AdminEmail: "not-an-email"},
		"unknown zone":  {Name: "Other", AdminEmail: "new@example.com", TimeZone: "Mars/Olympus"},
		"name too long": {Name: string(make([]rune, 201)), AdminEmail: "new@example.com"},
	} {
		_, _, err := s.Create(ctx, in)
		var invalid *store.InvalidError
		assert.True(t, errors.As(err, &invalid), "%s: %v", name, err)
	}
	var n int64
	require.NoError(t, s.DB.Model(&models.Firm{}).Count(&n).Error)
	assert.EqualValues(t, 2, n, "nothing created by a refused set-up")
}

// Two set-ups racing for one address: one wins, one is refused.
func TestCreateFirmRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &firms.Store{DB: testkit.DB(t)}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.Create(ctx, firms.NewFirm{Name: "Race LLP", AdminEmail: "same@example.com"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, firms.ErrEmailTaken)
		}
	}
	assert.Equal(t, 1, won)
}

func TestTeam(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	s := d.s.Firms

	_, err := s.Team(ctx, d.member, "")
	assert.ErrorIs(t, err, store.ErrForbidden, "members do not manage the team")

	// Invitations: field errors, then a user who shows as invited.
	_, err = s.Invite(ctx, d.admin, firms.NewUser{Email: "nope", Role: "owner"})
	var bad store.FieldErrors
	require.ErrorAs(t, err, &bad)
	assert.Contains(t, bad, "email")
	assert.Contains(t, bad, "name")
	assert.Contains(t, bad, "role")
	_, err = s.Invite(ctx, d.admin, firms.NewUser{Email: "BOSS@other.test", Name: "Someone", Role: models.RoleMember})
	require.ErrorAs(t, err, &bad, "another firm's user's address")
	assert.Contains(t, bad["email"], "already")
	_, err = s.Invite(ctx, d.member, firms.NewUser{Email: "x@demo.test", Name: "X", Role: models.RoleMember})
	assert.ErrorIs(t, err, store.ErrForbidden)

	u, err := s.Invite(ctx, d.admin, firms.NewUser{Email: " Grace@Demo.test ", Name: "Grace  Hopper", Role: models.RoleAdmin})
	require.NoError(t, err)
	assert.Equal(t, "grace@demo.test", u.Email)
	page, err := s.Team(ctx, d.admin, "")
	require.NoError(t, err)
	byEmail := map[string]firms.Member{}
	for _, m := range page.Items {
		byEmail[m.Email] = m
	}
	require.Contains(t, byEmail, "grace@demo.test")
	assert.True(t, byEmail["grace@demo.test"].Invited())
	assert.Equal(t, "Grace Hopper", byEmail["grace@demo.test"].Name())

	// The last active admin rule: with Grace an admin, the demo admin may
	// step down; then Grace may not, nor be deactivated.
	require.NoError(t, s.SetRole(ctx, d.admin, d.admin.UserID, models.RoleMember))
	grace := store.Viewer{FirmID: d.firm.ID, UserID: u.ID, Admin: true}
	assert.ErrorIs(t, s.SetRole(ctx, grace, u.ID, models.RoleMember), firms.ErrLastAdmin)
	assert.ErrorIs(t, s.SetActive(ctx, grace, u.ID, false), firms.ErrLastAdmin)
	require.NoError(t, s.SetActive(ctx, grace, d.member.UserID, false))
	var member models.User
	require.NoError(t, d.db.Take(&member, d.member.UserID).Error)
	assert.False(t, member.Active)
	require.NoError(t, s.SetActive(ctx, grace, d.member.UserID, true))
	assert.ErrorIs(t, s.SetRole(ctx, grace, d.otherFirmAdmin.UserID, models.RoleMember), store.ErrNotFound, "another firm's user")
	var invalid *store.InvalidError
	assert.ErrorAs(t, s.SetRole(ctx, grace, d.member.UserID, "owner"), &invalid)
}

// Two admins demoting each other at once: one of them stays an admin.
func TestLastAdminRace(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	u, err := d.s.Firms.Invite(ctx, d.admin, firms.NewUser{Email: "second@demo.test", Name: "Second", Role: models.RoleAdmin})
	require.NoError(t, err)
	second := store.Viewer{FirmID: d.firm.ID, UserID: u.ID, Admin: true}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, step := range []struct {
		v  store.Viewer
		id int64
	}{{d.admin, u.ID}, {second, d.admin.UserID}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.s.Firms.SetActive(ctx, step.v, step.id, false)
		}()
	}
	wg.Wait()
	var active int64
	require.NoError(t, d.db.Model(&models.User{}).Where("firm_id = ? AND role = 'admin' AND active", d.firm.ID).Count(&active).Error)
	assert.EqualValues(t, 1, active)
	assert.True(t, (errs[0] == nil) != (errs[1] == nil), "exactly one refused: %v", errs)
}

func TestProfileName(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	var bad store.FieldErrors
	require.ErrorAs(t, d.s.Firms.SetName(ctx, d.member, " ", ""), &bad)
	require.NoError(t, d.s.Firms.SetName(ctx, d.member, " Pat ", " Paralegal "))
	u, err := d.s.Firms.User(ctx, d.member, d.member.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Pat Paralegal", u.Name())
	_, err = d.s.Firms.User(ctx, d.member, d.admin.UserID)
	assert.ErrorIs(t, err, store.ErrNotFound, "a member reads only themself")
}

func TestFirmDetails(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	in := firms.Details{Name: " Demo Law ", MatterNumberFormat: "{number}-{client}", TimeZone: "America/Chicago", Street: "1 Main St", MainPhone: "(415) 555-0100", MainEmail: " Office@Demo.test "}
	assert.ErrorIs(t, d.s.Firms.SaveDetails(ctx, d.member, in), store.ErrForbidden)
	require.NoError(t, d.s.Firms.SaveDetails(ctx, d.admin, in))
	got, err := d.s.Firms.Details(ctx, d.member)
	require.NoError(t, err)
	assert.Equal(t, "Demo Law", got.Name)
	assert.Equal(t, "+14155550100", got.MainPhone)
	assert.Equal(t, "office@demo.test", got.MainEmail)
	assert.Equal(t, "1 Main St", got.Street)

	for field, in := range map[string]firms.Details{
		"name":                 {TimeZone: "UTC", MatterNumberFormat: "{number}"},
		"main_phone":           {Name: "X", TimeZone: "UTC", MainPhone: "555", MatterNumberFormat: "{number}"},
		"main_email":           {Name: "X", TimeZone: "UTC", MainEmail: "nope", MatterNumberFormat: "{number}"},
		"time_zone":            {Name: "X", TimeZone: "Nowhere/Else", MatterNumberFormat: "{number}"},
		"matter_number_format": {Name: "X", TimeZone: "UTC", MatterNumberFormat: "{client}"},
	} {
		_, bad := firms.CheckDetails(in)
		assert.Contains(t, bad, field)
	}
}
