// Package uhid creates HID devices from user space through Linux's
// /dev/uhid. The kernel treats such a device like one on a USB port: HID
// drivers bind to it and it gets a hidraw node. Helio uses it to put its
// emulated receiver in front of the real kernel drivers (hid-logitech-dj,
// hid-logitech-hidpp), in the test VM and on any desktop with uhid.
//
// Events are struct uhid_event from include/uapi/linux/uhid.h, laid out by
// hand: a 32-bit type, then the packed request, little-endian.
package uhid

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
)

// Event types (enum uhid_event_type).
const (
	EvDestroy        = 1
	EvStart          = 2
	EvStop           = 3
	EvOpen           = 4
	EvClose          = 5
	EvOutput         = 6
	EvGetReport      = 9
	EvGetReportReply = 10
	EvCreate2        = 11
	EvInput2         = 12
	EvSetReport      = 13
	EvSetReportReply = 14
)

// Report types (enum uhid_report_type).
const (
	FeatureReport = 0
	OutputReport  = 1
	InputReport   = 2
)

// Bus types from linux/input.h: BUS_USB, and BUS_BLUETOOTH, which
// bluetoothd gives the HID devices it creates through /dev/uhid.
const (
	BusUSB       = 0x03
	BusBluetooth = 0x05
)

// Sizes of struct uhid_event and its data buffers.
const (
	eventSize = 4 + 4372 // type + the largest member, uhid_create2_req
	dataMax   = 4096
)

// Offsets inside an event, after the 4-byte type.
const (
	offCreateName    = 4
	offCreatePhys    = 132
	offCreateUniq    = 196
	offCreateRDSize  = 260
	offCreateBus     = 262
	offCreateVendor  = 264
	offCreateProduct = 268
	offCreateVersion = 272
	offCreateCountry = 276
	offCreateRDData  = 280

	offOutputData  = 4
	offOutputSize  = 4 + dataMax
	offOutputRType = 4 + dataMax + 2

	offReqID    = 4
	offReqRNum  = 8
	offReqRType = 9
	offSetSize  = 10
	offSetData  = 12
)

// Config describes a device to create.
type Config struct {
	Name       string // at most 127 bytes
	Phys       string // at most 63 bytes; hid-logitech-dj groups a receiver's interfaces by its prefix
	Uniq       string // at most 63 bytes
	Bus        uint16
	Vendor     uint32
	Product    uint32
	Version    uint32
	Country    uint32
	Descriptor []byte // the report descriptor, at most 4096 bytes
}

// Event is one event the kernel sent to the device.
type Event struct {
	Type  uint32
	ID    uint32 // request id of GET_REPORT and SET_REPORT, echoed in the reply
	RNum  byte   // report number of GET_REPORT and SET_REPORT
	RType byte   // report type (FeatureReport, OutputReport, InputReport)
	Data  []byte // report of OUTPUT and SET_REPORT, report ID first
}

// Device is a device created through /dev/uhid. Read is for one goroutine;
// the other methods are safe for concurrent use.
type Device struct {
	f    *os.File
	wmu  sync.Mutex
	once sync.Once
	buf  []byte
}

// ErrNoUHID is returned when /dev/uhid does not exist.
var ErrNoUHID = errors.New("uhid: /dev/uhid not found (load the uhid module: modprobe uhid)")

// Create opens path (default /dev/uhid) and creates a device.
func Create(path string, c Config) (*Device, error) {
	if path == "" {
		path = "/dev/uhid"
	}
	if len(c.Descriptor) > dataMax || len(c.Name) > 127 || len(c.Phys) > 63 || len(c.Uniq) > 63 {
		return nil, fmt.Errorf("uhid: create %q: name, phys, uniq or descriptor too long", c.Name)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, ErrNoUHID
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("uhid: open %s: %w (creating devices needs root)", path, err)
	case err != nil:
		return nil, fmt.Errorf("uhid: open %s: %w", path, err)
	}
	b := make([]byte, eventSize)
	le := binary.LittleEndian
	le.PutUint32(b, EvCreate2)
	copy(b[offCreateName:], c.Name)
	copy(b[offCreatePhys:], c.Phys)
	copy(b[offCreateUniq:], c.Uniq)
	le.PutUint16(b[offCreateRDSize:], uint16(len(c.Descriptor)))
	le.PutUint16(b[offCreateBus:], c.Bus)
	le.PutUint32(b[offCreateVendor:], c.Vendor)
	le.PutUint32(b[offCreateProduct:], c.Product)
	le.PutUint32(b[offCreateVersion:], c.Version)
	le.PutUint32(b[offCreateCountry:], c.Country)
	copy(b[offCreateRDData:], c.Descriptor)
	d := &Device{f: f, buf: make([]byte, eventSize)}
	if err := d.write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("uhid: create %q: %w", c.Name, err)
	}
	return d, nil
}

func (d *Device) write(b []byte) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	n, err := d.f.Write(b)
	if err == nil && n != len(b) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	return err
}

// Read waits for the next event. It fails once the device is destroyed.
func (d *Device) Read() (Event, error) {
	n, err := d.f.Read(d.buf)
	if err != nil {
		return Event{}, fmt.Errorf("uhid: read: %w", err)
	}
	return parseEvent(d.buf[:n])
}

func parseEvent(b []byte) (Event, error) {
	if len(b) < 4 {
		return Event{}, fmt.Errorf("uhid: event of %d bytes", len(b))
	}
	le := binary.LittleEndian
	ev := Event{Type: le.Uint32(b)}
	switch ev.Type {
	case EvOutput:
		if len(b) < offOutputRType+1 {
			return ev, fmt.Errorf("uhid: short OUTPUT event")
		}
		size := min(int(le.Uint16(b[offOutputSize:])), dataMax)
		ev.RType = b[offOutputRType]
		ev.Data = append([]byte(nil), b[offOutputData:offOutputData+size]...)
	case EvGetReport, EvSetReport:
		if len(b) < offSetData {
			return ev, fmt.Errorf("uhid: short report request")
		}
		ev.ID, ev.RNum, ev.RType = le.Uint32(b[offReqID:]), b[offReqRNum], b[offReqRType]
		if ev.Type == EvSetReport {
			size := min(int(le.Uint16(b[offSetSize:])), len(b)-offSetData)
			ev.Data = append([]byte(nil), b[offSetData:offSetData+size]...)
		}
	}
	return ev, nil
}

// Input sends an input report (UHID_INPUT2), report ID first.
func (d *Device) Input(report []byte) error {
	if len(report) > dataMax {
		return fmt.Errorf("uhid: input of %d bytes", len(report))
	}
	b := make([]byte, 6+len(report))
	binary.LittleEndian.PutUint32(b, EvInput2)
	binary.LittleEndian.PutUint16(b[4:], uint16(len(report)))
	copy(b[6:], report)
	if err := d.write(b); err != nil {
		return fmt.Errorf("uhid: input: %w", err)
	}
	return nil
}

// SetReportReply answers a SET_REPORT. errno 0 tells the kernel the report
// was taken; the kernel's caller blocks until this answer comes.
func (d *Device) SetReportReply(id uint32, errno uint16) error {
	b := make([]byte, 10)
	binary.LittleEndian.PutUint32(b, EvSetReportReply)
	binary.LittleEndian.PutUint32(b[4:], id)
	binary.LittleEndian.PutUint16(b[8:], errno)
	return d.write(b)
}

// GetReportReply answers a GET_REPORT.
func (d *Device) GetReportReply(id uint32, errno uint16, data []byte) error {
	b := make([]byte, 12+len(data))
	binary.LittleEndian.PutUint32(b, EvGetReportReply)
	binary.LittleEndian.PutUint32(b[4:], id)
	binary.LittleEndian.PutUint16(b[8:], errno)
	binary.LittleEndian.PutUint16(b[10:], uint16(len(data)))
	copy(b[12:], data)
	return d.write(b)
}

// Destroy removes the device and closes the file. A blocked Read returns.
func (d *Device) Destroy() error {
	var err error
	d.once.Do(func() {
		b := make([]byte, 4)
		binary.LittleEndian.PutUint32(b, EvDestroy)
		err = d.write(b)
		if cerr := d.f.Close(); err == nil {
			err = cerr
		}
	})
	return err
}
