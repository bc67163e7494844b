package metrics_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/metrics"
	"github.com/helio-linux/helio/sensors"
)

// readingLatencies changes the MX Master 3's battery on the emulated
// receiver every 20 ms for d and returns how long each change took to
// reach a subscriber of m: the path of every reading, from the receiver
// to the tray, the history and the alerts.
func readingLatencies(t *testing.T, b interface {
	SetBattery(byte, int, hidpp.Status) error
}, m *sensors.Monitor, d time.Duration) []time.Duration {
	t.Helper()
	changes, stop := m.Subscribe()
	defer stop()
	var lat []time.Duration
	p := 10
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		p = p%90 + 1
		start := time.Now()
		if err := b.SetBattery(1, p, hidpp.StatusDischarging); err != nil {
			t.Fatal(err)
		}
		for seen := false; !seen; {
			select {
			case s := <-changes:
				seen = s.Codename == "MX Master 3" && s.Battery != nil && s.Battery.Percent == p
			case <-time.After(5 * time.Second):
				t.Fatalf("the change to %d %% never reached the subscriber", p)
			}
		}
		lat = append(lat, time.Since(start))
	}
	return lat
}

func percentile(d []time.Duration, p int) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[min(len(d)*p/100, len(d)-1)]
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestServer_Flood scrapes /metrics 1000 times a second for 30 s (5 s
// under -short) from 8 scrapers on the loopback, while the devices'
// readings go on: the readings reach their subscribers about as fast as
// without the flood, a scraper that asks once a second meanwhile is
// answered every time, and the heap and the goroutines do not grow.
func TestServer_Flood(t *testing.T) {
	seconds := 30
	if testing.Short() {
		seconds = 5
	}
	b, m := monitored(t)
	awaitText(t, m, k750Charge, k750Lux)
	s, err := metrics.Listen("127.0.0.1:0", m.States, metrics.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	flooder := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer flooder.CloseIdleConnections()
	scrape := func(c *http.Client) (int, error) {
		resp, err := c.Get(s.URL())
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}

	// flood scrapes 1000 times a second from 8 scrapers until stop, and
	// returns how many scrapes were made and failed.
	flood := func(stop <-chan struct{}) (scrapes, failed int) {
		tokens := make(chan struct{}, 1000)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range tokens {
					code, err := scrape(flooder)
					mu.Lock()
					scrapes++
					if err != nil || code != http.StatusOK {
						failed++
					}
					mu.Unlock()
				}
			})
		}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				close(tokens)
				wg.Wait()
				return scrapes, failed
			case <-tick.C:
				select {
				case tokens <- struct{}{}:
				default: // the scrapers are behind: this scrape is not made
				}
			}
		}
	}

	quiet := readingLatencies(t, b.Receiver, m, 2*time.Second)
	goroutinesBefore := runtime.NumGoroutine()
	stop := make(chan struct{})
	done := make(chan [2]int, 1)
	go func() {
		n, f := flood(stop)
		done <- [2]int{n, f}
	}()
	time.Sleep(2 * time.Second) // warm up
	heapBefore, cpuBefore := heapInUse(), cpu()

	// Meanwhile, Prometheus: a scrape a second, each answered.
	var honest []time.Duration
	honestDone := make(chan struct{})
	go func() {
		defer close(honestDone)
		c := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
		defer c.CloseIdleConnections()
		for end := time.Now().Add(time.Duration(seconds) * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
			start := time.Now()
			if code, err := scrape(c); err != nil || code != http.StatusOK {
				t.Errorf("a scrape during the flood: %d %v", code, err)
			}
			honest = append(honest, time.Since(start))
		}
	}()
	loaded := readingLatencies(t, b.Receiver, m, time.Duration(seconds)*time.Second)
	<-honestDone
	cpuUsed := cpu() - cpuBefore
	heapAfter := heapInUse()
	close(stop)
	counts := <-done
	flooder.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond) // the server's side of the closed connections ends
	goroutinesAfter := runtime.NumGoroutine()

	t.Logf("%d scrapes in %d s (%.0f a second, %d failed); Prometheus's scrapes p50 %v, max %v; "+
		"readings p50 %v p99 %v quiet, p50 %v p99 %v under the flood; heap in use %d KiB before, %d KiB after; "+
		"CPU (server and scrapers) %.0f %% of a core; goroutines %d before, %d after",
		counts[0], seconds+2, float64(counts[0])/float64(seconds+2), counts[1], percentile(honest, 50), percentile(honest, 100),
		percentile(quiet, 50), percentile(quiet, 99), percentile(loaded, 50), percentile(loaded, 99),
		heapBefore/1024, heapAfter/1024, 100*cpuUsed.Seconds()/float64(seconds), goroutinesBefore, goroutinesAfter)
	if counts[1] > 0 {
		t.Errorf("%d of %d scrapes failed", counts[1], counts[0])
	}
	if counts[0] < (seconds+2)*1000/5 {
		t.Errorf("%d scrapes in %d s: not even a fifth of 1000 a second", counts[0], seconds+2)
	}
	// A reading is its device's business: the flood may delay it by
	// the scheduling of a busy machine, not by waiting for scrapes.
	if p99 := percentile(loaded, 99); p99 > 100*time.Millisecond && p99 > 10*percentile(quiet, 99) {
		t.Errorf("readings took %v (p99) under the flood, %v quiet", p99, percentile(quiet, 99))
	}
	if p := percentile(honest, 100); p > 2*time.Second {
		t.Errorf("Prometheus's scrapes took up to %v under the flood", p)
	}
	// 2 MiB covers GC noise; scrapes keep nothing.
	if heapAfter > heapBefore+2<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB over %d scrapes", heapBefore/1024, heapAfter/1024, counts[0])
	}
	if goroutinesAfter > goroutinesBefore+2 {
		t.Errorf("%d goroutines after the flood, %d before it", goroutinesAfter, goroutinesBefore)
	}
}
