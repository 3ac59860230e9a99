package glove

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
)

// Type is a message type byte.
type Type uint8

// Message types, host → glove.
const (
	TypeHello      Type = 0x01 // no payload; answered by INFO
	TypeHeartbeat  Type = 0x02 // no payload
	TypeArm        Type = 0x10 // u32 session token
	TypeDisarm     Type = 0x11 // no payload
	TypeEStop      Type = 0x12 // no payload; latched until CLEAR_FAULT
	TypeClearFault Type = 0x13 // no payload; FAULT or ESTOP → DISARMED
	TypeSetTargets Type = 0x20 // n_fingers × FingerTarget
	TypeSetAssist  Type = 0x21 // Assist
	TypeSetLimits  Type = 0x22 // n_fingers × FingerLimit
	TypeGetStatus  Type = 0x30 // no payload; answered by STATUS
)

// Message types, glove → host.
const (
	TypeAck    Type = 0x80 // Ack
	TypeNack   Type = 0x81 // Nack
	TypeInfo   Type = 0x82 // Info
	TypeStatus Type = 0x90 // Status
	TypeFault  Type = 0x91 // FaultReport
)

// String returns the spec's name of t ("SET_TARGETS"), or "0x7F" for an
// unknown type.
func (t Type) String() string {
	switch t {
	case TypeHello:
		return "HELLO"
	case TypeHeartbeat:
		return "HEARTBEAT"
	case TypeArm:
		return "ARM"
	case TypeDisarm:
		return "DISARM"
	case TypeEStop:
		return "ESTOP"
	case TypeClearFault:
		return "CLEAR_FAULT"
	case TypeSetTargets:
		return "SET_TARGETS"
	case TypeSetAssist:
		return "SET_ASSIST"
	case TypeSetLimits:
		return "SET_LIMITS"
	case TypeGetStatus:
		return "GET_STATUS"
	case TypeAck:
		return "ACK"
	case TypeNack:
		return "NACK"
	case TypeInfo:
		return "INFO"
	case TypeStatus:
		return "STATUS"
	case TypeFault:
		return "FAULT"
	}
	return "0x" + strconv.FormatUint(uint64(t), 16)
}

// FromHost reports whether t is a host → glove type.
func (t Type) FromHost() bool { return t < 0x80 }

// MaxFingers is the largest finger count: thumb, index, middle, ring,
// little, in that order on the wire.
const MaxFingers = 5

// FingerName returns the name of finger i in wire order: "thumb",
// "index", "middle", "ring", "little"; "finger6" and so on past those.
func FingerName(i int) string {
	switch i {
	case 0:
		return "thumb"
	case 1:
		return "index"
	case 2:
		return "middle"
	case 3:
		return "ring"
	case 4:
		return "little"
	}
	return "finger" + strconv.Itoa(i+1)
}

// FingerIndex returns the wire index of a finger named as FingerName
// does, or -1.
func FingerIndex(name string) int {
	for i := range MaxFingers {
		if FingerName(i) == name {
			return i
		}
	}
	return -1
}

// FullScale is the position of a fully flexed finger, in per mille of the
// patient's calibrated range (0 is fully extended).
const FullScale = 1000

// State is the glove's state as in STATUS and ACK.
type State uint8

// Glove states.
const (
	Disarmed State = 0 // boot state; no motion
	Armed    State = 1 // motion allowed
	Faulted  State = 2 // a fault latched; CLEAR_FAULT to recover
	EStopped State = 3 // e-stop latched; CLEAR_FAULT to recover
)

// String returns the state's wire name: DISARMED, ARMED, FAULT, ESTOP.
func (s State) String() string {
	switch s {
	case Disarmed:
		return "DISARMED"
	case Armed:
		return "ARMED"
	case Faulted:
		return "FAULT"
	case EStopped:
		return "ESTOP"
	}
	return "STATE(" + strconv.Itoa(int(s)) + ")"
}

// FaultBits is the STATUS fault bit set.
type FaultBits uint16

// Fault bits.
const (
	FaultWatchdog    FaultBits = 1 << 0 // no valid frame for 250 ms while armed
	FaultOverForce   FaultBits = 1 << 1
	FaultOverCurrent FaultBits = 1 << 2 // e.g. a stalled motor
	FaultLimit       FaultBits = 1 << 3
	FaultLinkErrors  FaultBits = 1 << 4
	FaultHWEStop     FaultBits = 1 << 5 // the glove's own e-stop button
)

// faultName names fault bit i.
func faultName(i int) string {
	switch i {
	case 0:
		return "watchdog"
	case 1:
		return "over-force"
	case 2:
		return "over-current"
	case 3:
		return "limit"
	case 4:
		return "link-errors"
	case 5:
		return "hardware-estop"
	}
	return "bit" + strconv.Itoa(i)
}

// String names the set bits joined by "+" ("watchdog+limit"), "" for none.
func (f FaultBits) String() string {
	var b strings.Builder
	for i := range 16 {
		if f&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('+')
		}
		b.WriteString(faultName(i))
	}
	return b.String()
}

// NackCode is the error byte of a NACK.
type NackCode uint8

// NACK error codes.
const (
	NackBadCRC     NackCode = 1
	NackUnknown    NackCode = 2 // unknown message type
	NackBadLength  NackCode = 3
	NackRange      NackCode = 4 // value out of range
	NackWrongState NackCode = 5 // e.g. SET_TARGETS while DISARMED
	NackOverLimit  NackCode = 6 // a target outside SET_LIMITS or the glove's own limits
)

// String says what the code means in plain words.
func (c NackCode) String() string {
	switch c {
	case NackBadCRC:
		return "damaged frame (bad CRC)"
	case NackUnknown:
		return "unknown command"
	case NackBadLength:
		return "wrong command length"
	case NackRange:
		return "value out of range"
	case NackWrongState:
		return "not allowed in the glove's current state"
	case NackOverLimit:
		return "over a limit"
	}
	return "error " + strconv.Itoa(int(c))
}

// AssistMode is the SET_ASSIST mode byte.
type AssistMode uint8

// Assist modes.
const (
	PassiveROM      AssistMode = 0 // passive range of motion
	AssistAsNeeded  AssistMode = 1
	EMGTriggered    AssistMode = 2
	EMGProportional AssistMode = 3
)

// Capabilities is the INFO capability bit set.
type Capabilities uint8

// Capability bits.
const (
	CapForceSensing    Capabilities = 1 << 0
	CapPositionSensing Capabilities = 1 << 1
	CapHWEStop         Capabilities = 1 << 2
)

// ErrPayload is returned by the Parse functions for a payload whose length
// does not fit its message type (a glove would NACK it with code 3).
var ErrPayload = errors.New("glove: payload length does not fit the message type")

var le = binary.LittleEndian

// FingerTarget is one finger's entry of SET_TARGETS.
type FingerTarget struct {
	// Position is the target in per mille of the calibrated range
	// (0 extended … 1000 flexed).
	Position uint16
	// ForceLimit is the largest force the finger may apply, in cN.
	ForceLimit uint16
	// MaxSpeed is the largest speed toward the target, in per mille per
	// second.
	MaxSpeed uint16
}

// FingerLimit is one finger's entry of SET_LIMITS.
type FingerLimit struct {
	// MinPosition and MaxPosition bound targets, in per mille
	// (0 ≤ Min ≤ Max ≤ 1000).
	MinPosition, MaxPosition uint16
	// MaxForce bounds force limits, in cN.
	MaxForce uint16
}

// FingerStatus is one finger's entry of STATUS.
type FingerStatus struct {
	// Position is the measured position in per mille.
	Position uint16
	// Force is the measured force in cN.
	Force uint16
}

// AppendTargets appends the SET_TARGETS payload for t (6 bytes per finger)
// to dst. It panics if len(t) is 0 or over MaxFingers.
func AppendTargets(dst []byte, t []FingerTarget) []byte {
	if len(t) == 0 || len(t) > MaxFingers {
		panic("glove: finger count out of 1..5")
	}
	for _, f := range t {
		dst = le.AppendUint16(dst, f.Position)
		dst = le.AppendUint16(dst, f.ForceLimit)
		dst = le.AppendUint16(dst, f.MaxSpeed)
	}
	return dst
}

// ParseTargets decodes a SET_TARGETS payload into dst and returns the
// finger count. It returns ErrPayload unless len(p) is 6 × n with
// 1 ≤ n ≤ min(MaxFingers, len(dst)).
func ParseTargets(dst []FingerTarget, p []byte) (int, error) {
	n := len(p) / 6
	if len(p)%6 != 0 || n == 0 || n > MaxFingers || n > len(dst) {
		return 0, ErrPayload
	}
	for i := range n {
		q := p[6*i:]
		dst[i] = FingerTarget{le.Uint16(q), le.Uint16(q[2:]), le.Uint16(q[4:])}
	}
	return n, nil
}

// AppendLimits appends the SET_LIMITS payload for l (6 bytes per finger)
// to dst. It panics if len(l) is 0 or over MaxFingers.
func AppendLimits(dst []byte, l []FingerLimit) []byte {
	if len(l) == 0 || len(l) > MaxFingers {
		panic("glove: finger count out of 1..5")
	}
	for _, f := range l {
		dst = le.AppendUint16(dst, f.MinPosition)
		dst = le.AppendUint16(dst, f.MaxPosition)
		dst = le.AppendUint16(dst, f.MaxForce)
	}
	return dst
}

// ParseLimits decodes a SET_LIMITS payload into dst and returns the finger
// count, with the same length rules as ParseTargets.
func ParseLimits(dst []FingerLimit, p []byte) (int, error) {
	n := len(p) / 6
	if len(p)%6 != 0 || n == 0 || n > MaxFingers || n > len(dst) {
		return 0, ErrPayload
	}
	for i := range n {
		q := p[6*i:]
		dst[i] = FingerLimit{le.Uint16(q), le.Uint16(q[2:]), le.Uint16(q[4:])}
	}
	return n, nil
}

// AppendToken appends the ARM payload (u32 session token).
func AppendToken(dst []byte, token uint32) []byte { return le.AppendUint32(dst, token) }

// ParseToken decodes an ARM payload.
func ParseToken(p []byte) (uint32, error) {
	if len(p) != 4 {
		return 0, ErrPayload
	}
	return le.Uint32(p), nil
}

// Assist is the SET_ASSIST payload.
type Assist struct {
	// Level is the assistance level in percent, 0..100.
	Level uint8
	// Mode is the assist mode.
	Mode AssistMode
}

// Append appends the 2-byte payload.
func (a Assist) Append(dst []byte) []byte { return append(dst, a.Level, byte(a.Mode)) }

// ParseAssist decodes a SET_ASSIST payload (values are not range-checked).
func ParseAssist(p []byte) (Assist, error) {
	if len(p) != 2 {
		return Assist{}, ErrPayload
	}
	return Assist{p[0], AssistMode(p[1])}, nil
}

// Ack is the ACK payload.
type Ack struct {
	// Seq is the seq of the command acknowledged.
	Seq uint8
	// State is the glove's state after the command.
	State State
}

// Append appends the 2-byte payload.
func (a Ack) Append(dst []byte) []byte { return append(dst, a.Seq, byte(a.State)) }

// ParseAck decodes an ACK payload.
func ParseAck(p []byte) (Ack, error) {
	if len(p) != 2 {
		return Ack{}, ErrPayload
	}
	return Ack{p[0], State(p[1])}, nil
}

// Nack is the NACK payload.
type Nack struct {
	// Seq is the seq of the command refused, as received (for a damaged
	// frame it may itself be damaged).
	Seq uint8
	// Code says why.
	Code NackCode
}

// Append appends the 2-byte payload.
func (n Nack) Append(dst []byte) []byte { return append(dst, n.Seq, byte(n.Code)) }

// ParseNack decodes a NACK payload.
func ParseNack(p []byte) (Nack, error) {
	if len(p) != 2 {
		return Nack{}, ErrPayload
	}
	return Nack{p[0], NackCode(p[1])}, nil
}

// Info is the INFO payload, the glove's answer to HELLO.
type Info struct {
	// Firmware is the firmware version, major<<8 | minor.
	Firmware uint16
	// Fingers is the number of actuated fingers, 1..5.
	Fingers uint8
	// Capabilities are the glove's sensing and e-stop features.
	Capabilities Capabilities
	// MaxForce is the glove's own force limit in cN.
	MaxForce uint16
	// StatusRateHz is the rate of unprompted STATUS frames in Hz.
	StatusRateHz uint8
}

// Append appends the 7-byte payload.
func (i Info) Append(dst []byte) []byte {
	dst = le.AppendUint16(dst, i.Firmware)
	dst = append(dst, i.Fingers, byte(i.Capabilities))
	dst = le.AppendUint16(dst, i.MaxForce)
	return append(dst, i.StatusRateHz)
}

// ParseInfo decodes an INFO payload.
func ParseInfo(p []byte) (Info, error) {
	if len(p) != 7 {
		return Info{}, ErrPayload
	}
	return Info{le.Uint16(p), p[2], Capabilities(p[3]), le.Uint16(p[4:]), p[6]}, nil
}

// FaultReport is the FAULT payload.
type FaultReport struct {
	// Bit is the fault bit that fired.
	Bit FaultBits
	// Detail is fault-specific; the emulator puts the finger index
	// (0 thumb … 4 little) of finger faults here.
	Detail uint16
}

// Append appends the 4-byte payload.
func (f FaultReport) Append(dst []byte) []byte {
	return le.AppendUint16(le.AppendUint16(dst, uint16(f.Bit)), f.Detail)
}

// ParseFaultReport decodes a FAULT payload.
func ParseFaultReport(p []byte) (FaultReport, error) {
	if len(p) != 4 {
		return FaultReport{}, ErrPayload
	}
	return FaultReport{FaultBits(le.Uint16(p)), le.Uint16(p[2:])}, nil
}

// Status is the STATUS payload.
type Status struct {
	// State is the glove's state.
	State State
	// Faults are the latched fault bits.
	Faults FaultBits
	// LastSeq is the seq of the last command the glove applied.
	LastSeq uint8
	// WatchdogLeftMS is the time left before the watchdog fires, in ms.
	WatchdogLeftMS uint16
	// Token is the session token of the latest ARM.
	Token uint32
	// N is the number of fingers in Fingers.
	N uint8
	// Fingers holds the measured positions and forces of the first N
	// fingers.
	Fingers [MaxFingers]FingerStatus
}

// statusFixed is the length of STATUS before the per-finger records.
const statusFixed = 10

// Append appends the payload (10 + 4·N bytes). It panics if N is over
// MaxFingers.
func (s *Status) Append(dst []byte) []byte {
	if s.N > MaxFingers {
		panic("glove: finger count out of 0..5")
	}
	dst = append(dst, byte(s.State))
	dst = le.AppendUint16(dst, uint16(s.Faults))
	dst = append(dst, s.LastSeq)
	dst = le.AppendUint16(dst, s.WatchdogLeftMS)
	dst = le.AppendUint32(dst, s.Token)
	for _, f := range s.Fingers[:s.N] {
		dst = le.AppendUint16(dst, f.Position)
		dst = le.AppendUint16(dst, f.Force)
	}
	return dst
}

// ParseStatus decodes a STATUS payload into s.
func ParseStatus(s *Status, p []byte) error {
	n := (len(p) - statusFixed) / 4
	if len(p) < statusFixed || (len(p)-statusFixed)%4 != 0 || n > MaxFingers {
		return ErrPayload
	}
	*s = Status{
		State: State(p[0]), Faults: FaultBits(le.Uint16(p[1:])), LastSeq: p[3],
		WatchdogLeftMS: le.Uint16(p[4:]), Token: le.Uint32(p[6:]), N: uint8(n),
	}
	for i := range n {
		q := p[statusFixed+4*i:]
		s.Fingers[i] = FingerStatus{le.Uint16(q), le.Uint16(q[2:])}
	}
	return nil
}
