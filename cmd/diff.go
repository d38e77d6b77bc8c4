package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/feeds"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

type diffOptions struct {
	feed, mapping, matchOn, snapshot, format, out, chart, encoding string
	full, delta, includeDeact, allowMass, detailed, refresh        bool
	segmentLookups, segmentTargets                                 []string
}

var diffOpts diffOptions

func newDiffCmd() *cobra.Command {
	o := &diffOpts
	c := &cobra.Command{
		Use:   "diff --feed FILE",
		Short: "Show how a feed differs from Coupa, and optionally save the plan",
		Long: `Compare a feed (CCW User file, Coupa Users CSV, or an HR export with --mapping) with
Coupa (live, or --snapshot FILE) and print the plan. Exit codes: 0 success; with
--detailed-exitcode 0 no changes, 2 changes, 1 error. An unreadable feed exits 1 with every
problem as FILE:LINE[:COLUMN]: message on stderr.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDiff(c.Context(), o, os.Stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&o.feed, "feed", "", "feed file, or sftp:///Outgoing/CCW/name.csv[.pgp]")
	f.StringVar(&o.mapping, "mapping", "", "column-mapping YAML for an HR export")
	f.BoolVar(&o.full, "full", false, "treat the feed as a full feed (absent users are deactivation candidates)")
	f.BoolVar(&o.delta, "delta", false, "treat the feed as a delta feed")
	f.StringVar(&o.matchOn, "match-on", "", "employee-number|login|email (default: employee number when both sides have one, else login)")
	f.StringVar(&o.snapshot, "snapshot", "", "use a saved snapshot instead of live Coupa (no credentials needed)")
	f.StringVar(&o.format, "format", "text", "text|json|csv")
	f.StringVar(&o.out, "out", "", "save the plan for `ccwrecon apply`")
	f.BoolVar(&o.includeDeact, "include-deactivations", false, "select deactivations inferred from a full feed")
	f.BoolVar(&o.allowMass, "allow-mass-deactivation", false, "override the mass-deactivation guard")
	f.BoolVar(&o.detailed, "detailed-exitcode", false, "exit 0 no changes, 2 changes, 1 error")
	f.StringVar(&o.chart, "chart", "", "chart of accounts the CCW segments belong to")
	f.StringArrayVar(&o.segmentLookups, "segment-lookup", nil, "N=LOOKUP: chart segment N takes the values of lookup LOOKUP (repeatable)")
	f.StringArrayVar(&o.segmentTargets, "segment", nil, "N=chart|custom-fields.NAME|feed-only: where CCW segment N goes (repeatable; default 1-3 chart)")
	f.StringVar(&o.encoding, "encoding", "", "feed encoding: utf-8 (default) or windows-1252")
	f.BoolVar(&o.refresh, "refresh", false, "ignore the cached snapshot and read every user")
	return c
}

// prepared is everything a diff needs, loaded.
type prepared struct {
	settings *Settings
	mapping  *feeds.Mapping
	feed     *feeds.Feed
	snap     *coupa.Snapshot
	cfg      ccsync.Config
}

func prepare(ctx context.Context, o *diffOptions, s *Settings, progress coupa.ProgressFunc) (*prepared, error) {
	if o.feed == "" {
		return nil, errors.New("--feed FILE is required")
	}
	var err error
	p := &prepared{settings: s}
	if p.feed, p.mapping, err = loadFeed(ctx, s, o); err != nil {
		return nil, err
	}
	// flags, then the mapping file, then the profile
	baseLookups, baseSegments, mappingChart := s.SegmentLookups, s.Segments, ""
	if m := p.mapping; m != nil {
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
		return nil, err
	}
	p.cfg = ccsync.Config{MatchOn: pick(o.matchOn, s.MatchOn), Chart: pick(o.chart, mappingChart, s.Chart), SegmentLookups: lookups,
		IncludeDeactivations: o.includeDeact, AllowMassDeactivation: o.allowMass, MaxDeactivations: s.MaxDeactivate,
		MaxDeactivationPct: s.MaxDeactPct, ScopeFilter: s.ScopeFilter, KnownRoles: s.KnownRoles, ToolVersion: Version}
	if p.cfg.SegmentTargets, err = segmentTargets(o.segmentTargets, baseSegments); err != nil {
		return nil, err
	}
	if o.snapshot != "" {
		p.snap, err = coupa.LoadSnapshot(o.snapshot)
	} else {
		var client *coupa.Client
		if client, err = s.coupaClient(false); err != nil {
			return nil, err
		}
		var prev *coupa.Snapshot
		if !o.refresh {
			prev = coupa.LoadCached(client.Instance())
		}
		p.snap, err = client.Fetch(ctx, prev, progress)
		if err == nil {
			if path, perr := coupa.CachePath(p.snap.Instance); perr == nil {
				_ = p.snap.Save(path)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// loadFeed reads a local or SFTP feed, decrypting PGP files.
func loadFeed(ctx context.Context, s *Settings, o *diffOptions) (*feeds.Feed, *feeds.Mapping, error) {
	opts := feeds.Options{Encoding: o.encoding}
	if o.full && o.delta {
		return nil, nil, errors.New("--full and --delta are exclusive")
	}
	if o.full || o.delta {
		full := o.full
		opts.Full = &full
	}
	if o.mapping != "" {
		m, err := feeds.LoadMapping(o.mapping)
		if err != nil {
			return nil, nil, exitCode(1, err)
		}
		opts.Mapping = m
	}
	var src io.Reader
	name := o.feed
	if strings.HasPrefix(o.feed, "sftp://") {
		remote := strings.TrimPrefix(o.feed, "sftp://")
		if i := strings.Index(remote, "/"); i >= 0 {
			remote = remote[i:]
		}
		conn, err := feeds.DialSFTP(ctx, s.sftpConfig(""))
		if err != nil {
			return nil, nil, err
		}
		data, err := conn.Download(ctx, remote)
		conn.Close()
		if err != nil {
			return nil, nil, err
		}
		name = remote[strings.LastIndex(remote, "/")+1:]
		src = bytes.NewReader(data)
	} else {
		f, err := os.Open(o.feed)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		src = f // streamed: a local plain feed is never copied whole
	}
	br := bufio.NewReaderSize(src, 64<<10)
	head, _ := br.Peek(64)
	var in io.Reader = br
	if feeds.IsEncryptedName(name) || feeds.LooksEncrypted(head) {
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, nil, err
		}
		// the plaintext is held only once its integrity check has passed
		if data, err = decryptFeed(s, data); err != nil {
			return nil, nil, fmt.Errorf("%s: %v", name, err)
		}
		for _, ext := range []string{".pgp", ".gpg", ".asc"} {
			name = strings.TrimSuffix(name, ext)
		}
		in = bytes.NewReader(data)
	}
	feed, err := feeds.Read(in, name, opts)
	if err != nil {
		var re *feeds.ReadError
		if errors.As(err, &re) {
			fmt.Fprintln(os.Stderr, re.Error())
			return nil, nil, exitCode(1, fmt.Errorf("%s cannot be read (%d problems); nothing was planned or applied", name, len(re.Problems)))
		}
		return nil, nil, err
	}
	return feed, opts.Mapping, nil
}

func decryptFeed(s *Settings, data []byte) ([]byte, error) {
	if s.DecryptKey == "" {
		return nil, errors.New("the file is PGP-encrypted: set --decrypt-key (CCW_PGP_DECRYPT_KEY) and CCW_PGP_PASSPHRASE")
	}
	kb, err := os.ReadFile(s.DecryptKey)
	if err != nil {
		return nil, err
	}
	keys, err := feeds.ReadKeys(kb)
	if err != nil {
		return nil, fmt.Errorf("decrypt key %s: %v", s.DecryptKey, err)
	}
	return feeds.Decrypt(bytes.NewReader(data), keys, []byte(s.PGPPassphrase))
}

func (s *Settings) sftpConfig(accept string) feeds.SFTPConfig {
	return feeds.SFTPConfig{Addr: s.SFTPAddr, User: s.SFTPUser, Password: s.SFTPPassword, KeyFile: s.SFTPKey,
		KnownHosts: s.KnownHosts, AcceptHostKey: accept}
}

func runDiff(ctx context.Context, o *diffOptions, stdout io.Writer) error {
	s, err := resolveSettings()
	if err != nil {
		return err
	}
	return runDiffTo(ctx, o, s, stdout)
}

func runDiffWith(ctx context.Context, o *diffOptions, s *Settings) error {
	return runDiffTo(ctx, o, s, os.Stdout)
}

func runDiffTo(ctx context.Context, o *diffOptions, s *Settings, stdout io.Writer) error {
	progress, done := stderrProgress()
	p, err := prepare(ctx, o, s, progress)
	done()
	if err != nil {
		return err
	}
	for _, w := range append(p.feed.Warnings, p.snap.Warnings...) {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	plan, err := ccsync.Diff(p.feed, p.snap, p.cfg)
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := plan.Save(o.out); err != nil {
			return err
		}
	}
	switch o.format {
	case "json":
		err = ccsync.WriteJSON(stdout, plan)
	case "csv":
		err = ccsync.WriteCSV(stdout, plan)
	case "text", "":
		err = ccsync.WriteText(stdout, plan, textPalette(stdout))
		if o.out != "" {
			fmt.Fprintf(stdout, "\nSaved the plan to %s. Apply it with: ccwrecon apply %s --via api|sftp\n", o.out, o.out)
		}
	default:
		return fmt.Errorf("--format must be text, json or csv")
	}
	if err != nil {
		return err
	}
	if o.detailed && plan.Summary.Changes() {
		return exitCode(2, nil)
	}
	return nil
}

// textPalette colours only a terminal, never under NO_COLOR.
func textPalette(w io.Writer) ccsync.Palette {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) || os.Getenv("NO_COLOR") != "" {
		return ccsync.Palette{}
	}
	sgr := func(code string) func(string) string {
		return func(s string) string { return "\033[" + code + "m" + s + "\033[0m" }
	}
	// blue/yellow/magenta: distinguishable without red-green vision
	return ccsync.Palette{Add: sgr("34"), Change: sgr("33"), Remove: sgr("35"), Problem: sgr("1"), Dim: sgr("2")}
}

func newCheckFeedCmd() *cobra.Command {
	o := &diffOptions{}
	c := &cobra.Command{
		Use:   "check-feed FILE",
		Short: "Validate a feed without contacting Coupa",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.feed = args[0]
			s, err := resolveSettings()
			if err != nil {
				return err
			}
			feed, _, err := loadFeed(c.Context(), s, o)
			if err != nil {
				return err
			}
			for _, w := range feed.Warnings {
				fmt.Fprintln(os.Stderr, "warning:", w)
			}
			mode := map[bool]string{true: "full", false: "delta"}[feed.Full]
			fmt.Printf("%s: %s feed (%s), %d users, sha256 %s\n", feed.Name, feed.Kind, mode, len(feed.Users), feed.SHA256)
			return nil
		},
	}
	c.Flags().StringVar(&o.mapping, "mapping", "", "column-mapping YAML for an HR export")
	c.Flags().StringVar(&o.encoding, "encoding", "", "utf-8 (default) or windows-1252")
	return c
}

// segmentTargets reads repeated N=TARGET flags over the profile's map; nil
// keeps the default (segments 1-3 are the chart's).
func segmentTargets(flags []string, base map[int]string) (map[int]string, error) {
	if len(flags) == 0 && len(base) == 0 {
		return nil, nil
	}
	out := map[int]string{1: "chart", 2: "chart", 3: "chart"} // the default an override applies to
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
