module github.com/helio-linux/helio

go 1.26.8

require (
	fyne.io/fyne/v2 v2.8.1
	github.com/godbus/dbus/v5 v5.2.4
	github.com/google/gousb v1.1.3
	github.com/sstallion/go-hid v0.15.0
	golang.org/x/sys v0.49.0
)
