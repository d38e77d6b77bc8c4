package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ccwrecon/ccwrecon/internal/fileutil"
	"github.com/ccwrecon/ccwrecon/internal/termtext"
	ccsync "github.com/ccwrecon/ccwrecon/sync"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

func newInitCmd() *cobra.Command {
	o := &diffOptions{}
	var ask bool
	c := &cobra.Command{
		Use:   "init",
		Short: "Choose the engagement's chart and segment lookups, checked against Coupa, and save them in the profile",
		Long: `Connect to Coupa, list its active charts and lookups, and for each CCW segment the feed
(--feed) uses, rank the lookups by how many of the feed's values they hold. On a terminal you
choose (a ranking is never applied without your choice: the same name can sit in two lookups);
with --chart and --segment-lookup the choice is checked and saved without questions. The profile
(--profile, default "default") in the config file receives the Coupa URL, the chart and the
segment lookups; secrets are never written.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			svc, s, err := newService(o)
			if err != nil {
				return err
			}
			chart, lookups := o.chart, map[int]string{}
			if _, err := parseSegmentLookupsInto(o.segmentLookups, lookups); err != nil {
				return err
			}
			interactive := ask || (isTerminal(os.Stdin) && isTerminal(os.Stdout))
			if len(lookups) == 0 && chart == "" {
				setup, err := svc.Setup(c.Context())
				if err != nil {
					return readFailure(err)
				}
				printSetup(os.Stdout, setup)
				if !interactive {
					return exitCode(1, fmt.Errorf("nothing saved: choose with --chart and --segment-lookup N=LOOKUP (or run init on a terminal)"))
				}
				if chart, lookups, err = chooseSetup(c.Context(), bufio.NewReader(os.Stdin), os.Stdout, setup); err != nil {
					return err
				}
			}
			if err := svc.CheckSetup(c.Context(), chart, lookups); err != nil {
				return exitCode(1, fmt.Errorf("%s; nothing saved", strings.TrimPrefix(err.Error(), engine.ErrConfig.Error()+": ")))
			}
			path, name, err := saveProfile(s.CoupaURL, chart, lookups)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stdout, "Saved profile %q in %s: %s. Check everything with: ccwrecon doctor\n",
				name, path, ccsync.SetupText(chart, lookups))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.feed, "feed", "", "a feed whose segment values rank the lookups")
	f.StringVar(&o.mapping, "mapping", "", "column-mapping YAML for an HR export")
	f.StringVar(&o.chart, "chart", "", "chart of accounts the CCW segments belong to")
	f.StringArrayVar(&o.segmentLookups, "segment-lookup", nil, "N=LOOKUP (repeatable): save without questions")
	f.BoolVar(&ask, "ask", false, "ask on stdin even when it is not a terminal")
	return c
}

func parseSegmentLookupsInto(flags []string, into map[int]string) (map[int]string, error) {
	m, err := parseSegmentLookups(flags, nil)
	for k, v := range m {
		into[k] = v
	}
	return into, err
}

func printSetup(w io.Writer, s *ccsync.Setup) {
	safe := termtext.Safe
	fmt.Fprintf(w, "Coupa %s\nActive charts of accounts: %s\nLookups:\n", safe(s.Instance), safe(strings.Join(s.Charts, ", ")))
	for _, l := range s.Lookups {
		state := plans.Plural(l.Values, "value", "values")
		if !l.Active {
			state = "inactive"
		}
		fmt.Fprintf(w, "  %-24s %-10s e.g. %s\n", safe(l.Name), state, safe(strings.Join(l.Sample, ", ")))
	}
	for _, seg := range s.Segments {
		fmt.Fprintf(w, "\nCCW segment %d: the feed uses %s (%s)\n", seg.Segment, plans.Plural(len(seg.Values), "value", "values"), safe(sample(seg.Values, 4)))
		for i, m := range seg.Candidates {
			fmt.Fprintf(w, "  %d) %-24s holds %d of %d (%.0f%%)\n", i+1, safe(m.Lookup), m.Matched, m.Of, 100*m.Rate())
		}
	}
}

func sample(v []string, n int) string {
	if len(v) <= n {
		return strings.Join(v, ", ")
	}
	return strings.Join(v[:n], ", ") + ", …"
}

// chooseSetup asks for the chart (when there are several) and each
// segment's lookup: a number from the ranking, a lookup's name, or
// nothing to leave the segment unassigned.
func chooseSetup(ctx context.Context, r *bufio.Reader, w io.Writer, s *ccsync.Setup) (string, map[int]string, error) {
	type answer struct {
		l   string
		err error
	}
	line := func(prompt string) (string, error) {
		fmt.Fprint(w, prompt)
		got := make(chan answer, 1)
		go func() { // a read of a terminal cannot be cancelled: Ctrl+C answers for it
			l, err := r.ReadString('\n')
			got <- answer{l, err}
		}()
		select {
		case <-ctx.Done():
			fmt.Fprintln(w)
			return "", exitCode(130, errors.New("interrupted: nothing saved"))
		case a := <-got:
			if a.err != nil && a.l == "" {
				return "", fmt.Errorf("no answer: nothing saved")
			}
			return strings.TrimSpace(a.l), nil
		}
	}
	chart, ask := s.ChartChoice()
	if ask {
		for chart == "" {
			for i, c := range s.Charts {
				fmt.Fprintf(w, "  %d) %s\n", i+1, c)
			}
			a, err := line("Chart of accounts (number or name): ")
			if err != nil {
				return "", nil, err
			}
			chart = pickFrom(a, s.Charts)
		}
	}
	lookups := map[int]string{}
	for _, seg := range s.Segments {
		names := make([]string, len(seg.Candidates))
		for i, m := range seg.Candidates {
			names[i] = m.Lookup
		}
		for {
			a, err := line(fmt.Sprintf("Lookup for CCW segment %d (number or name; empty leaves it unassigned): ", seg.Segment))
			if err != nil {
				return "", nil, err
			}
			if a == "" {
				break
			}
			if l := pickFrom(a, names); l != "" {
				lookups[seg.Segment] = l
				break
			}
			fmt.Fprintf(w, "  %q is not one of the lookups above\n", a)
		}
	}
	return chart, lookups, nil
}

func pickFrom(a string, names []string) string {
	if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= len(names) {
		return names[n-1]
	}
	for _, x := range names {
		if strings.EqualFold(x, a) {
			return x
		}
	}
	return ""
}

// saveProfile writes the chart, segment lookups and Coupa URL into the
// chosen profile of the config file, keeping its other settings and
// profiles (comments are not kept). Secrets never reach the file.
func saveProfile(coupaURL, chart string, lookups map[int]string) (path, name string, err error) {
	path = gf.config
	if path == "" {
		path = defaultConfigPath()
	}
	name = gf.profile
	if name == "" {
		name = "default"
	}
	profiles := map[string]Profile{}
	if b, err := fileutil.ReadRegular(path, 1<<20); err == nil {
		if profiles, err = parseConfig(path, b); err != nil {
			return "", "", err
		}
	} else if !os.IsNotExist(err) {
		return "", "", err
	}
	p := profiles[name]
	if coupaURL != "" {
		p.CoupaURL = coupaURL
	}
	p.Chart = chart
	p.SegmentLookups = lookups
	if len(lookups) == 0 {
		p.SegmentLookups = nil
	}
	profiles[name] = p
	out, err := yaml.Marshal(struct {
		Profiles map[string]Profile `yaml:"profiles"`
	}{profiles})
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", "", err
	}
	return path, name, fileutil.WriteAtomic(path, fileutil.Private, func(w io.Writer) error {
		_, err := w.Write(append([]byte("# ccwrecon settings (no secrets: those come from the environment)\n"), out...))
		return err
	})
}
