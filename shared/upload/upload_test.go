package upload_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/textproto"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/upload"
)

// part is one part of a test form: a file when file is true.
type part struct {
	name     string
	file     bool
	filename string
	ctype    string // declared Content-Type of a file part; default application/octet-stream
	data     []byte
}

func field(name, value string) part { return part{name: name, data: []byte(value)} }

func file(filename string, data []byte) part {
	return part{name: "files", file: true, filename: filename, data: data}
}

// form encodes parts as a multipart/form-data body and its Content-Type.
func form(t testing.TB, parts ...part) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			ct := p.ctype
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
			w, err = mw.CreatePart(h)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		require.NoError(t, err)
		_, err = w.Write(p.data)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return &body, mw.FormDataContentType()
}

func newStore(t *testing.T) (*docstore.Disk, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := docstore.NewDisk(dir)
	require.NoError(t, err)
	return store, dir
}

// filesIn counts regular files under dir, in-flight temp files included.
func filesIn(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	require.NoError(t, err)
	return n
}

// Sample files, built in code so the tests carry no binaries.

func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

var (
	pdfFile  = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	textFile = []byte("Dear counsel,\nPlease find the signed lease attached.\nRegards\n")
	exeFile  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 64)...)
	elfFile  = elf()
	htmlFile = []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
	svgFile  = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
)

func zipFile(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range names {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte("<x/>"))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return b.Bytes()
}

// docxFile is the least mimetype needs: [Content_Types].xml as the first
// entry and an entry under word/.
func docxFile(t *testing.T) []byte {
	return zipFile(t, "[Content_Types].xml", "word/document.xml")
}

// oleFile is an OLE compound file whose directory lies past the first 3072
// bytes, as in most real .doc, .xls and .msi files.
func oleFile() []byte {
	b := make([]byte, 4096)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	b[26], b[28], b[29] = 0x03, 0xFE, 0xFF // version 3, little-endian
	b[30] = 0x09                           // 512-byte sectors
	b[48] = 0x40                           // directory at sector 64
	return b
}

// elf is the header of a 64-bit little-endian Linux executable.
func elf() []byte {
	b := make([]byte, 64)
	copy(b, "\x7fELF\x02\x01\x01")
	b[16] = 0x02 // e_type: executable
	return b
}

const allowedHint = "Allowed: PDF, Word, Excel, images, text, audio and video."

func TestAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mime string
		want bool
	}{
		{"application/pdf", true},
		{"application/msword", true},
		{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"application/vnd.oasis.opendocument.text", true},
		{"application/vnd.ms-excel", true},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", true},
		{"application/vnd.oasis.opendocument.spreadsheet", true},
		{"application/x-ole-storage", true},
		{"text/csv", true},
		{"text/plain; charset=utf-8", true},
		{"TEXT/PLAIN", true},
		{"image/jpeg", true},
		{"image/png", true},
		{"image/gif", true},
		{"image/webp", true},
		{"image/heic", true},
		{"image/heif", true},
		{"image/bmp", true},
		{"image/tiff", true},
		{"audio/mpeg", true},
		{"audio/mp4", true},
		{"audio/x-m4a", true},
		{"audio/wav", true},
		{"audio/x-wav", true},
		{"audio/ogg", true},
		{"audio/aac", true},
		{"audio/amr", true},
		{"audio/webm", true},
		{"audio/flac", true},
		{"video/mp4", true},
		{"video/quicktime", true},
		{"video/webm", true},
		{"video/3gpp", true},
		{"video/x-msvideo", true},
		{"video/matroska", true},
		{"video/x-matroska", true},

		{"application/zip", false},
		{"application/vnd.microsoft.portable-executable", false},
		{"application/x-executable", false},
		{"application/x-elf", false},
		{"application/x-ms-installer", false},
		{"application/java-archive", false},
		{"text/html; charset=utf-8", false},
		{"image/svg+xml", false},
		{"application/xhtml+xml", false},
		{"text/javascript", false},
		{"application/octet-stream", false},
		{"", false},
		{"application/pdfx", false},
	}
	for _, tt := range tests {
		t.Run(tt.mime, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, upload.Allowed(tt.mime))
			assert.Equal(t, tt.want, upload.Label(tt.mime) != "")
		})
	}
}

func TestReadSniffsContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		part     part
		wantMIME string // stored with this base type, or
		wantWhy  string // refused with this reason ("" and no wantMIME: ignored)
	}{
		{name: "png", part: file("scan.png", pngFile(t)), wantMIME: "image/png"},
		{name: "pdf", part: file("lease.pdf", pdfFile), wantMIME: "application/pdf"},
		{name: "text", part: file("note.txt", textFile), wantMIME: "text/plain"},
		{name: "docx", part: file("brief.docx", docxFile(t)),
			wantMIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{name: "old word file", part: file("will.doc", oleFile()), wantMIME: "application/x-ole-storage"},
		{name: "pdf declared as jpeg",
			part:     part{name: "files", file: true, filename: "photo.jpg", ctype: "image/jpeg", data: pdfFile},
			wantMIME: "application/pdf"},
		{name: "exe named pdf",
			part:    part{name: "files", file: true, filename: "a.pdf", ctype: "application/pdf", data: exeFile},
			wantWhy: "Files of type application/vnd.microsoft.portable-executable cannot be sent. " + allowedHint},
		{name: "elf", part: file("report.pdf", elfFile), wantWhy: "Files of type application/x-executable cannot be sent. " + allowedHint},
		{name: "plain zip", part: file("docs.zip", zipFile(t, "notes.txt")),
			wantWhy: "Files of type application/zip cannot be sent. " + allowedHint},
		{name: "html", part: file("page.txt", htmlFile), wantWhy: "Files of type text/html cannot be sent. " + allowedHint},
		{name: "svg", part: file("logo.png", svgFile), wantWhy: "Files of type image/svg+xml cannot be sent. " + allowedHint},
		{name: "ole container not named as office", part: file("setup.msi", oleFile()),
			wantWhy: "Files of type application/x-ole-storage cannot be sent. " + allowedHint},
		{name: "empty named file", part: file("empty.pdf", nil), wantWhy: "The file is empty."},
		{name: "no file chosen", part: file("", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, dir := newStore(t)
			body, ct := form(t, tt.part)

			res, err := upload.Read(context.Background(), body, ct, store, upload.Options{FileField: "files"})
			require.NoError(t, err)

			switch {
			case tt.wantMIME != "":
				require.Len(t, res.Files, 1)
				assert.Empty(t, res.Refused)
				f := res.Files[0]
				assert.Equal(t, tt.wantMIME, f.MIME)
				assert.Equal(t, tt.part.filename, f.OrigName)
				assert.Equal(t, int64(len(tt.part.data)), f.Object.Size)
				sum := sha256.Sum256(tt.part.data)
				assert.Equal(t, hex.EncodeToString(sum[:]), f.Object.SHA256)
				assert.Equal(t, 1, filesIn(t, dir))
			case tt.wantWhy != "":
				assert.Empty(t, res.Files)
				assert.Equal(t, []upload.Refused{{Name: tt.part.filename, Reason: tt.wantWhy}}, res.Refused)
				assert.Zero(t, filesIn(t, dir), "a refused file must leave nothing in the store")
			default:
				assert.Empty(t, res.Files)
				assert.Empty(t, res.Refused)
			}
		})
	}
}

func TestReadSizeLimitRefusesOnlyThatFile(t *testing.T) {
	t.Parallel()
	store, dir := newStore(t)
	big := append(append([]byte{}, pdfFile...), bytes.Repeat([]byte("x"), 2<<10)...)
	body, ct := form(t,
		file("small.txt", textFile),
		file("big.pdf", big),
		file("after.png", pngFile(t)),
	)

	res, err := upload.Read(context.Background(), body, ct, store, upload.Options{FileField: "files", MaxFileSize: 1 << 10})
	require.NoError(t, err)

	require.Len(t, res.Files, 2)
	assert.Equal(t, "small.txt", res.Files[0].OrigName)
	assert.Equal(t, "after.png", res.Files[1].OrigName)
	assert.Equal(t, []upload.Refused{{Name: "big.pdf", Reason: "Larger than the 1 KB limit."}}, res.Refused)
	assert.Equal(t, 2, filesIn(t, dir))
}

func TestReadMaxFiles(t *testing.T) {
	t.Parallel()
	store, dir := newStore(t)
	body, ct := form(t,
		file("1.txt", []byte("one")),
		file("", nil), // an empty file input doesn't count
		file("2.txt", []byte("two")),
		file("3.txt", []byte("three")),
		file("4.txt", []byte("four")),
		field("note", "after the files"),
	)

	res, err := upload.Read(context.Background(), body, ct, store, upload.Options{FileField: "files", MaxFiles: 2})
	require.NoError(t, err)

	require.Len(t, res.Files, 2)
	assert.Equal(t, []upload.Refused{
		{Name: "3.txt", Reason: "Only 2 files can be sent at once."},
		{Name: "4.txt", Reason: "Only 2 files can be sent at once."},
	}, res.Refused)
	assert.Equal(t, "after the files", res.Fields["note"])
	assert.Equal(t, 2, filesIn(t, dir))
}

func TestReadCSRF(t *testing.T) {
	t.Parallel()
	check := func(v string) bool { return v == "good-token" }
	tests := []struct {
		name    string
		parts   []part
		check   func(string) bool
		wantErr error
	}{
		{name: "right token", parts: []part{field("csrf", "good-token"), file("a.pdf", pdfFile)}, check: check},
		{name: "missing token", parts: []part{file("a.pdf", pdfFile)}, check: check, wantErr: upload.ErrForbidden},
		{name: "wrong token", parts: []part{field("csrf", "forged"), file("a.pdf", pdfFile)}, check: check,
			wantErr: upload.ErrForbidden},
		{name: "token not first", parts: []part{field("note", "hi"), field("csrf", "good-token"), file("a.pdf", pdfFile)},
			check: check, wantErr: upload.ErrForbidden},
		{name: "token sent as a file", parts: []part{{name: "csrf", file: true, filename: "t", data: []byte("good-token")}},
			check: check, wantErr: upload.ErrForbidden},
		{name: "no checker", parts: []part{field("csrf", "good-token"), file("a.pdf", pdfFile)},
			wantErr: upload.ErrForbidden},
		{name: "empty form", check: check, wantErr: upload.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, dir := newStore(t)
			body, ct := form(t, tt.parts...)
			opts := upload.Options{FileField: "files", CSRFField: "csrf", CheckCSRF: tt.check}

			res, err := upload.Read(context.Background(), body, ct, store, opts)

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, res.Files)
				assert.Zero(t, filesIn(t, dir), "a forged request must store nothing")
				return
			}
			require.NoError(t, err)
			require.Len(t, res.Files, 1)
			assert.NotContains(t, res.Fields, "csrf", "the token is not a form value")
		})
	}
}

func TestReadFields(t *testing.T) {
	t.Parallel()
	many := make([]part, 51)
	for i := range many {
		many[i] = field(fmt.Sprintf("f%d", i), "v")
	}
	tests := []struct {
		name       string
		parts      []part
		wantFields map[string]string
		wantErr    error
	}{
		{name: "later value wins", parts: []part{field("matter", "1"), field("note", "hi"), field("matter", "2")},
			wantFields: map[string]string{"matter": "2", "note": "hi"}},
		{name: "field at the limit", parts: []part{field("note", strings.Repeat("a", 64))},
			wantFields: map[string]string{"note": strings.Repeat("a", 64)}},
		{name: "field over the limit", parts: []part{field("note", strings.Repeat("a", 65))}, wantErr: upload.ErrBadRequest},
		{name: "too many fields", parts: many, wantErr: upload.ErrBadRequest},
		{name: "file in another field", parts: []part{{name: "avatar", file: true, filename: "a.png", data: pngFile(t)}},
			wantErr: upload.ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore(t)
			body, ct := form(t, tt.parts...)

			res, err := upload.Read(context.Background(), body, ct, store, upload.Options{FileField: "files", MaxFieldSize: 64})

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.True(t, strings.HasPrefix(err.Error(), "upload: "), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantFields, res.Fields)
		})
	}
}

func TestReadBadRequest(t *testing.T) {
	t.Parallel()
	good, goodCT := form(t, file("a.pdf", pdfFile))
	boundary := strings.TrimPrefix(goodCT, "multipart/form-data; boundary=")
	tests := []struct {
		name string
		body string
		ct   string
	}{
		{name: "json", body: `{}`, ct: "application/json"},
		{name: "urlencoded", body: "a=b", ct: "application/x-www-form-urlencoded"},
		{name: "no boundary", body: good.String(), ct: "multipart/form-data"},
		{name: "no content type", body: good.String(), ct: ""},
		{name: "unparsable content type", body: good.String(), ct: "multipart/form-data; boundary"},
		{name: "not multipart", body: "hello there", ct: goodCT},
		{name: "no end boundary", body: "--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxyz", ct: goodCT},
		{name: "no disposition", body: "--" + boundary + "\r\nX: y\r\n\r\nxyz\r\n--" + boundary + "--\r\n", ct: goodCT},
		{name: "bad disposition", body: "--" + boundary + "\r\nContent-Disposition: form-data; name=\r\n\r\nxyz\r\n--" + boundary + "--\r\n", ct: goodCT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, dir := newStore(t)

			_, err := upload.Read(context.Background(), strings.NewReader(tt.body), tt.ct, store, upload.Options{FileField: "files"})

			require.ErrorIs(t, err, upload.ErrBadRequest)
			assert.Zero(t, filesIn(t, dir))
		})
	}
}

// A body cut off after one complete file keeps that file in the Result, so
// the caller can record or remove it.
func TestReadTruncatedBodyKeepsStoredFiles(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	body, ct := form(t, file("a.pdf", pdfFile), file("b.png", pngFile(t)))
	cut := body.Bytes()[:body.Len()-40] // inside the PNG

	res, err := upload.Read(context.Background(), bytes.NewReader(cut), ct, store, upload.Options{FileField: "files"})

	require.ErrorIs(t, err, upload.ErrBadRequest)
	require.Len(t, res.Files, 1)
	assert.Equal(t, "a.pdf", res.Files[0].OrigName)
}

func TestReadCanceled(t *testing.T) {
	t.Parallel()
	store, dir := newStore(t)
	body, ct := form(t, file("a.pdf", pdfFile))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	res, err := upload.Read(ctx, body, ct, store, upload.Options{FileField: "files"})

	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, upload.ErrBadRequest)
	assert.Empty(t, res.Files)
	assert.Zero(t, filesIn(t, dir))
}

// Not parallel: it measures allocation across the whole process, so it runs
// before the parallel tests are released.
func TestReadStreamsLargeFile(t *testing.T) {
	const size = 50 << 20
	store, _ := newStore(t)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sums := make(chan string, 1)
	go func() {
		h := sha256.New()
		w, err := mw.CreateFormFile("files", "deposition.pdf")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		out := io.MultiWriter(w, h)
		_, _ = io.WriteString(out, "%PDF-1.4\n")
		chunk := make([]byte, 32<<10)
		for written := len("%PDF-1.4\n"); written < size; {
			for i := range chunk {
				chunk[i] = byte(written + i)
			}
			n := min(len(chunk), size-written)
			if _, err := out.Write(chunk[:n]); err != nil {
				pw.CloseWithError(err)
				return
			}
			written += n
		}
		sums <- hex.EncodeToString(h.Sum(nil))
		pw.CloseWithError(mw.Close())
	}()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := upload.Read(context.Background(), pr, mw.FormDataContentType(), store, upload.Options{FileField: "files"})
	runtime.ReadMemStats(&after)

	require.NoError(t, err)
	require.Len(t, res.Files, 1)
	f := res.Files[0]
	assert.Equal(t, int64(size), f.Object.Size)
	assert.Equal(t, <-sums, f.Object.SHA256)
	assert.Equal(t, "application/pdf", f.MIME)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d KiB to stream %d MiB", allocated>>10, size>>20)
	assert.Less(t, allocated, uint64(8<<20), "the file must stream, not be buffered")
}

func TestSafeName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) + ".pdf" // 304 bytes
	tests := []struct{ in, want string }{
		{"lease.pdf", "lease.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\doc.pdf`, "doc.pdf"},
		{"reports/", "reports"},
		{"", "document"},
		{"   ", "document"},
		{"..", "document"},
		{".hidden", "hidden"},
		{"...  .env", "env"},
		{"  Smith v. Jones  ", "Smith v. Jones"},
		{"a\x00b\r\nc.txt", "abc.txt"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{long, strings.Repeat("é", 98) + ".pdf"},             // 196 + 4 bytes
		{strings.Repeat("a", 250), strings.Repeat("a", 200)}, // no extension
		{strings.Repeat("日", 70) + ".docx", strings.Repeat("日", 65) + ".docx"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := upload.SafeName(tt.in)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), 200)
			assert.Equal(t, got, upload.SafeName(got), "SafeName is idempotent")
		})
	}
}

func TestRename(t *testing.T) {
	t.Parallel()
	tests := []struct{ orig, newName, want string }{
		{"IMG_1.jpg", "Scan", "Scan.jpg"},
		{"IMG_1.jpg", "Scan.png", "Scan.png"},
		{"IMG_1.jpg", "", "IMG_1.jpg"},
		{"IMG_1.jpg", "   ", "IMG_1.jpg"},
		{"lease.pdf", "Smith v. Jones", "Smith v. Jones.pdf"},
		{"lease.pdf", "../../Final lease", "Final lease.pdf"},
		{"notes", "Meeting", "Meeting"},
		{"a.pdf", strings.Repeat("ü", 120), strings.Repeat("ü", 98) + ".pdf"},
	}
	for _, tt := range tests {
		t.Run(tt.orig+"->"+tt.newName, func(t *testing.T) {
			t.Parallel()
			got := upload.Rename(tt.orig, tt.newName)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), 200)
		})
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", "../a.pdf", `C:\x\y.doc`, ".hidden", strings.Repeat("日", 80) + ".pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := upload.SafeName(in)
		if got == "" || len(got) > 200 || strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") {
			t.Fatalf("SafeName(%q) = %q", in, got)
		}
	})
}

func FuzzRead(f *testing.F) {
	body, ct := form(f, field("a", "b"), file("x.pdf", pdfFile))
	f.Add(body.Bytes(), ct)
	f.Add([]byte("--x\r\n\r\n--x--"), "multipart/form-data; boundary=x")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		store, err := docstore.NewDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = upload.Read(context.Background(), bytes.NewReader(body), ct, store, upload.Options{FileField: "files"})
	})
}
