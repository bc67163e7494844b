package transport

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPermissionError(t *testing.T) {
	err := error(&PermissionError{Path: "/dev/hidraw0", Err: os.ErrPermission})
	for _, w := range []string{"/dev/hidraw0", "42-helio.rules", "make install-udev"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not name %q", err, w)
		}
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Error("PermissionError does not unwrap")
	}
}
