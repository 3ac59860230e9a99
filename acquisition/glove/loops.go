package glove

import (
	"fmt"
	"time"

	"myorehab/acquisition/serialport"
)

// frameKind is what the writer sends next.
type frameKind int

const (
	kindNone frameKind = iota
	kindEStop
	kindCommand
	kindTargets
	kindHeartbeat
	kindFinal // DISARM on Close
)

// choose picks and commits the next frame under l.mu: ESTOP first, then
// the DISARM of a lost link, then (on Close) the final DISARM, then the
// queue, then on a tick the targets or a heartbeat. It fills typ, seq and
// the payload in pl, and records the type sent with that seq.
func (l *Link) choose(due bool, pl []byte, tg *[MaxFingers]FingerTarget) (k frameKind, typ Type, seq uint8, payload []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.estop:
		l.estop = false
		n := 0
		for {
			l.take()
			if !l.holding || l.held.epoch >= l.epoch {
				break
			}
			l.holding = false
			n++
		}
		if n > 0 {
			l.cancelled.Add(uint64(n))
			l.emit(Event{Kind: EventCancelled, Count: n})
		}
		k, typ = kindEStop, TypeEStop
	case l.disarm:
		l.disarm = false
		k, typ = kindCommand, TypeDisarm
	case l.closng:
		k, typ = kindFinal, TypeDisarm
	default:
		for k == kindNone {
			l.take()
			if !l.holding {
				break
			}
			c := &l.held
			l.holding = false
			if c.epoch < l.epoch {
				l.cancelled.Add(1)
				l.emit(Event{Kind: EventCancelled, Count: 1})
				continue
			}
			k, typ, payload = kindCommand, c.typ, append(pl, c.payload[:c.n]...)
		}
		if k == kindNone && due {
			k, typ = kindHeartbeat, TypeHeartbeat
			if l.armIntent.Load() && l.State() == LinkUp && l.GloveState() == Armed {
				l.tmu.Lock()
				if l.haveTarget {
					*tg = l.targets
					l.limitRate(tg)
					k, typ = kindTargets, TypeSetTargets
					payload = AppendTargets(pl, tg[:l.fingers])
				}
				l.tmu.Unlock()
			}
		}
	}
	if k != kindNone {
		l.nextSeq++
		seq = l.nextSeq
		l.sentType[seq].Store(uint32(typ) + 1)
	}
	return k, typ, seq, payload
}

// take moves the head of the queue into l.held when nothing is held.
// Called with l.mu held.
func (l *Link) take() {
	if l.holding {
		return
	}
	select {
	case l.held = <-l.queue:
		l.holding = true
	default:
	}
}

// limitRate bounds how far each position in tg moves from the previous
// SET_TARGETS frame (after Arm, from the measured positions): at most
// MaxSpeed × the time since that frame + 1 ‰, and never out of
// [MinPosition, MaxPosition]. Called with l.mu and l.tmu
// held, by the writer only.
func (l *Link) limitRate(tg *[MaxFingers]FingerTarget) {
	now := time.Now()
	dt := now.Sub(l.lastSentT).Seconds()
	if l.rearm {
		l.rearm = false
		st := l.Status()
		for i := range l.fingers {
			l.lastSent[i].Position = st.Fingers[i].Position
		}
		dt = l.period.Seconds()
	}
	limited := false
	for i := range l.fingers {
		step := int(float64(l.limits[i].MaxSpeed)*dt) + 1
		prev, p := int(l.lastSent[i].Position), int(tg[i].Position)
		switch {
		case p > prev+step:
			tg[i].Position, limited = uint16(prev+step), true
		case p < prev-step:
			tg[i].Position, limited = uint16(prev-step), true
		}
		// The range of motion comes first: a glove measured outside it
		// (after Arm, or narrower limits) is sent straight into it, at
		// the target's MaxSpeed.
		lim := l.limits[i]
		tg[i].Position = min(max(tg[i].Position, lim.MinPosition), lim.MaxPosition)
	}
	if limited {
		l.rateLimited.Add(1)
	}
	l.lastSent, l.lastSentT = *tg, now
}

// writeLoop is the only writer of the port after the handshake.
func (l *Link) writeLoop() {
	defer close(l.writerDone)
	tick := time.NewTicker(l.period)
	defer tick.Stop()
	buf := make([]byte, 0, MaxFrameLen)
	var pl [MaxPayload]byte
	var tg [MaxFingers]FingerTarget
	due := true
	reported := false
	var periodic time.Time // when the last targets or heartbeat left
	soon := time.NewTimer(time.Hour)
	soon.Stop()
	defer soon.Stop()
	for {
		k, typ, seq, payload := l.choose(due, pl[:0], &tg)
		if k == kindNone {
			select {
			case <-l.quit:
				return
			case <-l.wake:
				// New targets go out at once, a quarter period at the
				// soonest after the previous frame (SetTargets).
				if l.newTargets.Load() {
					if wait := l.period/4 - time.Since(periodic); wait > 0 {
						soon.Reset(wait)
					} else {
						due = true
					}
				}
			case <-soon.C:
				due = due || l.newTargets.Load()
			case <-tick.C:
				due = true
			}
			continue
		}
		if k == kindTargets || k == kindHeartbeat {
			due = false
			periodic = time.Now()
			l.newTargets.Store(false)
		}
		buf = AppendFrame(buf[:0], typ, seq, payload)
		_, err := l.port.Write(buf)
		if err != nil {
			l.writeErrors.Add(1)
			if serialport.IsGone(err) && !reported && !l.closing() {
				reported = true
				l.gone.Store(true)
				l.emit(Event{Kind: EventPortError, Err: fmt.Errorf("write %v: %w", typ, err)})
			}
		} else {
			l.framesSent.Add(1)
			switch k {
			case kindTargets:
				l.targetsSent.Add(1)
			case kindHeartbeat:
				l.heartbeatsSent.Add(1)
			default:
				l.commandsSent.Add(1)
			}
			if l.cfg.OnSend != nil {
				s := Sent{Time: time.Now(), Seq: seq, Type: typ}
				if k == kindTargets {
					s.Targets = tg[:l.fingers]
				}
				l.cfg.OnSend(s)
			}
		}
		if k == kindFinal {
			return
		}
	}
}

func (l *Link) closing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closng
}

// readLoop decodes what the glove sends until the port fails or closes.
func (l *Link) readLoop(dec *Decoder, rest []byte) {
	defer close(l.readerDone)
	buf := make([]byte, 0, 4096)
	buf = append(buf, rest...)
	var f Frame
	for {
		p := buf
		for {
			ok, n, err := dec.Decode(&f, p)
			p = p[n:]
			if ok {
				l.handle(&f)
			} else if err == nil {
				break
			}
		}
		st := dec.Stats()
		l.frameErrors.Store(st.Errors())
		l.skipped.Store(st.Skipped)
		buf = append(buf[:0], p...)
		if len(buf) == cap(buf) {
			buf = buf[:0] // cannot happen: the decoder consumes garbage
		}
		n, err := l.port.Read(buf[len(buf):cap(buf)])
		select {
		case <-l.quit:
			return
		default:
		}
		if err != nil {
			if !l.closing() {
				l.gone.Store(true)
				if serialport.IsGone(err) {
					err = fmt.Errorf("glove disconnected (%v)", err)
				}
				l.emit(Event{Kind: EventPortError, Err: err})
			}
			return
		}
		buf = buf[:len(buf)+n]
	}
}

// handle acts on one good frame from the glove.
func (l *Link) handle(f *Frame) {
	switch f.Type {
	case TypeStatus:
		var s Status
		if ParseStatus(&s, f.Data()) != nil {
			return
		}
		l.statusRx.Add(1)
		l.lastStatus.Store(int64(time.Since(l.t0)))
		l.smu.Lock()
		l.status = s
		l.smu.Unlock()
		l.setGloveState(s.State)
	case TypeAck:
		a, err := ParseAck(f.Data())
		if err != nil {
			return
		}
		l.acks.Add(1)
		l.setGloveState(a.State)
		l.emit(Event{Kind: EventAck, Seq: a.Seq, Command: l.sentAs(a.Seq), State: a.State})
	case TypeNack:
		n, err := ParseNack(f.Data())
		if err != nil {
			return
		}
		l.nacks.Add(1)
		cmd := l.sentAs(n.Seq)
		if cmd == TypeArm && n.Code != NackBadCRC {
			l.armIntent.Store(false)
		}
		l.emit(Event{Kind: EventNack, Seq: n.Seq, Command: cmd, Code: n.Code})
	case TypeFault:
		r, err := ParseFaultReport(f.Data())
		if err != nil {
			return
		}
		l.faults.Add(1)
		l.emit(Event{Kind: EventFault, Fault: r})
	}
}

func (l *Link) sentAs(seq uint8) Type {
	if t := l.sentType[seq].Load(); t > 0 {
		return Type(t - 1)
	}
	return 0
}

// setGloveState records the glove's state; a fall into FAULT or ESTOP
// cancels the arm request, so motion needs a new Arm.
func (l *Link) setGloveState(s State) {
	if old := State(l.gloveState.Swap(uint32(s))); old != s {
		if s == Faulted || s == EStopped {
			l.armIntent.Store(false)
		}
		l.emit(Event{Kind: EventState, State: s})
	}
}

// monitor turns a STATUS silence of 250 ms into LinkLost (once) and back.
func (l *Link) monitor() {
	defer close(l.monitorDone)
	tk := time.NewTicker(10 * time.Millisecond)
	defer tk.Stop()
	lost := false
	for {
		select {
		case <-l.quit:
			return
		case <-tk.C:
		}
		up := l.fresh() && !l.gone.Load()
		switch {
		case !lost && !up:
			lost = true
			l.armIntent.Store(false)
			l.linkLosses.Add(1)
			// Commands queued for a glove we no longer hear are stale
			// (an ARM among them must not re-arm it): cancel them and
			// send DISARM next (rule 7).
			l.mu.Lock()
			l.epoch++
			l.disarm = true
			l.mu.Unlock()
			l.poke()
			l.emit(Event{Kind: EventLinkLost})
		case lost && up:
			lost = false
			// The glove may have restarted with its boot limits.
			l.enqueue(TypeSetLimits, l.limitsPayload(nil))
			l.emit(Event{Kind: EventLinkRestored})
		}
	}
}

// Close stops sending targets, sends DISARM as the last frame (waiting
// at most 0.5 s for it and for a write in progress), closes the port and
// stops the goroutines. It is idempotent and safe from any goroutine; it
// never waits on a stuck Write for longer than that (go-serial cannot
// interrupt one: the writer goroutine is left to finish it).
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		l.armIntent.Store(false)
		l.mu.Lock()
		l.closng = true
		l.mu.Unlock()
		l.poke()
		t := time.NewTimer(closeWait)
		defer t.Stop()
		select {
		case <-l.writerDone:
		case <-t.C:
		}
		l.state.Store(int32(LinkClosed))
		close(l.quit)
		if err := l.port.Close(); err != nil {
			l.closeErr = fmt.Errorf("glove: close port: %w", err)
		}
		t.Reset(closeWait)
		select {
		case <-l.readerDone:
		case <-t.C:
		}
		<-l.monitorDone
		close(l.done)
	})
	return l.closeErr
}
