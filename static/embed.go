// Package static embeds the files served under /static: a pinned htmx
// release (see VERSIONS), the stylesheet and small scripts.
package static

import "embed"

// FS holds every static file.
//
//go:embed *.js *.css VERSIONS
var FS embed.FS
