package web_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

type part struct{ field, filename, content string }

func form(t *testing.T, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			require.NoError(t, w.WriteField(p.field, p.content))
			continue
		}
		fw, err := w.CreateFormFile(p.field, p.filename)
		require.NoError(t, err)
		_, err = fw.Write([]byte(p.content))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return &buf, w.FormDataContentType()
}

const pdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

func demoMatter(t *testing.T, e *env) models.Matter {
	var m models.Matter
	require.NoError(t, e.db.Take(&m).Error)
	return m
}

func TestClientSendsDocumentsWithAMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"UPLOAD_MAX_BYTES": "4096"})
	m := demoMatter(t, e)
	var folder models.Folder
	require.NoError(t, e.db.Where("matter_id = ? AND shared_with_client", m.ID).Take(&folder).Error)
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	path := fmt.Sprintf("/portal/matters/%d/documents", m.ID)

	body, ctype := form(t,
		part{"_csrf", "", b.csrf},
		part{"message", "", "Here is the police report and a photo."},
		part{"name", "", "Police report"},
		part{"folder_id", "", fmt.Sprint(folder.ID)},
		part{"files", "report.pdf", pdf},
		part{"files", "setup.exe", "MZ\x90\x00\x03\x00\x00\x00" + strings.Repeat("\x00", 100)},
		part{"files", "huge.txt", strings.Repeat("a", 5000)},
	)
	r := b.postMultipart(path, body, ctype)
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	assert.Contains(t, r.body, "Sent 1 file with your message")
	assert.Contains(t, r.body, "<strong>setup.exe</strong> was not sent")
	assert.Contains(t, r.body, "<strong>huge.txt</strong> was not sent")
	assert.Contains(t, r.body, "Police report.pdf", "renamed, extension kept")

	var docs []models.Document
	require.NoError(t, e.db.Where("uploaded_by_contact_id IS NOT NULL").Find(&docs).Error)
	require.Len(t, docs, 1)
	d := docs[0]
	assert.Equal(t, "Police report.pdf", d.Name)
	assert.Equal(t, "application/pdf", d.MIMEType)
	assert.Equal(t, folder.ID, *d.FolderID)
	require.NotNil(t, d.PortalMessageID, "sent together with the message")
	var msg models.PortalMessage
	require.NoError(t, e.db.Take(&msg, *d.PortalMessageID).Error)
	assert.Equal(t, "Here is the police report and a photo.", msg.Body)

	// Only the one accepted file was kept in the store (plus the seed's two).
	var blobs int
	root := storeDir(t, e)
	require.NoError(t, filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if err == nil && !de.IsDir() && !strings.HasPrefix(rel, "tmp"+string(filepath.Separator)) {
			blobs++
		}
		return err
	}))
	assert.Equal(t, 3, blobs)

	// The firm sees the upload and the message, marked new.
	staff := e.browser()
	staff.signIn(seed.DemoMemberEmail)
	page := staff.get(fmt.Sprintf("/staff/matters/%d", m.ID)).body
	assert.Contains(t, page, "Police report.pdf")
	assert.Contains(t, page, "Client (with a message)")
	assert.Contains(t, page, "Here is the police report and a photo.")
	assert.Contains(t, page, `<span class="badge">New</span>`)
}

func storeDir(t *testing.T, e *env) string {
	t.Helper()
	return e.store.Dir()
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	m := demoMatter(t, e)
	var unshared models.Folder
	unshared = models.Folder{FirmID: m.FirmID, MatterID: &m.ID, Name: "Internal"}
	require.NoError(t, e.db.Create(&unshared).Error)
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	path := fmt.Sprintf("/portal/matters/%d/documents", m.ID)

	// No CSRF field first: refused before anything is stored.
	body, ctype := form(t, part{"files", "a.pdf", pdf}, part{"_csrf", "", b.csrf})
	assert.Equal(t, http.StatusForbidden, b.postMultipart(path, body, ctype).StatusCode)

	// A folder the client was not given is the same as no such folder.
	body, ctype = form(t, part{"_csrf", "", b.csrf}, part{"folder_id", "", fmt.Sprint(unshared.ID)}, part{"files", "a.pdf", pdf})
	assert.Equal(t, http.StatusNotFound, b.postMultipart(path, body, ctype).StatusCode)

	// Nothing chosen.
	body, ctype = form(t, part{"_csrf", "", b.csrf}, part{"message", "", ""})
	r := b.postMultipart(path, body, ctype)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "Choose a file to send")

	// Only refused files: 422 with the reasons, nothing recorded.
	body, ctype = form(t, part{"_csrf", "", b.csrf}, part{"files", "x.html", "<html><script>alert(1)</script></html>"})
	r = b.postMultipart(path, body, ctype)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "x.html")

	// By header (htmx) the first field need not be the token.
	body, ctype = form(t, part{"files", "ok.pdf", pdf})
	r = b.postMultipart(path, body, ctype, "X-CSRF-Token", b.csrf, "HX-Request", "true")
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `id="documents"`)
	assert.NotContains(t, r.body, "<html", "an htmx answer is the documents block")

	var n int64
	require.NoError(t, e.db.Model(&models.Document{}).Where("uploaded_by_contact_id IS NOT NULL").Count(&n).Error)
	assert.Equal(t, int64(1), n)
}

func TestSharingReadReceiptsAndNotices(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	m := demoMatter(t, e)
	var memo models.Document
	require.NoError(t, e.db.Where("matter_id = ? AND NOT shared_with_client", m.ID).Take(&memo).Error)

	staff := e.browser()
	staff.signIn(seed.DemoAdminEmail)
	client := e.browser()
	client.ip = "198.51.100.9"
	client.signIn(seed.DemoClientEmail)
	docPath := fmt.Sprintf("/portal/documents/%d", memo.ID)
	assert.Equal(t, http.StatusNotFound, client.get(docPath).StatusCode)

	staffPage := fmt.Sprintf("/staff/matters/%d", m.ID)
	before := staff.get(staffPage).body
	assert.Contains(t, before, "Casey Client will be able to see “Internal case memo.txt” in the client portal and will be emailed about it.",
		"sharing asks first, saying what it does")
	r := staff.post(fmt.Sprintf("/staff/documents/%d/share", memo.ID), url.Values{"share": {"1"}}, "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "not opened yet")
	assert.Contains(t, r.body, "Shared Internal case memo.txt with Casey Client.")
	assert.Contains(t, r.body, fmt.Sprintf(`hx-post="/staff/documents/%d/share"`, memo.ID), "with an Undo")
	r = staff.post(fmt.Sprintf("/staff/matters/%d/messages", m.ID), url.Values{"body": {"We filed today."}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	r = staff.post(fmt.Sprintf("/staff/matters/%d/status", m.ID), url.Values{"client_status": {"Filed"}, "next_steps": {"Wait for the court date"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)

	// Two items make two notices, to be sent in one email by the worker.
	var notices []models.ClientNotice
	require.NoError(t, e.db.Order("id").Find(&notices).Error)
	require.Len(t, notices, 2)
	assert.Equal(t, "New document: Internal case memo.txt", notices[0].Summary)

	page := client.get(fmt.Sprintf("/portal/matters/%d", m.ID)).body
	assert.Contains(t, page, "Internal case memo.txt")
	assert.Contains(t, page, "We filed today.")
	assert.Contains(t, page, "Wait for the court date")
	assert.Contains(t, page, `<span class="badge">New</span>`)
	d := client.get(docPath)
	require.Equal(t, http.StatusOK, d.StatusCode)
	assert.Equal(t, "nosniff", d.Header.Get("X-Content-Type-Options"))
	assert.Contains(t, d.Header.Get("Content-Disposition"), "inline", "text opens in the browser")
	assert.Contains(t, d.Header.Get("Content-Security-Policy"), "sandbox")

	page = staff.get(staffPage).body
	assert.Contains(t, page, `<span class="receipt">opened`, "document read receipt")
	assert.Contains(t, page, `<span class="receipt">read`, "message read receipt")
	again := client.get(fmt.Sprintf("/portal/matters/%d", m.ID)).body
	assert.Equal(t, 1, strings.Count(again, `<span class="badge">New</span>`), "only the letter, never opened, is still new")

	// Unsharing hides it again.
	staff.post(fmt.Sprintf("/staff/documents/%d/share", memo.ID), url.Values{"share": {"0"}})
	assert.Equal(t, http.StatusNotFound, client.get(docPath).StatusCode)

	// PDFs open in the browser too.
	var letter models.Document
	require.NoError(t, e.db.Where("matter_id = ? AND mime_type = ?", m.ID, "application/pdf").Take(&letter).Error)
	pdfResp := client.get(fmt.Sprintf("/portal/documents/%d", letter.ID))
	require.Equal(t, http.StatusOK, pdfResp.StatusCode)
	assert.Equal(t, "application/pdf", pdfResp.Header.Get("Content-Type"))
	assert.Contains(t, pdfResp.Header.Get("Content-Disposition"), "inline", "PDFs open in the browser")
	assert.NotContains(t, pdfResp.Header.Get("Content-Security-Policy"), "sandbox", "Chrome's PDF viewer will not open sandboxed")
	assert.Contains(t, pdfResp.Header.Get("Content-Security-Policy"), "default-src 'none'")
}

func TestSharedFolderSharesLaterDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	m := demoMatter(t, e)
	staff := e.browser()
	staff.signIn(seed.DemoAdminEmail)
	staff.get(fmt.Sprintf("/staff/matters/%d", m.ID))
	r := staff.post(fmt.Sprintf("/staff/matters/%d/folders", m.ID), url.Values{"name": {"Court filings"}, "share": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	var f models.Folder
	require.NoError(t, e.db.Where("name = ?", "Court filings").Take(&f).Error)
	assert.Equal(t, http.StatusConflict, staff.post(fmt.Sprintf("/staff/matters/%d/folders", m.ID), url.Values{"name": {"court filings"}}).StatusCode)

	// A firm upload into the shared folder, without "share", is still seen.
	staff.get(fmt.Sprintf("/staff/matters/%d", m.ID))
	body, ctype := form(t, part{"_csrf", "", staff.csrf}, part{"folder_id", "", fmt.Sprint(f.ID)}, part{"files", "motion.pdf", pdf})
	require.Equal(t, http.StatusOK, staff.postMultipart(fmt.Sprintf("/staff/matters/%d/documents", m.ID), body, ctype).StatusCode)

	client := e.browser()
	client.ip = "198.51.100.10"
	client.signIn(seed.DemoClientEmail)
	page := client.get(fmt.Sprintf("/portal/matters/%d", m.ID)).body
	assert.Contains(t, page, "motion.pdf")
	assert.Contains(t, page, `<option value="`+fmt.Sprint(f.ID)+`">Court filings</option>`, "and can send into it")
}

// A client browses their documents by folder and opens one inside the
// portal: a PDF or picture on a page with a way back, the file itself
// framed only by the portal's own pages.
func TestClientDocumentPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	m := demoMatter(t, e)
	var letter models.Document
	require.NoError(t, e.db.Where("matter_id = ? AND mime_type = ?", m.ID, "application/pdf").Take(&letter).Error)
	require.NotNil(t, letter.FolderID)
	var memo models.Document
	require.NoError(t, e.db.Where("matter_id = ? AND NOT shared_with_client", m.ID).Take(&memo).Error)

	client := e.browser()
	client.ip = "198.51.100.41"
	client.signIn(seed.DemoClientEmail)
	page := client.get(fmt.Sprintf("/portal/matters/%d", m.ID)).body
	folderLink := fmt.Sprintf(`href="/portal/matters/%d?folder=%d#documents"`, m.ID, *letter.FolderID)
	assert.Contains(t, page, folderLink+`>Engagement</a>`, "the shared folder is offered")
	assert.Contains(t, page, fmt.Sprintf(`href="/portal/documents/%d/view"`, letter.ID))
	inFolder := client.get(fmt.Sprintf("/portal/matters/%d?folder=%d", m.ID, *letter.FolderID)).body
	assert.Contains(t, inFolder, folderLink+` aria-current="page">Engagement</a>`)
	assert.Contains(t, inFolder, "Engagement letter.pdf")

	r := client.get(fmt.Sprintf("/portal/documents/%d/view", letter.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, fmt.Sprintf(`<a href="/portal/matters/%d?folder=%d#documents">← Back to your documents</a>`, m.ID, *letter.FolderID))
	assert.Contains(t, r.body, fmt.Sprintf(`<iframe src="/portal/documents/%d" title="Engagement letter.pdf">`, letter.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`href="/portal/documents/%d?download=1"`, letter.ID))
	var seen models.Document
	require.NoError(t, e.db.Take(&seen, letter.ID).Error)
	assert.Nil(t, seen.FirstViewedByClientAt, "the page alone is not a read receipt")

	raw := client.get(fmt.Sprintf("/portal/documents/%d", letter.ID))
	require.Equal(t, http.StatusOK, raw.StatusCode)
	assert.Equal(t, "SAMEORIGIN", raw.Header.Get("X-Frame-Options"))
	assert.Contains(t, raw.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'")
	assert.Contains(t, client.get(fmt.Sprintf("/portal/documents/%d?download=1", letter.ID)).Header.Get("Content-Disposition"), "attachment")

	assert.Equal(t, http.StatusNotFound, client.get(fmt.Sprintf("/portal/documents/%d/view", memo.ID)).StatusCode, "not shared")
	staff := e.signedIn(seed.DemoAdminEmail)
	assert.NotEqual(t, http.StatusOK, staff.get(fmt.Sprintf("/portal/documents/%d/view", letter.ID)).StatusCode)
}
