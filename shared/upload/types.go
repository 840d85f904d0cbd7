package upload

import (
	"fmt"
	"strings"
)

// allowed maps each uploadable base MIME type, as mimetype reports it, to a
// label for people. Listing mimetype's canonical strings matters: it says
// "video/matroska" and "audio/wav", so the aliases alone would refuse them.
var allowed = map[string]string{
	"application/pdf": "PDF document",

	"application/msword": "Word document",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
	"application/vnd.oasis.opendocument.text":                                 "Word document",
	"application/vnd.oasis.opendocument.text-template":                        "Word document",

	"application/vnd.ms-excel": "Excel spreadsheet",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel spreadsheet",
	"application/vnd.oasis.opendocument.spreadsheet":                    "Excel spreadsheet",
	"application/vnd.oasis.opendocument.spreadsheet-template":           "Excel spreadsheet",
	"text/csv":                  "Excel spreadsheet",
	"text/tab-separated-values": "Excel spreadsheet", // Excel's "Text (Tab delimited)" export

	// An old-format (97–2003) Word or Excel file whose directory lies past the
	// first 3072 bytes, which is most of them. MSI installers share the
	// container; see oleNameOK for how Read keeps them out.
	oleStorage: "Word or Excel document",

	"image/jpeg":          "Image",
	"image/png":           "Image",
	"image/gif":           "Image",
	"image/webp":          "Image",
	"image/heic":          "Image",
	"image/heic-sequence": "Image",
	"image/heif":          "Image",
	"image/heif-sequence": "Image",
	"image/bmp":           "Image",
	"image/tiff":          "Image",

	"text/plain": "Text",

	"audio/mpeg":  "Audio",
	"audio/mp4":   "Audio",
	"audio/x-m4a": "Audio",
	"audio/wav":   "Audio",
	"audio/x-wav": "Audio",
	"audio/ogg":   "Audio",
	"audio/aac":   "Audio",
	"audio/amr":   "Audio",
	"audio/webm":  "Audio",
	"audio/flac":  "Audio",

	"video/mp4":        "Video",
	"video/quicktime":  "Video",
	"video/webm":       "Video", // also what mimetype says for audio-only WebM voice notes
	"video/3gpp":       "Video",
	"video/x-msvideo":  "Video",
	"video/matroska":   "Video",
	"video/x-matroska": "Video",
}

const (
	oleStorage = "application/x-ole-storage"
	allowedFor = "Allowed: PDF, Word, Excel, images, text, audio and video."
)

// Allowed reports whether a sniffed MIME type (base type, parameters ignored)
// may be uploaded. Label gives a name for it that people understand.
func Allowed(mime string) bool {
	return Label(mime) != ""
}

// Label names an allowed MIME type for people ("PDF document", "Image", …),
// or returns "" if the type may not be uploaded.
func Label(mime string) string {
	return allowed[baseType(mime)]
}

// baseType drops parameters: "text/plain; charset=utf-8" -> "text/plain".
func baseType(mime string) string {
	base, _, _ := strings.Cut(mime, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// oleNameOK narrows the generic OLE container to files named as old Word or
// Excel documents. Without it an MSI installer that the 3072-byte sniff can't
// tell from a .doc would be stored as "setup.msi" and run by whoever opens it.
func oleNameOK(name string) bool {
	_, ext := splitExt(name)
	switch strings.ToLower(ext) {
	case ".doc", ".dot", ".xls", ".xlt":
		return true
	}
	return false
}

func typeReason(mime string) string {
	return fmt.Sprintf("Files of type %s cannot be sent. %s", mime, allowedFor)
}

func sizeReason(limit int64) string {
	return fmt.Sprintf("Larger than the %s limit.", formatSize(limit))
}

// formatSize writes a limit the way people set it: 100<<20 is "100 MB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
