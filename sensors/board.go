package sensors

import (
	"sync"
)

// Source is where front ends (the tray, notifications, the export, watch)
// get device states: a [Monitor], or a [Board] something else feeds, such
// as a mirror of another Helio's devices read over D-Bus.
type Source interface {
	// States returns the latest state of every device seen, in the order
	// they were first seen.
	States() []State
	// Subscribe returns a channel that receives a device's state each time
	// what a person would see of it changes. A subscriber more than 64
	// changes behind misses changes (States still has the latest). Call
	// cancel when done; the channel is then closed.
	Subscribe() (<-chan State, func())
}

// Board holds the latest state of every device and tells subscribers of
// each visible change. A Monitor publishes on its own Board, or on one it
// is given, so that its subscribers stay subscribed while the Board is fed
// from elsewhere before or after. A Board is safe for concurrent use.
type Board struct {
	mu     sync.Mutex
	states map[string]State
	order  []string // device IDs in the order first seen
	subs   map[chan State]struct{}
}

var (
	_ Source = (*Board)(nil)
	_ Source = (*Monitor)(nil)
)

// NewBoard returns an empty Board.
func NewBoard() *Board {
	return &Board{states: map[string]State{}, subs: map[chan State]struct{}{}}
}

// States implements [Source].
func (b *Board) States() []State {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]State, 0, len(b.order))
	for _, id := range b.order {
		out = append(out, b.states[id])
	}
	return out
}

// Subscribe implements [Source].
func (b *Board) Subscribe() (<-chan State, func()) {
	ch := make(chan State, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.subs, ch)
			close(ch)
		})
	}
}

// Put records st as its device's latest state, and tells the subscribers
// when anything a person would see changed (or the device is new). It
// reports whether it told them.
func (b *Board) Put(st State) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.put(st)
}

// put is Put with b.mu held.
func (b *Board) put(st State) bool {
	old, seen := b.states[st.ID]
	if !seen {
		b.order = append(b.order, st.ID)
	}
	b.states[st.ID] = st
	if seen && visible(old) == visible(st) {
		return false
	}
	// Sent under the lock, which cancel takes before closing a channel:
	// the sends never block, and never meet a closed channel.
	for ch := range b.subs {
		select {
		case ch <- st:
		default:
		}
	}
	return true
}

// state is the latest state of device id.
func (b *Board) state(id string) (State, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.states[id]
	return st, ok
}
