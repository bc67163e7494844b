// Package emulator is Helio's emulated Logitech hardware: a receiver of each
// family (Unifying, Bolt, Lightspeed, Nano) with paired devices, or
// Bluetooth devices connected without a receiver. It has its own package
// because it is the device side of the protocol, the mirror image of
// everything else in Helio: it lets anyone run Helio without hardware
// (`helio --backend sim query`), lets tests drive devices and faults that
// real hardware cannot produce on demand, and is what the uhid receiver
// ([UHID]) and the USB gadget receiver ([USB]) present to the Linux kernel.
//
// It speaks what real receivers and devices speak, from the facts in the
// project's protocol reference and docs/devices.md: receiver registers 0x00
// (notification flags), 0x02 (connection count; writing 02 is "fake device
// arrival", one 0x41 notification per device, sent before the ack), 0x03,
// and, as the receiver's product has them, 0xB5 (0x02 firmware, 0x03
// receiver info, Unifying's 0x2n pairing info, 0x3n serial and power
// switch, 0x4n codename, Bolt's 0x5n pairing info and 0x6n codename; a
// sub-register the receiver lacks or an empty slot answers error 0x03),
// 0xF1 (firmware), 0xB3 (activity), Bolt's 0xFB (unique id) and 0xF4
// (firmware entities); DJ command 0x81 (paired devices) on Unifying
// receivers; 0x41 connection notifications with the family's protocol byte;
// and per device the ping, IRoot, IFeatureSet, 0x0003 firmware, unit and
// model ids, 0x0005 name and kind, 0x0007 friendly name, batteries 0x1000,
// 0x1001, 0x1004, HID++ 1.0 registers 0x00, 0x07 and 0x0D, and the solar
// dashboard 0x4301 with its light reports. A request to an empty slot
// answers HID++ 1.0 error 0x08, to a device out of range 0x09. A register
// the receiver does not have answers error 0x02, as the real one does.
//
// # Families
//
// A receiver's product id picks its model (model.go): its family, which
// registers it answers, how many slots it has, the protocol byte and link
// bits of its 0x41s, whether it speaks DJ, and its USB layout
// ([Receiver.Layout]: interfaces, endpoints, report descriptors, real
// where public, stand-ins built from real pieces where not; docs/devices.md
// says which). The kernel's own drivers then bind to it as to the hardware:
//
//	c52b, c532  Unifying    DJ reports; 6 slots (7 allowed); serial in 0xB5 0x03
//	c548        Bolt        no DJ, no 0xF1, no 0xB5 0x03; 16-character unique id in 0xFB;
//	                        pairing in 0xB5 0x5n/0x6n; 0x41 protocol 0x10; 6 slots
//	c539, c53a, c53f, c547  Lightspeed  Unifying's pairing registers, protocol 0x0C in 0x2n
//	                        and 0x41s; 1 slot (c547: 2); 0xF1 03 "other" firmware
//	c534        Nano        2 interfaces, HID++ on the mouse's; no serial; 0xB5 0x2n, 0x3n;
//	                        0x41 protocol 0x0A; 2 slots
//	c52f        Nano        the mouse-only one: an unnumbered mouse, HID++ on interface 1; 1 slot
//
// The built-in profiles "default" (Unifying), "bolt", "lightspeed" and
// "nano" hold the devices seen with those receivers in Solaar's
// recordings, with their recorded feature tables, firmware, unit ids and
// batteries; "bluetooth" an MX Master 3 (B023, which Debian 12's kernel
// binds) and an MX Keys (B35B, which it does not); "bluetooth-3s" the
// MX Master 3S of "bolt", the same unit (unit id, model, firmware, name),
// over Bluetooth, as a device paired to both shows itself on either.
//
// # Profiles
//
// A profile is a JSON object, of a receiver:
//
//	{
//	  "description": "...",        // one line, for helio sim --list
//	  "receiver": {
//	    "pid": "c52b",             // USB product id, default c52b: the model (see Families)
//	    "serial": "E0662192",      // 8 hex digits; Bolt: its unique id, 16 hex digits
//	                               // (8 are taken twice); none for the C534
//	    "firmware": "24.11.B0036", // register 0xF1 selectors 1 and 2, 0xB5 0x02, Bolt's 0xF4
//	    "bootloader": "02.09",     // register 0xF1 selector 4 (Unifying's default 02.14)
//	    "other": "AA.BE",          // register 0xF1 selector 3
//	    "max_devices": 6,          // slots: the model's by default, at most the model's
//	    "without": ["B5 2n"]       // registers of the model this receiver lacks:
//	                               // F1, B3, "B5 02", "B5 03", "B5 2n" ... "B5 6n", FB, F4
//	  },
//	  "devices": [{
//	    "index": 2,                // slot, 1..max_devices
//	    "wpid": "4002",            // wireless product id, 4 hex digits
//	    "kind": "keyboard",        // what the receiver says: keyboard, mouse, numpad,
//	                               // presenter, remote control, trackball, touchpad, ...
//	    "device_kind": "trackball",// what feature 0x0005 says, when it differs (the ERGO
//	                               // M575 is a mouse to its receiver, a trackball to itself)
//	    "codename": "K750",        // 4..64 printable ASCII characters, or none: registers
//	                               // 0xB5 0x4n keep 14 of them, Bolt's 0x6n 13; 0x0007
//	    "name": "Wireless Solar Keyboard K750", // feature 0x0005; default: codename
//	    "protocol": "2.0",         // "1.0" (registers) or "2.0", "4.5", ... (features)
//	    "serial": "750C0DE2",      // 8 hex digits: serial and unit id (0x0003)
//	    "ids": {"btleid": "B023", "wpid": "4082"}, // 0x0003's model id: btid, btleid,
//	                               // wpid, usbid, in the order of their transport bits
//	    "online": true,            // false: asleep or out of range, pings get error 0x09
//	    "report_interval_ms": 20,
//	    "power_switch": 3,         // location code 0..12
//	    "report_types": "0000001A",// DJ report bitmap; default by kind
//
//	    // Semantic state, encoded in whatever the device has:
//	    "battery": {"percent": 80, "status": "discharging", // charging, full, not charging, error
//	                "voltage_mv": 3900,  // for 0x1001; default estimated from percent
//	                "levels": 10,        // 0x1000 level count; under 10 reads as coarse steps
//	                "next": 50,          // 0x1000's next level; default one level below
//	                "rechargeable": true,// 0x1004's capability flag
//	                "register": "0d"},   // HID++ 1.0: "0d" (percent) or "07" (levels)
//	    "solar": {"charge": 57,          // solar keyboards (feature 0x4301)
//	              "lux": 12,             // constant light, or:
//	              "day": [{"at": "06:00", "lux": 12}, {"at": "09:00", "lux": 450}],
//	              "start": "06:00",      // time of day at start (default 12:00)
//	              "speed": 60,           // simulated seconds per second (default 1)
//	              "drain_per_hour": 0.05, "gain_per_hour_per_klux": 4},
//
//	    // Or raw answers, which win over semantic state:
//	    "features": ["0000", "0001", "0003v4", "1802[70]", ...], // 2.0 feature table in
//	                               // index order, [0] is 0000; "v4" a version, "[70]" flags
//	    "hidden_features": ["1DF3"],
//	    "firmware": ["RQK 33.00.B0015", "DFU 00.02.B0003"], // 0x0003 entities; firmware,
//	                               // bootloader, hardware, other by place, or say it:
//	                               // "bootloader: BL1 69.00.B0003 B03438FCA4E6" (extra bytes
//	                               // after the version), "other:" (an empty entity)
//	    "replies": {"1000/0": "502000"},       // payload of a feature function, any parameters
//	    "registers": {"0d": "644734"}          // HID++ 1.0 short register, 3 bytes; a raw
//	                                           // "00" is read-only: no battery events
//	  }]
//	}
//
// or of Bluetooth devices, with no receiver:
//
//	{
//	  "bluetooth": {"adapter": "00:1a:7d:da:71:13"}, // the computer's address: HID_PHYS
//	  "devices": [{
//	    "index": 1,                // its number in controls ([Receiver.SetOnline], ...)
//	    "pid": "B023",             // Bluetooth product id
//	    "mac": "d4:4e:7a:35:2b:10",// its address: HID_UNIQ
//	    "reports": "long",         // HID++ reports in its report map: long (0x11 alone,
//	                               // as Bluetooth LE devices), short+long, or none
//	    "answers_on_00": false,    // true: replies come on index 0x00, whatever the
//	                               // request's, as a HID++ 1.0-era device may answer
//	    "codename": "MX Master 3", // its Bluetooth name, the HID device's name
//	    ...                        // kind, name, protocol, serial, ids, features, battery
//	  }]
//	}
//
// (JSON has no comments; they are here to document.) A 2.0 device without
// "features" gets root, feature set, firmware, name, wireless status, its
// battery feature and, with "solar", 0x4301. A register not listed answers
// error 0x02 (invalid address), as real devices do. A day schedule is
// interpolated linearly and repeats every 24 hours; the charge rises above
// 200 lux and drains below. Profiles are untrusted input: a file is read
// up to 1 MiB, and everything in it is checked before an emulator is made
// of it.
//
// # Bluetooth devices
//
// Each Bluetooth device is a node of its own, as bluetoothd makes one
// through /dev/uhid for a device that connects ([BluetoothLayout]: bus
// Bluetooth, its name, the adapter's and its own address, its report map).
// It answers requests addressed to 0xFF (or 0x00) on its node, in the
// reports its report map declares: a device that declares only the long
// report 0x11 hears no short request and answers everything long. It
// disconnecting ([Receiver.SetOnline] false, [Receiver.DisconnectMidRequest],
// the profile unplugged) takes its node away: its Conns fail with
// transport.ErrGone and [Receiver.OpenDevice] fails until it connects
// again.
//
// On the transport side, [Backend] lists each connected Bluetooth device
// with the receivers, as the hidraw backend lists a real one's node: Path
// "sim:SOURCE/MAC", VendorID 046D, ProductID its Bluetooth product id,
// Name its Bluetooth name, Phys the adapter's address, Bus Bluetooth, Uniq
// its address, LongOnly when its report map declares no short report.
// [Backend.Open] opens it, [Backend.Watch] reports it connecting and
// disconnecting, and one whose report map declares no HID++ report is not
// listed but said by [Backend.Skipped]. Several profiles make one system
// with "+" (sim:default+bolt+bluetooth) or [Join].
//
// # Faults
//
// [Receiver.DropReplies], [Receiver.DelayReplies], [Receiver.DuplicateReplies],
// [Receiver.MisaddressReplies] (a wrong software ID or device index),
// [Receiver.FaultSlot] (one slot's pairing information answering an
// error, garbage or nothing),
// [Receiver.DisconnectMidRequest], [Receiver.InjectRaw] (garbage and
// truncated reports), [Receiver.FloodInput] (keyboard and mouse input),
// [Receiver.SetOnline] (out of range and back; a Bluetooth device
// disconnecting and connecting), [Receiver.Unplug], [Receiver.FailPairing]
// and [Receiver.GarblePairing] (a receiver's information register 0xB5
// answering errors or garbage) produce on demand what real hardware does
// when things go wrong. A profile's "reports": "none" makes a Bluetooth
// device whose report map declares no HID++ report.
package emulator
