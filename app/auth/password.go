package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are Argon2id's cost parameters.
type Params struct {
	// MemoryKiB is the memory cost in KiB, Time the number of passes,
	// Threads the parallelism.
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	// SaltLen and KeyLen are the salt and hash lengths in bytes.
	SaltLen, KeyLen uint32
}

// OWASP's first Argon2id configuration (Password Storage Cheat Sheet):
// 19 MiB, 2 passes, 1 thread. About 25 ms per hash on a desktop core.
const (
	OWASPMemoryKiB = 19456
	OWASPTime      = 2
	OWASPThreads   = 1
	saltLen        = 16
	keyLen         = 32
)

// DefaultParams returns the parameters new hashes use (OWASP's).
func DefaultParams() Params {
	return Params{MemoryKiB: OWASPMemoryKiB, Time: OWASPTime, Threads: OWASPThreads, SaltLen: saltLen, KeyLen: keyLen}
}

// MinPasswordLen is the shortest password accepted (OWASP: at least 8).
const MinPasswordLen = 8

// ErrWeakPassword is returned for a password shorter than MinPasswordLen.
var ErrWeakPassword = fmt.Errorf("the password must have at least %d characters", MinPasswordLen)

// ErrBadHash means a stored hash is not a PHC string this package reads.
var ErrBadHash = errors.New("auth: not an argon2id PHC string")

// HashPassword hashes password with DefaultParams and a fresh random salt.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLen {
		return "", ErrWeakPassword
	}
	return Hash(password, DefaultParams(), rand.Reader)
}

// Hash hashes password with p and a salt of p.SaltLen bytes read from
// random, and returns the PHC string.
func Hash(password string, p Params, random io.Reader) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

func encodePHC(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ParsePHC reads an argon2id PHC string: its parameters, salt and hash.
func ParsePHC(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrBadHash
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrBadHash
		}
		switch k {
		case "m":
			p.MemoryKiB = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrBadHash
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrBadHash
		}
	}
	// Bounds keep a forged string from asking for gigabytes or hours.
	if p.Time < 1 || p.Time > 16 || p.Threads < 1 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 1<<21 {
		return Params{}, nil, nil, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return Params{}, nil, nil, ErrBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return Params{}, nil, nil, ErrBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// Verify reports whether password matches the PHC string phc, comparing
// in constant time. A malformed phc is ErrBadHash.
func Verify(password, phc string) (bool, error) {
	p, salt, key, err := ParsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummyHash is verified against when an account does not exist, so that a
// wrong name costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$ZGlkIHlvdSByZWFsbHkgZXhwZWN0IGEgc2VjcmV0Pz8"
