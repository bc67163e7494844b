package hidpp

import (
	"errors"
	"fmt"
)

// HID++ 1.0 error codes (byte 5 of a 0x8F error report). The kernel,
// Solaar, UPower and ltunify agree on this table.
const (
	Err10Success         = 0x00
	Err10InvalidSubID    = 0x01 // also how HID++ 1.0 devices answer a 2.0 ping
	Err10InvalidAddress  = 0x02 // unknown register
	Err10InvalidValue    = 0x03
	Err10ConnectFail     = 0x04
	Err10TooManyDevices  = 0x05
	Err10AlreadyExists   = 0x06
	Err10Busy            = 0x07
	Err10UnknownDevice   = 0x08 // no device paired in that slot
	Err10ResourceError   = 0x09 // paired, but asleep, off or out of range
	Err10RequestUnavail  = 0x0A
	Err10InvalidParamVal = 0x0B
	Err10WrongPIN        = 0x0C
)

// HID++ 2.0 error codes (byte 5 of a 0xFF error report).
const (
	Err20NoError         = 0
	Err20Unknown         = 1
	Err20InvalidArgument = 2
	Err20OutOfRange      = 3
	Err20HardwareError   = 4
	Err20LogitechInt     = 5
	Err20InvalidFeature  = 6 // invalid feature index
	Err20InvalidFunction = 7
	Err20Busy            = 8
	Err20Unsupported     = 9
)

var err10Names = [...]string{
	"success", "invalid sub-ID", "invalid address", "invalid value",
	"connection request failed", "too many devices", "already exists", "busy",
	"unknown device", "resource error", "request unavailable",
	"invalid parameter value", "wrong PIN code",
}

var err20Names = [...]string{
	"no error", "unknown", "invalid argument", "out of range", "hardware error",
	"Logitech internal", "invalid feature index", "invalid function", "busy",
	"unsupported",
}

// Sentinels that an [*Error] matches with errors.Is, for the outcomes callers
// must act on.
var (
	// ErrOffline: the device is paired but does not answer (asleep, switched
	// off or out of range). HID++ 1.0 error 0x09 from the receiver.
	ErrOffline = errors.New("hidpp: device offline")
	// ErrNoDevice: no device is paired in that slot (HID++ 1.0 error 0x08).
	ErrNoDevice = errors.New("hidpp: no device in slot")
	// ErrTimeout: no reply came in time.
	ErrTimeout = errors.New("hidpp: request timed out")
	// ErrClosed: the connection was closed, or its transport failed.
	ErrClosed = errors.New("hidpp: connection closed")
)

// Error is an error report from a device or receiver: HID++ 1.0 sub-ID 0x8F,
// or HID++ 2.0 report 0xFF. It carries which request failed.
type Error struct {
	Version byte // 1 for a HID++ 1.0 error (0x8F), 2 for a HID++ 2.0 error (0xFF)
	Code    byte // error code; its meaning depends on Version
	Device  byte // device index the error came from
	SubID   byte // sub-ID or feature index of the failed request
	Address byte // register address or function|software ID of the failed request
}

// CodeName is the protocol's name for the error code, such as
// "resource error" or "invalid feature index".
func (e *Error) CodeName() string {
	return ErrorCodeName(e.Version, e.Code)
}

// ErrorCodeName names a HID++ error code of protocol version 1 or 2.
func ErrorCodeName(version, code byte) string {
	names := err20Names[:]
	if version == 1 {
		names = err10Names[:]
	}
	if int(code) < len(names) {
		return names[code]
	}
	return fmt.Sprintf("unknown error 0x%02X", code)
}

func (e *Error) Error() string {
	what := fmt.Sprintf("register 0x%02X (sub-ID 0x%02X)", e.Address, e.SubID)
	if e.Version == 2 || e.SubID < 0x80 {
		what = fmt.Sprintf("feature index %d function %d", e.SubID, e.Address>>4)
	}
	return fmt.Sprintf("hidpp: device 0x%02X: HID++ %d.0 error 0x%02X (%s) for %s",
		e.Device, e.Version, e.Code, e.CodeName(), what)
}

// Is lets errors.Is(err, ErrOffline) and errors.Is(err, ErrNoDevice) match
// the HID++ 1.0 codes that mean them.
func (e *Error) Is(target error) bool {
	if e.Version != 1 {
		return false
	}
	switch target {
	case ErrOffline:
		return e.Code == Err10ResourceError
	case ErrNoDevice:
		return e.Code == Err10UnknownDevice
	}
	return false
}

// errorFromReport decodes an error report, or returns nil when r is not one.
func errorFromReport(r *Report) *Error {
	if e, ok := decodeError(r); ok {
		return &e
	}
	return nil
}

// decodeError decodes an error report without allocating, for the reader's
// hot path. Both versions echo the failed request's byte 2 and byte 3 in
// bytes 3 and 4, and put the code in byte 5:
//
//	10 ix 8F <sub-ID> <address> <code> 00           (HID++ 1.0)
//	11 ix FF <feature index> <function|swid> <code> ... (HID++ 2.0)
func decodeError(r *Report) (Error, bool) {
	switch {
	case r.SubID() == SubError10 && r.ID() == ShortID:
		return Error{Version: 1, Device: r.Device(), SubID: r.Address(), Address: r.Param(0), Code: r.Param(1)}, true
	case r.SubID() == SubError20 && r.ID() != ShortID:
		return Error{Version: 2, Device: r.Device(), SubID: r.Address(), Address: r.Param(0), Code: r.Param(1)}, true
	}
	return Error{}, false
}
