// Command helio shows the batteries of Logitech wireless devices, and the
// light on solar keyboards such as the K750, by talking HID++ to their
// receivers. Run "helio --help" for the commands.
package main

import (
	"os"

	"github.com/helio-linux/helio/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr}))
}
