package hidraw

// ReportSizes walks a HID report descriptor and returns the size in bytes
// (report ID excluded) of each input and each output report, by report
// ID. It reads only what that needs: Report ID, Report Size and Report
// Count (with Push/Pop, the stack bounded as HID parsers bound it), and
// Input and Output items. A malformed descriptor yields what was read up
// to the fault. The emulator reads its own descriptors with it, so that
// what it sends and hears is what hidraw finds in them.
func ReportSizes(desc []byte) (in, out map[byte]int) {
	type globals struct {
		id          byte
		size, count uint32
	}
	var g globals
	var stack []globals
	inBits, outBits := map[byte]uint32{}, map[byte]uint32{}
	for i := 0; i < len(desc); {
		prefix := desc[i]
		if prefix == 0xFE { // long item: size, tag, data
			if i+1 >= len(desc) {
				break
			}
			i += 3 + int(desc[i+1])
			continue
		}
		n := int(prefix & 0x03)
		if n == 3 {
			n = 4
		}
		if i+1+n > len(desc) {
			break
		}
		var v uint32
		for j := 0; j < n; j++ {
			v |= uint32(desc[i+1+j]) << (8 * j)
		}
		i += 1 + n
		switch prefix & 0xFC {
		case 0x84: // Report ID
			g.id = byte(v)
		case 0x74: // Report Size
			g.size = v
		case 0x94: // Report Count
			g.count = v
		case 0xA4: // Push
			if len(stack) < 16 {
				stack = append(stack, g)
			}
		case 0xB4: // Pop
			if len(stack) > 0 {
				g, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		case 0x80: // Input
			inBits[g.id] += g.size * g.count
		case 0x90: // Output
			outBits[g.id] += g.size * g.count
		}
	}
	bytes := func(bits map[byte]uint32) map[byte]int {
		m := make(map[byte]int, len(bits))
		for id, b := range bits {
			m[id] = int((b + 7) / 8)
		}
		return m
	}
	return bytes(inBits), bytes(outBits)
}

// HIDPPReports reads which HID++ reports a descriptor declares: ok when
// it declares one Helio can talk through (input report 0x10 with 6 data
// bytes or 0x11 with 19, as Solaar matches them), and longOnly when the
// short report 0x10 is not both an input and an output report of 6 bytes
// (many Bluetooth devices declare only 0x11), so that requests must go
// out long, as the kernel's hid-logitech-hidpp sends them then.
// The emulator lists its Bluetooth devices by this rule too.
func HIDPPReports(desc []byte) (ok, longOnly bool) {
	in, out := ReportSizes(desc)
	ok = in[0x10] == 6 || in[0x11] == 19
	return ok, in[0x10] != 6 || out[0x10] != 6
}
