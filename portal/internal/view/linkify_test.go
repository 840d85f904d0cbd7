package view

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLinkify(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"<b>bold</b> & co", "&lt;b&gt;bold&lt;/b&gt; &amp; co"},
		{"see https://example.com/a?b=1&c=2.", `see <a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">https://example.com/a?b=1&amp;c=2</a>.`},
		{"HTTP://Court.gov/x", `<a href="HTTP://Court.gov/x" target="_blank" rel="noopener noreferrer nofollow">HTTP://Court.gov/x</a>`},
		{"javascript:alert(1)", "javascript:alert(1)"},
		{`https://x.test/"onmouseover="alert(1)`, `<a href="https://x.test/" target="_blank" rel="noopener noreferrer nofollow">https://x.test/</a>&#34;onmouseover=&#34;alert(1)`},
		{"mailto:a@b.test", "mailto:a@b.test"},
	} {
		assert.Equal(t, tc.want, string(Linkify(tc.in)), tc.in)
	}
}
