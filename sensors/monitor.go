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

	// HoldOpen keeps every receiver's node open. By default a receiver
	// whose devices the system's drivers watch (a [transport.Cuer]
	// backend) is opened only to ask, on the system's cues, so that
	// keystrokes and mouse movements, which reach the same node, cost
	// nothing; a light-button press then brings a light report only
	// when the kernel's figure for the keyboard changes with it.
	HoldOpen bool

	// Board is where the monitor publishes the states; nil gives it one
	// of its own.
	Board *Board

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
// Where the system's drivers already handle a receiver's devices and
// announce their changes ([transport.Cuer]), the monitor does not hold the
// receiver's node, which also carries every keystroke and mouse movement:
// it opens it for each exchange (the first reading, a read on the
// system's cue, a scheduled light request, a poll) and lets it close.
//
// Receivers plugged in later are picked up when the backend can watch for
// them ([transport.Watcher]); a receiver pulled out turns its devices
// offline until it comes back. Monitor is safe for concurrent use.
type Monitor struct {
	opts MonitorOpts

	mu      sync.Mutex
	board   *Board
	devices map[string]*unifying.Device
	// owner is, per device ID, the receiver run (numbered from 1 as they
	// start) whose device object last updated it. A receiver pulled out
	// and put back is a new run with new device objects; the old run's
	// last words (a refresh failing as its connection closes) come late
	// and must not overwrite what the new run said.
	owner   map[string]uint64
	runs    uint64                // receiver runs started
	history map[string][]chargeAt // recent charges of solar devices, for trends
}

// NewMonitor prepares a monitor; Run starts it.
func NewMonitor(opts MonitorOpts) *Monitor {
	opts.fill()
	board := opts.Board
	if board == nil {
		board = NewBoard()
	}
	return &Monitor{opts: opts, board: board, devices: map[string]*unifying.Device{}, owner: map[string]uint64{},
		history: map[string][]chargeAt{}}
}

// States implements [Source].
func (m *Monitor) States() []State { return m.board.States() }

// Subscribe implements [Source].
func (m *Monitor) Subscribe() (<-chan State, func()) { return m.board.Subscribe() }

// CheckLight asks solar device id for light reports now, like pressing the
// Solar App's "check light": the reports come in as state changes.
func (m *Monitor) CheckLight(ctx context.Context, id string, reports int) error {
	m.mu.Lock()
	d := m.devices[id]
	m.mu.Unlock()
	st, _ := m.board.state(id)
	switch {
	case d == nil:
		return fmt.Errorf("check light: no device %q", id)
	case !st.Solar:
		return fmt.Errorf("check light: %s has no solar cells", st.Name)
	case !st.Online:
		return fmt.Errorf("check light: %s is asleep or out of range", st.Name)
	}
	n := min(max(reports, 1), 255)
	release, err := d.Receiver.Conn().Hold(lightHold(n))
	if err != nil {
		return fmt.Errorf("check light: %w", err)
	}
	defer release()
	return d.SetLightMeasure(ctx, byte(n), 1)
}

// lightHold is how long a receiver's node stays open after a request for n
// light reports: they come one a second, the first a second after the
// request, and the radio and a busy machine may delay them.
func lightHold(n int) time.Duration { return time.Duration(n)*time.Second + 2*time.Second }

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
	st, seen := m.board.state(id)
	if !seen {
		st = Identify(d)
	}
	// Identity fields can change: a name read later, a protocol found.
	fresh := Identify(d)
	st.Name, st.Protocol, st.Receiver, st.Index, st.Kind, st.Bus = fresh.Name, fresh.Protocol, fresh.Receiver, fresh.Index, fresh.Kind, fresh.Bus
	m.devices[id] = d
	f(&st)
	if st.Solar && st.Battery != nil {
		m.trend(id, &st)
	}
	changed := m.board.Put(st)
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
	noBattery           bool
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
	v := visibleState{online: s.Online, solar: s.Solar, noBattery: s.NoBattery, name: s.Name, protocol: s.Protocol, trend: int(s.Trend)}
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
			err := m.runReceiver(rctx, info)
			switch {
			case rctx.Err() != nil:
			case errors.Is(err, errSilent):
				m.opts.Logger.Info("waiting for the device to answer", "path", info.Path, "err", err)
			case err != nil:
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
	cues := m.cues(ctx, info)
	r, err := openReceiver(ctx, m.opts.Backend, info, m.opts.Cache, cues != nil, m.opts.DeviceTimeout, m.opts.Logger)
	if err != nil {
		return err
	}
	c := r.Conn()
	defer c.Close()
	var cueC <-chan transport.Cue
	if cues != nil {
		cueC = cues.C
		m.opts.Logger.Info("the kernel watches this receiver's devices: opening it only to ask", "receiver", r, "path", info.Path)
	}
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
	rs := &receiverState{m: m, run: run, r: r, ctx: ctx, cues: cues, next: map[string]time.Time{}, period: map[string]time.Duration{},
		cued: map[byte]time.Time{}, lightHeard: map[byte]time.Time{}, waiting: map[byte]lightWait{}, silent: map[string]bool{}}
	defer func() {
		for _, w := range rs.waiting {
			w.release()
		}
	}()
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
		case cue, ok := <-cueC:
			if !ok {
				// The kernel's word is gone (its socket failed): hear
				// the devices on the node itself from now on.
				m.opts.Logger.Warn("the kernel's device announcements stopped: holding the receiver open", "receiver", r)
				cueC, rs.cues = nil, nil
				release, err := c.Hold(0)
				if err != nil {
					rs.lost()
					return err
				}
				defer release()
				if err := rs.list(); err != nil {
					m.opts.Logger.Warn("cannot list the receiver's devices", "err", err)
				}
				continue
			}
			rs.cue(cue)
		case <-timer.C:
			rs.due()
		}
	}
}

// cues listens to the system's cues for receiver info, when the backend
// gives them and the monitor is not told to hold receivers open.
func (m *Monitor) cues(ctx context.Context, info transport.Info) *transport.Cues {
	cuer, ok := m.opts.Backend.(transport.Cuer)
	if !ok || m.opts.HoldOpen {
		return nil
	}
	cues, err := cuer.Cues(ctx, info)
	switch {
	case errors.Is(err, transport.ErrNotCued):
		m.opts.Logger.Debug("holding the receiver open", "path", info.Path, "why", err)
		return nil
	case err != nil:
		m.opts.Logger.Warn("holding the receiver open: cannot listen to the kernel", "path", info.Path, "err", err)
		return nil
	}
	return cues
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
	// silent are devices on their own node (Bluetooth) polled only
	// because they stopped answering while their node stayed: nothing
	// else would say they answer again.
	silent map[string]bool

	// With the system's cues (nil: the node is held open):
	cues       *transport.Cues
	cued       map[byte]time.Time // devices to read, by index, and when
	lightHeard map[byte]time.Time // when each solar keyboard's last light report was heard

	waiting map[byte]lightWait // solar keyboards whose light reports are awaited, by index
}

// Cue timing: a cue is acted on after cueDelay, so that the burst the
// kernel sends for one change (a connection: the HID device, then its
// power supply) is one read. A cue that comes while the node has been
// open for cueEcho is the echo of a report the monitor heard itself. A
// solar keyboard's light report answers a request and also changes the
// kernel's figure, whose cue must not ask for light again: within
// lightEcho of a report heard, a cue only checks that the keyboard is
// still there.
const (
	cueDelay  = 100 * time.Millisecond
	cueEcho   = 100 * time.Millisecond
	lightEcho = 2 * time.Second
)

// errSilent is why a device's own node is not served yet: its device has
// never said who it is, so there is no identity to show or record it
// under. The node is tried again, less and less often, as a receiver that
// failed to open is.
var errSilent = errors.New("sensors: the device on its own node has not said who it is yet")

// list reads the receiver's devices and takes a first reading of each.
func (rs *receiverState) list() error {
	devs, err := rs.r.Devices(rs.ctx, rs.m.opts.Cache)
	if err != nil && len(devs) == 0 {
		return err
	}
	if rs.r.Direct && (len(devs) != 1 || !devs[0].Introduced()) {
		return fmt.Errorf("%s: %w", rs.r, errors.Join(errSilent, err))
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
	rs.polled, rs.silent = map[string]bool{}, map[string]bool{}
	for _, d := range devs {
		if rs.cues != nil && !rs.cues.Covers(d.Index()) {
			// No driver watches this one's battery: it gets no cue.
			rs.polled[d.ID()] = true
			rs.period[d.ID()] = rs.m.opts.Poll
		}
		rs.refresh(d)
	}
	return nil
}

// cue takes note of the system's word about a device: it is read shortly,
// or, gone, turned offline until the devices are listed again.
func (rs *receiverState) cue(c transport.Cue) {
	now := rs.m.opts.Now()
	if c.Index == 0 {
		for _, d := range rs.devices {
			rs.cued[d.Index()] = now.Add(cueDelay)
		}
		return
	}
	if c.Gone {
		for _, d := range rs.devices {
			if d.Index() == c.Index {
				d.SetOnline(false)
				rs.m.update(rs.run, d, func(s *State) { s.Online = false })
			}
		}
		delete(rs.cued, c.Index)
		if rs.relist.IsZero() {
			rs.relist = now.Add(time.Second)
		}
		return
	}
	if rs.r.Conn().Heard(cueEcho) {
		return
	}
	if _, ok := rs.cued[c.Index]; !ok {
		rs.cued[c.Index] = now.Add(cueDelay)
	}
}

// readCued reads the devices whose cue has waited its delay; a cue for an
// index not listed (a device just paired) lists the devices again.
func (rs *receiverState) readCued(now time.Time) {
	for ix, at := range rs.cued {
		if at.After(now) {
			continue
		}
		delete(rs.cued, ix)
		var d *unifying.Device
		for _, dd := range rs.devices {
			if dd.Index() == ix {
				d = dd
			}
		}
		if d == nil {
			clear(rs.cued) // the listing reads every device
			if err := rs.list(); err != nil {
				rs.m.opts.Logger.Warn("cannot list the receiver's devices", "err", err)
			}
			return
		}
		if id := d.ID(); rs.polled[id] && rs.cues.Covers(ix) {
			delete(rs.polled, id)
			delete(rs.next, id)
		}
		rs.reread(d)
	}
}

// reread reads a device on the system's cue, with as few requests as the
// node is open for: a device shown online is asked only for its battery
// (a solar keyboard for light), and the error of one gone out of range
// says so; one shown offline, or that answers oddly, is read from the
// start as one that just appeared.
func (rs *receiverState) reread(d *unifying.Device) {
	st := rs.m.stateOf(d.ID())
	switch {
	case !st.Online || !d.Online():
		rs.refresh(d)
		return
	case st.Solar && rs.m.opts.Now().Sub(rs.lightHeard[d.Index()]) < lightEcho:
		if err := d.Refresh(rs.ctx); err != nil || !d.Online() {
			rs.m.update(rs.run, d, func(s *State) { s.Online = d.Online() })
		}
		return
	case st.Solar:
		rs.askLight(d)
		return
	case st.Battery == nil:
		rs.refresh(d)
		return
	}
	now := rs.m.opts.Now()
	b, err := d.Battery(rs.ctx)
	switch {
	case err == nil:
		rs.m.update(rs.run, d, func(s *State) {
			s.Online, s.Battery, s.BatteryTime, s.SeenTime, s.Err = true, &b, now, now, nil
		})
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout):
		d.SetOnline(false)
		rs.m.update(rs.run, d, func(s *State) { s.Online = false })
		rs.pollSilent(d, errors.Is(err, hidpp.ErrTimeout))
	default:
		rs.refresh(d)
	}
}

// pollSilent has a device that stopped answering asked again on the poll
// schedule, backing off, until it answers, where no one would say it is
// back: a device on its own node (a Bluetooth device whose node stays),
// or one behind a receiver whose request went unanswered (unheard: a
// reply lost, not the receiver's word that it is gone, so no 0x41 will
// announce its return). A device its receiver says is not connected is
// not polled: the receiver announces it coming back. Nor is one whose
// node went: the node coming back reads it.
func (rs *receiverState) pollSilent(d *unifying.Device, unheard bool) {
	id := d.ID()
	if !rs.r.Direct && !unheard || rs.polled[id] {
		return
	}
	rs.polled[id], rs.silent[id] = true, true
	rs.period[id] = rs.m.opts.Poll
	rs.next[id] = rs.m.opts.Now().Add(rs.period[id])
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
		rs.pollSilent(d, d.Unheard())
		return
	}
	// Under the system's cues its driver has turned battery events on.
	// A device polled only until it answers (silent) may still report.
	if !d.Protocol().IsFeatureBased() && (!rs.polled[id] || rs.silent[id]) && rs.cues == nil {
		if err := d.EnableBatteryEvents(ctx); err != nil {
			rs.m.opts.Logger.Info("battery events unavailable; polling instead", "device", d, "err", err)
			rs.polled[id] = true
			delete(rs.silent, id) // polled for good, not until it answers
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
		switch {
		case ferr == nil && ix != 0:
			rs.m.update(rs.run, d, func(s *State) { s.Online, s.Solar, s.SeenTime = true, true, now })
			rs.askLight(d)
		case ferr == nil:
			rs.m.update(rs.run, d, func(s *State) { s.Online, s.NoBattery, s.SeenTime, s.Err = true, true, now, nil })
		}
	case errors.Is(err, hidpp.ErrOffline), errors.Is(err, hidpp.ErrTimeout):
		d.SetOnline(false)
		rs.m.update(rs.run, d, func(s *State) { s.Online = false })
		rs.pollSilent(d, errors.Is(err, hidpp.ErrTimeout))
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
	now := rs.m.opts.Now()
	rs.next[d.ID()] = now.Add(rs.m.opts.LightInterval)
	release, err := rs.r.Conn().Hold(0)
	if err == nil {
		err = d.SetLightMeasure(rs.ctx, byte(rs.m.opts.LightReports), 1)
	}
	if err != nil {
		if release != nil {
			release()
		}
		// The receiver's word that the keyboard is not connected is
		// final; a reply lost on the radio is not, and the schedule
		// asks again.
		if errors.Is(err, hidpp.ErrOffline) {
			d.SetOnline(false)
			rs.m.update(rs.run, d, func(s *State) { s.Online = false })
			return
		}
		rs.m.opts.Logger.Info("no light report", "device", d, "err", err)
		return
	}
	// Keep the node open for the reports: until the last one arrives
	// (solarEvent), or lightHold has passed (due).
	if w, ok := rs.waiting[d.Index()]; ok {
		w.release()
	}
	rs.waiting[d.Index()] = lightWait{release: release, left: rs.m.opts.LightReports, until: now.Add(lightHold(rs.m.opts.LightReports))}
}

// lightWait is a node held open for a solar keyboard's light reports.
type lightWait struct {
	release func()
	left    int // reports still to come
	until   time.Time
}

// endLightWaits lets go of the node held for light reports that have all
// come (done) or are overdue.
func (rs *receiverState) endLightWaits(now time.Time, done byte) {
	for ix, w := range rs.waiting {
		if ix == done || !w.until.After(now) {
			w.release()
			delete(rs.waiting, ix)
		}
	}
}

// arm sets the timer to the earliest request due, or stops it when none is.
func (rs *receiverState) arm(t *time.Timer) {
	first := rs.relist
	for _, at := range rs.next {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	for _, at := range rs.cued {
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	for _, w := range rs.waiting {
		if first.IsZero() || w.until.Before(first) {
			first = w.until
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
	rs.endLightWaits(now, 0)
	rs.readCued(now)
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
		case rs.silent[id] && d.Online():
			delete(rs.silent, id) // it answered (an event): no more polling
			delete(rs.polled, id)
		case rs.polled[id]:
			rs.refresh(d)
			if rs.silent[id] && d.Online() {
				// It answers again: it says its changes itself.
				delete(rs.silent, id)
				delete(rs.polled, id)
				delete(rs.next, id)
				continue
			}
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
	st, _ := m.board.state(id)
	return st
}

// event applies one notification: a connection change, a battery event, a
// solar report or button press, or a wireless status event.
func (rs *receiverState) event(rep *hidpp.Report) {
	if c, ok := rs.r.Track(rep); ok {
		switch c.Kind {
		case unifying.Connected:
			rs.refresh(c.Device)
		case unifying.Disconnected, unifying.Unpaired:
			id := c.Device.ID()
			rs.m.update(rs.run, c.Device, func(s *State) { s.Online = false })
			if rs.silent[id] {
				// The receiver's word: it will announce the device's
				// return, so an unanswered device need not be polled.
				delete(rs.silent, id)
				delete(rs.polled, id)
			}
			if !rs.polled[id] {
				delete(rs.next, id)
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
	if ev.HasLux {
		rs.lightHeard[d.Index()] = now
	}
	if w, ok := rs.waiting[d.Index()]; ok && ev.HasLux {
		if w.left--; w.left <= 0 {
			rs.endLightWaits(now, d.Index())
		} else {
			rs.waiting[d.Index()] = w
		}
	}
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
