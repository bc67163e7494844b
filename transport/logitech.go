package transport

// VendorLogitech is Logitech's USB vendor id.
const VendorLogitech = 0x046D

// Family is a kind of Logitech receiver. The families differ in their
// pairing registers and capacity; package unifying reads each.
type Family string

// Receiver families.
const (
	FamilyUnifying   Family = "Unifying"
	FamilyBolt       Family = "Bolt"
	FamilyNano       Family = "Nano"
	FamilyLightspeed Family = "Lightspeed"
	FamilyUnknown    Family = "unknown"
)

// families are the receivers' product ids, as the kernel's
// hid-logitech-dj and Solaar list them (shared/docs/receivers.md).
var families = map[uint16]Family{
	0xc52b: FamilyUnifying, 0xc532: FamilyUnifying,
	0xc548: FamilyBolt,
	0xc52f: FamilyNano, 0xc534: FamilyNano, 0xc518: FamilyNano, 0xc51a: FamilyNano,
	0xc51b: FamilyNano, 0xc521: FamilyNano, 0xc525: FamilyNano, 0xc526: FamilyNano,
	0xc52e: FamilyNano, 0xc531: FamilyNano, 0xc535: FamilyNano, 0xc537: FamilyNano,
	0xc539: FamilyLightspeed, 0xc53a: FamilyLightspeed, 0xc53d: FamilyLightspeed,
	0xc53f: FamilyLightspeed, 0xc541: FamilyLightspeed, 0xc545: FamilyLightspeed,
	0xc547: FamilyLightspeed, 0xc54d: FamilyLightspeed,
}

// FamilyOf names the receiver family of a Logitech product id.
func FamilyOf(pid uint16) Family {
	if f, ok := families[pid]; ok {
		return f
	}
	return FamilyUnknown
}

// IsReceiver reports whether a USB id is a Logitech receiver: a known
// product id, or one in the c500..c5ff range Logitech uses for receivers.
// Every transport finds receivers with it.
func IsReceiver(vid, pid uint16) bool {
	return vid == VendorLogitech && (FamilyOf(pid) != FamilyUnknown || pid&0xFF00 == 0xC500)
}
