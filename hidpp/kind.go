package hidpp

import "fmt"

// Kind is what a device is. Receivers and HID++ 1.0 use one numbering
// (register 0xB5 0x2n and the 0x41 notification), HID++ 2.0's feature 0x0005
// another; both are translated to Kind.
type Kind uint8

// Device kinds, numbered as receivers and HID++ 1.0 number them.
const (
	KindUnknown   Kind = 0
	KindKeyboard  Kind = 1
	KindMouse     Kind = 2
	KindNumpad    Kind = 3
	KindPresenter Kind = 4
	KindRemote    Kind = 7
	KindTrackball Kind = 8
	KindTouchpad  Kind = 9
	KindTablet    Kind = 0x0A
	KindGamepad   Kind = 0x0B
	KindJoystick  Kind = 0x0C
	KindReceiver  Kind = 0x0F // only from HID++ 2.0 (0x0005 kind 7); not a receiver code
)

var kindNames = map[Kind]string{
	KindUnknown: "unknown", KindKeyboard: "keyboard", KindMouse: "mouse", KindNumpad: "numpad",
	KindPresenter: "presenter", KindRemote: "remote control", KindTrackball: "trackball",
	KindTouchpad: "touchpad", KindTablet: "tablet", KindGamepad: "gamepad",
	KindJoystick: "joystick", KindReceiver: "receiver",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind 0x%X", uint8(k))
}

// ParseKind is the inverse of Kind.String, for profiles and flags.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("hidpp: unknown device kind %q", s)
}

// kinds20 maps feature 0x0005's kind numbers to Kind.
var kinds20 = [...]Kind{KindKeyboard, KindRemote, KindNumpad, KindMouse, KindTouchpad, KindTrackball, KindPresenter, KindReceiver}

// KindFrom20 translates a HID++ 2.0 kind (feature 0x0005 function 2).
func KindFrom20(k byte) Kind {
	if int(k) < len(kinds20) {
		return kinds20[k]
	}
	return KindUnknown
}

// KindTo20 is the inverse of KindFrom20; ok is false for kinds 2.0 lacks.
func KindTo20(k Kind) (b byte, ok bool) {
	for i, v := range kinds20 {
		if v == k {
			return byte(i), true
		}
	}
	return 0, false
}
