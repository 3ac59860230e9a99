package acquisition

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rampSource delivers blocks whose samples equal their index (per channel
// c: index*10+c), then fails with failErr after limit samples.
type rampSource struct {
	channels int
	rate     float64
	next     uint64
	limit    uint64
	failErr  error
	closed   chan struct{}
	once     sync.Once
	block    bool // after the limit, block until Close instead of failing
}

func newRamp(channels int, limit uint64, failErr error) *rampSource {
	return &rampSource{channels: channels, rate: 1000, limit: limit, failErr: failErr, closed: make(chan struct{})}
}

func (s *rampSource) Info() StreamInfo {
	return StreamInfo{Channels: s.channels, SampleRateHz: s.rate, Protocol: "ramp"}
}

func (s *rampSource) ReadBlock(dst *Block) error {
	select {
	case <-s.closed:
		dst.Len = 0
		return ErrClosed
	default:
	}
	if s.next >= s.limit {
		dst.Len = 0
		if s.block {
			<-s.closed
			return ErrClosed
		}
		return s.failErr
	}
	n := uint64(dst.Cap)
	if s.limit-s.next < n {
		n = s.limit - s.next
	}
	dst.Start, dst.Len = s.next, int(n)
	for c := 0; c < dst.Channels; c++ {
		raw := dst.Raw[c*dst.Cap : c*dst.Cap+dst.Len]
		for i := range raw {
			raw[i] = int32(s.next+uint64(i))*10 + int32(c)
			dst.Data[c*dst.Cap+i] = float64(raw[i]) / 2
		}
	}
	s.next += n
	dst.Received = time.Now()
	return nil
}

func (s *rampSource) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func TestBlockLayout(t *testing.T) {
	t.Parallel()
	b := NewBlock(3, 4)
	b.Len = 2
	b.Data[1*4+1] = 7
	if got := b.Chan(1); len(got) != 2 || got[1] != 7 {
		t.Fatalf("Chan(1) = %v", got)
	}
	c := NewBlock(3, 8)
	c.CopyFrom(b)
	if c.Len != 2 || c.Chan(1)[1] != 7 {
		t.Fatalf("CopyFrom: %+v", c.Chan(1))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("CopyFrom into a smaller block did not panic")
			}
		}()
		big := NewBlock(3, 8)
		big.Len = 8
		b.CopyFrom(big)
	}()
}

func TestReconnecting(t *testing.T) {
	t.Parallel()
	var opens atomic.Int32
	var events []Event
	var mu sync.Mutex
	r, err := NewReconnecting(ReconnectConfig{
		RetryEvery: time.Millisecond,
		Open: func() (Source, error) {
			n := opens.Add(1)
			switch n {
			case 2, 3: // the port is still gone
				return nil, errors.New("no such port")
			}
			return newRamp(2, 25, fmt.Errorf("read: %w", io.ErrUnexpectedEOF)), nil
		},
		OnEvent: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := NewBlock(2, 10)
	var last uint64
	var samples int
	for samples < 50 {
		if err := r.ReadBlock(b); err != nil {
			t.Fatal(err)
		}
		if b.Start < last {
			t.Fatalf("index went back: %d after %d", b.Start, last)
		}
		last = b.End()
		samples += b.Len
	}
	if got := opens.Load(); got != 4 {
		t.Fatalf("Open called %d times, want 4", got)
	}
	st := r.Stats()
	if st.Reconnects != 1 || len(st.ReconnectSeconds) != 1 {
		t.Fatalf("stats %+v, want one reconnect", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0].Kind != EventDisconnected || events[1].Kind != EventReconnected || events[0].Sample != 25 {
		t.Fatalf("events %+v", events)
	}
	if last != 50+events[1].Gap {
		t.Fatalf("stream ends at %d, want 50 + gap %d", last, events[1].Gap)
	}
}

func TestReconnectingCloseWhileAway(t *testing.T) {
	t.Parallel()
	first := true
	r, err := NewReconnecting(ReconnectConfig{
		RetryEvery: time.Millisecond,
		Open: func() (Source, error) {
			if first {
				first = false
				return newRamp(1, 0, io.ErrUnexpectedEOF), nil
			}
			return nil, errors.New("gone")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.ReadBlock(NewBlock(1, 4)) }()
	time.AfterFunc(20*time.Millisecond, func() { r.Close() })
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("ReadBlock = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock a reconnecting ReadBlock")
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestReconnectingFirstOpenFails(t *testing.T) {
	t.Parallel()
	want := errors.New("port /dev/nope does not exist")
	_, err := NewReconnecting(ReconnectConfig{Open: func() (Source, error) { return nil, want }})
	if !errors.Is(err, want) {
		t.Fatalf("got %v", err)
	}
}
