package sync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// pgpWarnAhead is how far ahead doctor warns of an expiring key.
const pgpWarnAhead = 30 * 24 * time.Hour

// Doctor checks every configured setting end to end: Coupa, its scopes,
// the chart and lookups, SFTP and its folders, the PGP keys. Nothing is
// written anywhere a poller could read; checks whose settings are absent
// are skipped, and said to be.
func (s *Service) Doctor(ctx context.Context, now time.Time) []followup.DoctorCheck {
	var out []followup.DoctorCheck
	add := func(name string, st followup.CheckStatus, detail, fix string) {
		out = append(out, followup.DoctorCheck{Name: name, Status: st, Detail: detail, Fix: fix})
	}
	s.doctorCoupa(ctx, add)
	s.doctorSFTP(ctx, add)
	s.doctorPGP(now, add)
	return out
}

type addCheck func(name string, st followup.CheckStatus, detail, fix string)

func (s *Service) doctorCoupa(ctx context.Context, add addCheck) {
	c := s.e.Coupa
	if c.BaseURL == "" {
		add("coupa", followup.CheckFail, "no Coupa URL is configured", "set COUPA_URL (or --coupa-url, or coupa-url in the profile)")
		return
	}
	client, err := s.Client(false)
	if err != nil {
		add("coupa credentials", followup.CheckFail, err.Error(), "set COUPA_CLIENT_ID and COUPA_CLIENT_SECRET, or COUPA_API_KEY")
		return
	}
	via := "the API key (COUPA_API_KEY)"
	if client.UsesOAuth() {
		via = "the OAuth client (COUPA_CLIENT_ID, COUPA_CLIENT_SECRET)"
	}
	if err := client.Probe(ctx); err != nil {
		var ae *coupa.APIError
		var te *coupa.TokenError
		switch {
		case errors.As(err, &te):
			add("coupa reachable", followup.CheckOK, client.Instance()+" answers", "")
			add("coupa credentials", followup.CheckFail, "Coupa refuses "+via+" ("+te.Code+")", "check the client id and secret, and that the client may use the client-credentials grant")
		case errors.As(err, &ae) && ae.Status == 401:
			add("coupa reachable", followup.CheckOK, client.Instance()+" answers", "")
			add("coupa credentials", followup.CheckFail, "Coupa refuses "+via, "check the credential's value and that it belongs to "+client.Instance())
		case errors.As(err, &ae) && ae.Status == 403:
			add("coupa reachable", followup.CheckOK, client.Instance()+" answers", "")
			add("coupa credentials", followup.CheckFail, via+" may not read users", "grant core.user.read to the credential")
		case errors.As(err, &ae):
			add("coupa reachable", followup.CheckFail, err.Error(), "check COUPA_URL and the instance's status")
		default:
			add("coupa reachable", followup.CheckFail, err.Error(), "check COUPA_URL, DNS, the network path and the TLS certificate")
		}
		return
	}
	tls := "over TLS"
	if strings.HasPrefix(client.Instance(), "http://") {
		tls = "over plain http (a loopback emulator)"
	}
	add("coupa reachable", followup.CheckOK, client.Instance()+" answers "+tls, "")
	add("coupa credentials", followup.CheckOK, via+" is accepted", "")
	if client.UsesOAuth() {
		granted, err := client.GrantedScopes(ctx, coupa.WriteScopes)
		switch {
		case err != nil:
			add("coupa scopes", followup.CheckFail, err.Error(), "check the OAuth client in Coupa (Setup > Integrations > OAuth2/OpenID Connect Clients)")
		default:
			var missing []string
			for _, w := range coupa.WriteScopes {
				if !slices.Contains(granted, w) {
					missing = append(missing, w)
				}
			}
			if len(missing) > 0 {
				add("coupa scopes", followup.CheckFail, "not granted: "+strings.Join(missing, ", "), "add them to the OAuth client in Coupa")
			} else {
				add("coupa scopes", followup.CheckOK, "read and write scopes granted ("+strings.Join(coupa.WriteScopes, ", ")+")", "")
			}
		}
	} else {
		add("coupa scopes", followup.CheckSkip, "an API key carries no scopes to inspect; apply's first write shows whether it may write", "")
	}
	ref, err := client.Reference(ctx)
	if err != nil {
		add("chart and lookups", followup.CheckFail, err.Error(), "grant core.accounting.read and core.common.read")
		return
	}
	for _, w := range ref.Warnings {
		add("chart and lookups", followup.CheckWarn, w, "grant the read scope named, or the diff cannot check these values")
	}
	e := engine.NewReference(ref, s.e.Config)
	switch err := e.ResolveChart(); {
	case err != nil:
		add("chart", followup.CheckFail, strings.TrimPrefix(err.Error(), engine.ErrConfig.Error()+": "), "set --chart (or chart in the profile) to one of them")
	case e.Chart() == "":
		add("chart", followup.CheckWarn, "no chart is set and Coupa has several active charts", "set --chart, or run ccwrecon init")
	default:
		add("chart", followup.CheckOK, fmt.Sprintf("%s is active", e.Chart()), "")
	}
	if len(s.e.Config.SegmentLookups) == 0 {
		add("segment lookups", followup.CheckWarn, "no segment lookup is assigned: a feed with segment names cannot be translated", "run ccwrecon init, or set --segment-lookup N=LOOKUP")
	} else if err := e.Check(); err != nil {
		add("segment lookups", followup.CheckFail, strings.TrimPrefix(err.Error(), engine.ErrConfig.Error()+": "), "correct --segment-lookup (or segment-lookups in the profile)")
	} else {
		ls, _ := e.Lookups()
		var parts []string
		for n := 1; n <= 20; n++ {
			if name, ok := s.e.Config.SegmentLookups[n]; ok {
				for _, l := range ls {
					if strings.EqualFold(l.Name, name) {
						parts = append(parts, fmt.Sprintf("%d=%s (%s)", n, l.Name, plans.Plural(l.Values, "value", "values")))
					}
				}
			}
		}
		add("segment lookups", followup.CheckOK, strings.Join(parts, ", ")+" exist and are active", "")
	}
}

func (s *Service) doctorSFTP(ctx context.Context, add addCheck) {
	cfg := s.e.SFTP
	if cfg.Addr == "" {
		add("sftp", followup.CheckSkip, "no SFTP server is configured (CCW_SFTP_ADDR)", "")
		return
	}
	conn, err := feeds.DialSFTP(ctx, cfg)
	if err != nil {
		var he *feeds.HostKeyError
		switch {
		case errors.As(err, &he) && he.Changed:
			add("sftp host key", followup.CheckFail, err.Error(), "verify the new key with the SFTP provider, then update known_hosts")
		case errors.As(err, &he):
			add("sftp host key", followup.CheckFail, "unknown host key "+he.Fingerprint+" for "+cfg.Addr, "verify it with the SFTP provider, then pass --accept-host-key "+he.Fingerprint+" (or add it to known_hosts)")
		default:
			add("sftp", followup.CheckFail, err.Error(), "check CCW_SFTP_ADDR, CCW_SFTP_USER and the password or key")
		}
		return
	}
	defer conn.Close()
	add("sftp", followup.CheckOK, fmt.Sprintf("%s: host key known, %s authenticated", cfg.Addr, cfg.User), "")
	d := s.e.Delivery
	dirs := []struct{ name, dir, setting string }{
		{"sftp inbound (CCW User file)", d.Dir, "CCW_SFTP_DIR"},
		{"sftp inbound (Users CSV)", d.UsersDir, "COUPA_SFTP_USERS_DIR"},
	}
	for _, x := range dirs {
		if x.dir == "" {
			continue
		}
		if err := conn.CheckWritable(x.dir); err != nil {
			add(x.name, followup.CheckFail, err.Error(), "create the folder or fix its permissions, or set "+x.setting)
		} else {
			add(x.name, followup.CheckOK, x.dir+" exists and is writable (checked without leaving a file)", "")
		}
	}
	if d.OutgoingDir != "" {
		if files, err := conn.List(ctx, d.OutgoingDir); err != nil {
			add("sftp outbound", followup.CheckFail, err.Error(), "create the folder or fix its permissions, or set sftp-outgoing-dir")
		} else {
			add("sftp outbound", followup.CheckOK, fmt.Sprintf("%s is readable (%s)", d.OutgoingDir, plans.Plural(len(files), "file", "files")), "")
		}
	}
}

func (s *Service) doctorPGP(now time.Time, add addCheck) {
	if f := s.e.Delivery.EncryptTo; f == "" {
		add("pgp encryption key", followup.CheckSkip, "uploads are not encrypted (encrypt-to is not set)", "")
	} else if data, err := os.ReadFile(f); err != nil {
		add("pgp encryption key", followup.CheckFail, err.Error(), "set encrypt-to to the recipient's public key file")
	} else if end, err := feeds.KeyExpiry(data, now); err != nil {
		add("pgp encryption key", followup.CheckFail, f+": "+err.Error(), "ask the recipient for a current v4 key")
	} else if !end.IsZero() && end.Sub(now) < pgpWarnAhead {
		add("pgp encryption key", followup.CheckWarn, fmt.Sprintf("%s expires on %s", f, end.Format("2006-01-02")), "ask the recipient for a renewed key before then")
	} else {
		exp := "does not expire"
		if !end.IsZero() {
			exp = "valid until " + end.Format("2006-01-02")
		}
		add("pgp encryption key", followup.CheckOK, f+" is usable by GnuPG 2.2 and "+exp, "")
	}
	if f := s.e.DecryptKey; f == "" {
		add("pgp decryption key", followup.CheckSkip, "no decryption key is set (decrypt-key)", "")
	} else if data, err := os.ReadFile(f); err != nil {
		add("pgp decryption key", followup.CheckFail, err.Error(), "set decrypt-key to your private key file")
	} else if err := feeds.SelfTest(data, []byte(s.e.Passphrase)); err != nil {
		add("pgp decryption key", followup.CheckFail, f+": "+err.Error(), "check the key file and CCW_PGP_PASSPHRASE")
	} else {
		add("pgp decryption key", followup.CheckOK, f+" and its passphrase open a test message", "")
	}
}
