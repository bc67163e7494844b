package tray

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helio-linux/helio/sensors"
)

// fakeTheme makes icon themes under dir/icons: theme "Mine" inheriting
// "Base", and hicolor; each file maps a path under a theme to its content.
func fakeTheme(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"Mine/index.theme":    "[Icon Theme]\nName=Mine\nInherits=Base\n",
		"Base/index.theme":    "[Icon Theme]\nName=Base\nInherits=hicolor\n",
		"hicolor/index.theme": "[Icon Theme]\nName=hicolor\n",
	}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		p := filepath.Join(dir, "icons", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// square is a symbolic icon: a square in the theme's own grey.
const square = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><path d="M2 2h12v12H2z" fill="#2e3434"/></svg>`

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestTheme_Lookup(t *testing.T) {
	data := fakeTheme(t, map[string]string{
		"Base/scalable/status/battery-level-50-symbolic.svg": square,
		"Mine/symbolic/status/weather-clear-symbolic.svg":    strings.ReplaceAll(square, `fill="#2e3434"`, `style="fill:#2e3434"`),
		"hicolor/scalable/status/only-in-hicolor.svg":        square,
	})
	config := t.TempDir()
	if err := os.MkdirAll(filepath.Join(config, "gtk-3.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(config, "gtk-3.0", "settings.ini"), []byte("[Settings]\ngtk-icon-theme-name = Mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	th := LoadTheme(env(map[string]string{"XDG_DATA_DIRS": data, "XDG_CONFIG_HOME": config}))
	tests := []struct {
		name string
		ok   bool
	}{
		{"battery-level-50-symbolic", true}, // inherited from Base
		{"weather-clear-symbolic", true},    // the user's theme
		{"only-in-hicolor", true},
		{"battery-level-60-symbolic", false},
		{"../Base/scalable/status/battery-level-50-symbolic", false},
		{"", false},
	}
	for _, tt := range tests {
		doc, ok := th.Lookup(tt.name, "#ff0000")
		if ok != tt.ok {
			t.Errorf("Lookup(%q) found = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if ok && strings.HasSuffix(tt.name, "-symbolic") && (!bytes.Contains(doc, []byte("#ff0000")) || bytes.Contains(doc, []byte("#2e3434"))) {
			t.Errorf("Lookup(%q) did not recolour the symbolic icon: %s", tt.name, doc)
		}
	}
	var none *Theme
	if _, ok := none.Lookup("battery-level-50-symbolic", "#ff0000"); ok {
		t.Error("a nil Theme found an icon")
	}
}

// TestIcon_Theme checks that the tray draws the theme's icon for the
// summary's name, in the ink, and Helio's own where the theme has none.
func TestIcon_Theme(t *testing.T) {
	data := fakeTheme(t, map[string]string{"Base/scalable/status/battery-level-40-symbolic.svg": square})
	th := LoadTheme(env(map[string]string{"XDG_DATA_DIRS": data, "XDG_CONFIG_HOME": t.TempDir()}))
	// No gtk settings: Adwaita, which this fake data directory lacks; so
	// only hicolor is searched, and it has nothing.
	if _, ok := th.Lookup("battery-level-40-symbolic", "#ffffff"); ok {
		t.Fatal("found an icon of theme Base without being asked for it")
	}
	config := t.TempDir()
	os.MkdirAll(filepath.Join(config, "gtk-3.0"), 0o755)
	os.WriteFile(filepath.Join(config, "gtk-3.0", "settings.ini"), []byte("[Settings]\ngtk-icon-theme-name=Base\n"), 0o644)
	th = LoadTheme(env(map[string]string{"XDG_DATA_DIRS": data, "XDG_CONFIG_HOME": config}))

	ink := color.NRGBA{0xff, 0, 0, 0xff}
	for _, tt := range []struct {
		states []sensors.State
		themed bool
	}{
		{[]sensors.State{percent(m705, 40, discharging)}, true},  // battery-level-40-symbolic
		{[]sensors.State{percent(m705, 60, discharging)}, false}, // battery-level-60-symbolic: not in the theme
	} {
		b, err := Icon(Summarize(tt.states, DefaultOpts), IconOpts{Ink: ink, Theme: th})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		// The fake theme's square fills the centre with the ink; Helio's
		// own battery is hollow there above its fill.
		got := color.NRGBAModel.Convert(img.At(IconSize/2, IconSize/4)).(color.NRGBA)
		if themed := got == ink; themed != tt.themed {
			t.Errorf("%s: centre pixel %v: themed = %v, want %v", Summarize(tt.states, DefaultOpts).IconName, got, themed, tt.themed)
		}
	}
}
