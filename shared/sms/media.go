package sms

import (
	"net/url"
	"strings"
)

// MaxMediaBytes is the carrier's MMS size limit; the worker downloads no more.
const MaxMediaBytes = 5 << 20

// Reasons shown on a refused media item.
const (
	ReasonPDF      = "PDF files can't be received by text; ask the client to use the portal."
	ReasonWord     = "Word documents can't be received by text; ask the client to use the portal."
	ReasonUnknown  = "Files of an unknown type can't be received by text; ask the client to use the portal."
	ReasonTooLarge = "Files over 5 MB can't be received by text; ask the client to use the portal."
	ReasonNoURL    = "The carrier sent this file without a valid address, so it could not be fetched."
)

// reasonFileType is the refusal for any other type, naming it.
func reasonFileType(mt string) string {
	return "Files of type " + mt + " can't be received by text; ask the client to use the portal."
}

// allowedImages are the image types the issue lists (JPEG, PNG, GIF,
// HEIC/HEIF, BMP, TIFF) and the spellings carriers and sniffers use for them.
var allowedImages = map[string]bool{
	"image/jpeg": true, "image/jpg": true, "image/pjpeg": true,
	"image/png": true, "image/x-png": true, "image/apng": true, "image/vnd.mozilla.apng": true,
	"image/gif":  true,
	"image/heic": true, "image/heic-sequence": true, "image/heif": true, "image/heif-sequence": true,
	"image/bmp": true, "image/x-bmp": true, "image/x-ms-bmp": true,
	"image/tiff": true, "image/x-tiff": true,
}

var pdfTypes = map[string]bool{"application/pdf": true, "application/x-pdf": true}

var wordTypes = map[string]bool{
	"application/msword":      true,
	"application/vnd.ms-word": true,
	"application/x-msword":    true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.template": true,
	"application/vnd.ms-word.document.macroenabled.12":                        true,
	"application/vnd.ms-word.template.macroenabled.12":                        true,
}

// DeclaredAllowed judges a media item by the type the carrier declared; the
// gateway does not fetch a refused item at all.
func DeclaredAllowed(mime string) (ok bool, reason string) {
	return mediaAllowed(mime, false)
}

// SniffedAllowed judges downloaded bytes by the type mimetype detected,
// whatever was declared. It also keeps text/csv and text/tab-separated-values:
// mimetype calls any plain note with commas on each line CSV, and the bytes
// already passed as declared text/plain.
func SniffedAllowed(mime string) (ok bool, reason string) {
	return mediaAllowed(mime, true)
}

func mediaAllowed(mime string, sniffed bool) (bool, string) {
	mt := mediaType(mime)
	switch {
	case mt == "" || mt == "application/octet-stream" || len(mt) > 100:
		return false, ReasonUnknown
	case allowedImages[mt], mt == "text/plain":
		return true, ""
	case mt == "video/" || mt == "audio/":
		return false, ReasonUnknown
	case strings.HasPrefix(mt, "video/") || strings.HasPrefix(mt, "audio/"):
		return true, ""
	case mt == "application/ogg" || mt == "application/x-ogg":
		return true, "" // an Ogg audio or video stream whose codec was not named
	case sniffed && (mt == "text/csv" || mt == "text/tab-separated-values"):
		return true, ""
	case pdfTypes[mt]:
		return false, ReasonPDF
	case wordTypes[mt]:
		return false, ReasonWord
	}
	return false, reasonFileType(mt)
}

// mediaType lower-cases a MIME type and drops its parameters (";charset=…").
func mediaType(mime string) string {
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return strings.ToLower(strings.TrimSpace(mime))
}

// FilterDeclared returns a copy of items with Refused and Reason set on each
// item whose declared type is refused or whose URL cannot be fetched. An
// item already refused keeps its reason.
func FilterDeclared(items []Media) []Media {
	if len(items) == 0 {
		return nil
	}
	out := make([]Media, len(items))
	copy(out, items)
	for i := range out {
		m := &out[i]
		if m.Refused {
			continue
		}
		if !fetchable(m.URL) {
			m.Refused, m.Reason = true, ReasonNoURL
			continue
		}
		if ok, reason := DeclaredAllowed(m.DeclaredType); !ok {
			m.Refused, m.Reason = true, reason
		}
	}
	return out
}

// fetchable is an absolute http(s) URL: the worker sends carrier credentials
// to it, so nothing else is followed.
func fetchable(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
