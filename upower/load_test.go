package upower_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/helio-linux/helio/hidpp"
	"github.com/helio-linux/helio/internal/dbustest"
	"github.com/helio-linux/helio/upower"
)

// TestService_UnderLoad calls the export 1000 times a second for 30 s (5 s
// under -short) while the devices keep changing: every call must be
// answered, and the export's memory must not grow once warm.
func TestService_UnderLoad(t *testing.T) {
	seconds := 30
	if testing.Short() {
		seconds = 5
	}
	addr := dbustest.Start(t)
	b, m := emulated(t)
	conn := connect(t, addr)
	client := connect(t, addr)
	goRun(t, "Serve", func(ctx context.Context) error { return upower.Serve(ctx, conn, m, upower.Opts{Name: testName}) })
	var paths []dbus.ObjectPath
	poll(t, "3 devices on the bus", func() (bool, string) {
		err := client.Object(testName, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&paths)
		return err == nil && len(paths) == 3, fmt.Sprint(paths, err)
	})

	// The devices change ten times a second meanwhile, so the export sends
	// PropertiesChanged under load too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for p := 0; ; p = (p + 7) % 100 {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				b.Receiver.SetBattery(1, p, hidpp.StatusDischarging)
			}
		}
	}()

	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	// call makes one of the calls clients make: enumerate, read every
	// property of a device, read one property.
	call := func(i int) error {
		obj := client.Object(testName, paths[i%len(paths)])
		switch i % 3 {
		case 0:
			var ps []dbus.ObjectPath
			return client.Object(testName, upower.Path).Call(upower.Interface+".EnumerateDevices", 0).Store(&ps)
		case 1:
			var all map[string]dbus.Variant
			return obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, upower.DeviceInterface).Store(&all)
		}
		_, err := obj.GetProperty(upower.DeviceInterface + ".Percentage")
		return err
	}
	// run makes 1000 calls a second for d, from 8 clients at once as a busy
	// desktop would, and returns how many were made and failed, and their
	// latencies.
	run := func(d time.Duration) (calls, failed int, lat []time.Duration) {
		tokens := make(chan int, 1000)
		type result struct {
			err error
			d   time.Duration
		}
		results := make(chan result, 1000)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range tokens {
					t0 := time.Now()
					err := call(i)
					results <- result{err, time.Since(t0)}
				}
			}()
		}
		done := make(chan struct{})
		go func() {
			for r := range results {
				calls++
				if r.err != nil {
					failed++
				}
				lat = append(lat, r.d)
			}
			close(done)
		}()
		tick := time.NewTicker(time.Millisecond)
		end := time.Now().Add(d)
		for i := 0; ; i++ {
			now := <-tick.C
			if now.After(end) {
				break
			}
			select {
			case tokens <- i:
			default: // the clients are behind: this call is not made
			}
		}
		tick.Stop()
		close(tokens)
		wg.Wait()
		close(results)
		<-done
		return calls, failed, lat
	}
	run(2 * time.Second) // warm up
	before := heap()
	calls, failed, lat := run(time.Duration(seconds) * time.Second)
	after := heap()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p99 := lat[len(lat)*99/100]
	t.Logf("%d calls in %d s (%.0f a second), %d failed, p50 %v, p99 %v; heap in use %d KiB before, %d KiB after",
		calls, seconds, float64(calls)/float64(seconds), failed, lat[len(lat)/2], p99, before/1024, after/1024)
	if failed > 0 {
		t.Errorf("%d of %d calls failed", failed, calls)
	}
	if calls < seconds*1000/5 {
		t.Errorf("the export answered %d calls in %d s, not even a fifth of 1000 a second", calls, seconds)
	}
	// The client shares the process: whatever it and the export keep must
	// not grow with the number of calls. 2 MiB covers GC noise.
	if after > before+2<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB over %d calls", before/1024, after/1024, calls)
	}
}
