package tray_test

import (
	"fmt"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/tray"
)

func ExampleSummarize() {
	states := []sensors.State{
		{ID: "1A2B3C4D-4002-0000A750", Name: "K750", Codename: "K750", Online: true, Solar: true,
			Battery: &hidpp.Battery{Percent: 57, HasPercent: true, Status: hidpp.StatusDischarging},
			Light:   &sensors.Light{Lux: 12}},
		{ID: "1A2B3C4D-400a-0000B325", Name: "M325", Codename: "M325", Online: true,
			Battery: &hidpp.Battery{Percent: 50, HasPercent: true, Approximate: true, Level: hidpp.LevelGood, Status: hidpp.StatusDischarging}},
	}
	s := tray.Summarize(states, tray.DefaultOpts)
	fmt.Println(s.IconName, "/", s.Fallback, "/", s.Text)
	fmt.Println(s.Tooltip)
	for _, it := range s.Items {
		fmt.Println(it.DeviceID, it.CheckLight)
	}
	// Output:
	// battery-level-50-symbolic / battery-good / about 50 %
	// K750: 57 %, 12 lux, discharging
	// M325: about 50 %, discharging
	// 1A2B3C4D-4002-0000A750 true
	// 1A2B3C4D-400a-0000B325 false
}
