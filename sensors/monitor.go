package sensors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/transport"
	"github.com/helio-linux/helio/unifying"
)

// Recorder stores states as they change; the history database is one.
type Recorder interface {
	Record(State) error
}

// MonitorOpts configures a [Monitor].
type MonitorOpts struct {
	Backend transport.Backend

	// LightInterval is how often a solar keyboard is asked for a light
	// report, so its lux is never older than that. Default 10 minutes.
	LightInterval time.Duration
	// LightReports is how many reports each request asks for, one second
	// apart. Default 1.
	LightReports int
	// LightOnButton asks for a light report when the keyboard's light
	// button is pressed, as the Solar App did. Default true; set
	// NoLightOnButton to turn it off.
	NoLightOnButton bool

	// Poll is the period at which devices that cannot report battery
	// changes themselves are read; it doubles while such a device sleeps,
	// up to PollMax. Defaults 5 minutes and 1 hour.
	Poll, PollMax time.Duration

	// DeviceTimeout bounds each request to a device (default 4 s).
	DeviceTimeout time.Duration

	Cache    unifying.Cache // may be nil
	Recorder Recorder       // may be nil
	Logger   *slog.Logger   // may be nil
	Now      func() time.Time

	// Touched, when set, is called with a device's state after every
	// reading, event or connection change that reached it, whether or not
	// anything a person sees changed ([Monitor.Subscribe] tells only
	// those): a front end that says when a figure was last confirmed, as
	// the metrics textfile does, stays true without a timer of its own. It
	// is called from the monitor's goroutines, outside its lock, and must
	// return at once.
	Touched func(State)
}

func (o *MonitorOpts) fill() {
	if o.LightInterval <= 0 {
		o.LightInterval = 10 * time.Minute
	}
	if o.LightReports <= 0 {
		o.LightReports = 1
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Minute
	}
	if o.PollMax < o.Poll {
		o.PollMax = max(time.Hour, o.Poll)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Monitor keeps the state of every device of every receiver current, with
// as little radio traffic and as few wakeups as it can: it listens to the
// devices' own events (HID++ 2.0 battery events, HID++ 1.0 battery events
// once enabled, connection notifications, solar light reports), asks solar
// keyboards for light on a schedule, and polls only devices that cannot
// report by themselves. With nothing scheduled it sets no timer at all.
//
// Receivers plugged in later are picked up when the backend can watch for
// them ([transport.Watcher]); a receiver pulled out turns its devices
// offline until it comes back. Monitor is safe for concurrent use.
type Monitor struct {
	opts MonitorOpts

	mu      sync.Mutex
	states  map[string]State
	order   []string // device IDs in the order first seen
	devices map[string]*unifying.Device
	// owner is, per device ID, the receiver run (numbered from 1 as they
	// start) whose device object last updated it. A receiver pulled out
	// and put back is a new run with new device objects; the old run's
	// last words (a refresh failing as its connection closes) come late
	// and must not overwrite what the new run said.
	owner   map[string]uint64
	runs    uint64 // receiver runs started
	subs    map[chan State]struct{}
	history map[string][]chargeAt // recent charges of solar devices, for trends
}

// NewMonitor prepares a monitor; Run starts it.
func NewMonitor(opts MonitorOpts) *Monitor {
	opts.fill()
	return &Monitor{opts: opts, states: map[string]State{}, devices: map[string]*unifying.Device{}, owner: map[string]uint64{},
		subs: map[chan State]struct{}{}, history: map[string][]chargeAt{}}
}

// States returns the current state of every device seen, in the order
// they were first seen.
func (m *Monitor) States() []State {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]State, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.states[id])
	}
	return out
}

// Subscribe returns a channel that receives a device's state each time it
// changes. A subscriber more than 64 changes behind misses changes (States
// still has the latest). Call cancel when done; the channel is then closed.
func (m *Monitor) Subscribe() (<-chan State, func()) {
	ch := make(chan State, 64)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			delete(m.subs, ch)
			close(ch)
		})
	}
}

// CheckLight asks solar device id for light reports now, like pressing the
// Solar App's "check light": the reports come in as state changes.
func (m *Monitor) CheckLight(ctx context.Context, id string, reports int) error {
	m.mu.Lock()
	d := m.devices[id]
	st := m.states[id]
	m.mu.Unlock()
	switch {
	case d == nil:
		return fmt.Errorf("check light: no device %q", id)
	case !st.Solar:
		return fmt.Errorf("check light: %s has no solar cells", st.Name)
	case !st.Online:
		return fmt.Errorf("check light: %s is asleep or out of range", st.Name)
	}
	return d.SetLightMeasure(ctx, byte(min(max(reports, 1), 255)), 1)
}

// update applies f to device id's state and, if anything a person would see
// changed, publishes and records it.
// It ignores a run older than the one that last updated the device.
func (m *Monitor) update(run uint64, d *unifying.Device, f func(*State)) {
	m.mu.Lock()
	id := d.ID()
	if run < m.owner[id] {
		m.mu.Unlock()
		return
	}
	m.owner[id] = run
	old, seen := m.states[id]
	st := old
	if !seen {
		st = Identify(d)
		m.order = append(m.order, id)
	}
	// Identity fields can change: a name read later, a protocol found.
	fresh := Identify(d)
	st.Name, st.Protocol, st.Path, st.Index = fresh.Name, fresh.Protocol, fresh.Path, fresh.Index
	m.devices[id] = d
	f(&st)
	if st.Solar && st.Battery != nil {
		m.trend(id, &st)
	}
	m.states[id] = st
	changed := !seen || visible(old) != visible(st)
	if changed {
		// Sent under the lock, which cancel takes before closing a channel:
		// the sends never block, and never meet a closed channel.
		for ch := range m.subs {
			select {
			case ch <- st:
			default:
			}
		}
	}
	m.mu.Unlock()
	if m.opts.Touched != nil {
		m.opts.Touched(st)
	}
	if !changed {
		return
	}
	if m.opts.Recorder != nil {
		if err := m.opts.Recorder.Record(st); err != nil {
			m.opts.Logger.Warn("history not recorded", "device", st.Name, "err", err)
		}
	}
}

// visible is what a state change must alter to be worth telling: figures
// and presence, not the times they were confirmed.
type visibleState struct {
	online, solar       bool
	name, protocol      string
	hasBattery          bool
	percent             int
	hasPercent, approx  bool
	level               hidpp.Level
	status              hidpp.Status
	voltage, lux, trend int
	hasLight            bool
	err                 string
}

func visible(s State) visibleState {
	v := visibleState{online: s.Online, solar: s.Solar, name: s.Name, protocol: s.Protocol, trend: int(s.Trend)}
	if b := s.Battery; b != nil {
		v.hasBattery, v.percent, v.hasPercent, v.approx = true, b.Percent, b.HasPercent, b.Approximate
		v.level, v.status, v.voltage = b.Level, b.Status, b.VoltageMV
	}
	if s.Light != nil {
		v.hasLight, v.lux = true, s.Light.Lux
	}
	if s.Err != nil {
		v.err = s.Err.Error()
	}
	return v
}

// Run watches the backend's receivers until ctx ends. It returns nil then,
// or an error when the backend cannot be used at all.
func (m *Monitor) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var changes <-chan transport.Change
	if w, ok := m.opts.Backend.(transport.Watcher); ok {
		var err error
		if changes, err = w.Watch(ctx); err != nil {
			m.opts.Logger.Warn("cannot watch for receivers; only those present now are used", "err", err)
		}
	}
	if _, err := m.opts.Backend.Receivers(); err != nil {
		return fmt.Errorf("find receivers: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	type ending struct {
		path string
		gen  int
	}
	type receiverRun struct {
		stop context.CancelCauseFunc
		gen  int
	}
	ended := make(chan ending)
	running := map[string]receiverRun{}
	gen := 0
	start := func(info transport.Info) {
		if _, ok := running[info.Path]; ok {
			return
		}
		gen++
		rctx, rcancel := context.WithCancelCause(ctx)
		running[info.Path] = receiverRun{rcancel, gen}
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			if err := m.runReceiver(rctx, info); err != nil && rctx.Err() == nil {
				m.opts.Logger.Warn("receiver lost", "path", info.Path, "err", err)
			}
			select {
			case ended <- ending{info.Path, g}:
			case <-ctx.Done():
			}
		}(gen)
	}
	// reconcile starts every receiver present that is not running: at
	// start, after each change (a burst of changes may have lost some), and
	// after a receiver's goroutine ended by itself (it failed to open, or a
	// read failed) while the receiver may still be there.
	reconcile := func() {
		infos, err := m.opts.Backend.Receivers()
		if err != nil {
			m.opts.Logger.Warn("cannot list receivers", "err", err)
			return
		}
		for _, info := range infos {
			start(info)
		}
	}
	reconcile()
	// retry is armed only after a receiver ended by itself, with a backoff;
	// rewatch only after the watch itself failed. Otherwise no timer runs.
	var retry, rewatch <-chan time.Time
	backoff := time.Second
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-ended:
			if r, ok := running[e.path]; ok && r.gen == e.gen {
				delete(running, e.path)
				retry = time.After(backoff)
				backoff = min(backoff*2, time.Minute)
			}
		case <-retry:
			retry = nil
			reconcile()
		case <-rewatch:
			rewatch = nil
			if w, ok := m.opts.Backend.(transport.Watcher); ok {
				var err error
				if changes, err = w.Watch(ctx); err != nil {
					rewatch = time.After(time.Minute)
				}
			}
			reconcile()
		case c, ok := <-changes:
			if !ok {
				changes, rewatch = nil, time.After(time.Second)
				continue
			}
			if c.Added {
				m.opts.Logger.Info("receiver plugged in", "path", c.Info.Path)
				start(c.Info)
				backoff = time.Second
			} else {
				m.opts.Logger.Info("receiver pulled out", "path", c.Info.Path)
				if r, ok := running[c.Info.Path]; ok {
					r.stop(errReceiverGone)
					delete(running, c.Info.Path)
				}
			}
			reconcile()
		}
	}
}

// errReceiverGone cancels a receiver's goroutine when the receiver is
// pulled out, as opposed to the monitor stopping.
var errReceiverGone = errors.New("sensors: receiver pulled out")

// runReceiver opens one receiver and serves its devices until it is gone
// or ctx ends.
func (m *Monitor) runReceiver(ctx context.Context, info transport.Info) error {
	r, err := openReceiver(ctx, m.opts.Backend, info, m.opts.DeviceTimeout, m.opts.Logger)
	if err != nil {
		return err
	}
	c := r.Conn()
	defer c.Close()
	// Subscribe before the devices are listed, so no event slips between.
	events, unsubscribe := c.Subscribe()
	defer unsubscribe()
	if err := r.EnableNotifications(ctx); err != nil {
		m.opts.Logger.Warn("no connection notifications", "receiver", r, "err", err)
	}
	m.mu.Lock()
	m.runs++
	run := m.runs
	m.mu.Unlock()
	rs := &receiverState{m: m, run: run, r: r, ctx: ctx, next: map[string]time.Time{}, period: map[string]time.Duration{}}
	if err := rs.list(); err != nil {
		return err
	}
	timer := time.NewTimer(0)
	if !timer.Stop() {
		<-timer.C
	}
	for {
		rs.arm(timer)
		select {
		case <-ctx.Done():
			if context.Cause(ctx) == errReceiverGone {
				rs.lost()
			}
			return nil
		case <-c.Done():
			rs.lost()
			return c.Err()
		case rep, ok := <-events:
			if !ok {
				rs.lost()
				return c.Err()
			}
			rs.event(&rep)
		case <-timer.C:
			rs.due()
		}
	}
}

// receiverState is one receiver's devices and schedule, owned by the
// runReceiver goroutine.
type receiverState struct {
	relist     time.Time     // when to list the devices again after a partial listing
	relistWait time.Duration // the backoff of those relists
	m          *Monitor
	run        uint64 // this run's number, for Monitor.update
	r          *unifying.Receiver
	ctx        context.Context
	devices    []*unifying.Device
	next       map[string]time.Time     // when each device next needs a request
	period     map[string]time.Duration // current poll period of devices that cannot notify
	polled     map[string]bool          // devices that cannot report by themselves
}

// list reads the receiver's devices and takes a first reading of each.
func (rs *receiverState) list() error {
	devs, err := rs.r.Devices(rs.ctx, rs.m.opts.Cache)
	if err != nil && len(devs) == 0 {
		return err
	}
	if err != nil {
		// Some slots could not be read: list again soon, and less often
		// while that goes on.
		rs.relistWait = min(max(2*rs.relistWait, time.Second), time.Minute)
		rs.relist = rs.m.opts.Now().Add(rs.relistWait)
		rs.m.opts.Logger.Info("some devices could not be listed; listing again", "in", rs.relistWait, "err", err)
	} else {
		rs.relist, rs.relistWait = time.Time{}, 0
	}
	rs.devices = devs
	rs.polled = map[string]bool{}
	for _, d := range devs {
		rs.refresh(d)
	}
	return nil
}

// lost marks every device offline: the receiver is gone.
func (rs *receiverState) lost() {
	for _, d := range rs.devices {
		d.SetOnline(false)
		rs.m.update(rs.run, d, func(s *State) { s.Online = false })
	}
}

// refresh reads a device that just appeared or came back: its battery
// (HID++ 1.0 devices are also told to report changes), and for a solar
// keyboard a light report, which arrives as an event.
func (rs *receiverState) refresh(d *unifying.Device) {
	ctx, id, now := rs.ctx, d.ID(), rs.m.opts.Now()
	if err := d.Refresh(ctx); err != nil {
		rs.m.update(rs.run, d, func(s *State) { s.Err = err })
	}
	if !d.Online() {
		rs.m.update(rs.run, d, func(s *State) { s.Online = false })
		return
	}
	if !d.Protocol().IsFeatureBased() && !rs.polled[id] {
		if err := d.EnableBatteryEvents(ctx); err != nil {
			rs.m.opts.Logger.Info("battery events unavailable; polling instead", "device", d, "err", err)
			rs.polled[id] = true
			rs.period[id] = rs.m.opts.Poll
		}
	}
	b, err := d.Battery(ctx)
	switch {
	case err == nil:
		rs.m.update(rs.run, d, func(s *State) {
			s.Online, s.Battery, s.BatteryTime, s.SeenTime, s.Err = true, &b, now, now, nil
		})
	case errors.Is(err, hidpp.ErrNoBattery):
		ix, ferr := d.FeatureIndex(ctx, hidpp.FeatureSolarDashboard)
		if ferr == nil && ix != 0 {
			rs.m.update(rs.run, d, func(s *State) { s.Online, s.Solar, s.SeenTime = true, true, now })
			rs.askLight(d)
		}
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout):
		d.SetOnline(false)
		rs.m.update(rs.run, d, func(s *State) { s.Online = false })
	default:
		rs.m.update(rs.run, d, func(s *State) { s.Err = err })
	}
	d.Save()
	if rs.polled[id] {
		rs.next[id] = now.Add(rs.period[id])
	}
}

// askLight asks a solar keyboard for light reports and schedules the next
// request.
func (rs *receiverState) askLight(d *unifying.Device) {
	if err := d.SetLightMeasure(rs.ctx, byte(rs.m.opts.LightReports), 1); err != nil {
		rs.m.opts.Logger.Info("no light report", "device", d, "err", err)
	}
	rs.next[d.ID()] = rs.m.opts.Now().Add(rs.m.opts.LightInterval)
}

// arm sets the timer to the earliest request due, or stops it when none is.
func (rs *receiverState) arm(t *time.Timer) {
	first := rs.relist
	for _, at := range rs.next {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	if !first.IsZero() {
		t.Reset(max(first.Sub(rs.m.opts.Now()), 0))
	}
}

// due makes the requests whose time has come: light for solar keyboards,
// a battery read for devices that cannot report. A device asleep is asked
// less and less often.
func (rs *receiverState) due() {
	now := rs.m.opts.Now()
	if !rs.relist.IsZero() && !rs.relist.After(now) {
		rs.relist = time.Time{}
		if err := rs.list(); err != nil {
			rs.m.opts.Logger.Warn("cannot list the receiver's devices", "err", err)
		}
	}
	for _, d := range rs.devices {
		id := d.ID()
		at, ok := rs.next[id]
		if !ok || at.After(now) {
			continue
		}
		delete(rs.next, id)
		st := rs.m.stateOf(id)
		switch {
		case st.Solar && d.Online():
			rs.askLight(d)
		case rs.polled[id]:
			rs.refresh(d)
			if !d.Online() {
				rs.period[id] = min(rs.period[id]*2, rs.m.opts.PollMax)
			} else {
				rs.period[id] = rs.m.opts.Poll
			}
			rs.next[id] = now.Add(rs.period[id])
		}
	}
}

func (m *Monitor) stateOf(id string) State {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[id]
}

// event applies one notification: a connection change, a battery event, a
// solar report or button press, or a wireless status event.
func (rs *receiverState) event(rep *hidpp.Report) {
	if c, ok := rs.r.Track(rep); ok {
		switch c.Kind {
		case unifying.Connected:
			rs.refresh(c.Device)
		case unifying.Disconnected, unifying.Unpaired:
			rs.m.update(rs.run, c.Device, func(s *State) { s.Online = false })
			if !rs.polled[c.Device.ID()] {
				delete(rs.next, c.Device.ID())
			}
		case unifying.NewDevice:
			if err := rs.list(); err != nil {
				rs.m.opts.Logger.Warn("cannot list the receiver's devices", "err", err)
			}
		}
		return
	}
	var d *unifying.Device
	for _, dd := range rs.devices {
		if dd.Index() == rep.Device() {
			d = dd
		}
	}
	if d == nil || rep.SoftwareID() != 0 && rep.ID() != hidpp.ShortID {
		return // not a device's event (a late reply, the receiver's own)
	}
	now := rs.m.opts.Now()
	if b, ok, err := d.EventBattery(rep); ok {
		if err != nil {
			rs.m.opts.Logger.Debug("malformed battery event dropped", "device", d, "err", err)
			return
		}
		d.SetOnline(true)
		ix, _ := d.FeatureIndex(rs.ctx, hidpp.FeatureSolarDashboard)
		if ix != 0 && rep.SubID() == ix {
			rs.solarEvent(d, rep, now)
			return
		}
		rs.m.update(rs.run, d, func(s *State) {
			s.Online, s.Battery, s.BatteryTime, s.SeenTime, s.Err = true, &b, now, now, nil
		})
		return
	}
	if ix, _ := d.FeatureIndex(rs.ctx, hidpp.FeatureWirelessStatus); ix != 0 && rep.SubID() == ix && rep.ID() != hidpp.ShortID {
		// The device reconnected on its own (power switch, wake-up): read it again.
		rs.refresh(d)
	}
}

// solarEvent applies a solar dashboard event as a one-shot read does
// ([State.applySolar]); a light-button press also asks for a light report,
// as the Solar App did.
func (rs *receiverState) solarEvent(d *unifying.Device, rep *hidpp.Report, now time.Time) {
	ev, err := hidpp.DecodeSolarEvent(rep)
	if err != nil {
		rs.m.opts.Logger.Debug("malformed solar event dropped", "device", d, "err", err)
		return
	}
	rs.m.update(rs.run, d, func(s *State) { s.applySolar(ev, now) })
	if ev.Kind == hidpp.SolarLightButton && !rs.m.opts.NoLightOnButton {
		rs.askLight(d)
	}
}

// chargeAt is one charge reading of a solar device.
type chargeAt struct {
	t       time.Time
	percent int
}

// Trend windows: a trend needs readings spanning at least trendMin, and
// looks back at most trendWindow.
const (
	trendMin    = 30 * time.Minute
	trendWindow = 6 * time.Hour
)

// trend adds the state's charge to the device's recent readings and derives
// where the charge is heading: the least-squares slope over the window. A
// falling charge gives an estimate of how long it lasts at this light.
// m.mu must be held.
func (m *Monitor) trend(id string, s *State) {
	h := m.history[id]
	if n := len(h); n == 0 || h[n-1].t.Before(s.BatteryTime) {
		h = append(h, chargeAt{s.BatteryTime, s.Battery.Percent})
	}
	for len(h) > 0 && s.BatteryTime.Sub(h[0].t) > trendWindow {
		h = h[1:]
	}
	m.history[id] = h
	s.Trend, s.Remaining = TrendUnknown, 0
	if len(h) < 2 || h[len(h)-1].t.Sub(h[0].t) < trendMin {
		return
	}
	perHour := slope(h)
	switch {
	case perHour > 0.05:
		s.Trend = TrendRising
	case perHour < -0.05:
		s.Trend = TrendFalling
		s.Remaining = time.Duration(float64(s.Battery.Percent) / -perHour * float64(time.Hour))
	default:
		s.Trend = TrendSteady
	}
}

// slope is the least-squares slope of charge over time, in percent an hour.
func slope(h []chargeAt) float64 {
	t0 := h[0].t
	var sx, sy, sxx, sxy float64
	for _, c := range h {
		x, y := c.t.Sub(t0).Hours(), float64(c.percent)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(h))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}
