package window

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helio-linux/helio/assets"
	"github.com/helio-linux/helio/internal/config"
	"github.com/helio-linux/helio/sensors"
	"github.com/helio-linux/helio/transport"
)

// deviceList is the Devices tab: where the figures come from, then one
// card per device. Its methods run on fyne's goroutine.
type deviceList struct {
	o *Opts
	// thresholds colours the gauges as the alerts are set.
	thresholds func() config.Thresholds
	banner     *widget.Label
	// bannerIcon says at a glance whether the figures are live.
	bannerIcon *widget.Icon
	list       *fyne.Container
	root       fyne.CanvasObject
	icons      map[string]fyne.Resource
}

func newDeviceList(o *Opts, thresholds func() config.Thresholds) *deviceList {
	d := &deviceList{o: o, thresholds: thresholds, icons: map[string]fyne.Resource{}}
	d.banner = widget.NewLabel("Looking for the Helio tray…")
	d.banner.Wrapping = fyne.TextWrapWord
	d.bannerIcon = widget.NewIcon(theme.InfoIcon())
	d.list = container.NewVBox()
	top := container.NewBorder(nil, nil, container.NewCenter(d.bannerIcon), nil, d.banner)
	d.root = container.NewBorder(top, nil, nil, nil, container.NewVScroll(d.list))
	return d
}

// set shows s.
func (d *deviceList) set(s Snapshot) {
	switch {
	case s.Source == SourceTray:
		d.banner.Text = "Live from the Helio tray: the figures follow every change."
		d.bannerIcon.SetResource(theme.ConfirmIcon())
	case s.Source == SourceNone:
		d.banner.Text = "The Helio tray is not running. Reading the receivers once…"
		d.bannerIcon.SetResource(theme.WarningIcon())
	case s.Err != nil:
		d.banner.Text = "The Helio tray is not running, and the receivers could not be read: " + s.Err.Error()
		d.bannerIcon.SetResource(theme.ErrorIcon())
	default:
		d.banner.Text = fmt.Sprintf("The Helio tray is not running. These figures were read once, at %s, and do not change; "+
			"start the tray (helio tray) for live figures.", d.clock(s.Read))
		d.bannerIcon.SetResource(theme.WarningIcon())
	}
	d.banner.Refresh()

	d.list.RemoveAll()
	if len(s.States) == 0 && s.Source != SourceNone {
		msg := widget.NewLabel("No devices")
		msg.Alignment = fyne.TextAlignCenter
		d.list.Add(msg)
	}
	for i := range s.States {
		d.list.Add(d.card(&s.States[i]))
	}
	d.list.Refresh()
}

// card is one device: its icon and figures as the tray shows them, a bar
// for a percentage, and when the figures were confirmed.
func (d *deviceList) card(st *sensors.State) fyne.CanvasObject {
	name := st.Title()
	figures := st.Figures()

	icon := canvas.NewImageFromResource(d.icon(assets.Device(*st)))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(36))

	title := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	about := st.Kind.String()
	switch {
	case st.Direct && st.Bus == transport.BusBluetooth:
		about += " · Bluetooth, address " + st.Serial
	case st.Serial != "":
		about += " · serial " + st.Serial
	}
	aboutLabel := widget.NewLabel(about)
	aboutLabel.SizeName = theme.SizeNameCaptionText
	badge := widget.NewLabelWithStyle("Online", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	badge.Importance = widget.SuccessImportance
	if !st.Online {
		badge.Text, badge.Importance = "Offline", widget.WarningImportance
		figures = "Out of range, switched off or asleep"
		if st.Battery != nil && st.Battery.Figure() != "" {
			figures += "; last known charge " + st.Battery.Figure()
		}
	}
	when := widget.NewLabel(d.updated(st))
	when.SizeName = theme.SizeNameCaptionText
	lines := container.NewVBox(
		container.NewBorder(nil, nil, container.NewHBox(title, container.NewCenter(aboutLabel)), badge),
		container.NewBorder(nil, nil, nil, when, widget.NewLabel(figures)),
	)
	if b := st.Battery; st.Online && b != nil && b.HasPercent {
		lines.Add(d.bar(b.Percent))
	}
	return widget.NewCard("", "", container.NewBorder(nil, nil, container.NewCenter(icon), nil, lines))
}

// bar is a slim gauge of a percentage, coloured by the user's alert
// thresholds: red at the critical one or below, orange at the low one.
func (d *deviceList) bar(percent int) fyne.CanvasObject {
	percent = min(max(percent, 0), 100)
	t := d.thresholds()
	name := theme.ColorNameSuccess
	switch {
	case percent <= t.Critical:
		name = theme.ColorNameError
	case percent <= t.Low:
		name = theme.ColorNameWarning
	}
	track := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	track.CornerRadius = 3
	fill := canvas.NewRectangle(theme.Color(name))
	fill.CornerRadius = 3
	return container.New(gaugeLayout{frac: float32(percent) / 100}, track, fill)
}

// gaugeLayout stretches its first object (the track) and gives the second
// (the fill) frac of the width.
type gaugeLayout struct{ frac float32 }

// gaugeHeight is the gauge's thickness.
const gaugeHeight = 6

func (g gaugeLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := (size.Height - gaugeHeight) / 2
	objs[0].Move(fyne.NewPos(0, y))
	objs[0].Resize(fyne.NewSize(size.Width, gaugeHeight))
	objs[1].Move(fyne.NewPos(0, y))
	objs[1].Resize(fyne.NewSize(size.Width*g.frac, gaugeHeight))
}

func (g gaugeLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(60, gaugeHeight+4) }

// updated says when the device's figures were last confirmed, or when it
// was last seen.
func (d *deviceList) updated(st *sensors.State) string {
	t := st.BatteryTime
	if st.LightTime.After(t) {
		t = st.LightTime
	}
	if t.IsZero() {
		t = st.SeenTime
	}
	switch {
	case t.IsZero() && st.Online:
		return "Not read yet"
	case t.IsZero():
		return "Never seen by Helio"
	case !st.Online:
		return "Last seen " + d.clock(t)
	}
	return "Updated " + d.clock(t)
}

// clock writes t as a time of day when it is today, else with its date.
func (d *deviceList) clock(t time.Time) string {
	t = t.In(d.o.Location)
	now := d.o.Now().In(d.o.Location)
	if y, m, dd := t.Date(); y == now.Year() && m == now.Month() && dd == now.Day() {
		return t.Format("15:04:05")
	}
	if t.Year() == now.Year() {
		return t.Format("Jan 2, 15:04")
	}
	return t.Format("Jan 2 2006, 15:04")
}

// icon is the assets icon called name, as a fyne resource.
func (d *deviceList) icon(name string) fyne.Resource {
	if r, ok := d.icons[name]; ok {
		return r
	}
	b, err := assets.Icon(name)
	if err != nil {
		// The tray names only icons it ships; should it name another,
		// show the missing battery rather than nothing.
		d.o.Logger.Warn("no such icon", "name", name, "err", err)
		b, _ = assets.Icon(assets.BatteryMissing)
	}
	r := fyne.NewStaticResource(name+".svg", b)
	d.icons[name] = r
	return r
}
