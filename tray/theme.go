package tray

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Theme finds icons by their freedesktop names in the user's icon theme,
// so the tray's icon looks like the rest of the panel where the theme
// draws batteries. fyne.io/systray publishes an item's icon only as a
// pixmap, so the tray reads the theme's SVG itself rather than name the
// icon to the host. A nil *Theme finds nothing.
type Theme struct {
	dirs []string // theme directories to search, the user's theme first
}

// LoadTheme finds the user's icon theme, as GTK desktops configure it
// ($XDG_CONFIG_HOME/gtk-3.0/settings.ini), else Adwaita, with the themes it
// inherits and hicolor last, in every icon directory of the XDG base
// directories. getenv is os.Getenv outside tests.
func LoadTheme(getenv func(string) string) *Theme {
	var bases []string
	if d := getenv("XDG_DATA_HOME"); d != "" {
		bases = append(bases, filepath.Join(d, "icons"))
	} else if h := getenv("HOME"); h != "" {
		bases = append(bases, filepath.Join(h, ".local/share/icons"))
	}
	dataDirs := getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	for _, d := range filepath.SplitList(dataDirs) {
		bases = append(bases, filepath.Join(d, "icons"))
	}
	name := gtkIconTheme(getenv)
	if name == "" {
		name = "Adwaita"
	}
	t := &Theme{}
	seen := map[string]bool{}
	var add func(theme string, depth int)
	add = func(theme string, depth int) {
		if seen[theme] || depth > 8 {
			return
		}
		seen[theme] = true
		var inherits []string
		for _, b := range bases {
			dir := filepath.Join(b, theme)
			index, err := os.ReadFile(filepath.Join(dir, "index.theme"))
			if err != nil {
				continue
			}
			t.dirs = append(t.dirs, dir)
			if inherits == nil {
				inherits = themeInherits(index)
			}
		}
		for _, parent := range inherits {
			add(parent, depth+1)
		}
	}
	add(name, 0)
	add("hicolor", 0)
	return t
}

// gtkIconTheme is gtk-icon-theme-name from GTK 3's settings.ini.
func gtkIconTheme(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if h := getenv("HOME"); h != "" {
			dir = filepath.Join(h, ".config")
		}
	}
	f, err := os.Open(filepath.Join(dir, "gtk-3.0", "settings.ini"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == "gtk-icon-theme-name" {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}

// themeInherits is the Inherits list of an index.theme.
func themeInherits(index []byte) []string {
	for _, line := range bytes.Split(index, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte("=")); ok && string(bytes.TrimSpace(k)) == "Inherits" {
			var out []string
			for _, p := range strings.Split(string(v), ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		}
	}
	return []string{}
}

// iconSubdirs are where themes keep scalable status icons, by the
// layouts of Adwaita, Breeze, Papirus and hicolor.
var iconSubdirs = []string{
	"scalable/status", "symbolic/status", "status/scalable", "status/symbolic",
	"scalable/devices", "status/22", "status/24",
}

// Lookup returns the SVG of the icon called name, from the first theme
// directory that has it. A symbolic icon (name ending in -symbolic) is
// monochrome by the icon naming specification, drawn for the host to
// recolour: its colours are replaced with ink, as a host would.
func (t *Theme) Lookup(name, ink string) ([]byte, bool) {
	if t == nil || name == "" || strings.ContainsAny(name, "/\x00") {
		return nil, false
	}
	for _, dir := range t.dirs {
		for _, sub := range iconSubdirs {
			doc, err := os.ReadFile(filepath.Join(dir, sub, name+".svg"))
			if err != nil {
				continue
			}
			if strings.HasSuffix(name, "-symbolic") {
				doc = svgColour.ReplaceAll(doc, []byte(`${1}="`+ink+`"`))
				doc = styleColour.ReplaceAll(doc, []byte(`${1}:`+ink))
			}
			return doc, true
		}
	}
	return nil, false
}

// svgColour matches a fill or stroke given as a colour (not "none" or a
// gradient reference).
var (
	svgColour   = regexp.MustCompile(`(fill|stroke)="#[0-9a-fA-F]{3,8}"`)
	styleColour = regexp.MustCompile(`(fill|stroke):#[0-9a-fA-F]{3,8}`)
)
