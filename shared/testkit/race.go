//go:build race

package testkit

// RaceEnabled: the test binary has the race detector, so the programs get it too.
const RaceEnabled = true
