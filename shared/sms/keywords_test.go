package sms_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/parleyhq/parley/shared/sms"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want sms.Kind
	}{
		// Opt-out keywords, any case, surrounding space and trailing punctuation aside.
		{"STOP", sms.KindOptOut},
		{"stop", sms.KindOptOut},
		{"  Stop.  ", sms.KindOptOut},
		{"STOPALL", sms.KindOptOut},
		{"Unsubscribe", sms.KindOptOut},
		{"cancel", sms.KindOptOut},
		{"END", sms.KindOptOut},
		{"quit!", sms.KindOptOut},
		{"revoke", sms.KindOptOut},
		{"OptOut", sms.KindOptOut},
		{"stop please", sms.KindText},
		{"please stop", sms.KindText},
		{"STOP STOP", sms.KindText},
		{"opt out", sms.KindText},
		{"ſtop", sms.KindText}, // long s: only ASCII letters are folded
		// Opt-in and help.
		{"START", sms.KindOptIn},
		{"unstop", sms.KindOptIn},
		{"help", sms.KindHelp},
		{"HELP?", sms.KindHelp},
		{"info", sms.KindHelp},
		{"help me", sms.KindText},
		// Y/N answers; YES is KindYes, the worker decides whether it is an opt-in.
		{"Y", sms.KindYes},
		{"yes", sms.KindYes},
		{"yes!", sms.KindYes},
		{"YES!!!", sms.KindYes},
		{"\tYes \n", sms.KindYes},
		{"N", sms.KindNo},
		{" n. ", sms.KindNo},
		{"no.", sms.KindNo},
		{"No", sms.KindNo},
		{"yes please", sms.KindText},
		{"nope", sms.KindText},
		{"yeah", sms.KindText},
		{"Y N", sms.KindText},
		{"yes 👍", sms.KindText},
		{"👍", sms.KindText},
		{"¡yes", sms.KindText}, // leading punctuation is part of the message
		// Ordinary texts.
		{"", sms.KindText},
		{"   ", sms.KindText},
		{"...", sms.KindText},
		{"Can we move the meeting to Friday?", sms.KindText},
		{"UNSUBSCRIBEX", sms.KindText},
		{"STOP!!!!!!!!!!!!!!!!!!!!!!!!", sms.KindOptOut},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.Classify(tt.body))
		})
	}
}

// FuzzClassify checks Classify never panics and gives only known kinds, and
// that a non-text kind survives surrounding space (the rule is "whole body").
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"STOP", " n. ", "yes!", "Y N", "", "ſtop", "\xff\xfe", "UNSUBSCRIBE."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		k := sms.Classify(body)
		switch k {
		case sms.KindText, sms.KindOptOut, sms.KindOptIn, sms.KindHelp, sms.KindYes, sms.KindNo:
		default:
			t.Fatalf("Classify(%q) = unknown kind %q", body, k)
		}
		if k != sms.KindText {
			assert.Equal(t, k, sms.Classify("  "+body+"  "))
		}
	})
}
