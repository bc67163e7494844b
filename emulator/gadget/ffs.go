package gadget

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// FunctionFS's formats (linux/usb/functionfs.h) and the USB and HID
// constants the interface needs (USB 2.0 §9.4, §9.6; HID 1.11 §6.2.1, §7.1,
// §7.2).
const (
	ffsDescriptorsMagicV2 = 3
	ffsStringsMagic       = 2
	ffsHasFSDesc          = 1
	ffsHasHSDesc          = 2

	ffsEventSize  = 12 // struct usb_functionfs_event: the 8-byte setup packet, type, 3 bytes of padding
	ffsEventSetup = 4  // FUNCTIONFS_SETUP; BIND, UNBIND, ENABLE, DISABLE, SUSPEND and RESUME need nothing

	dtInterface    = 0x04
	dtEndpoint     = 0x05
	dtHID          = 0x21
	dtReport       = 0x22
	classHID       = 0x03
	endpointIn     = 0x81 // endpoint 1, IN: FunctionFS maps it to an endpoint of the UDC
	attrInterrupt  = 0x03
	bcdHID         = 0x0111
	hsInterval     = 4 // at high speed, 2^(4-1) microframes: 1 ms
	reqGetDesc     = 0x06
	reqSetReport   = 0x09
	reqSetIdle     = 0x0A
	reqSetProtocol = 0x0B
	typeStdIn      = 0x81 // bmRequestType: device to host, standard, interface
	typeClassOut   = 0x21 // host to device, class, interface
)

// ErrNotConfigured is returned by [HID.Write] while the host has not
// configured the device (not bound, not yet enumerated, or reset): the
// report is not sent.
var ErrNotConfigured = errors.New("gadget: the host has not configured the device")

// HID is the device's side of an interface this process serves, through
// FunctionFS: Read returns what the host sends with SET_REPORT, Write
// sends input reports on the interrupt IN endpoint. Read and Write may run
// in two goroutines, and Close in a third.
type HID struct {
	ep0, in  int    // FunctionFS's control file, and the IN endpoint's
	stop     [2]int // a pipe: Close writes to it to end serve
	mount    string // where the instance is mounted
	desc     []byte // the report descriptor
	hid      []byte // the HID descriptor
	reports  chan []byte
	closed   chan struct{}
	served   chan struct{} // closed when serve returns
	once     sync.Once
	closeErr error
	// fdMu is held shared by Write and exclusively by Close, so that no
	// write goes to a descriptor closed (and maybe reused) meanwhile.
	fdMu sync.RWMutex
}

// openHID mounts FunctionFS instance, writes the interface's descriptors
// and opens its endpoints: the function is then ready for the gadget to be
// bound.
func openHID(p paths, instance string, f HIDFunction) (*HID, error) {
	mount, err := os.MkdirTemp(p.tmp, "helio-ffs-")
	if err != nil {
		return nil, err
	}
	h := &HID{ep0: -1, in: -1, stop: [2]int{-1, -1}, mount: mount, desc: f.ReportDescriptor,
		reports: make(chan []byte), closed: make(chan struct{}), served: make(chan struct{})}
	ready := false
	defer func() {
		if !ready { // undo what was done: serve never started
			close(h.served)
			h.Close()
		}
	}()
	if err := unix.Mount(instance, mount, "functionfs", 0, ""); err != nil {
		unix.Rmdir(mount)
		h.mount = ""
		if errors.Is(err, unix.ENODEV) {
			return nil, fmt.Errorf("mount functionfs %s: %w: the usb_f_fs module is not loaded: modprobe usb_f_fs", instance, err)
		}
		return nil, fmt.Errorf("mount functionfs %s on %s: %w%s", instance, mount, err, rootHint(err))
	}
	if h.ep0, err = unix.Open(filepath.Join(mount, "ep0"), unix.O_RDWR|unix.O_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("open %s/ep0: %w", mount, err)
	}
	h.hid = hidDescriptor(len(f.ReportDescriptor))
	for _, b := range [][]byte{ffsDescriptors(f, h.hid), ffsNoStrings()} {
		if _, err := unix.Write(h.ep0, b); err != nil {
			return nil, fmt.Errorf("functionfs %s: write descriptors: %w", instance, err)
		}
	}
	// Non-blocking: a write while the endpoint is not enabled fails at once
	// instead of waiting for the host.
	if h.in, err = unix.Open(filepath.Join(mount, "ep1"), unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("open %s/ep1: %w", mount, err)
	}
	if err := unix.Pipe2(h.stop[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	ready = true
	go h.serve()
	return h, nil
}

// hidDescriptor is the HID class descriptor of an interface with one
// report descriptor of n bytes.
func hidDescriptor(n int) []byte {
	return []byte{9, dtHID, bcdHID & 0xFF, bcdHID >> 8, 0 /* country */, 1, dtReport, byte(n), byte(n >> 8)}
}

// ffsDescriptors is the FunctionFS descriptor block of a HID interface
// with one interrupt IN endpoint, at full and high speed.
func ffsDescriptors(f HIDFunction, hid []byte) []byte {
	speed := func(interval byte) []byte {
		b := []byte{9, dtInterface, 0, 0, 1, classHID, f.Subclass, f.Protocol, 0}
		b = append(b, hid...)
		return append(b, 7, dtEndpoint, endpointIn, attrInterrupt, byte(f.ReportLength), byte(f.ReportLength>>8), interval)
	}
	fs, hs := speed(byte(f.Interval)), speed(hsInterval)
	le := binary.LittleEndian
	b := le.AppendUint32(nil, ffsDescriptorsMagicV2)
	b = le.AppendUint32(b, uint32(4*5+len(fs)+len(hs)))
	b = le.AppendUint32(b, ffsHasFSDesc|ffsHasHSDesc)
	b = le.AppendUint32(b, 3) // descriptors at full speed: interface, HID, endpoint
	b = le.AppendUint32(b, 3) // and at high speed
	b = append(b, fs...)
	return append(b, hs...)
}

// ffsNoStrings is FunctionFS's string block with no strings.
func ffsNoStrings() []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, ffsStringsMagic)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint32(b, 0)
	return le.AppendUint32(b, 0)
}

// setup is a control request's setup packet (USB 2.0 §9.3).
type setup struct {
	requestType, request byte
	value, index, length uint16
}

func parseSetup(b []byte) setup {
	le := binary.LittleEndian
	return setup{b[0], b[1], le.Uint16(b[2:]), le.Uint16(b[4:]), le.Uint16(b[6:])}
}

// answer is what the device does with a control request.
type answer int

const (
	stall      answer = iota // refuse it
	sendReport               // IN: the report descriptor
	sendHID                  // IN: the HID descriptor
	takeReport               // OUT: a report, to Read
	ack                      // OUT without data: accepted
)

// answerTo decides what the interface does with control request s: the
// descriptor requests of HID 1.11 §7.1, SET_REPORT, and SET_IDLE and
// SET_PROTOCOL accepted (nothing depends on them); anything else stalls,
// as an unsupported request must.
func answerTo(s setup) answer {
	switch {
	case s.requestType == typeStdIn && s.request == reqGetDesc && s.value>>8 == dtReport:
		return sendReport
	case s.requestType == typeStdIn && s.request == reqGetDesc && s.value>>8 == dtHID:
		return sendHID
	case s.requestType == typeClassOut && s.request == reqSetReport && s.length > 0:
		return takeReport
	case s.requestType == typeClassOut && (s.request == reqSetIdle || s.request == reqSetProtocol) && s.length == 0:
		return ack
	}
	return stall
}

// serve reads FunctionFS's events and answers the host's control requests
// until Close. A SET_REPORT's data waits for Read: until it is taken, the
// next control request waits, so none is lost.
func (h *HID) serve() {
	defer close(h.served)
	defer close(h.reports)
	ev := make([]byte, ffsEventSize)
	for {
		fds := []unix.PollFd{{Fd: int32(h.ep0), Events: unix.POLLIN}, {Fd: int32(h.stop[0]), Events: unix.POLLIN}}
		_, err := unix.Poll(fds, -1)
		if fds[1].Revents != 0 {
			return
		}
		if err != nil || fds[0].Revents&unix.POLLIN == 0 {
			// EINTR, or FunctionFS closing: nothing to read. Errors
			// other than EINTR are not expected; waiting a moment keeps
			// one that repeats from spinning.
			if !errors.Is(err, unix.EINTR) {
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		// Events other than SETUP need nothing; a read that fails (EIDRM:
		// the host cancelled the request, pulled out meanwhile; EINTR)
		// ends that request only.
		if n, err := unix.Read(h.ep0, ev); err != nil || n != ffsEventSize || ev[8] != ffsEventSetup {
			continue
		}
		s := parseSetup(ev)
		// So does an error of the data stage.
		switch answerTo(s) {
		case sendReport:
			unix.Write(h.ep0, h.desc[:min(len(h.desc), int(s.length))])
		case sendHID:
			unix.Write(h.ep0, h.hid[:min(len(h.hid), int(s.length))])
		case takeReport:
			buf := make([]byte, s.length)
			n, err := unix.Read(h.ep0, buf)
			if err != nil {
				continue
			}
			select {
			case h.reports <- buf[:n]:
			case <-h.closed:
				return
			}
		case ack:
			unix.Read(h.ep0, make([]byte, 1)) // FunctionFS reads at most wLength: none
		default:
			// The wrong direction stalls: a read for an IN request, a
			// write for an OUT one.
			if s.requestType&0x80 != 0 {
				unix.Read(h.ep0, make([]byte, 1))
			} else {
				unix.Write(h.ep0, []byte{0})
			}
		}
	}
}

// Read waits for the next output report the host sent (a SET_REPORT
// control transfer), report ID first, and copies it into p. After Close it
// returns an error wrapping fs.ErrClosed.
func (h *HID) Read(p []byte) (int, error) {
	b, ok := <-h.reports
	if !ok {
		return 0, fmt.Errorf("gadget: read: %w", fs.ErrClosed)
	}
	return copy(p, b), nil
}

// Write sends one input report, report ID first, on the interrupt IN
// endpoint, and waits until the host takes it or stops polling for good
// (the gadget unbound, the host's reset). It fails with an error wrapping
// [ErrNotConfigured] while the host has not configured the device, and
// with one wrapping fs.ErrClosed after Close.
func (h *HID) Write(report []byte) (int, error) {
	h.fdMu.RLock()
	defer h.fdMu.RUnlock()
	select {
	case <-h.closed:
		return 0, fmt.Errorf("gadget: write: %w", fs.ErrClosed)
	default:
	}
	n, err := unix.Write(h.in, report)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.ESHUTDOWN), errors.Is(err, unix.ENODEV):
		return 0, fmt.Errorf("gadget: write: %w (%v)", ErrNotConfigured, err)
	case err != nil:
		return 0, fmt.Errorf("gadget: write: %w", err)
	}
	return n, nil
}

// Close ends Read and serve, closes the endpoints and unmounts the
// instance. Unbind the gadget first: a Write waiting for the host returns
// only then. Only the first call does anything.
func (h *HID) Close() error {
	h.once.Do(func() {
		close(h.closed)
		if h.stop[1] >= 0 {
			unix.Write(h.stop[1], []byte{0})
		}
		<-h.served
		h.fdMu.Lock()
		defer h.fdMu.Unlock()
		var errs []error
		for _, fd := range []int{h.in, h.ep0, h.stop[0], h.stop[1]} {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
		if h.mount != "" {
			if err := unix.Unmount(h.mount, 0); err != nil {
				errs = append(errs, fmt.Errorf("gadget: unmount %s: %w", h.mount, err))
			} else if err := unix.Rmdir(h.mount); err != nil {
				errs = append(errs, fmt.Errorf("gadget: remove %s: %w", h.mount, err))
			}
		}
		h.closeErr = errors.Join(errs...)
	})
	return h.closeErr
}
