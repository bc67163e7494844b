// Package hostile is Helio's hostile-input campaign: every path Helio
// reads or writes (a profile, the config, the device cache, the history,
// a PNG chart, CSV on standard output) is given what a hostile or careless
// user could put there: a FIFO, a device node, a directory, a symbolic link
// to a file that must not change, an unreadable file, an empty file, a
// huge file, a full disk. Each time the real helio binary must answer with
// a clear error (or do its job, where the input is harmless), stop within
// a second of a signal, stay within bounded memory, and modify nothing
// outside Helio's own files. "make test" runs it.
//
// The package has no code of its own: everything is in its tests.
package hostile
