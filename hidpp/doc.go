// Package hidpp speaks Logitech's HID++ wire protocol: the reports, the
// HID++ 1.0 register access used by receivers and older devices, the HID++
// 2.0 feature calls used by newer devices, and the decoders for the battery
// and solar payloads Helio reads.
//
// Facts come from the project's protocol reference (shared/docs/hidpp.md),
// which cites its sources: Logitech's published HID++ 2.0 documents, the
// Linux drivers hid-logitech-dj and hid-logitech-hidpp, Solaar, ltunify and
// UPower, and USB captures of real devices.
//
// # Reports
//
// Every report starts with a report ID: 0x10 (short, 7 bytes), 0x11 (long,
// 20 bytes) or 0x12 (very long, its length taken from the report
// descriptor). Byte 1 is the device index (0xFF for the receiver, 1..7 for
// paired devices), byte 2 the sub-ID (HID++ 1.0) or feature index (2.0),
// byte 3 the register address (1.0) or function<<4 | software ID (2.0).
//
// # Requests and notifications
//
// A [Conn] owns one open transport: a single reader goroutine matches every
// input report against the requests in flight and hands the rest, the
// notifications, to subscribers. Requests to one device are serialised,
// since devices answer one request at a time; requests to different devices
// run in parallel.
//
// # Devices
//
// A [Device] addresses one device index on a Conn: it pings for the protocol
// version, finds feature indexes (remembered in its [Known], which a caller
// may keep between runs), reads registers and features, and decodes
// batteries into a [Battery] that says only what the device really
// reported.
package hidpp
