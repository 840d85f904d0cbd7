package texting

import (
	"context"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/matters"
)

// ContactThreads is the contact's text thread and those of the people on
// its matters (already scoped to v), each related contact once with its
// roles ("Spouse on 00001").
func (s *Store) ContactThreads(ctx context.Context, v store.Viewer, id int64, matterIDs []int64) ([]MatterThread, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	ids := matterIDs
	people := `SELECT CAST(@contact AS bigint) AS contact_id, 'This contact' AS role, 0 AS ord`
	if len(ids) > 0 {
		people += `
			UNION ALL
			SELECT x.contact_id, string_agg(x.role || ' on ' || m.number, ', ' ORDER BY m.number, x.role), 1
			FROM (` + matters.PeopleSQL + `) x JOIN matters m ON m.firm_id = @firm AND m.id = x.matter_id
			WHERE x.contact_id <> @contact GROUP BY x.contact_id`
	}
	return s.threads(ctx, v, people, map[string]any{"firm": v.FirmID, "contact": id, "matters": ids})
}
