module github.com/helio-linux/helio

go 1.26.8

require (
	github.com/google/gousb v1.1.3 // indirect
	github.com/sstallion/go-hid v0.15.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
