// Package assets holds Helio's own icons, embedded in the binary. They are
// the fallback for when the user's icon theme lacks the freedesktop names
// Helio asks for first (battery-level-50-symbolic, battery-caution-symbolic
// and the like): minimal window-manager setups often ship no icon theme at
// all, and no theme draws a solar keyboard's light. The tray front end asks
// for [Icon] by the name that package tray puts in Summary.Fallback and
// Item.Icon.
//
// Every icon is a small SVG drawn for Helio on a 24×24 view box.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed icons/*.svg
var icons embed.FS

// Icon names. Each is the name of an SVG file under icons/, without ".svg".
const (
	BatteryFull     = "battery-full"     // 80 % and more
	BatteryGood     = "battery-good"     // above low, below full
	BatteryLow      = "battery-low"      // low, not yet critical
	BatteryCritical = "battery-critical" // critical: about to die
	BatteryCharging = "battery-charging" // charging, whatever the level
	BatteryMissing  = "battery-missing"  // no battery figure known
	SolarSun        = "solar-sun"        // light enough to charge a solar keyboard
	SolarDark       = "solar-dark"       // too dark to charge a solar keyboard
)

// names is the sorted list of embedded icons, read once from the embedded
// directory so that it cannot drift from the files.
var names = func() []string {
	entries, err := fs.ReadDir(icons, "icons")
	if err != nil {
		// The directory is embedded at build time; failing to read it
		// is a broken build, not a runtime condition.
		panic(fmt.Sprintf("assets: read embedded icons: %v", err))
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".svg"); ok {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}()

// Names returns the names of all embedded icons, sorted. The slice is the
// caller's to keep or change.
func Names() []string { return slices.Clone(names) }

// Icon returns the SVG document of the icon called name, such as
// [BatteryLow]. The bytes are a fresh copy, the caller's to keep. An
// unknown name gives an error that wraps [fs.ErrNotExist] and lists the
// valid names.
func Icon(name string) ([]byte, error) {
	if _, ok := slices.BinarySearch(names, name); !ok {
		return nil, fmt.Errorf("assets: icon %q: %w (valid names: %s)",
			name, fs.ErrNotExist, strings.Join(names, ", "))
	}
	b, err := icons.ReadFile(path.Join("icons", name+".svg"))
	if err != nil {
		return nil, fmt.Errorf("assets: icon %q: %w", name, err)
	}
	return b, nil
}
