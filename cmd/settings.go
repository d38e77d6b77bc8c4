package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// Profile holds the non-secret settings of one engagement (config file).
type Profile struct {
	CoupaURL       string            `yaml:"coupa-url"`
	Scopes         []string          `yaml:"scopes"`
	Rate           float64           `yaml:"rate"`
	Burst          int               `yaml:"burst"`
	SFTPAddr       string            `yaml:"sftp-addr"`
	SFTPUser       string            `yaml:"sftp-user"`
	SFTPKey        string            `yaml:"sftp-key"`
	KnownHosts     string            `yaml:"known-hosts"`
	SFTPDir        string            `yaml:"sftp-dir"`
	SFTPOutDir     string            `yaml:"sftp-outgoing-dir"`
	EncryptTo      string            `yaml:"encrypt-to"`
	DecryptKey     string            `yaml:"decrypt-key"`
	Armor          *bool             `yaml:"armor"`
	PGPExtension   string            `yaml:"pgp-extension"`      // .pgp, .gpg or .asc (default: .asc armored, .pgp binary)
	CCWExtension   string            `yaml:"ccw-file-extension"` // .csv (default) or .txt
	Chart          string            `yaml:"chart"`
	SegmentLookups map[int]string    `yaml:"segment-lookups"`
	Segments       map[int]string    `yaml:"segments"` // CCW segment -> "chart" | "custom-fields.NAME" | "feed-only"
	MatchOn        string            `yaml:"match-on"`
	KnownRoles     []string          `yaml:"known-roles"`
	ScopeFilter    map[string]string `yaml:"deactivation-scope"`
	MaxDeactivate  int               `yaml:"max-deactivations"`
	MaxDeactPct    float64           `yaml:"max-deactivation-percent"`
}

type configFile struct {
	Profiles map[string]Profile `yaml:"profiles"`
}

// secretKeys may never appear in a config file.
var secretKeys = []string{"api-key", "client-secret", "password", "passphrase", "sftp-password", "coupa-api-key"}

// Settings are the resolved connection settings: flags, then environment,
// then the profile. Secrets come only from the environment.
type Settings struct {
	Profile
	ClientID, ClientSecret, APIKey string
	SFTPPassword, PGPPassphrase    string
	Timeout                        time.Duration
}

type globalFlags struct {
	config, profile                            string
	coupaURL, sftpAddr, sftpUser, sftpKey      string
	knownHosts, sftpDir, encryptTo, decryptKey string
	rate                                       float64
	burst                                      int
	timeout                                    time.Duration
}

var gf globalFlags

func addGlobalFlags(c *cobra.Command) {
	f := c.PersistentFlags()
	f.StringVar(&gf.config, "config", "", "config file (default $XDG_CONFIG_HOME/ccwrecon/config.yaml)")
	f.StringVar(&gf.profile, "profile", "", "named profile in the config file")
	f.StringVar(&gf.coupaURL, "coupa-url", "", "Coupa instance base URL (COUPA_URL)")
	f.StringVar(&gf.sftpAddr, "sftp-addr", "", "SFTP host:port (CCW_SFTP_ADDR)")
	f.StringVar(&gf.sftpUser, "sftp-user", "", "SFTP user (CCW_SFTP_USER)")
	f.StringVar(&gf.sftpKey, "sftp-key", "", "SSH private key file (CCW_SFTP_KEY)")
	f.StringVar(&gf.knownHosts, "known-hosts", "", "known_hosts file (CCW_SFTP_KNOWN_HOSTS)")
	f.StringVar(&gf.sftpDir, "sftp-dir", "", "inbound folder (CCW_SFTP_DIR, default /Incoming/CCW)")
	f.StringVar(&gf.encryptTo, "encrypt-to", "", "armored public key to encrypt uploads to (CCW_PGP_ENCRYPT_TO)")
	f.StringVar(&gf.decryptKey, "decrypt-key", "", "private key for downloaded files (CCW_PGP_DECRYPT_KEY)")
	f.Float64Var(&gf.rate, "rate", 0, "Coupa requests per second (default 25, Coupa's documented limit; negative: unlimited)")
	f.IntVar(&gf.burst, "burst", 0, "Coupa request burst (default 20)")
	f.DurationVar(&gf.timeout, "timeout", 30*time.Second, "per-request timeout")
}

func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func defaultConfigPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "ccwrecon", "config.yaml")
}

func loadProfile() (Profile, error) {
	path, explicit := gf.config, gf.config != ""
	if path == "" {
		path = defaultConfigPath()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			if gf.profile != "" {
				return Profile{}, fmt.Errorf("profile %q: no config file at %s", gf.profile, path)
			}
			return Profile{}, nil
		}
		return Profile{}, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return Profile{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := refuseSecrets(path, raw); err != nil {
		return Profile{}, err
	}
	var cf configFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil {
		return Profile{}, fmt.Errorf("%s: %v", path, err)
	}
	name := gf.profile
	if name == "" {
		if p, ok := cf.Profiles["default"]; ok {
			return p, nil
		}
		return Profile{}, nil
	}
	p, ok := cf.Profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("%s: no profile %q", path, name)
	}
	return p, nil
}

func refuseSecrets(path string, v any) error {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			for _, s := range secretKeys {
				if strings.EqualFold(k, s) {
					return fmt.Errorf("%s: %q is a secret and may not be stored in the config file; use the environment", path, k)
				}
			}
			if err := refuseSecrets(path, val); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			if err := refuseSecrets(path, e); err != nil {
				return err
			}
		}
	}
	return nil
}

func resolveSettings() (*Settings, error) {
	p, err := loadProfile()
	if err != nil {
		return nil, err
	}
	s := &Settings{Profile: p}
	s.CoupaURL = pick(gf.coupaURL, os.Getenv("COUPA_URL"), p.CoupaURL)
	s.SFTPAddr = pick(gf.sftpAddr, os.Getenv("CCW_SFTP_ADDR"), p.SFTPAddr)
	s.SFTPUser = pick(gf.sftpUser, os.Getenv("CCW_SFTP_USER"), p.SFTPUser)
	s.SFTPKey = pick(gf.sftpKey, os.Getenv("CCW_SFTP_KEY"), p.SFTPKey)
	s.KnownHosts = pick(gf.knownHosts, os.Getenv("CCW_SFTP_KNOWN_HOSTS"), p.KnownHosts)
	s.SFTPDir = pick(gf.sftpDir, os.Getenv("CCW_SFTP_DIR"), p.SFTPDir, "/Incoming/CCW")
	s.SFTPOutDir = pick(p.SFTPOutDir, "/Outgoing/CCW")
	s.EncryptTo = pick(gf.encryptTo, os.Getenv("CCW_PGP_ENCRYPT_TO"), p.EncryptTo)
	s.DecryptKey = pick(gf.decryptKey, os.Getenv("CCW_PGP_DECRYPT_KEY"), p.DecryptKey)
	s.ClientID, s.ClientSecret = os.Getenv("COUPA_CLIENT_ID"), os.Getenv("COUPA_CLIENT_SECRET")
	s.APIKey = os.Getenv("COUPA_API_KEY")
	s.SFTPPassword, s.PGPPassphrase = os.Getenv("CCW_SFTP_PASSWORD"), os.Getenv("CCW_PGP_PASSPHRASE")
	if sc := os.Getenv("COUPA_SCOPES"); sc != "" {
		s.Scopes = strings.Fields(strings.ReplaceAll(sc, ",", " "))
	}
	if gf.rate != 0 {
		s.Rate = gf.rate
	}
	if gf.burst != 0 {
		s.Burst = gf.burst
	}
	s.Timeout = gf.timeout
	return s, nil
}

// coupaClient builds an API client; write asks for the write scope too.
func (s *Settings) coupaClient(write bool) (*coupa.Client, error) {
	scopes, fallback := s.Scopes, []string(nil)
	if len(scopes) == 0 { // defaults: if the client may not have them all, users alone still work
		scopes, fallback = coupa.ReadScopes, []string{"core.user.read"}
		if write {
			scopes, fallback = coupa.WriteScopes, []string{"core.user.read", "core.user.write"}
		}
	}
	return coupa.New(coupa.Config{BaseURL: s.CoupaURL, APIKey: s.APIKey, ClientID: s.ClientID,
		ClientSecret: s.ClientSecret, Scopes: scopes, FallbackScopes: fallback, Rate: s.Rate, Burst: s.Burst, Timeout: s.Timeout})
}

// parseSegmentLookups reads repeated N=LOOKUP flags over the profile's map.
func parseSegmentLookups(flags []string, base map[int]string) (map[int]string, error) {
	out := map[int]string{}
	for k, v := range base {
		out[k] = v
	}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(strings.TrimSpace(k))
		if !ok || err != nil || n < 1 || n > 20 || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("--segment-lookup %q: want N=LOOKUP, e.g. 2=\"Cost Center\"", f)
		}
		out[n] = strings.TrimSpace(v)
	}
	return out, nil
}
