//go:build !race

package history

// raceDetector is set when the tests run with -race, which makes the
// transpiled SQLite about thirty times slower.
const raceDetector = false
