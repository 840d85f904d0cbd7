//go:build race

package texte2e

// raceEnabled: the test binary has the race detector, so the programs get it too.
const raceEnabled = true
