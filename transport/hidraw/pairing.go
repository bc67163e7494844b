package hidraw

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/helio-linux/helio/transport"
)

// bootID names this boot of the kernel: a random UUID drawn at each boot.
// A variable so tests can point it at a fake file.
var bootID = "/proc/sys/kernel/random/boot_id"

// Pairing implements [transport.PairingLister] for receivers that
// hid-logitech-dj drives: the kernel creates a HID device below the
// receiver's for every paired device (HID_PHYS = the receiver's + ":<index>",
// HID_ID's product = the wpid) and hid-logitech-hidpp puts the serial it
// reads from the receiver's pairing register in its HID_UNIQ ("1a-2b-3c-4d";
// some kernels prefix the wpid, "4082-1a-2b-3c-4d"). A device the hidpp
// driver has not probed yet is listed with no serial.
//
// The plugging-in is named by the boot and the receiver's HID device, whose
// name ends in a number the kernel never gives twice in one boot: pulling
// the receiver out and plugging it, or another one, in again makes a new
// HID device. Receivers on another driver (hid-generic) get
// [transport.ErrNotListed].
func (Backend) Pairing(info transport.Info) (transport.Pairing, error) {
	dir, err := filepath.EvalSymlinks(filepath.Join(sysClass, filepath.Base(info.Path), "device"))
	if err != nil {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s: %w", info.Path, err)
	}
	ue, err := ReadSysfs(filepath.Join(dir, "uevent"))
	if err != nil {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s: %w", info.Path, err)
	}
	m := parseUevent(ue)
	if driver := m["DRIVER"]; driver != djDriver {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s is driven by %q: %w", info.Path, driver, transport.ErrNotListed)
	}
	// The node may stand for another device than the one listed: nodes are
	// reused after an unplug.
	if _, vid, pid, err := parseHIDID(m["HID_ID"]); err != nil || vid != info.VendorID || pid != info.ProductID {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s is no longer the receiver %04x:%04x found: %w", info.Path, info.VendorID, info.ProductID, transport.ErrGone)
	}
	boot, err := ReadSysfs(bootID)
	if err != nil {
		return transport.Pairing{}, fmt.Errorf("hidraw: which boot this is: %w", err)
	}
	boot = bytes.TrimSpace(boot)
	if len(boot) == 0 || len(boot) > 64 {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s holds no boot id", bootID)
	}
	p := transport.Pairing{Plugging: string(boot) + "/" + filepath.Base(dir)}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return transport.Pairing{}, fmt.Errorf("hidraw: %s: %w", info.Path, err)
	}
	for _, e := range ents {
		if !hidDevice.MatchString(e.Name()) {
			continue
		}
		ue, err := ReadSysfs(filepath.Join(dir, e.Name(), "uevent"))
		if err != nil {
			continue // removed while listed: the device is no longer paired
		}
		cm := parseUevent(ue)
		ix, ok := childIndex(cm["HID_PHYS"])
		if !ok || cm["HID_PHYS"] != fmt.Sprintf("%s:%d", m["HID_PHYS"], ix) {
			continue
		}
		_, _, wpid, err := parseHIDID(cm["HID_ID"])
		if err != nil {
			continue
		}
		p.Devices = append(p.Devices, transport.Paired{Index: ix, WPID: wpid, Serial: serialFromUniq(cm["HID_UNIQ"], wpid)})
	}
	sort.Slice(p.Devices, func(i, j int) bool { return p.Devices[i].Index < p.Devices[j].Index })
	return p, nil
}

// serialFromUniq reads the serial hid-logitech-hidpp writes in a paired
// device's HID_UNIQ: four bytes in lower-case hex joined by dashes,
// possibly after the wpid ("4082-1a-2b-3c-4d"). Anything else, an empty
// uniq included, gives "": the serial is not known.
func serialFromUniq(uniq string, wpid uint16) string {
	groups := strings.Split(uniq, "-")
	if len(groups) == 5 && strings.EqualFold(groups[0], fmt.Sprintf("%04x", wpid)) {
		groups = groups[1:]
	}
	if len(groups) != 4 {
		return ""
	}
	for _, g := range groups {
		if len(g) != 2 || strings.Trim(g, "0123456789abcdefABCDEF") != "" {
			return ""
		}
	}
	return strings.ToUpper(strings.Join(groups, ""))
}

var _ transport.PairingLister = Backend{}
