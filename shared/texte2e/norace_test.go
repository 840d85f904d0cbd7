//go:build !race

package texte2e

// raceEnabled: the test binary has no race detector.
const raceEnabled = false
