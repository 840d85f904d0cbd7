package sms

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name string
		body string
		want int
	}{
		{"empty", "", 0},
		{"one GSM part", strings.Repeat("a", 160), 1},
		{"two GSM parts", strings.Repeat("a", 161), 2},
		{"two GSM parts full", strings.Repeat("a", 306), 2},
		{"three GSM parts", strings.Repeat("a", 307), 3},
		{"extension characters count twice", strings.Repeat("€", 80), 1},
		{"extension over one part", strings.Repeat("€", 81), 2},
		{"accents inside GSM-7", strings.Repeat("é", 160), 1},
		{"one emoji makes UCS-2", strings.Repeat("a", 69) + "😀", 2},
		{"UCS-2 single", strings.Repeat("ł", 70), 1},
		{"UCS-2 two", strings.Repeat("ł", 71), 2},
		{"UCS-2 two full", strings.Repeat("ł", 134), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Segments(tt.body))
		})
	}
}

func TestToGSM7(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"café résumé niño", "café résumé niño"}, // GSM-7 has these
		{"Łódź Legal", "Lodz Legal"},
		{"Spotkanie 📅 jutro", "Spotkanie jutro"},
		{"“Smart” quotes – dash…", `"Smart" quotes - dash...`},
		{"Çağrı", "Çagri"},
	}
	for _, tt := range tests {
		got := ToGSM7(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.True(t, GSM7(got))
	}
}
