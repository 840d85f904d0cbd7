// Package templates embeds the html/template files: layouts/, pages/<area>/
// and partials/. shared/view parses them all once at start-up.
package templates

import "embed"

// FS holds every template.
//
//go:embed layouts pages partials
var FS embed.FS
