package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// KeyExpiry checks an encryption key ring as doctor does: usable by
// GnuPG 2.2, holding an encryption key valid now. It returns when the
// first key stops being usable for encryption (zero: never).
func KeyExpiry(data []byte, now time.Time) (time.Time, error) {
	keys, err := ReadKeys(data)
	if err != nil {
		return time.Time{}, err
	}
	if err := CheckRecipients(keys); err != nil {
		return time.Time{}, err
	}
	var first time.Time
	for _, e := range keys {
		k, ok := e.EncryptionKey(now)
		if !ok {
			return time.Time{}, fmt.Errorf("key %X has no encryption key valid now (expired or revoked?)", e.PrimaryKey.Fingerprint)
		}
		// the key's end is the earlier of the subkey's and the primary's
		for _, end := range []time.Time{keyEnd(k.PublicKey.CreationTime, k.SelfSignature.KeyLifetimeSecs), primaryEnd(e)} {
			if !end.IsZero() && (first.IsZero() || end.Before(first)) {
				first = end
			}
		}
	}
	return first, nil
}

func keyEnd(created time.Time, lifetime *uint32) time.Time {
	if lifetime == nil || *lifetime == 0 {
		return time.Time{}
	}
	return created.Add(time.Duration(*lifetime) * time.Second)
}

// primaryEnd is when the primary key expires (zero: never).
func primaryEnd(e *openpgp.Entity) time.Time {
	sig, _ := e.PrimarySelfSignature()
	if sig == nil {
		return time.Time{}
	}
	return keyEnd(e.PrimaryKey.CreationTime, sig.KeyLifetimeSecs)
}

// SelfTest proves a private key and its passphrase open a message: it
// encrypts a test message to the key's own public part and decrypts it.
func SelfTest(data, passphrase []byte) error {
	keys, err := ReadKeys(data)
	if err != nil {
		return err
	}
	if len(keys) == 0 || keys[0].PrivateKey == nil {
		return errors.New("no private key found")
	}
	var msg bytes.Buffer
	if err := Encrypt(&msg, bytes.NewReader([]byte("ccwrecon doctor")), keys, false); err != nil {
		return fmt.Errorf("cannot encrypt a test message to it: %v", err)
	}
	plain, err := Decrypt(&msg, keys, passphrase)
	if err != nil {
		return err
	}
	if string(plain) != "ccwrecon doctor" {
		return errors.New("the test message did not come back")
	}
	return nil
}
