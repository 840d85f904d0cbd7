package view

import (
	"html/template"
	"strings"

	"mvdan.cc/xurls/v2"
)

// webLinks finds the links with a scheme in text (xurls' strict matcher,
// which knows where a link ends before punctuation).
var webLinks = xurls.Strict()

// Linkify writes plain text as HTML with its web links made links: every
// other character escaped, so nothing in the text is rendered as HTML.
// Links open in a new tab and pass no referrer.
func Linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range webLinks.FindAllStringIndex(text, -1) {
		link := text[m[0]:m[1]]
		if lower := strings.ToLower(link); !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
			continue // mailto:, ftp: and other schemes stay text
		}
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		b.WriteString(`<a href="` + template.HTMLEscapeString(link) + `" target="_blank" rel="noopener noreferrer nofollow">`)
		b.WriteString(template.HTMLEscapeString(link) + "</a>")
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String()) //nolint:gosec // built from escaped text and escaped http(s) links
}
