package window

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helio-linux/helio/internal/config"
)

// field is one entry of the settings form with the error shown under it.
type field struct {
	key   string // the config key it sets, such as "thresholds.low"
	label string
	entry *widget.Entry
	err   *widget.Label
}

func newField(key, label, placeholder string) *field {
	f := &field{key: key, label: label, entry: widget.NewEntry(), err: widget.NewLabel("")}
	f.entry.SetPlaceHolder(placeholder)
	f.err.Importance = widget.DangerImportance
	f.err.Wrapping = fyne.TextWrapWord
	f.err.Hide()
	return f
}

func (f *field) setError(msg string) {
	f.err.SetText(msg)
	f.err.Show()
}

func (f *field) clearError() {
	f.err.SetText("")
	f.err.Hide()
}

func (f *field) item(hint string) *widget.FormItem {
	it := widget.NewFormItem(f.label, container.NewVBox(f.entry, f.err))
	it.HintText = hint
	return it
}

// settings is the Settings tab: the thresholds, the notifications and the
// light schedule of the config file, checked as the file is and saved with
// [config.Save]. Settings the window does not show (history, monitor) are
// written back as the file had them. Its methods run on fyne's goroutine.
type settings struct {
	o       *Opts
	base    config.Config // the file as loaded or last saved
	loadErr error

	low, critical, hysteresis, darkAfter, interval, reports *field
	notifyLow, notifyCritical, notifyDark, onButton         *widget.Check
	thresholdsErr                                           *widget.Label
	status                                                  *widget.Label
	saveButton                                              *widget.Button
	root                                                    fyne.CanvasObject
	body                                                    *fyne.Container
}

func newSettings(o *Opts, c config.Config, loadErr error) *settings {
	s := &settings{o: o, base: c, loadErr: loadErr}
	s.low = newField("thresholds.low", "Low battery", "20")
	s.critical = newField("thresholds.critical", "Critical battery", "5")
	s.hysteresis = newField("thresholds.hysteresis", "Hysteresis", "3")
	s.darkAfter = newField("thresholds.dark_after", "Dark delay", "2h")
	s.interval = newField("light.interval", "Check every", "10m")
	s.reports = newField("light.reports", "Reports per check", "1")
	s.notifyLow = widget.NewCheck("Low battery", nil)
	s.notifyCritical = widget.NewCheck("Critical battery", nil)
	s.notifyDark = widget.NewCheck("Keyboard in the dark", nil)
	s.onButton = widget.NewCheck("Also when the keyboard's light button is pressed", nil)
	s.thresholdsErr = widget.NewLabel("")
	s.thresholdsErr.Importance = widget.DangerImportance
	s.thresholdsErr.Wrapping = fyne.TextWrapWord
	s.thresholdsErr.Hide()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	alerts := container.NewGridWithColumns(2,
		widget.NewForm(s.low.item("%, first alert"), s.hysteresis.item("points to climb before alerting again")),
		widget.NewForm(s.critical.item("%, below the low one"), s.darkAfter.item("without charging light: 90m, 2h, 1d")),
	)
	light := container.NewGridWithColumns(2,
		widget.NewForm(s.interval.item("at least 1m")),
		widget.NewForm(s.reports.item("one second apart, 1-255")),
	)
	s.saveButton = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), s.save)
	s.saveButton.Importance = widget.HighImportance
	revert := widget.NewButton("Revert", s.revert)

	s.fill(c)
	if loadErr != nil {
		s.status.Importance = widget.DangerImportance
		s.status.SetText(loadErr.Error() + "\nThe form shows the defaults; saving replaces the file.")
	} else {
		s.status.SetText("Settings file: " + tilde(o.ConfigPath))
	}
	s.body = container.NewVBox(
		heading("Battery alerts"), alerts, s.thresholdsErr,
		widget.NewSeparator(),
		heading("Notifications shown on the desktop"),
		container.NewGridWithColumns(3, s.notifyLow, s.notifyCritical, s.notifyDark),
		widget.NewSeparator(),
		heading("Solar keyboard light"), light, s.onButton,
	)
	buttons := container.NewHBox(layout.NewSpacer(), revert, s.saveButton)
	s.root = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), s.status, buttons), nil, nil,
		container.NewVScroll(s.body))
	return s
}

func (s *settings) fields() []*field {
	return []*field{s.low, s.critical, s.hysteresis, s.darkAfter, s.interval, s.reports}
}

// fill shows c in the form.
func (s *settings) fill(c config.Config) {
	s.low.entry.SetText(strconv.Itoa(c.Thresholds.Low))
	s.critical.entry.SetText(strconv.Itoa(c.Thresholds.Critical))
	s.hysteresis.entry.SetText(strconv.Itoa(c.Thresholds.Hysteresis))
	s.darkAfter.entry.SetText(c.Thresholds.DarkAfter.String())
	s.interval.entry.SetText(c.Light.Interval.String())
	s.reports.entry.SetText(strconv.Itoa(c.Light.Reports))
	s.notifyLow.SetChecked(c.Notifications.Low)
	s.notifyCritical.SetChecked(c.Notifications.Critical)
	s.notifyDark.SetChecked(c.Notifications.Dark)
	s.onButton.SetChecked(c.Light.OnButton)
}

func (s *settings) clearErrors() {
	for _, f := range s.fields() {
		f.clearError()
	}
	s.thresholdsErr.Hide()
}

// relayout lays the form out again after errors appeared or went.
func (s *settings) relayout() {
	for _, o := range s.body.Objects {
		o.Refresh()
	}
	s.body.Refresh()
}

// revert shows the file as last loaded or saved.
func (s *settings) revert() {
	defer s.relayout()
	s.clearErrors()
	s.fill(s.base)
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Settings file: " + tilde(s.o.ConfigPath))
}

// collect reads the form over the file's other settings. A field that
// does not parse gets its error and collect returns false.
func (s *settings) collect() (config.Config, bool) {
	c := s.base
	ok := true
	integer := func(f *field, dst *int, unit string) {
		v, err := strconv.Atoi(strings.TrimSpace(f.entry.Text))
		if err != nil {
			f.setError(fmt.Sprintf("Enter a whole number of %s, such as %s.", unit, f.entry.PlaceHolder))
			ok = false
			return
		}
		*dst = v
	}
	duration := func(f *field, dst *config.Duration) {
		v, err := config.ParseDuration(strings.TrimSpace(f.entry.Text))
		if err != nil {
			f.setError(err.Error() + ".")
			ok = false
			return
		}
		*dst = config.Dur(v)
	}
	integer(s.low, &c.Thresholds.Low, "percent")
	integer(s.critical, &c.Thresholds.Critical, "percent")
	integer(s.hysteresis, &c.Thresholds.Hysteresis, "points")
	duration(s.darkAfter, &c.Thresholds.DarkAfter)
	duration(s.interval, &c.Light.Interval)
	integer(s.reports, &c.Light.Reports, "reports")
	c.Notifications = config.Notifications{Low: s.notifyLow.Checked, Critical: s.notifyCritical.Checked, Dark: s.notifyDark.Checked}
	c.Light.OnButton = s.onButton.Checked
	return c, ok
}

// save checks the form and writes the file.
func (s *settings) save() {
	// Errors appear and go under the fields: the forms must be laid out
	// again for the rows to make room.
	defer s.relayout()
	s.clearErrors()
	c, ok := s.collect()
	if ok {
		ok = s.check(c)
	}
	if !ok {
		s.status.Importance = widget.DangerImportance
		s.status.SetText("Not saved: correct the settings marked in red.")
		return
	}
	if err := config.Save(s.o.ConfigPath, c); err != nil {
		s.status.Importance = widget.DangerImportance
		s.status.SetText("Not saved: " + err.Error())
		return
	}
	s.base, s.loadErr = c, nil
	s.status.Importance = widget.SuccessImportance
	s.status.SetText("Saved to " + tilde(s.o.ConfigPath) + " at " + s.o.Now().In(s.o.Location).Format("15:04:05") + ".")
	s.o.Logger.Info("settings saved", "path", s.o.ConfigPath)
}

// check validates c as the config file would (the notifier follows the
// same rules), and puts each problem under the field it is about.
func (s *settings) check(c config.Config) bool {
	if err := c.Validate(); err != nil {
		var e *config.Error
		if errors.As(err, &e) {
			for _, f := range s.fields() {
				if f.key == e.Key {
					f.setError(s.words(e.Msg) + ".")
					return false
				}
			}
		}
		s.thresholdsErr.SetText(s.words(err.Error()))
		s.thresholdsErr.Show()
		return false
	}
	return true
}

// words replaces the config keys in a validation message with the
// form's labels: "must be below thresholds.low (20)" reads "must be below
// Low battery (20)".
func (s *settings) words(msg string) string {
	var pairs []string
	for _, f := range s.fields() {
		pairs = append(pairs, f.key, "“"+f.label+"”")
	}
	msg = strings.NewReplacer(pairs...).Replace(msg)
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// tilde writes a path under the home directory as ~/..., as users know
// their config file.
func tilde(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return path
	}
	if rest, ok := strings.CutPrefix(path, home+string(filepath.Separator)); ok {
		return "~/" + rest
	}
	return path
}
