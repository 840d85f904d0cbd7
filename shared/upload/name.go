package upload

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxNameLen  = 200 // bytes
	defaultName = "document"
	maxExtLen   = 10 // bytes after the dot; longer suffixes are part of the name
)

// SafeName cleans a client-supplied file name for display and download: the
// base name only (both / and \ separate directories), without control or
// invisible formatting characters (a right-to-left override can make
// "invoice\u202efdp.exe" look like a PDF), without leading dots, trimmed, and at
// most 200 bytes, cut on a rune boundary and keeping the extension. A name
// with nothing left becomes "document".
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	// "reports/" names the directory, so drop trailing separators first.
	name = strings.TrimRightFunc(name, func(r rune) bool { return isSep(r) || unicode.IsSpace(r) })
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimLeftFunc(name, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	name = strings.TrimRightFunc(name, unicode.IsSpace)
	name = truncate(name, maxNameLen)
	if name == "" {
		return defaultName
	}
	return name
}

// Rename applies a name a person chose for a document: SafeName(newName),
// with the original's extension added if the new name has none ("Scan" for
// "IMG_1.jpg" gives "Scan.jpg"). An empty newName keeps the original.
func Rename(orig, newName string) string {
	orig = SafeName(orig)
	if strings.TrimSpace(newName) == "" {
		return orig
	}
	name := SafeName(newName)
	if _, ext := splitExt(name); ext != "" {
		return name
	}
	_, ext := splitExt(orig)
	return truncate(name+ext, maxNameLen)
}

// splitExt splits "Smith v. Jones.pdf" into "Smith v. Jones" and ".pdf". Only
// a short run of ASCII letters and digits with at least one letter counts as
// an extension, so "Smith v. Jones" and "Scan 1.2" have none.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || len(name)-i-1 > maxExtLen || i == len(name)-1 {
		return name, ""
	}
	letter := false
	for _, c := range []byte(name[i+1:]) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return name, ""
		}
	}
	if !letter {
		return name, ""
	}
	return name[:i], name[i:]
}

// truncate cuts name to at most limit bytes on a rune boundary, keeping its
// extension.
func truncate(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	stem, ext := splitExt(name) // ext is at most maxExtLen+1 bytes, far below limit
	cut := limit - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRightFunc(stem[:cut], unicode.IsSpace) + ext
}

func isSep(r rune) bool { return r == '/' || r == '\\' }
