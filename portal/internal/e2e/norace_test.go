//go:build !race

package e2e

// raceEnabled: the test binary has no race detector.
const raceEnabled = false
