package store

import "context"

// PageListsAlone runs the matter page's three list queries without the
// matter check that guards them in MatterPage, to test the access rule
// each holds by itself. It returns how many rows each gave.
func (s *Store) PageListsAlone(ctx context.Context, v Viewer, matterID int64) (docs, folders, messages int, err error) {
	args := viewerArgs(v, matterID)
	d, err := queryAll(ctx, s.DB, documentsQuery(v), args, scanDocument)
	if err != nil {
		return 0, 0, 0, err
	}
	f, err := queryAll(ctx, s.DB, foldersQuery(v), args, scanFolder)
	if err != nil {
		return 0, 0, 0, err
	}
	m, err := queryAll(ctx, s.DB, messagesQuery(v), args, scanMessage)
	return len(d), len(f), len(m), err
}
