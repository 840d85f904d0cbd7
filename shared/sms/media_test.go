package sms_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/parleyhq/parley/shared/sms"
)

// mediaCase is one MIME type and the verdict expected for it; reason "" on
// a refusal means any non-empty reason.
type mediaCase struct {
	mime   string
	ok     bool
	reason string
}

// commonMediaCases hold for declared and sniffed types alike.
var commonMediaCases = []mediaCase{
	{"image/jpeg", true, ""},
	{"IMAGE/JPEG", true, ""},
	{"image/jpg", true, ""},
	{"image/png", true, ""},
	{"image/apng", true, ""},
	{"image/gif", true, ""},
	{"image/heic", true, ""},
	{"image/heic-sequence", true, ""},
	{"image/heif", true, ""},
	{"image/heif-sequence", true, ""},
	{"image/bmp", true, ""},
	{"image/tiff", true, ""},
	{"video/mp4", true, ""},
	{"video/quicktime", true, ""},
	{"video/3gpp", true, ""},
	{"audio/amr", true, ""},
	{"audio/mpeg", true, ""},
	{"audio/x-m4a", true, ""},
	{"application/ogg", true, ""},
	{"text/plain", true, ""},
	{"text/plain; charset=utf-8", true, ""},
	{" text/plain ;charset=UTF-8", true, ""},
	{"application/pdf", false, sms.ReasonPDF},
	{"application/pdf; name=x.jpg", false, sms.ReasonPDF},
	{"application/x-pdf", false, sms.ReasonPDF},
	{"application/msword", false, sms.ReasonWord},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", false, sms.ReasonWord},
	{"application/vnd.ms-word.document.macroEnabled.12", false, sms.ReasonWord},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false, ""},
	{"application/zip", false, "Files of type application/zip can't be received by text; ask the client to use the portal."},
	{"application/x-ole-storage", false, ""},
	{"image/webp", false, ""},
	{"image/svg+xml", false, ""},
	{"image/avif", false, ""},
	{"text/html", false, ""},
	{"text/vcard", false, ""},
	{"text/calendar", false, ""},
	{"application/octet-stream", false, sms.ReasonUnknown},
	{"video/", false, sms.ReasonUnknown},
	{"", false, sms.ReasonUnknown},
	{"   ", false, sms.ReasonUnknown},
}

func checkMedia(t *testing.T, allowed func(string) (bool, string), cases []mediaCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.mime, func(t *testing.T) {
			t.Parallel()
			ok, reason := allowed(tt.mime)
			assert.Equal(t, tt.ok, ok)
			switch {
			case tt.ok:
				assert.Empty(t, reason)
			case tt.reason != "":
				assert.Equal(t, tt.reason, reason)
			default:
				assert.NotEmpty(t, reason)
			}
		})
	}
}

func TestDeclaredAllowed(t *testing.T) {
	t.Parallel()
	checkMedia(t, sms.DeclaredAllowed, append([]mediaCase{
		{"text/csv", false, ""}, // only plain text by policy
	}, commonMediaCases...))
}

func TestSniffedAllowed(t *testing.T) {
	t.Parallel()
	checkMedia(t, sms.SniffedAllowed, append([]mediaCase{
		// mimetype's names for what it detects.
		{"image/vnd.mozilla.apng", true, ""},
		{"audio/wav", true, ""},
		{"video/webm", true, ""},
		// mimetype calls a plain note with a comma on each line CSV.
		{"text/csv", true, ""},
	}, commonMediaCases...))
}

func TestFilterDeclared(t *testing.T) {
	t.Parallel()
	in := []sms.Media{
		{URL: "https://m.test/0", DeclaredType: "image/jpeg"},
		{URL: "https://m.test/1", DeclaredType: "application/pdf"},
		{URL: "https://m.test/2", DeclaredType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{URL: "https://m.test/3", DeclaredType: ""},
		{URL: "", DeclaredType: "image/png"},
		{URL: "/relative", DeclaredType: "image/png"},
		{URL: "https://m.test/6", DeclaredType: "image/png", Refused: true, Reason: "kept"},
		{URL: "http://m.test/7", DeclaredType: "text/plain; charset=utf-8"},
	}
	got := sms.FilterDeclared(in)
	assert.Equal(t, []sms.Media{
		{URL: "https://m.test/0", DeclaredType: "image/jpeg"},
		{URL: "https://m.test/1", DeclaredType: "application/pdf", Refused: true, Reason: sms.ReasonPDF},
		{URL: "https://m.test/2", DeclaredType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			Refused: true, Reason: sms.ReasonWord},
		{URL: "https://m.test/3", DeclaredType: "", Refused: true, Reason: sms.ReasonUnknown},
		{URL: "", DeclaredType: "image/png", Refused: true, Reason: sms.ReasonNoURL},
		{URL: "/relative", DeclaredType: "image/png", Refused: true, Reason: sms.ReasonNoURL},
		{URL: "https://m.test/6", DeclaredType: "image/png", Refused: true, Reason: "kept"},
		{URL: "http://m.test/7", DeclaredType: "text/plain; charset=utf-8"},
	}, got)
	assert.False(t, in[1].Refused, "the caller's slice is not changed")
	assert.Nil(t, sms.FilterDeclared(nil))
}
