// Package auth is MyoRehab's accounts: Argon2id password hashes stored as
// PHC strings, log-in with a lockout after repeated failures, the roles
// admin and therapist, and the idle timer that locks the screen. It knows
// nothing of Fyne: the screens call it and drive the idle timer.
//
// Password hashing follows the OWASP Password Storage Cheat Sheet's first
// Argon2id configuration: m = 19456 KiB (19 MiB), t = 2 iterations, p = 1,
// with a 16-byte random salt per password and a 32-byte key. The hash is
// stored as the standard PHC string
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64),
// so any Argon2 library can verify it; Verify reads the parameters from the
// string, so stronger parameters later do not invalidate old hashes.
//
// The acting therapist travels in the context (storage.WithActor); every
// log-in, refused log-in, log-out and account change is in the audit log.
package auth
