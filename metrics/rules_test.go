package metrics_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/helio-linux/helio/metrics"
)

// examples is where the repository keeps the example Prometheus
// configuration and alert rules.
const examples = "../assets/prometheus"

// TestRules: the example rules load, pass promtool's lint, and fire as
// their tests say (promtool test rules), and the example configuration is
// valid.
func TestRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "helio.rules.yml"},
		{"test", "rules", "helio.rules.test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		cmd := exec.Command(tool, args...)
		cmd.Dir = examples
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestRules_Names: the rules and their tests name only metrics Helio
// exports, so a renamed metric cannot leave an alert that never fires
// while its test, written on the old name, passes.
func TestRules_Names(t *testing.T) {
	known := []string{metrics.NameOnline, metrics.NameCharge, metrics.NameVoltage, metrics.NameLevel,
		metrics.NameStatus, metrics.NameLux, metrics.NameTimestamp}
	name := regexp.MustCompile(`\bhelio_[a-z_]+`)
	for _, file := range []string{"helio.rules.yml", "helio.rules.test.yml"} {
		b, err := os.ReadFile(filepath.Join(examples, file))
		if err != nil {
			t.Fatal(err)
		}
		found := name.FindAllString(string(b), -1)
		if len(found) == 0 {
			t.Errorf("%s names no helio metric", file)
		}
		for _, n := range found {
			if !slices.Contains(known, n) {
				t.Errorf("%s names %s, which Helio does not export", file, n)
			}
		}
	}
}
