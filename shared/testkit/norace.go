//go:build !race

package testkit

// RaceEnabled: the test binary has no race detector.
const RaceEnabled = false
