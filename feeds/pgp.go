package feeds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// ReadKeys reads an armored or binary OpenPGP key ring.
func ReadKeys(data []byte) (openpgp.EntityList, error) {
	if bytes.Contains(data[:min(len(data), 100)], []byte("-----BEGIN PGP")) {
		return openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	}
	return openpgp.ReadKeyRing(bytes.NewReader(data))
}

// CheckRecipients refuses keys GnuPG 2.2 (and so, possibly, CCW's side)
// cannot use: RFC 9580 v6 keys and keys that only accept SEIPDv2.
func CheckRecipients(keys openpgp.EntityList) error {
	if len(keys) == 0 {
		return errors.New("no public key found")
	}
	for _, e := range keys {
		if e.PrimaryKey.Version == 6 {
			return fmt.Errorf("key %X is an RFC 9580 v6 key, which GnuPG 2.2 cannot read: ask for a v4 key", e.PrimaryKey.Fingerprint)
		}
		if _, ok := e.EncryptionKey(time.Now()); !ok {
			return fmt.Errorf("key %X has no key that may encrypt (a signing-only key, a revoked or an expired one): ask for the public key files are to be encrypted to", e.PrimaryKey.Fingerprint)
		}
		for _, id := range e.Identities {
			if s := id.SelfSignature; s != nil && s.SEIPDv2 && !s.SEIPDv1 {
				return fmt.Errorf("key %X only accepts SEIPDv2 (AEAD) messages, which GnuPG 2.2 cannot read: ask for a key without the v2 feature flag", e.PrimaryKey.Fingerprint)
			}
		}
	}
	return nil
}

// Encrypt encrypts src to the recipients: SEIPDv1 with AES-256 when the key
// allows it, armored or binary.
func Encrypt(dst io.Writer, src io.Reader, keys openpgp.EntityList, armored bool) error {
	if err := CheckRecipients(keys); err != nil {
		return err
	}
	cfg := &packet.Config{DefaultCipher: packet.CipherAES256}
	out := dst
	var aw io.WriteCloser
	if armored {
		var err error
		if aw, err = armor.Encode(dst, "PGP MESSAGE", nil); err != nil {
			return err
		}
		out = aw
	}
	wc, err := openpgp.Encrypt(out, keys, nil, &openpgp.FileHints{IsBinary: true}, cfg)
	if err != nil {
		return err
	}
	if _, err := io.Copy(wc, src); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	if aw != nil {
		return aw.Close()
	}
	return nil
}

// Decrypt reads an armored or binary message with a private key ring;
// passphrase unlocks protected keys. The integrity check runs at the end of
// the message, so the plaintext is only returned once fully verified.
func Decrypt(src io.Reader, keys openpgp.EntityList, passphrase []byte) ([]byte, error) {
	for _, e := range keys {
		if e.PrivateKey != nil && e.PrivateKey.Encrypted {
			if err := e.PrivateKey.Decrypt(passphrase); err != nil {
				return nil, errors.New("cannot unlock the private key: wrong passphrase (CCW_PGP_PASSPHRASE)")
			}
		}
		for _, sk := range e.Subkeys {
			if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
				if err := sk.PrivateKey.Decrypt(passphrase); err != nil {
					return nil, errors.New("cannot unlock the private subkey: wrong passphrase (CCW_PGP_PASSPHRASE)")
				}
			}
		}
	}
	br := bufio.NewReader(src)
	var r io.Reader = br
	if head, _ := br.Peek(64); bytes.Contains(head, []byte("-----BEGIN PGP MESSAGE")) {
		block, err := armor.Decode(br)
		if err != nil {
			return nil, fmt.Errorf("bad ASCII armor: %v", err)
		}
		r = block.Body
	}
	md, err := openpgp.ReadMessage(r, keys, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt: %v", err)
	}
	plain, err := io.ReadAll(md.UnverifiedBody)
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt: %v", err)
	}
	return plain, nil
}

// IsEncryptedName reports a PGP file extension.
func IsEncryptedName(name string) bool {
	for _, ext := range []string{".pgp", ".gpg", ".asc"} {
		if len(name) > len(ext) && name[len(name)-len(ext):] == ext {
			return true
		}
	}
	return false
}

// TrimPGPExt drops a PGP extension from a file name.
func TrimPGPExt(name string) string {
	for _, ext := range []string{".pgp", ".gpg", ".asc"} {
		name = strings.TrimSuffix(name, ext)
	}
	return name
}

// LooksEncrypted sniffs armored or binary OpenPGP data.
func LooksEncrypted(data []byte) bool {
	if bytes.HasPrefix(bytes.TrimSpace(data[:min(len(data), 64)]), []byte("-----BEGIN PGP MESSAGE")) {
		return true
	}
	// binary: a packet tag byte with bit 7 set for PKESK (tag 1) or SKESK (3)
	return len(data) > 0 && data[0]&0x80 != 0 && (data[0]&0x3c>>2 == 1 || data[0]&0x3f == 1 || data[0]&0x3c>>2 == 3)
}

// Recipients are public keys, checked to be usable by GnuPG 2.2, that
// uploads are encrypted to.
type Recipients struct{ keys openpgp.EntityList }

// ReadRecipients reads and checks an armored or binary public key ring.
func ReadRecipients(data []byte) (*Recipients, error) {
	keys, err := ReadKeys(data)
	if err != nil {
		return nil, err
	}
	if err := CheckRecipients(keys); err != nil {
		return nil, err
	}
	return &Recipients{keys: keys}, nil
}

// Encrypt encrypts src to the recipients.
func (r *Recipients) Encrypt(dst io.Writer, src io.Reader, armored bool) error {
	return Encrypt(dst, src, r.keys, armored)
}

// DecryptionKey is an unlocked private key ring for downloaded files.
type DecryptionKey struct {
	keys       openpgp.EntityList
	passphrase []byte
}

// ReadDecryptionKey reads a private key ring; the passphrase unlocks it
// when a message is decrypted.
func ReadDecryptionKey(data, passphrase []byte) (*DecryptionKey, error) {
	keys, err := ReadKeys(data)
	if err != nil {
		return nil, err
	}
	return &DecryptionKey{keys: keys, passphrase: passphrase}, nil
}

// Decrypt decrypts an armored or binary message.
func (k *DecryptionKey) Decrypt(src io.Reader) ([]byte, error) {
	return Decrypt(src, k.keys, k.passphrase)
}
