package jobs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/jobs"
)

// A small but real PDF: what a client might rename to photo.jpg.
const pdfBytes = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

func jpegBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 128, A: 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

// mediaServer plays the carrier's media store. It records whether requests
// carried credentials.
type mediaServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	auths map[string]string
}

func newMediaServer(t *testing.T, files map[string][]byte) *mediaServer {
	m := &mediaServer{auths: map[string]string{}}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.auths[r.URL.Path] = r.Header.Get("Authorization")
		m.mu.Unlock()
		switch r.URL.Path {
		case "/gone":
			http.NotFound(w, r)
			return
		case "/busy":
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// What a lying carrier (or client) says it is: irrelevant to the worker.
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(b)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// allow lets the worker fetch from this server as an extra origin
// (MEDIA_ALLOWED_ORIGINS), which gets no credentials.
func (m *mediaServer) allow(e *textEnv) {
	e.jobs.Config.MediaAllowedOrigins = append(e.jobs.Config.MediaAllowedOrigins, m.srv.URL)
}

func (m *mediaServer) auth(path string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.auths[path]
}

func (e *textEnv) fetchMedia(t *testing.T, tk *asynq.Task) error {
	t.Helper()
	return e.jobs.FetchTextMedia(context.Background(), tk)
}

func (e *textEnv) mediaOf(t *testing.T, carrierID string) []models.TextMedia {
	t.Helper()
	var out []models.TextMedia
	testkit.Query(t, e.db, &out, `SELECT m.* FROM text_media m JOIN text_messages x ON x.id = m.message_id
		WHERE x.carrier_message_id = ? ORDER BY m.position`, carrierID)
	return out
}

func TestMMSKeepsByBytesAndFilesInEveryMatter(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	photo := jpegBytes(t)
	media := newMediaServer(t, map[string][]byte{
		"/photo.jpg":   photo,
		"/renamed.jpg": []byte(pdfBytes),
		"/fake.png":    []byte(pdfBytes),
	})
	// Media URLs on the carrier's API host get its credentials.
	e.jobs.Config.TwilioAPIURL = media.srv.URL

	// A second matter of the demo client: the photo is filed in both.
	second := models.Matter{FirmID: e.firm.ID, Number: "00002", Description: "Casey Client: lease dispute",
		StatusCategory: models.StatusOpen, Status: "Open", ClientContactID: e.client.ID, Permission: models.PermissionEveryone}
	require.NoError(t, e.db.Create(&second).Error)

	in := e.inbound("MM00000000000000000000000000000001", seed.DemoClientPhone, "Photos of the damage",
		sms.Media{URL: media.srv.URL + "/photo.jpg", DeclaredType: "image/jpeg"},
		sms.Media{URL: media.srv.URL + "/renamed.jpg", DeclaredType: "image/jpeg"},
		sms.Media{URL: media.srv.URL + "/fake.png", DeclaredType: "image/png"},
	)
	require.NoError(t, e.receive(t, in))
	require.NoError(t, e.receive(t, in))
	fetches := e.queue.OfType(tasks.TypeTextMedia)
	require.Len(t, fetches, 6, "every item queued, and queued again by the replay (same task IDs)")
	for _, tk := range fetches {
		require.NoError(t, e.fetchMedia(t, tk))
	}

	items := e.mediaOf(t, in.MessageID)
	require.Len(t, items, 3)
	assert.Equal(t, "kept", items[0].Status)
	assert.Equal(t, "image/jpeg", items[0].SniffedType)
	assert.EqualValues(t, len(photo), items[0].SizeBytes)
	assert.Len(t, items[0].SHA256, 64)
	assert.Equal(t, items[0].SHA256, items[0].StorageKey)
	for _, it := range items[1:] {
		assert.Equal(t, "refused", it.Status, it.URL)
		assert.Equal(t, "application/pdf", it.SniffedType, it.URL)
		assert.Equal(t, sms.ReasonPDF, it.Reason, it.URL)
	}
	assert.Equal(t, "Basic "+basic("AC00000000000000000000000000000001", "token"), media.auth("/photo.jpg"))

	var docs []models.Document
	require.NoError(t, e.db.Where("text_media_id = ?", items[0].ID).Order("matter_id").Find(&docs).Error)
	require.Len(t, docs, 2, "one document per matter of the contact, however often the task runs")
	for i, m := range []int64{e.matter.ID, second.ID} {
		d := docs[i]
		require.NotNil(t, d.MatterID)
		assert.Equal(t, m, *d.MatterID)
		assert.Regexp(t, `^Text from Casey Client \d{4}-\d\d-\d\d \d\d\.\d\d \(1\)\.jpg$`, d.Name)
		assert.Equal(t, items[0].SHA256, d.SHA256)
		assert.Equal(t, "image/jpeg", d.MIMEType)
		assert.False(t, d.SharedWithClient)
		require.NotNil(t, d.UploadedByContactID)
		assert.Equal(t, e.client.ID, *d.UploadedByContactID)
		var f models.Folder
		require.NotNil(t, d.FolderID)
		require.NoError(t, e.db.First(&f, *d.FolderID).Error)
		assert.Equal(t, documents.TextMessagesFolder, f.Name)
		assert.Equal(t, m, *f.MatterID)
	}
	rc, err := e.store.Open(context.Background(), docs[0].StorageKey)
	require.NoError(t, err)
	rc.Close()

	// A second MMS reuses the folders.
	in2 := e.inbound("MM00000000000000000000000000000002", seed.DemoClientPhone, "",
		sms.Media{URL: media.srv.URL + "/photo.jpg", DeclaredType: "image/jpeg"})
	require.NoError(t, e.receive(t, in2))
	for _, tk := range e.queue.OfType(tasks.TypeTextMedia)[6:] {
		require.NoError(t, e.fetchMedia(t, tk))
	}
	assert.EqualValues(t, 2, e.count(t, `SELECT count(*) FROM folders WHERE name = ?`, documents.TextMessagesFolder))
	assert.EqualValues(t, 4, e.count(t, `SELECT count(*) FROM documents WHERE text_media_id IS NOT NULL`))
}

func TestMMSRefusedByDeclaredTypeIsNotFetched(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	media := newMediaServer(t, map[string][]byte{"/letter.pdf": []byte(pdfBytes)})
	in := e.inbound("MM00000000000000000000000000000003", seed.DemoClientPhone, "",
		sms.Media{URL: media.srv.URL + "/letter.pdf", DeclaredType: "application/pdf"})
	require.NoError(t, e.receive(t, in))
	assert.Empty(t, e.queue.OfType(tasks.TypeTextMedia))
	items := e.mediaOf(t, in.MessageID)
	require.Len(t, items, 1)
	assert.Equal(t, "refused", items[0].Status)
	assert.Equal(t, sms.ReasonPDF, items[0].Reason)
}

func TestMMSForContactWithoutMatters(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	media := newMediaServer(t, map[string][]byte{"/note.txt": []byte("Meet at the courthouse steps.\n")})
	media.allow(e)
	loner := models.Contact{FirmID: e.firm.ID, Kind: models.ContactPerson, FirstName: "Wren", LastName: "Witness",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: e.firm.ID, Number: "+16045550142", IsTexting: true}}}
	require.NoError(t, e.db.Create(&loner).Error)

	in := e.inbound("MM00000000000000000000000000000004", "+16045550142", "",
		sms.Media{URL: media.srv.URL + "/note.txt", DeclaredType: "text/plain"})
	require.NoError(t, e.receive(t, in))
	fetches := e.queue.OfType(tasks.TypeTextMedia)
	require.Len(t, fetches, 1)
	require.NoError(t, e.fetchMedia(t, fetches[0]))
	require.NoError(t, e.fetchMedia(t, fetches[0]))
	assert.Empty(t, media.auth("/note.txt"), "credentials only go to the carrier's API host")

	var docs []models.Document
	require.NoError(t, e.db.Where("text_media_id IS NOT NULL").Find(&docs).Error)
	require.Len(t, docs, 1)
	assert.Nil(t, docs[0].MatterID)
	require.NotNil(t, docs[0].ContactID)
	assert.Equal(t, loner.ID, *docs[0].ContactID)
	assert.True(t, strings.HasSuffix(docs[0].Name, " (1).txt"), docs[0].Name)
	var f models.Folder
	require.NoError(t, e.db.First(&f, *docs[0].FolderID).Error)
	assert.Equal(t, loner.ID, *f.ContactID)
	assert.Equal(t, documents.TextMessagesFolder, f.Name)
}

func TestMMSFetchFailures(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	big := append(jpegBytes(t), bytes.Repeat([]byte{0}, sms.MaxMediaBytes)...)
	media := newMediaServer(t, map[string][]byte{"/big.jpg": big})
	media.allow(e)
	in := e.inbound("MM00000000000000000000000000000005", seed.DemoClientPhone, "",
		sms.Media{URL: media.srv.URL + "/gone", DeclaredType: "image/jpeg"},
		sms.Media{URL: media.srv.URL + "/busy", DeclaredType: "image/jpeg"},
		sms.Media{URL: media.srv.URL + "/big.jpg", DeclaredType: "image/jpeg"},
	)
	require.NoError(t, e.receive(t, in))
	fetches := e.queue.OfType(tasks.TypeTextMedia)
	require.Len(t, fetches, 3)

	err := e.fetchMedia(t, fetches[0])
	assert.ErrorIs(t, err, errSkipRetry, "a file the carrier deleted will not come back")
	err = e.fetchMedia(t, fetches[1])
	require.Error(t, err)
	assert.NotErrorIs(t, err, errSkipRetry, "a busy carrier is asked again")
	require.NoError(t, e.fetchMedia(t, fetches[2]))

	items := e.mediaOf(t, in.MessageID)
	assert.Equal(t, []string{"refused", "pending", "refused"}, []string{items[0].Status, items[1].Status, items[2].Status})
	assert.Equal(t, jobs.ReasonGone, items[0].Reason)
	assert.Equal(t, sms.ReasonTooLarge, items[2].Reason)
	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM documents WHERE text_media_id IS NOT NULL`))

	// The replay of the webhook re-queues only the item still pending.
	require.NoError(t, e.receive(t, in))
	again := e.queue.OfType(tasks.TypeTextMedia)[3:]
	require.Len(t, again, 1)
	p, err := tasks.Decode[tasks.TextMediaFetch](again[0])
	require.NoError(t, err)
	assert.Equal(t, items[1].ID, p.MediaID)
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// Items of one MMS filed at the same time share one folder per matter.
func TestMMSItemsFiledConcurrently(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	files := map[string][]byte{}
	var items []sms.Media
	media := newMediaServer(t, files)
	media.allow(e)
	for i := range 6 {
		// Different bytes per item, so each is its own blob.
		b := append(jpegBytes(t), byte(i))
		files["/p"+strconv.Itoa(i)+".jpg"] = b
		items = append(items, sms.Media{URL: media.srv.URL + "/p" + strconv.Itoa(i) + ".jpg", DeclaredType: "image/jpeg"})
	}
	second := models.Matter{FirmID: e.firm.ID, Number: "00002", Description: "Second matter",
		StatusCategory: models.StatusOpen, Status: "Open", ClientContactID: e.client.ID, Permission: models.PermissionEveryone}
	require.NoError(t, e.db.Create(&second).Error)

	require.NoError(t, e.receive(t, e.inbound("MM00000000000000000000000000000009", seed.DemoClientPhone, "", items...)))
	fetches := e.queue.OfType(tasks.TypeTextMedia)
	require.Len(t, fetches, 6)
	var wg sync.WaitGroup
	errs := make([]error, 2*len(fetches))
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.fetchMedia(t, fetches[i%len(fetches)])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 2, e.count(t, `SELECT count(*) FROM folders WHERE name = ?`, documents.TextMessagesFolder))
	assert.EqualValues(t, 12, e.count(t, `SELECT count(*) FROM documents WHERE text_media_id IS NOT NULL`))
	assert.EqualValues(t, 6, e.count(t, `SELECT count(DISTINCT name) FROM documents WHERE text_media_id IS NOT NULL`))
}

// A signed webhook naming media outside the carrier's origins (the worker's
// own metrics, say) gets nothing fetched and the item refused with a reason.
func TestMMSFromUnexpectedAddressIsNotFetched(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	api := newMediaServer(t, map[string][]byte{"/photo.jpg": jpegBytes(t)})
	e.jobs.Config.TwilioAPIURL = api.srv.URL
	internal := newMediaServer(t, map[string][]byte{"/metrics": []byte("go_goroutines 12\n")})
	in := e.inbound("MM00000000000000000000000000000010", seed.DemoClientPhone, "",
		sms.Media{URL: internal.srv.URL + "/metrics", DeclaredType: "text/plain"})
	require.NoError(t, e.receive(t, in))
	fetches := e.queue.OfType(tasks.TypeTextMedia)
	require.Len(t, fetches, 1)
	assert.ErrorIs(t, e.fetchMedia(t, fetches[0]), errSkipRetry, "asking again would not change the answer")

	internal.mu.Lock()
	assert.Empty(t, internal.auths, "the address was never requested")
	internal.mu.Unlock()
	items := e.mediaOf(t, in.MessageID)
	require.Len(t, items, 1)
	assert.Equal(t, "refused", items[0].Status)
	assert.Equal(t, jobs.ReasonOrigin, items[0].Reason)
	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM documents WHERE text_media_id IS NOT NULL`))
}
