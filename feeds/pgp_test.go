package feeds

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/ccwrecon/ccwrecon/feeds/feedstest"
)

func newGPG(t *testing.T) *feedstest.GPG { return feedstest.NewGPG(t) }

func TestGPGDecryptsWhatWeEncrypt(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	pub := g.TestKey()
	keys, err := ReadKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("Status|User ID|Last Name|First Name|Email\n1|jürgen|Müller|Jürgen|jm@acme.example\n")
	for _, armored := range []bool{true, false} {
		var enc bytes.Buffer
		if err := Encrypt(&enc, bytes.NewReader(plain), keys, armored); err != nil {
			t.Fatal(err)
		}
		if armored != strings.HasPrefix(enc.String(), "-----BEGIN PGP MESSAGE") || !LooksEncrypted(enc.Bytes()) {
			t.Fatalf("armored=%v: wrong output form", armored)
		}
		got := g.Run(enc.Bytes(), "--decrypt")
		if !bytes.Equal(got, plain) {
			t.Fatalf("gpg decrypted %q", got)
		}
	}
}

func TestWeDecryptWhatGPGEncrypts(t *testing.T) {
	t.Parallel()
	g := newGPG(t)
	sec := g.OutboundKey() // Cv25519; RSA is covered by TestKey above
	keys, err := ReadKeys(sec)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("CCW CW Number|Email\nCW-1|a@acme.example\n")
	for _, armor := range []bool{true, false} {
		args := []string{"--trust-model", "always", "--encrypt", "-r", "it@acme.example"}
		if armor {
			args = append([]string{"--armor"}, args...)
		}
		enc := g.Run(plain, args...)
		got, err := Decrypt(bytes.NewReader(enc), keys, []byte("s3cret"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("decrypted %q", got)
		}
	}
	keys2, _ := ReadKeys(sec)
	enc := g.Run(plain, "--trust-model", "always", "--encrypt", "-r", "it@acme.example")
	if _, err := Decrypt(bytes.NewReader(enc), keys2, []byte("wrong")); err == nil || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestRefusesKeysGnuPG22CannotUse(t *testing.T) {
	t.Parallel()
	e, err := openpgp.NewEntity("v6", "", "v6@example.com", &packet.Config{V6Keys: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Encrypt(&buf, strings.NewReader("x"), openpgp.EntityList{e}, true); err == nil || !strings.Contains(err.Error(), "v6") {
		t.Fatalf("v6 key accepted: %v", err)
	}
	aead, err := openpgp.NewEntity("aead", "", "aead@example.com", &packet.Config{AEADConfig: &packet.AEADConfig{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range aead.Identities {
		id.SelfSignature.SEIPDv1 = false // a key that only takes SEIPDv2
	}
	if err := Encrypt(&buf, strings.NewReader("x"), openpgp.EntityList{aead}, true); err == nil || !strings.Contains(err.Error(), "SEIPDv2") {
		t.Fatalf("SEIPDv2-only key accepted: %v", err)
	}
}

// A key that cannot encrypt (signing only) is refused when it is read,
// before anything is written or uploaded, naming the key and the fix.
func TestASigningOnlyKeyIsRefusedUpFront(t *testing.T) {
	t.Parallel()
	e, err := openpgp.NewEntity("Signer", "", "sign@acme.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Subkeys = nil // the encryption subkey gone: only the signing primary key is left
	var pub bytes.Buffer
	w, _ := armor.Encode(&pub, openpgp.PublicKeyType, nil)
	e.Serialize(w)
	w.Close()
	if _, err := ReadRecipients(pub.Bytes()); err == nil || !strings.Contains(err.Error(), "no key that may encrypt") {
		t.Fatalf("got %v", err)
	}
}
