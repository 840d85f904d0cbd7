package sms

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// GSM 03.38: the default alphabet and the extension table, whose
// characters take two septets (an escape and the character).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// GSM7 reports whether body fits the GSM 7-bit alphabet, so it is sent
// at 160 characters a part rather than 70.
func GSM7(body string) bool {
	for _, r := range body {
		if !isGSM(r) {
			return false
		}
	}
	return true
}

// Segments is how many SMS parts a body is sent as: 160 GSM-7 septets in
// one part or 153 per part when split, and 70 / 67 UTF-16 units when any
// character is outside GSM-7 (one emoji turns the whole text into UCS-2).
func Segments(body string) int {
	units := 0
	if GSM7(body) {
		for _, r := range body {
			units++
			if strings.ContainsRune(gsmExtended, r) {
				units++ // escape, then the character
			}
		}
		return parts(units, 160, 153)
	}
	for _, r := range body {
		units++
		if r > 0xFFFF {
			units++ // a surrogate pair
		}
	}
	return parts(units, 70, 67)
}

func parts(n, single, multi int) int {
	switch {
	case n == 0:
		return 0
	case n <= single:
		return 1
	}
	return (n + multi - 1) / multi
}

// gsmLookalikes are characters phones type that GSM-7 lacks but has a
// plain stand-in for (what carriers call smart encoding).
var gsmLookalikes = strings.NewReplacer(
	"‘", "'", "’", "'", "‚", "'", "“", `"`, "”", `"`, "„", `"`,
	"–", "-", "—", "-", "…", "...", "\u00a0", " ", "•", "-",
)

// ToGSM7 rewrites s in the GSM alphabet, for a text that would otherwise
// need UCS-2 and more parts than it may take: look-alikes become their
// plain forms, accents GSM-7 lacks are dropped (ł→l by hand, since Unicode
// does not decompose it), and anything else (emoji, other scripts) goes.
// Runs of spaces left behind collapse to one.
func ToGSM7(s string) string {
	if GSM7(s) {
		return s
	}
	s = gsmLookalikes.Replace(norm.NFC.String(s))
	var b strings.Builder
	for _, r := range s {
		if isGSM(r) {
			b.WriteRune(r)
			continue
		}
		if base, ok := strokeLetters[r]; ok {
			b.WriteRune(base)
			continue
		}
		// A letter with an accent GSM-7 lacks (ă, ç) keeps its base letter.
		for _, d := range norm.NFD.String(string(r)) {
			if isGSM(d) && !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func isGSM(r rune) bool {
	return strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtended, r)
}

var strokeLetters = map[rune]rune{'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ı': 'i'}
