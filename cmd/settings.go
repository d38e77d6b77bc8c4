package cmd

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/suggest"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/record"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// Profile holds the non-secret settings of one engagement (config file).
type Profile struct {
	CoupaURL       string            `yaml:"coupa-url,omitempty"`
	Scopes         []string          `yaml:"scopes,omitempty"`
	Rate           float64           `yaml:"rate,omitempty"`
	Burst          int               `yaml:"burst,omitempty"`
	SFTPAddr       string            `yaml:"sftp-addr,omitempty"`
	SFTPUser       string            `yaml:"sftp-user,omitempty"`
	SFTPKey        string            `yaml:"sftp-key,omitempty"`
	KnownHosts     string            `yaml:"known-hosts,omitempty"`
	SFTPDir        string            `yaml:"sftp-dir,omitempty"`
	SFTPUsersDir   string            `yaml:"sftp-users-dir,omitempty"`
	SFTPOutDir     string            `yaml:"sftp-outgoing-dir,omitempty"`
	SFTPFileFormat string            `yaml:"sftp-file-format,omitempty"` // ccw | core
	EncryptTo      string            `yaml:"encrypt-to,omitempty"`
	DecryptKey     string            `yaml:"decrypt-key,omitempty"`
	Armor          *bool             `yaml:"armor,omitempty"`
	PGPExtension   string            `yaml:"pgp-extension,omitempty"`      // .pgp, .gpg or .asc (default: .asc armored, .pgp binary)
	CCWExtension   string            `yaml:"ccw-file-extension,omitempty"` // .csv (default) or .txt
	CCWColumns     map[int]string    `yaml:"ccw-segment-columns,omitempty"`
	CCWUnified     bool              `yaml:"ccw-unified-columns,omitempty"`
	CCWLicence     *bool             `yaml:"reconcile-ccw-licence,omitempty"`
	Chart          string            `yaml:"chart,omitempty"`
	SegmentLookups map[int]string    `yaml:"segment-lookups,omitempty"`
	Segments       map[int]string    `yaml:"segments,omitempty"` // CCW segment -> "chart" | "custom-fields.NAME" | "feed-only"
	MatchOn        string            `yaml:"match-on,omitempty"`
	KnownRoles     []string          `yaml:"known-roles,omitempty"`
	ScopeFilter    map[string]string `yaml:"deactivation-scope,omitempty"`
	MaxDeactivate  int               `yaml:"max-deactivations,omitempty"`
	MaxDeactPct    float64           `yaml:"max-deactivation-percent,omitempty"`
	History        int               `yaml:"snapshot-history,omitempty"` // earlier snapshots kept beside the cache (default 5, -1 none)
	// ReferenceMaxAge: how long the cached reference lists may be refreshed
	// by their changes alone before a full read ("12h" default, "0" always full).
	ReferenceMaxAge string `yaml:"reference-max-age,omitempty"`
}

// secretKeys may never appear in a config file.
var secretKeys = []string{"api-key", "client-secret", "password", "passphrase", "sftp-password", "coupa-api-key", "client-id"}

// Settings are the resolved connection settings: flags, then environment,
// then the profile. Secrets come only from the environment.
type Settings struct {
	Profile
	ClientID, ClientSecret, APIKey string
	SFTPPassword, PGPPassphrase    string
	Timeout                        time.Duration
	RefMaxAge                      time.Duration // coupa.Config.ReferenceMaxAge
}

type globalFlags struct {
	config, profile                            string
	coupaURL, sftpAddr, sftpUser, sftpKey      string
	knownHosts, sftpDir, encryptTo, decryptKey string
	sftpUsersDir                               string
	sftpAccept                                 string // --accept-host-key of the command at hand
	rate                                       float64
	burst                                      int
	timeout                                    time.Duration
	refMaxAge                                  string
}

var gf globalFlags

// globalSet is the root's persistent flags, to repeat the ones given in a
// "continue with" command.
var globalSet *pflag.FlagSet

// globalArgs are the global flags given on this command line, as
// --name=value: what a printed continue command must repeat, since the
// environment does not carry them.
func globalArgs() []string {
	var out []string
	if globalSet == nil {
		return nil
	}
	globalSet.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed {
			out = append(out, "--"+fl.Name+"="+fl.Value.String())
		}
	})
	return out
}

func addGlobalFlags(c *cobra.Command) {
	f := c.PersistentFlags()
	globalSet = f
	f.StringVar(&gf.config, "config", "", "config file (default $XDG_CONFIG_HOME/ccwrecon/config.yaml)")
	f.StringVar(&gf.profile, "profile", "", "named profile in the config file")
	f.StringVar(&gf.coupaURL, "coupa-url", "", "Coupa instance base URL (COUPA_URL)")
	f.StringVar(&gf.sftpAddr, "sftp-addr", "", "SFTP host:port (CCW_SFTP_ADDR)")
	f.StringVar(&gf.sftpUser, "sftp-user", "", "SFTP user (CCW_SFTP_USER)")
	f.StringVar(&gf.sftpKey, "sftp-key", "", "SSH private key file (CCW_SFTP_KEY)")
	f.StringVar(&gf.knownHosts, "known-hosts", "", "known_hosts file (CCW_SFTP_KNOWN_HOSTS)")
	f.StringVar(&gf.sftpDir, "sftp-dir", "", "CCW inbound folder (CCW_SFTP_DIR, default /Incoming/CCW)")
	f.StringVar(&gf.sftpUsersDir, "sftp-users-dir", "", "Users import folder (COUPA_SFTP_USERS_DIR, default /Incoming/Users)")
	f.StringVar(&gf.encryptTo, "encrypt-to", "", "armored public key to encrypt uploads to (CCW_PGP_ENCRYPT_TO)")
	f.StringVar(&gf.decryptKey, "decrypt-key", "", "private key for downloaded files (CCW_PGP_DECRYPT_KEY)")
	f.Float64Var(&gf.rate, "rate", 0, "Coupa requests per second (default 25, Coupa's documented limit; negative: unlimited)")
	f.IntVar(&gf.burst, "burst", 0, "Coupa request burst (default 20)")
	f.DurationVar(&gf.timeout, "timeout", 30*time.Second, "per-request timeout")
	f.StringVar(&gf.refMaxAge, "reference-max-age", "", "how long cached groups, lookups and charts are refreshed by their changes alone before a full read (default 12h; 0: always in full)")
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

// profileKeys are the settings a profile may hold, from the struct tags.
var profileKeys = func() []string {
	var keys []string
	t := reflect.TypeOf(Profile{})
	for i := 0; i < t.NumField(); i++ {
		keys = append(keys, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	sort.Strings(keys)
	return keys
}()

func loadProfile() (Profile, error) {
	path, explicit := gf.config, gf.config != ""
	if path == "" {
		path = defaultConfigPath()
	}
	b, err := fileutil.ReadRegular(path, 1<<20)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			if gf.profile != "" {
				return Profile{}, fmt.Errorf("profile %q: no config file at %s", gf.profile, path)
			}
			return Profile{}, nil
		}
		return Profile{}, err
	}
	profiles, err := parseConfig(path, b)
	if err != nil {
		return Profile{}, err
	}
	name := gf.profile
	if name == "" {
		return profiles["default"], nil
	}
	p, ok := profiles[name]
	if !ok {
		var names []string
		for n := range profiles {
			names = append(names, n)
		}
		sort.Strings(names)
		return Profile{}, fmt.Errorf("%s: no profile %q%s (profiles: %s)", path, name, suggest.Hint(name, names), strings.Join(names, ", "))
	}
	return p, nil
}

// parseConfig reads the config file strictly: a YAML error at its line, an
// unknown setting at its line with the nearest valid one, a secret refused.
func parseConfig(path string, b []byte) (map[string]Profile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s", feeds.YAMLProblem(path, b, err))
	}
	if len(doc.Content) == 0 {
		return map[string]Profile{}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a config file holds profiles: (a mapping)", path, root.Line)
	}
	out := map[string]Profile{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Value != "profiles" {
			return nil, fmt.Errorf("%s:%d: unknown key %q%s; a config file holds profiles:", path, k.Line, k.Value, suggest.Hint(k.Value, []string{"profiles"}))
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: profiles: holds named profiles", path, v.Line)
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			name, body := v.Content[j], v.Content[j+1]
			if body.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s:%d: profile %q holds settings (a mapping)", path, body.Line, name.Value)
			}
			for n := 0; n+1 < len(body.Content); n += 2 {
				key := body.Content[n]
				for _, s := range secretKeys {
					if strings.EqualFold(key.Value, s) {
						return nil, fmt.Errorf("%s:%d: %q is a secret and may not be stored in the config file; use the environment", path, key.Line, key.Value)
					}
				}
				known := false
				for _, pk := range profileKeys {
					known = known || pk == key.Value
				}
				if !known {
					return nil, fmt.Errorf("%s:%d: unknown setting %q in profile %q%s", path, key.Line, key.Value, name.Value, suggest.Hint(key.Value, profileKeys))
				}
			}
			var p Profile
			if err := body.Decode(&p); err != nil {
				return nil, fmt.Errorf("%s", feeds.YAMLProblem(path, b, err))
			}
			if err := checkNumbers(path, body, p); err != nil {
				return nil, err
			}
			out[name.Value] = p
		}
	}
	return out, nil
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
	s.SFTPUsersDir = pick(gf.sftpUsersDir, os.Getenv("COUPA_SFTP_USERS_DIR"), p.SFTPUsersDir, "/Incoming/Users")
	s.SFTPOutDir = pick(p.SFTPOutDir, "/Outgoing/CCW")
	s.EncryptTo = pick(gf.encryptTo, os.Getenv("CCW_PGP_ENCRYPT_TO"), p.EncryptTo)
	s.DecryptKey = pick(gf.decryptKey, os.Getenv("CCW_PGP_DECRYPT_KEY"), p.DecryptKey)
	s.ClientID, s.ClientSecret = os.Getenv("COUPA_CLIENT_ID"), os.Getenv("COUPA_CLIENT_SECRET")
	s.APIKey = os.Getenv("COUPA_API_KEY")
	s.SFTPPassword, s.PGPPassphrase = os.Getenv("CCW_SFTP_PASSWORD"), os.Getenv("CCW_PGP_PASSPHRASE")
	if sc := os.Getenv("COUPA_SCOPES"); sc != "" {
		s.Scopes = strings.Fields(strings.ReplaceAll(sc, ",", " "))
	}
	if math.IsNaN(gf.rate) || math.IsInf(gf.rate, 0) {
		return nil, fmt.Errorf("--rate %v: want a number of requests a second (negative: unlimited)", gf.rate)
	}
	if gf.burst < 0 {
		return nil, fmt.Errorf("--burst %d: want 0 or more", gf.burst)
	}
	if gf.rate != 0 {
		s.Rate = gf.rate
	}
	if gf.burst != 0 {
		s.Burst = gf.burst
	}
	s.Timeout = gf.timeout
	if age := pick(gf.refMaxAge, p.ReferenceMaxAge); age != "" {
		d, err := referenceMaxAge(age)
		if err != nil {
			return nil, fmt.Errorf("--reference-max-age %s: %v", age, err)
		}
		s.RefMaxAge = d
	}
	return s, nil
}

// coupaConfig is the client configuration of these settings.
func (s *Settings) coupaConfig() coupa.Config {
	return coupa.Config{BaseURL: s.CoupaURL, APIKey: s.APIKey, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		Scopes: s.Scopes, Rate: s.Rate, Burst: s.Burst, Timeout: s.Timeout, Notice: notice, ReferenceMaxAge: s.RefMaxAge}
}

// notices go to stderr, except while the console owns the terminal.
var notices = struct {
	mu sync.Mutex
	w  io.Writer
}{w: os.Stderr}

// notice prints what the client waits for: no wait is silent.
func notice(msg string) {
	notices.mu.Lock()
	defer notices.mu.Unlock()
	if notices.w != nil {
		fmt.Fprintln(notices.w, "ccwrecon: "+termtext.Safe(msg))
	}
}

func (s *Settings) sftpConfig(accept string) feeds.SFTPConfig {
	return feeds.SFTPConfig{Addr: s.SFTPAddr, User: s.SFTPUser, Password: s.SFTPPassword, KeyFile: s.SFTPKey,
		KnownHosts: s.KnownHosts, AcceptHostKey: accept}
}

// delivery is how these settings shape and place SFTP files.
func (s *Settings) delivery() (ccsync.Delivery, error) {
	d := ccsync.Delivery{Format: s.SFTPFileFormat, Dir: s.SFTPDir, UsersDir: s.SFTPUsersDir, OutgoingDir: s.SFTPOutDir,
		EncryptTo: s.EncryptTo, FileExt: s.CCWExtension, PGPExt: s.PGPExtension}
	if s.Armor != nil {
		d.Armor = *s.Armor
	}
	d.CCW.Unified = s.CCWUnified
	for n, v := range s.CCWColumns {
		if n < 1 || n > record.MaxSegments {
			return d, fmt.Errorf("ccw-segment-columns: segment %d: want 1 to 11", n)
		}
		c, err := feeds.ParseSegmentColumns(v)
		if err != nil {
			return d, fmt.Errorf("ccw-segment-columns: segment %d: %v", n, err)
		}
		d.CCW.Segments[n] = c
	}
	return d, nil
}

// engagement resolves everything one reconciliation needs: flags, then
// the mapping file, then the profile.
func (s *Settings) engagement(o *diffOptions) (ccsync.Engagement, error) {
	e := ccsync.Engagement{Feed: o.feed, Encoding: o.encoding, Snapshot: o.snapshot, Refresh: o.refresh,
		Coupa: s.coupaConfig(), SFTP: s.sftpConfig(gf.sftpAccept), DecryptKey: s.DecryptKey, Passphrase: s.PGPPassphrase,
		History: s.History, Args: globalArgs(), Baseline: o.baseline}
	if o.baseline != "" && o.snapshot != "" {
		return e, errors.New("--baseline and --snapshot are exclusive: a baseline diff compares two files, a snapshot diff a file and Coupa")
	}
	if o.full && o.delta {
		return e, errors.New("--full and --delta are exclusive")
	}
	if o.full || o.delta {
		full := o.full
		e.Full = &full
	}
	if o.mapping != "" {
		m, err := feeds.LoadMapping(o.mapping)
		if err != nil {
			return e, err
		}
		e.Mapping = m
	}
	baseLookups, baseSegments, mappingChart := s.SegmentLookups, s.Segments, ""
	if m := e.Mapping; m != nil {
		mappingChart = m.Chart
		if len(m.SegmentLookups) > 0 {
			baseLookups = m.SegmentLookups
		}
		if len(m.Segments) > 0 {
			baseSegments = m.Segments
		}
	}
	lookups, err := parseSegmentLookups(o.segmentLookups, baseLookups)
	if err != nil {
		return e, err
	}
	e.Config = engine.Config{MatchOn: pick(o.matchOn, s.MatchOn), Chart: pick(o.chart, mappingChart, s.Chart), SegmentLookups: lookups,
		IncludeDeactivations: o.includeDeact, AllowMassDeactivation: o.allowMass, AllowLoginChange: o.allowLogin, MaxDeactivations: s.MaxDeactivate,
		MaxDeactivationPct: s.MaxDeactPct, ScopeFilter: s.ScopeFilter, KnownRoles: s.KnownRoles, ToolVersion: Version,
		IgnoreCCWLicence: s.CCWLicence != nil && !*s.CCWLicence}
	if e.Config.SegmentTargets, err = segmentTargets(o.segmentTargets, baseSegments); err != nil {
		return e, err
	}
	e.Rules = s.rules(o.allowMass, o.includeDeact)
	e.Rules.AllowLoginChange = o.allowLogin
	if e.Delivery, err = s.delivery(); err != nil {
		return e, err
	}
	return e, nil
}

// rules are the selection rules apply checks, from the current settings.
func (s *Settings) rules(allowMass, includeInferred bool) plans.Rules {
	return plans.Rules{Guard: plans.GuardOf(s.MaxDeactivate, s.MaxDeactPct, allowMass), IncludeInferred: includeInferred}
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

// segmentTargets reads repeated N=TARGET flags over the profile's map; nil
// keeps the default (segments 1-3 are the chart's).
func segmentTargets(flags []string, base map[int]string) (map[int]string, error) {
	if len(flags) == 0 && len(base) == 0 {
		return nil, nil
	}
	out := plans.DefaultSegmentTargets() // the default an override applies to
	if len(base) > 0 {
		out = map[int]string{} // a profile states the engagement's whole layout
		for n, t := range base {
			out[n] = t
		}
	}
	for _, f := range flags {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.Atoi(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		valid := v == "chart" || v == "feed-only" || (strings.HasPrefix(v, "custom-fields.") && len(v) > len("custom-fields."))
		if err != nil || n < 1 || n > 11 || !valid {
			return nil, fmt.Errorf("--segment %q: want N=chart, N=custom-fields.NAME or N=feed-only with N from 1 to 11", f)
		}
		out[n] = v
	}
	return out, nil
}

// checkNumbers refuses numeric settings that cannot mean what they say: a
// guard of NaN or infinity would compare false and let every deactivation
// through, and a negative limit or rate means nothing.
func checkNumbers(path string, body *yaml.Node, p Profile) error {
	line := func(key string) int {
		for n := 0; n+1 < len(body.Content); n += 2 {
			if body.Content[n].Value == key {
				return body.Content[n].Line
			}
		}
		return body.Line
	}
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	if p.ReferenceMaxAge != "" {
		if _, err := referenceMaxAge(p.ReferenceMaxAge); err != nil {
			return fmt.Errorf("%s:%d: reference-max-age is %q: %v", path, line("reference-max-age"), p.ReferenceMaxAge, err)
		}
	}
	switch {
	case p.MaxDeactivate < 0:
		return fmt.Errorf("%s:%d: max-deactivations is %d; it must be a whole number of users, 0 or more", path, line("max-deactivations"), p.MaxDeactivate)
	case !finite(p.MaxDeactPct) || p.MaxDeactPct < 0 || p.MaxDeactPct > 100:
		return fmt.Errorf("%s:%d: max-deactivation-percent is %v; it must be a number from 0 to 100", path, line("max-deactivation-percent"), p.MaxDeactPct)
	case !finite(p.Rate):
		return fmt.Errorf("%s:%d: rate is %v; it must be a number of requests a second (negative: unlimited)", path, line("rate"), p.Rate)
	case p.Burst < 0:
		return fmt.Errorf("%s:%d: burst is %d; it must be 0 or more", path, line("burst"), p.Burst)
	case p.History < -1:
		return fmt.Errorf("%s:%d: snapshot-history is %d; it must be -1 (none), 0 (the default) or more", path, line("snapshot-history"), p.History)
	}
	return nil
}

// referenceMaxAge reads a reference-max-age setting: a duration such as
// 12h, or 0 for a full read every time (the client's negative).
func referenceMaxAge(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, errors.New("want a duration such as 12h or 30m, or 0 to read them in full every time")
	case d < 0:
		return 0, errors.New("want 0 or more")
	case d == 0:
		return -1, nil
	}
	return d, nil
}
