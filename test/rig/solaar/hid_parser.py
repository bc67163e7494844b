"""Helio's stand-in for the "hid-parser" Python module, which Debian does not
package. Solaar's udev code uses it to tell a HID++ interface by its report
descriptor; without it, Solaar looks for a USB interface number, which a
uhid device does not have, and ignores the emulated receiver.

Only what Solaar calls is provided: ReportDescriptor(data) with
input_report_ids and get_input_report_size(report_id), the size in bits.
"""


class ReportDescriptor:
    def __init__(self, data):
        self._bits = {}
        report_id = size = count = 0
        saved = []
        data = bytes(data)
        pos = 0
        while pos < len(data):
            prefix = data[pos]
            if prefix == 0xFE:  # long item: size byte, tag byte, data
                if pos + 1 >= len(data):
                    break
                pos += 3 + data[pos + 1]
                continue
            length = (0, 1, 2, 4)[prefix & 0x03]
            value = int.from_bytes(data[pos + 1:pos + 1 + length], "little")
            pos += 1 + length
            item = prefix & 0xFC
            if item == 0x84:
                report_id = value
            elif item == 0x74:
                size = value
            elif item == 0x94:
                count = value
            elif item == 0xA4:
                saved.append((report_id, size, count))
            elif item == 0xB4 and saved:
                report_id, size, count = saved.pop()
            elif item == 0x80:  # Input
                self._bits[report_id] = self._bits.get(report_id, 0) + size * count

    @property
    def input_report_ids(self):
        return list(self._bits)

    def get_input_report_size(self, report_id):
        return self._bits[report_id]
