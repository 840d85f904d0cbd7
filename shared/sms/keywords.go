package sms

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// longestKeyword is len("UNSUBSCRIBE"); a longer trimmed body cannot be a
// keyword, which keeps Classify allocation-free for ordinary texts.
const longestKeyword = 11

// Classify decides what an inbound body means from its content alone. The
// whole body must be the keyword, ignoring case, surrounding space and
// trailing punctuation ("yes!", " n. "); anything more ("stop please",
// "yes please", "Y N") is an ordinary text, as carriers treat it.
//
// Y and YES come back as KindYes, not KindOptIn: YES is both a carrier opt-in
// keyword and a confirmation answer, and only the worker knows whether the
// contact is opted out (then it is an opt-in) or was asked a question.
func Classify(body string) Kind {
	word := strings.TrimLeftFunc(body, unicode.IsSpace)
	word = strings.TrimRightFunc(word, isTrailing)
	if word == "" || len(word) > longestKeyword {
		return KindText
	}
	switch upperASCII(word) {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT":
		return KindOptOut
	case "START", "UNSTOP":
		return KindOptIn
	case "HELP", "INFO":
		return KindHelp
	case "Y", "YES":
		return KindYes
	case "N", "NO":
		return KindNo
	}
	return KindText
}

// isTrailing is what may follow a keyword: space and punctuation ("no.",
// "yes!!", "STOP ."), not symbols or emoji, which change the meaning.
func isTrailing(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r)
}

// upperASCII upper-cases ASCII letters only: every keyword is ASCII, and
// strings.ToUpper would map e.g. "ſtop" (long s) to "STOP".
func upperASCII(s string) string {
	var buf [longestKeyword]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return ""
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return string(buf[:len(s)])
}
