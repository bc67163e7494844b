package emulator

import (
	"fmt"
	"slices"
	"strings"

	"github.com/helio-linux/helio/transport"
)

// This file is what the emulator knows of each receiver product: its
// family, which registers it answers, how it announces its devices and how
// it looks on USB. A profile's product id picks one. The facts, and the
// stand-ins where none is public, are in docs/devices.md (§2 Bolt, §3
// Lightspeed, §4 Nano) and docs/usb.md (the C52B).

// A register names a receiver register, or one group of long register
// 0xB5's sub-registers, in the words docs/devices.md uses. Which ones a
// receiver answers depends on its product; a profile can take some away
// ("without"), as older receivers lack them.
type register string

// The receiver registers that depend on the product. Registers 0x00
// (notification flags), 0x02 (connections) and 0x03 every receiver has.
const (
	regFirmware    register = "F1"    // firmware by selector: 01 major.minor, 02 build, 03 other, 04 bootloader
	regActivity    register = "B3"    // long: one activity counter a slot
	regInfo        register = "B5 03" // long: serial, slot count
	regFirmware02  register = "B5 02" // long: firmware, and on Bolt the slot count
	regPairing     register = "B5 2n" // long: Unifying pairing information of slot n+1
	regExtended    register = "B5 3n" // long: serial, report types, power switch of slot n+1
	regName        register = "B5 4n" // long: codename of slot n+1
	regBoltPairing register = "B5 5n" // long: Bolt: kind, wpid (little-endian), unit id of slot n
	regBoltName    register = "B5 6n" // long: Bolt: codename of slot n, parameter 1
	regUniqueID    register = "FB"    // long: Bolt: the 16-character unique id
	regEntities    register = "F4"    // long: Bolt: firmware entity n
)

// serialKind says where a receiver keeps its serial, if anywhere.
type serialKind int

const (
	serialInfo   serialKind = iota // 8 hex digits in 0xB5 0x03
	serialUnique                   // Bolt: the unique id of 0xFB
	serialNone                     // none: the Nano C534 answers no serial
)

// model is one receiver product.
type model struct {
	pid    uint16
	family transport.Family
	// slots is how many devices it can hold, and defaultSlots the number
	// a profile gets when it does not say.
	slots, defaultSlots int
	serial              serialKind
	registers           []register
	// proto is the protocol byte of its 0x41 connection notifications.
	proto byte
	// dj says whether it speaks DJ (reports 0x20 and 0x21): the Unifying
	// receivers do, and the kernel puts them in DJ mode.
	dj bool
	// encrypted and swEcho are the link-encrypted bit (0x20) of a 0x41's
	// information byte, and whether it echoes the software-present flag
	// (0x10) once the host has set it in register 0x00.
	encrypted, swEcho bool
	// defaultBootloader is the bootloader version a profile gets when it
	// gives none; "" for receivers whose register 0xF1 has no bootloader
	// unless the profile gives one.
	defaultBootloader string
	// configPrefix starts the configuration string, which carries the
	// firmware ("RQR24.11_B0036").
	configPrefix string
	layout       func() []Interface
	hidpp        int // the number of the interface that carries HID++
}

// unifyingRegisters are what a Unifying receiver answers beyond 0x00, 0x02
// and 0x03 (docs/usb.md, hidpp.md §11; 0xB3: Solaar's C52B recording shows
// activity counters).
var unifyingRegisters = []register{regFirmware, regActivity, regInfo, regPairing, regExtended, regName}

var models = []model{
	{pid: 0xC52B, family: transport.FamilyUnifying, slots: 7, defaultSlots: 6, serial: serialInfo, registers: unifyingRegisters,
		proto: 0x04, dj: true, encrypted: true, defaultBootloader: "02.14", configPrefix: "RQR", layout: unifyingLayout, hidpp: 2},
	{pid: 0xC532, family: transport.FamilyUnifying, slots: 7, defaultSlots: 6, serial: serialInfo, registers: unifyingRegisters,
		proto: 0x04, dj: true, encrypted: true, defaultBootloader: "02.14", configPrefix: "RQR", layout: unifyingLayout, hidpp: 2},
	// Bolt (docs/devices.md §2): no 0xF1 and no 0xB5 0x03 in any
	// recording; 0x41s carry protocol 0x10 and no encrypted bit (SOLISS
	// #2230: "10 02 41 10 01 78 B3"); six slots (0xB5 0x02 [8]).
	{pid: 0xC548, family: transport.FamilyBolt, slots: 6, defaultSlots: 6, serial: serialUnique,
		registers: []register{regActivity, regFirmware02, regBoltPairing, regBoltName, regUniqueID, regEntities},
		proto:     0x10, configPrefix: "MPR", layout: boltLayout, hidpp: 2},
	// Lightspeed (§3): Unifying's pairing registers with the protocol
	// byte at 0xB5 0x2n [5]; 0x41s carry 0x0C, encrypted and the
	// software-present echo (SOLISS #2797: "10 01 41 0C 32 7F 40"); one
	// slot on C539, C53A and C53F, two on C547 (SOLDEV).
	{pid: 0xC539, family: transport.FamilyLightspeed, slots: 1, defaultSlots: 1, serial: serialInfo, registers: lightspeedRegisters,
		proto: 0x0C, encrypted: true, swEcho: true, configPrefix: "RQR", layout: lightspeedLayout, hidpp: 2},
	{pid: 0xC53A, family: transport.FamilyLightspeed, slots: 1, defaultSlots: 1, serial: serialInfo, registers: lightspeedRegisters,
		proto: 0x0C, encrypted: true, swEcho: true, configPrefix: "RQR", layout: lightspeedLayout, hidpp: 2},
	{pid: 0xC53F, family: transport.FamilyLightspeed, slots: 1, defaultSlots: 1, serial: serialInfo, registers: lightspeedRegisters,
		proto: 0x0C, encrypted: true, swEcho: true, configPrefix: "RQR", layout: lightspeedLayout, hidpp: 2},
	{pid: 0xC547, family: transport.FamilyLightspeed, slots: 2, defaultSlots: 2, serial: serialInfo, registers: lightspeedRegisters,
		proto: 0x0C, encrypted: true, swEcho: true, configPrefix: "RQR", layout: lightspeedLayout, hidpp: 2},
	// Nano C534 (§4): no serial (Solaar: "Serial: None"), firmware 0xF1
	// 01 and 02 only, two slots; 0xB5 0x2n and 0x3n answered (Solaar's
	// recording of the 4075 on it shows a polling rate, from 0x2n, and
	// serial 00000000, from 0x3n), 0x4n not (the real dmesg keeps the
	// kernel's own child names, "Logitech Wireless Keyboard PID:4075",
	// which a name from 0x4n would replace); 0x41s carry 0x0A ("eQUAD
	// nano Lite").
	{pid: 0xC534, family: transport.FamilyNano, slots: 2, defaultSlots: 2, serial: serialNone, registers: []register{regFirmware, regPairing, regExtended},
		proto: 0x0A, encrypted: true, configPrefix: "RQR", layout: nanoC534Layout, hidpp: 1},
	// Nano C52F, mouse only (§4): one slot, a serial in 0xB5 0x03
	// (Solaar's recording: 6D0342C5); its 0x41 protocol byte is not
	// recorded (stand-in 0x0A).
	{pid: 0xC52F, family: transport.FamilyNano, slots: 1, defaultSlots: 1, serial: serialInfo, registers: []register{regFirmware, regInfo, regPairing, regExtended, regName},
		proto: 0x0A, encrypted: true, configPrefix: "RQR", layout: nanoC52FLayout, hidpp: 1},
}

// lightspeedRegisters: EXO's probe of a C547 answered 0xF1, 0xB3, 0xB5 02,
// 03, 2n, 3n and 4n and nothing else.
var lightspeedRegisters = []register{regFirmware, regActivity, regFirmware02, regInfo, regPairing, regExtended, regName}

// modelOf returns the model of product id pid.
func modelOf(pid uint16) (*model, bool) {
	for i := range models {
		if models[i].pid == pid {
			return &models[i], true
		}
	}
	return nil, false
}

// knownPIDs lists the product ids the emulator has models of, for messages.
func knownPIDs() string {
	var s []string
	for _, m := range models {
		s = append(s, fmt.Sprintf("%04x (%s)", m.pid, m.family))
	}
	return strings.Join(s, ", ")
}

// has reports whether the model answers register g.
func (m *model) has(g register) bool { return slices.Contains(m.registers, g) }

// parseRegister reads a register's name as a profile gives it, such as
// "B5 2n" or "f1".
func parseRegister(s string) (register, bool) {
	g := register(strings.ToUpper(strings.Join(strings.Fields(s), " ")))
	g = register(strings.Replace(string(g), "N", "n", 1))
	for _, m := range models {
		if m.has(g) {
			return g, true
		}
	}
	return "", false
}
