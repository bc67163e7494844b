// Package emulator is an emulated Logitech Unifying receiver (C52B) with
// paired devices. It has its own package because it is the device side of
// the protocol, the mirror image of everything else in Helio: it lets anyone
// run Helio without hardware (`helio --backend sim query`), lets tests drive
// devices and faults that real hardware cannot produce on demand, and is what
// the uhid receiver ([UHID]) and the USB gadget receiver ([USB]) present to
// the Linux kernel.
//
// It speaks what a real receiver and its devices speak, from the facts in
// the project's protocol reference: receiver registers 0x00 (notification
// flags), 0x02 (connection count; writing 02 is "fake device arrival", one
// 0x41 notification per device, sent before the ack), 0x03, 0xB5 (0x03
// receiver info, 0x2n pairing info, 0x3n serial and power switch, 0x4n
// codename; an empty slot answers error 0x03), 0xF1 (firmware); DJ command
// 0x81 (paired devices); 0x41 connection notifications; and per device the
// ping, IRoot, IFeatureSet, 0x0003 firmware, 0x0005 name and kind,
// batteries 0x1000, 0x1001, 0x1004, HID++ 1.0 registers 0x00, 0x07 and 0x0D,
// and the solar dashboard 0x4301 with its light reports. A request to an
// empty slot answers HID++ 1.0 error 0x08, to a device out of range 0x09.
//
// # Profiles
//
// A profile is a JSON object:
//
//	{
//	  "receiver": {
//	    "pid": "c52b",             // USB product id, default c52b
//	    "serial": "E0662192",      // 8 hex digits, required
//	    "firmware": "24.11.B0036", // register 0xF1 selectors 1 and 2
//	    "bootloader": "02.09",     // register 0xF1 selector 4
//	    "max_devices": 6           // 1..7, default 6
//	  },
//	  "devices": [{
//	    "index": 2,                // slot, 1..max_devices
//	    "wpid": "4002",            // wireless product id, 4 hex digits
//	    "kind": "keyboard",        // keyboard, mouse, numpad, presenter, remote control,
//	                               // trackball, touchpad, tablet, gamepad, joystick
//	    "codename": "K750",        // 4..14 characters, register 0xB5 0x4n
//	    "name": "Wireless Solar Keyboard K750", // feature 0x0005; default: codename
//	    "protocol": "2.0",         // "1.0" (registers) or "2.0", "4.5", ... (features)
//	    "serial": "750C0DE2",      // 8 hex digits
//	    "online": true,            // false: asleep or out of range, pings get error 0x09
//	    "report_interval_ms": 20,
//	    "power_switch": 3,         // location code 0..12
//	    "report_types": "0000001A",// DJ report bitmap; default by kind
//
//	    // Semantic state, encoded in whatever the device has:
//	    "battery": {"percent": 80, "status": "discharging", // charging, full, not charging, error
//	                "voltage_mv": 3900,  // for 0x1001; default estimated from percent
//	                "levels": 10,        // 0x1000 level count; under 10 reads as coarse steps
//	                "register": "0d"},   // HID++ 1.0: "0d" (percent) or "07" (levels)
//	    "solar": {"charge": 57,          // solar keyboards (feature 0x4301)
//	              "lux": 12,             // constant light, or:
//	              "day": [{"at": "06:00", "lux": 12}, {"at": "09:00", "lux": 450}],
//	              "start": "06:00",      // time of day at start (default 12:00)
//	              "speed": 60,           // simulated seconds per second (default 1)
//	              "drain_per_hour": 0.05, "gain_per_hour_per_klux": 4},
//
//	    // Or raw answers, which win over semantic state:
//	    "features": ["0000", "0001", ...],     // 2.0 feature table in index order; [0] is 0000
//	    "hidden_features": ["1DF3"],
//	    "firmware": ["RQK 33.00.B0015", "DFU 00.02.B0003"], // 0x0003 entities
//	    "replies": {"1000/0": "502000"},       // payload of a feature function, any parameters
//	    "registers": {"0d": "644734"}          // HID++ 1.0 short register, 3 bytes; a raw
//	                                           // "00" is read-only: no battery events
//	  }]
//	}
//
// (JSON has no comments; they are here to document.) A 2.0 device without
// "features" gets root, feature set, firmware, name, wireless status, its
// battery feature and, with "solar", 0x4301. A register not listed answers
// error 0x02 (invalid address), as real devices do. A day schedule is
// interpolated linearly and repeats every 24 hours; the charge rises above
// 200 lux and drains below.
//
// The built-in "default" profile is a C52B carrying an MX Master 3 (HID++ 4.5,
// battery 0x1000 at 80 %) in slot 1, a K750 (wpid 4002, its real 11-feature
// table with 0x4301 at index 9, 57 % and 12 lux at start as in the 2012 USB
// capture, then following a day) in slot 2, and an M705 (wpid 101B,
// HID++ 1.0, register 0x0D = 64 47 34 as recorded) in slot 3.
//
// # Faults
//
// [Receiver.DropReplies], [Receiver.DelayReplies], [Receiver.DuplicateReplies],
// [Receiver.MisaddressReplies] (a wrong software ID or device index),
// [Receiver.DisconnectMidRequest], [Receiver.InjectRaw] (garbage and
// truncated reports), [Receiver.FloodInput] (keyboard and mouse input),
// [Receiver.SetOnline] (out of range and back) and [Receiver.Unplug]
// produce on demand what real hardware does when things go wrong.
package emulator
