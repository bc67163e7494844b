// Package faults holds Helio's fault and bad-input campaign, run by
// `make test` with the rest of the unit tests (`go test -race ./test/faults`).
// A live sensors.Monitor watches each family the emulator presents (its
// built-in Unifying, Bolt, Lightspeed and Nano receivers, and Bluetooth
// devices on nodes of their own) while the emulator
// drops, delays, duplicates and misaddresses replies, floods garbage and
// truncated reports, takes devices away in the middle of a request, and is
// pulled out and put back a hundred times. After each fault the devices are
// given new figures, and the tests check that the monitor still runs, shows
// each device's true state, never showed a figure the emulator did not
// hold, and leaks no goroutines or file descriptors.
//
// The package has no code of its own: everything is in its tests.
package faults
