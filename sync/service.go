package sync

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	"github.com/ccwrecon/ccwrecon/sync/apply"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/plans"
	"github.com/ccwrecon/ccwrecon/sync/style"
	"github.com/ccwrecon/ccwrecon/sync/views"
)

// Engagement is everything one reconciliation needs, resolved by the
// command line from flags, the environment and the profile. Secrets live
// here only in memory.
type Engagement struct {
	Feed     string         // a path, or sftp:///Outgoing/CCW/name.csv[.pgp]
	Mapping  *feeds.Mapping // HR exports
	Encoding string
	Full     *bool  // nil: detect
	Snapshot string // a saved snapshot instead of live Coupa
	Refresh  bool   // ignore the cached snapshot
	Config   engine.Config
	Rules    plans.Rules // checked again by apply, from these settings

	Coupa      coupa.Config     // BaseURL "" means no instance is configured
	SFTP       feeds.SFTPConfig // Addr "" means no SFTP is configured
	Delivery   Delivery
	DecryptKey string // private key file for encrypted feeds
	Passphrase string
	Workers    int
	// Cache decides where snapshots are cached (nil: the user cache folder).
	Cache func(instance string) (string, error)
	// Baseline is the file delivered last time ("last": the last one
	// ccwrecon delivered to the SFTP target): compared with instead of Coupa.
	Baseline string
	// Args are the global flags the command line was given (--name=value):
	// a printed continue command repeats them.
	Args []string
	// History is how many earlier snapshots of the instance are kept
	// beside the cache, for drift --user (0: 5; negative: none).
	History int
}

// Delivery is how the SFTP path shapes and places files.
type Delivery struct {
	Format      string // FormatCCW (default) or FormatCore
	Dir         string // CCW User file folder
	UsersDir    string // Users CSV folder
	OutgoingDir string // where pull reads
	CCW         feeds.CCWOptions
	EncryptTo   string // armored public key file
	Armor       bool
	FileExt     string
	PGPExt      string
}

// Service runs reconciliations for one engagement: the only thing the
// command line and the console call.
type Service struct {
	e Engagement
	// baselineFields are the fields the baseline file carries (set while
	// it is read): a baseline diff compares only those.
	baselineFields map[string]bool
}

// NewService prepares a service.
func NewService(e Engagement) *Service { return &Service{e: e} }

// Engagement is the service's engagement (read-only use).
func (s *Service) Engagement() Engagement { return s.e }

// Progress reports a long operation: Done of Total units (Total 0 when unknown).
type Progress struct {
	Stage       string
	Done, Total int
}

// Session is an opened reconciliation: a plan and what it was made from.
type Session struct {
	Plan        *plans.Plan
	Feed        *feeds.Feed
	Snapshot    *coupa.Snapshot
	FeedName    string
	Instance    string
	SnapshotAge time.Duration   // 0: read live
	Vias        []plans.Route   // the ways this session can apply
	Default     plans.Selection // the selection diff made, for "back to default"
}

// HasCoupa reports whether an instance and credentials are configured.
func (s *Service) HasCoupa() bool {
	c := s.e.Coupa
	return c.BaseURL != "" && (c.APIKey != "" || c.ClientID != "" || c.ClientSecret != "")
}

// Client builds a client of the configured instance, never of an instance
// a plan names: credentials go only where the operator pointed them.
func (s *Service) Client(write bool) (*coupa.Client, error) {
	cfg := s.e.Coupa
	cfg.Write = write
	return coupa.New(cfg)
}

// Open reads the feed and Coupa and makes the plan.
func (s *Service) Open(ctx context.Context, progress func(Progress)) (*Session, error) {
	// The feed is read while Coupa answers: they do not depend on each
	// other. A feed that cannot be read stops the fetch (reads only).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type coupaResult struct {
		snap *coupa.Snapshot
		live bool
		err  error
	}
	got := make(chan coupaResult, 1)
	go func() {
		snap, live, err := s.Coupa(ctx, progress)
		got <- coupaResult{snap, live, err}
	}()
	feed, err := s.ReadFeed(ctx)
	if err != nil {
		cancel()
		<-got
		return nil, err
	}
	r := <-got
	snap, live := r.snap, r.live
	if err := r.err; err != nil {
		return nil, err
	}
	cfg := s.e.Config
	if s.e.Baseline != "" {
		cfg.SegmentTargets, cfg.IgnoreCCWLicence, cfg.SkipCatalogue = BaselineTargets(), true, true
		restrictTo(feed, s.baselineFields)
	}
	plan, err := engine.Diff(feed, snap, cfg)
	if err != nil {
		return nil, err
	}
	sess := &Session{Plan: plan, Feed: feed, Snapshot: snap, FeedName: feed.Name, Instance: snap.Instance, Default: plan.Selection()}
	if !live {
		sess.SnapshotAge = time.Since(snap.FetchedAt)
	}
	if s.HasCoupa() {
		sess.Vias = append(sess.Vias, plans.RouteAPI)
	}
	if s.e.SFTP.Addr != "" {
		sess.Vias = append(sess.Vias, plans.RouteSFTP)
	}
	if plans.IsBaseline(plan.Instance) {
		sess.Vias = nil
		if s.e.SFTP.Addr != "" {
			sess.Vias = []plans.Route{plans.RouteSFTP}
		}
	}
	return sess, nil
}

// Coupa reads the instance: a saved snapshot, or live through the cache
// (an incremental refresh) unless Refresh asks for a full read. live is
// false for a saved snapshot.
func (s *Service) Coupa(ctx context.Context, progress func(Progress)) (snap *coupa.Snapshot, live bool, err error) {
	if s.e.Baseline != "" {
		snap, err = s.baseline(ctx)
		return snap, true, err
	}
	if s.e.Snapshot != "" {
		snap, err = coupa.LoadSnapshot(s.e.Snapshot)
		return snap, false, err
	}
	client, err := s.Client(false)
	if err != nil {
		return nil, true, err
	}
	cachePath, cerr := s.cachePath(client.Instance())
	var pf coupa.ProgressFunc
	if progress != nil {
		pf = func(p coupa.Progress) { progress(Progress(p)) }
	}
	if !s.e.Refresh && cerr == nil {
		snap, err = client.RefreshCache(ctx, cachePath, pf) // the requests go out while the cache is read
	} else {
		snap, err = client.Refresh(ctx, nil, pf)
	}
	if err != nil {
		return nil, true, err
	}
	if cerr == nil && cacheStale(snap) {
		followup.RotateHistory(cachePath, s.historyKeep())
		_ = snap.SaveCache(cachePath) // the cache is an optimisation; failing to write it is not an error
	}
	return snap, true, nil
}

// cacheStale says whether a fetch must rewrite the cache. A refresh that
// found fewer changed users than one page leaves it as it is: its high
// water stays where it was, so the next refresh reads those few again in
// the same one request, and 60 MB are not rewritten for them. A cache an
// earlier version wrote (plain JSON) is rewritten once, in the current
// layout.
func cacheStale(snap *coupa.Snapshot) bool {
	return !snap.Stats.Incremental || snap.Stats.Changed >= coupa.PageSize || snap.CacheOutdated()
}

// continueCommand is the complete command that continues this apply with
// --resume: pasted as printed, with the same environment, it resumes the
// run (route, file format, encryption and rule flags included; --yes,
// since the plan was confirmed when the run began).
func (s *Service) continueCommand(r ApplyRequest, target *apply.SFTPTarget, rules plans.Rules) string {
	args := append([]string{"ccwrecon"}, s.e.Args...)
	args = append(args, "apply", r.PlanPath, "--via", string(r.Via))
	if target != nil {
		args = append(args, "--file-format", target.Format)
		if s.e.Delivery.EncryptTo != "" && !hasArg(s.e.Args, "--encrypt-to=") {
			args = append(args, "--encrypt-to", s.e.Delivery.EncryptTo)
		}
		if s.e.Delivery.Armor {
			args = append(args, "--armor")
		}
	}
	if rules.IncludeInferred {
		args = append(args, "--include-deactivations")
	}
	if rules.Guard.Allow {
		args = append(args, "--allow-mass-deactivation")
	}
	if rules.AllowLoginChange {
		args = append(args, "--allow-login-change")
	}
	args = append(args, "--yes", "--resume")
	for i := range args {
		args[i] = apply.ShellQuote(args[i])
	}
	return strings.Join(args, " ")
}

func hasArg(args []string, prefix string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// liveScope counts the guard's scope in Coupa now, through the cache (an
// incremental read), with the current settings; nil without Coupa access.
func (s *Service) liveScope(plan *plans.Plan) func(context.Context) (int, error) {
	if plans.IsBaseline(plan.Instance) {
		// the baseline's active users, read again from the file
		return func(ctx context.Context) (int, error) {
			old, err := s.readFeedAt(ctx, plans.BaselineFile(plan.Instance), s.baselineOptions(plans.BaselineFile(plan.Instance)))
			if err != nil {
				return 0, fmt.Errorf("the baseline %s: %w", plans.BaselineFile(plan.Instance), err)
			}
			return engine.GuardScope(BaselineSnapshot(old, plan.Instance), plan.Feed.Kind, s.e.Config.ScopeFilter), nil
		}
	}
	if !s.HasCoupa() {
		return nil
	}
	return func(ctx context.Context) (int, error) {
		live := *s
		live.e.Snapshot = ""
		snap, _, err := live.Coupa(ctx, nil)
		if err != nil {
			return 0, err
		}
		return engine.GuardScope(snap, plan.Feed.Kind, s.e.Config.ScopeFilter), nil
	}
}

// lockDir is where run locks live: beside the cache a test gives, else the
// user's cache folder (Apply's default).
func (s *Service) lockDir() string {
	if s.e.Cache == nil {
		return ""
	}
	if p, err := s.e.Cache("locks"); err == nil {
		return filepath.Join(filepath.Dir(p), "locks")
	}
	return ""
}

func (s *Service) cachePath(instance string) (string, error) {
	if s.e.Cache != nil {
		return s.e.Cache(instance)
	}
	return coupa.CachePath(instance)
}

// ReadFeed reads the feed, local or over SFTP, decrypting PGP files.
func (s *Service) ReadFeed(ctx context.Context) (*feeds.Feed, error) {
	e := s.e
	if e.Feed == "" {
		return nil, errors.New("--feed FILE is required")
	}
	return s.readFeedAt(ctx, e.Feed, feeds.Options{Encoding: e.Encoding, Mapping: e.Mapping, Full: e.Full})
}

// readFeedAt reads a feed, local or over SFTP, decrypting PGP files.
func (s *Service) readFeedAt(ctx context.Context, path string, opts feeds.Options) (*feeds.Feed, error) {
	e := s.e
	var data []byte
	name := path
	if strings.HasPrefix(path, "sftp://") {
		remote := strings.TrimPrefix(path, "sftp://")
		if i := strings.Index(remote, "/"); i >= 0 {
			remote = remote[i:]
		}
		conn, err := feeds.DialSFTP(ctx, e.SFTP)
		if err != nil {
			return nil, err
		}
		data, err = conn.Download(ctx, remote)
		conn.Close()
		if err != nil {
			return nil, err
		}
		name = remote[strings.LastIndex(remote, "/")+1:]
	} else {
		f, _, err := fileutil.OpenRegular(path)
		if err != nil {
			return nil, feedError(path, err)
		}
		data, err = feeds.ReadAllLimited(f, path) // held whole: values are read from it in place
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if feeds.IsEncryptedName(name) || feeds.LooksEncrypted(data[:min(len(data), 64)]) {
		if len(data) > feeds.MaxFeedBytes {
			return nil, fmt.Errorf("%s is larger than %d bytes", name, feeds.MaxFeedBytes)
		}
		// the plaintext is held only once its integrity check has passed
		var err error
		if data, err = s.Decrypt(data); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		name = feeds.TrimPGPExt(name)
	}
	return feeds.ReadBytes(data, name, opts)
}

func feedError(path string, err error) error {
	var nr *fileutil.NotRegularError
	if errors.As(err, &nr) {
		return fmt.Errorf("the feed %s is %s: give a regular file", path, nr.Kind)
	}
	return err
}

// Decrypt decrypts a downloaded file with the configured private key.
func (s *Service) Decrypt(data []byte) ([]byte, error) {
	if s.e.DecryptKey == "" {
		return nil, errors.New("the file is PGP-encrypted: set --decrypt-key (CCW_PGP_DECRYPT_KEY) and CCW_PGP_PASSPHRASE")
	}
	kb, err := fileutil.ReadRegular(s.e.DecryptKey, 1<<20)
	if err != nil {
		return nil, err
	}
	key, err := feeds.ReadDecryptionKey(kb, []byte(s.e.Passphrase))
	if err != nil {
		return nil, fmt.Errorf("decrypt key %s: %v", s.e.DecryptKey, err)
	}
	return key.Decrypt(bytes.NewReader(data))
}

// Target builds the SFTP delivery of a file format ("" takes the
// engagement's), checking the settings and the PGP key before anything is
// created.
func (s *Service) Target(format string) (*apply.SFTPTarget, error) {
	d := s.e.Delivery
	if format == "" {
		format = d.Format
	}
	if format == "" {
		format = apply.FormatCCW
	}
	if format != apply.FormatCCW && format != apply.FormatCore {
		return nil, fmt.Errorf("--file-format %q: want ccw (the CCW User file, stand-alone CCW) or core (Coupa's Users CSV, unified customers)", format)
	}
	if s.e.SFTP.Addr == "" || s.e.SFTP.User == "" {
		return nil, errors.New("the SFTP path needs --sftp-addr and --sftp-user (CCW_SFTP_ADDR, CCW_SFTP_USER); nothing was written")
	}
	t := &apply.SFTPTarget{Config: s.e.SFTP, Dir: d.Dir, UsersDir: d.UsersDir, Format: format, CCW: d.CCW, Armor: d.Armor,
		FileExt: d.FileExt, PGPExt: d.PGPExt}
	if t.FileExt != "" && t.FileExt != ".csv" && t.FileExt != ".txt" {
		return nil, errors.New("ccw-file-extension must be .csv or .txt")
	}
	if t.PGPExt != "" && t.PGPExt != ".pgp" && t.PGPExt != ".gpg" && t.PGPExt != ".asc" {
		return nil, errors.New("pgp-extension must be .pgp, .gpg or .asc")
	}
	if d.EncryptTo != "" {
		kb, err := fileutil.ReadRegular(d.EncryptTo, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("--encrypt-to: %v", err)
		}
		if t.EncryptTo, err = feeds.ReadRecipients(kb); err != nil {
			return nil, fmt.Errorf("--encrypt-to %s: %v", d.EncryptTo, err)
		}
	}
	return t, nil
}

// ApplyRequest is one apply of a saved plan.
type ApplyRequest struct {
	PlanPath  string
	PlanBytes []byte
	Via       plans.Route
	Format    string // sftp: ccw or core ("" takes the engagement's)
	Resume    bool
	DryRun    bool
	DryRunOut io.Writer
	Stop      <-chan struct{}
	Progress  func(apply.Event)
	// IncludeInferred applies inferred deactivations the plan selects
	// (--include-deactivations).
	IncludeInferred bool
	// OnScreen says the operator chose each change on screen (the
	// console): an inferred deactivation selected there is one the
	// operator stated, as --include-deactivations states it.
	OnScreen bool
	// Started hears, before anything is sent, the complete command that
	// continues this run.
	Started func(resume string)
}

// CheckApply checks an apply's settings before anything is asked or
// created: the route, its settings, and the instance.
func (s *Service) CheckApply(plan *plans.Plan, r ApplyRequest) (*apply.SFTPTarget, error) {
	var target *apply.SFTPTarget
	if plans.IsBaseline(plan.Instance) {
		// a baseline plan has no Coupa instance: it becomes a CCW User file
		if r.Via != plans.RouteSFTP {
			return nil, fmt.Errorf("this plan compares with the baseline file %s, not with a Coupa instance: apply it as a CCW User file with --via sftp; nothing was sent", plans.BaselineFile(plan.Instance))
		}
		t, err := s.Target(r.Format)
		if err != nil {
			return nil, err
		}
		if t.Format == apply.FormatCore {
			return nil, errors.New("a baseline plan is delivered as a CCW User file (--file-format ccw), the layout CCW stand-alone customers load; nothing was sent")
		}
		return t, nil
	}
	switch r.Via {
	case plans.RouteAPI:
		if !s.HasCoupa() {
			return nil, fmt.Errorf("applying through the API needs the instance and credentials: set COUPA_URL (the plan is for %s) and COUPA_CLIENT_ID/COUPA_CLIENT_SECRET or COUPA_API_KEY", plan.Instance)
		}
	case plans.RouteSFTP:
		var err error
		if target, err = s.Target(r.Format); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("--via %q: want api or sftp", r.Via)
	}
	if s.e.Coupa.BaseURL != "" && !apply.SameInstance(s.e.Coupa.BaseURL, plan.Instance) {
		return nil, &apply.InstanceError{Plan: plan.Instance, Settings: strings.TrimRight(s.e.Coupa.BaseURL, "/")}
	}
	return target, nil
}

// Apply applies a saved plan (see the package's Apply). The instance
// comes from the settings, never from the plan; the SFTP path checks the
// plan's freshness when API credentials are configured, and says so when not.
func (s *Service) Apply(ctx context.Context, plan *plans.Plan, r ApplyRequest) (*apply.Report, error) {
	target, err := s.CheckApply(plan, r)
	if err != nil {
		return nil, err
	}
	var client *coupa.Client
	if !r.DryRun && s.HasCoupa() {
		if client, err = s.Client(r.Via == plans.RouteAPI); err != nil {
			return nil, err
		}
	}
	rules := s.e.Rules
	rules.IncludeInferred = rules.IncludeInferred || r.IncludeInferred || r.OnScreen
	cont := s.continueCommand(r, target, rules)
	if plans.IsBaseline(plan.Instance) {
		client = nil // a baseline plan has no instance: nothing is read or written through an API
	}
	if r.Started != nil && !r.DryRun {
		r.Started(cont)
	}
	rep, err := apply.Apply(ctx, client, plan, apply.ApplyOptions{Continue: cont, PlanPath: r.PlanPath, PlanBytes: r.PlanBytes, Resume: r.Resume, DryRun: r.DryRun,
		DryRunOut: r.DryRunOut, Rules: rules, Workers: s.e.Workers, Progress: r.Progress, Stop: r.Stop, SFTP: target, LockDir: s.lockDir(), Scope: s.liveScope(plan), Delivered: s.keepDelivered(plan, target)})
	if rep != nil && !r.DryRun {
		// The evidence beside the journal; failing to leave it outranks an interruption.
		if werr := views.WriteReportFiles(rep); werr != nil && (err == nil || errors.Is(err, apply.ErrInterrupted)) {
			err = werr
		}
	}
	return rep, err
}

// SaveAndApply saves an on-screen plan into dir, reads it back (so the
// digest proves what is applied is what was saved) and applies it.
func (s *Service) SaveAndApply(ctx context.Context, plan *plans.Plan, dir string, r ApplyRequest) (*apply.Report, error) {
	if _, err := s.CheckApply(plan, r); err != nil {
		return nil, err
	}
	path, err := s.SavePlan(plan, dir, "")
	if err != nil {
		return nil, err
	}
	saved, b, err := plans.LoadPlan(path)
	if err != nil {
		return nil, err
	}
	r.PlanPath, r.PlanBytes = path, b
	return s.Apply(ctx, saved, r)
}

// SavePlan writes a plan to path, or to a new time-stamped file in dir.
func (s *Service) SavePlan(plan *plans.Plan, dir, path string) (string, error) {
	if path == "" {
		if dir == "" {
			dir = "."
		}
		path = filepath.Join(dir, "ccwrecon-plan-"+time.Now().UTC().Format("20060102-150405")+".json")
	}
	return path, plan.Save(path)
}

// Verify re-reads a run's users later (see the package's Verify).
func (s *Service) Verify(ctx context.Context, runDir string) (*apply.Verification, error) {
	client, err := s.Client(false)
	if err != nil {
		return nil, err
	}
	v, err := apply.Verify(ctx, client, runDir)
	if err != nil {
		return v, err
	}
	return v, views.WriteVerificationFiles(runDir, v)
}

// Resume continues an interrupted run of a saved plan.
func (s *Service) Resume(ctx context.Context, planPath string, r ApplyRequest) (*apply.Report, error) {
	plan, b, err := plans.LoadPlan(planPath)
	if err != nil {
		return nil, err
	}
	r.PlanPath, r.PlanBytes, r.Resume = planPath, b, true
	return s.Apply(ctx, plan, r)
}

// Export writes the plan as text, JSON and CSV into dir and returns the
// three paths (for people, scripts and spreadsheets).
func (s *Service) Export(plan *plans.Plan, dir string) ([]string, error) {
	if dir == "" {
		dir = "."
	}
	base := filepath.Join(dir, "ccwrecon-diff-"+time.Now().UTC().Format("20060102-150405"))
	writers := []struct {
		ext   string
		write func(io.Writer) error
	}{
		{".txt", func(w io.Writer) error { return views.WriteText(w, plan, style.Plain()) }},
		{".json", func(w io.Writer) error { return plans.WriteJSON(w, plan) }},
		{".csv", func(w io.Writer) error { return views.WriteCSV(w, plan) }},
	}
	var paths []string
	for _, x := range writers {
		path := base + x.ext
		if err := fileutil.WriteAtomic(path, fileutil.Private, x.write); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Preview is what a dry run would send, for the console: the exact text,
// and for files their rows as a table.
type Preview struct {
	Via         plans.Route
	Destination string
	Text        string      // exactly what apply --dry-run prints
	Files       []FileTable // SFTP: each file as a table (plaintext)
}

// FileTable is one file of the SFTP path as rows of cells.
type FileTable struct {
	Path   string
	Header []string
	Rows   [][]string
}

// Destination names where a route delivers: the API URL, or the SFTP host
// and folder (and which file).
func (s *Service) Destination(via plans.Route) string {
	if via == plans.RouteSFTP {
		t := &apply.SFTPTarget{Config: s.e.SFTP, Dir: s.e.Delivery.Dir, UsersDir: s.e.Delivery.UsersDir, Format: s.e.Delivery.Format}
		what := "a CCW User file"
		if t.Format == apply.FormatCore {
			what = "a Coupa Users CSV"
		}
		return "SFTP " + t.Destination() + " (" + what + ")"
	}
	return strings.TrimRight(s.e.Coupa.BaseURL, "/")
}

// Preview runs a dry run of a route.
func (s *Service) Preview(ctx context.Context, plan *plans.Plan, via plans.Route) (*Preview, error) {
	var buf bytes.Buffer
	// the preview is the console's, whose apply takes inferred deactivations
	// the operator selected on screen (never by default): so does its preview
	if _, err := s.Apply(ctx, plan, ApplyRequest{Via: via, DryRun: true, DryRunOut: &buf, IncludeInferred: true}); err != nil {
		return nil, err
	}
	p := &Preview{Via: via, Destination: s.Destination(via), Text: buf.String()}
	if via != plans.RouteSFTP {
		return p, nil
	}
	target, err := s.Target("")
	if err != nil {
		return nil, err
	}
	files, err := apply.PlanFiles(plan, target)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		r := csv.NewReader(bytes.NewReader(f.Data))
		r.FieldsPerRecord = -1
		if target.Format != apply.FormatCore {
			r.Comma = target.CCW.Delimiter
			if r.Comma == 0 {
				r.Comma = '|'
			}
		}
		rows, err := r.ReadAll()
		if err != nil || len(rows) == 0 {
			continue
		}
		p.Files = append(p.Files, FileTable{Path: path.Join(target.Folder(), f.Name), Header: rows[0], Rows: rows[1:]})
	}
	return p, nil
}

// Pulled is one file pull brought down.
type Pulled struct {
	Remote, Local string
	Bytes         int
	Skipped       string // why it was left alone, or ""
}

// unsafeName says why a name the server chose may not become a local file
// ("" when it may): only plain, visible base names are written, so a
// server cannot plant a dot-file, reach another folder or drive the
// terminal.
func unsafeName(name string) string {
	switch {
	case name == "" || name == "." || name == "..":
		return "not a file name"
	case strings.HasPrefix(name, "."):
		return "a hidden (dot) file name"
	case strings.ContainsAny(name, "/\\"):
		return "holds a path separator"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	}
	for _, r := range name {
		if termtext.IsControl(r) || r == '\t' || r == '\n' || r == '\r' || termtext.Invisible(r) {
			return "holds a control or invisible character"
		}
	}
	return ""
}

// Pull downloads the files of the outgoing folder matching a glob into a
// local folder (0600), decrypting PGP files. It writes only plain new
// names (see unsafeName); an existing file is replaced only with
// overwrite. Skipped files are listed with the reason.
func (s *Service) Pull(ctx context.Context, dir, pattern string, overwrite bool) ([]Pulled, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("--pattern %q: %v", pattern, err)
	}
	conn, err := feeds.DialSFTP(ctx, s.e.SFTP)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	out := s.e.Delivery.OutgoingDir
	if out == "" {
		out = "/Outgoing/CCW"
	}
	files, err := conn.List(ctx, out)
	if err != nil {
		return nil, err
	}
	var pulled []Pulled
	written := map[string]bool{}
	for _, fi := range files {
		if err := ctx.Err(); err != nil {
			return pulled, err
		}
		name := fi.Name()
		if ok, _ := path.Match(pattern, name); !ok {
			continue
		}
		p := Pulled{Remote: path.Join(out, name)}
		local := name
		if feeds.IsEncryptedName(name) {
			local = feeds.TrimPGPExt(name)
		}
		why := unsafeName(name)
		if why == "" {
			why = unsafeName(local)
		}
		if why == "" && !fi.Mode().IsRegular() {
			why = "not a regular file"
		}
		if why == "" && written[local] {
			why = "another file of this pull has the same local name " + local
		}
		if why == "" && !overwrite {
			if _, err := os.Lstat(filepath.Join(dir, local)); err == nil {
				why = "already exists in " + dir + " (pass --overwrite to replace it)"
			}
		}
		if why != "" {
			p.Skipped = why
			pulled = append(pulled, p)
			continue
		}
		data, err := conn.Download(ctx, p.Remote)
		if err != nil {
			return pulled, err
		}
		if feeds.IsEncryptedName(name) || feeds.LooksEncrypted(data) {
			if data, err = s.Decrypt(data); err != nil {
				return pulled, fmt.Errorf("%s: %v", termtext.Safe(name), err)
			}
		}
		written[local] = true
		p.Local, p.Bytes = filepath.Join(dir, local), len(data)
		if err := fileutil.WriteAtomic(p.Local, fileutil.Private, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return pulled, err
		}
		pulled = append(pulled, p)
	}
	return pulled, nil
}
