// Package window is the content of "Open Helio", the window the tray
// starts on demand in a process of its own (cmd/helio-window), so that
// fyne's GL driver lives only as long as the window does. It holds three
// tabs:
//
//   - Devices: every device with its battery, worded as the tray words it
//     ([tray.Summarize]: "57 %", "about 50 %", "good"), its status, the
//     light of a solar keyboard, when its figures were confirmed, and
//     whether it is in range. The figures come from the tray's UPower-style
//     service on the session bus ([Follow]), which stays the only process
//     talking to the receivers; while the tray is not running, from one
//     direct read, and the window says so.
//   - Charts: the charge (%) and the light (lux) of every device over the
//     last 24 hours and 7 days, drawn from the history database the tray
//     writes, or "No readings yet".
//   - Settings: the alert thresholds, the notifications and the solar
//     keyboard's light schedule, checked as the config file is and saved
//     with [config.Save].
//
// The package imports no fyne driver (fyne.io/fyne/v2/app): its tests run
// on fyne's software test driver, without cgo or a display.
package window

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors/history"
)

// Opts configures the window.
type Opts struct {
	// ConfigPath is the config file the settings are read from and saved
	// to. Required.
	ConfigPath string
	// HistoryPath is the history database. Empty: the config's
	// history.path, else history.DefaultPath.
	HistoryPath string
	// Now is the clock of the charts' ranges and the times shown; default
	// time.Now.
	Now func() time.Time
	// Location is the time zone of the times shown; default time.Local.
	Location *time.Location
	// Logger may be nil.
	Logger *slog.Logger
}

// Size is the window's initial size: room for four device cards, and
// charts wide enough to read a day hour by hour.
var Size = fyne.NewSize(720, 600)

// Window is Helio's window content on a fyne window. Its methods must be
// called on fyne's goroutine (from a callback, or through fyne.Do).
type Window struct {
	w        fyne.Window
	o        Opts
	tabs     *container.AppTabs
	devices  *deviceList
	charts   *charts
	settings *settings
}

// Tab indexes, in the order the tabs show.
const (
	TabDevices = iota
	TabCharts
	TabSettings
)

// New fills w with Helio's tabs: the config file is read now, the history
// when the Charts tab is first shown, and the devices show "Looking for
// the Helio tray" until [Window.Show] gives them. A config file with an
// error is said on the Settings tab, which starts from the defaults.
func New(w fyne.Window, opts Opts) *Window {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := config.Load(opts.ConfigPath)
	win := &Window{w: w, o: opts}
	win.settings = newSettings(&win.o, cfg, err)
	win.devices = newDeviceList(&win.o, func() config.Thresholds { return win.settings.base.Thresholds })
	win.charts = newCharts(&win.o, win.historyPath)
	win.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Devices", theme.ComputerIcon(), win.devices.root),
		container.NewTabItemWithIcon("Charts", theme.HistoryIcon(), win.charts.tabs),
		container.NewTabItemWithIcon("Settings", theme.SettingsIcon(), win.settings.root),
	)
	win.tabs.OnSelected = func(*container.TabItem) {
		// Each visit reads the history again: the tray keeps writing.
		if win.tabs.SelectedIndex() == TabCharts {
			win.charts.reload()
		}
	}
	w.SetContent(win.tabs)
	w.Resize(Size)
	return win
}

// historyPath is the database the charts read: the option, else the
// config's (as last saved), else the default.
func (w *Window) historyPath() string {
	if w.o.HistoryPath != "" {
		return w.o.HistoryPath
	}
	if p := w.settings.base.History.Path; p != "" {
		return p
	}
	p, err := history.DefaultPath()
	if err != nil {
		w.o.Logger.Warn("no history path", "err", err)
		return ""
	}
	return p
}

// Show shows the devices of s.
func (w *Window) Show(s Snapshot) { w.devices.set(s) }

// Select shows the tab at index (TabDevices, TabCharts, TabSettings).
func (w *Window) Select(index int) { w.tabs.SelectIndex(index) }

// SelectRange shows the charts of range index: 0 the last 24 hours, 1
// the last 7 days.
func (w *Window) SelectRange(index int) { w.charts.tabs.SelectIndex(index) }

// ReloadHistory reads the history again and redraws the charts.
func (w *Window) ReloadHistory() { w.charts.reload() }
