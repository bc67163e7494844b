package assets_test

import (
	"fmt"

	"github.com/helio-linux/helio/assets"
)

func ExampleIcon() {
	svg, err := assets.Icon(assets.BatteryLow)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(svg) > 0)

	_, err = assets.Icon("battery-empty")
	fmt.Println(err)
	// Output:
	// true
	// assets: icon "battery-empty": file does not exist (valid names: battery-charging, battery-critical, battery-full, battery-good, battery-low, battery-missing, solar-dark, solar-sun)
}
