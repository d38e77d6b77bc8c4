package cmd

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

func newEmulateCmd() *cobra.Command {
	var (
		addr, seed, apiKey, clientID, clientSecret string
		users, burst, fail503, fail500             int
		rateLimit                                  float64
		latency, loadDelay                         time.Duration
		replace, withSFTP                          bool
		ignore                                     []string
		sftpUser, sftpPassword                     string
	)
	c := &cobra.Command{
		Use:   "emulate",
		Short: "Serve the Coupa emulator on loopback until interrupted",
		Long: `Serve a local Coupa Core API. The first line of stdout is its URL.
Credentials (defaults shown by --help): an API key and an OAuth client with every scope.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var s *emulator.Seed
			var err error
			switch {
			case seed != "":
				if s, err = emulator.LoadSeed(seed); err != nil {
					return err
				}
			case users > 0:
				s = emulator.Generate(users)
			default:
				if s, err = defaultSeed(); err != nil {
					return fmt.Errorf("default instance: %v (use --seed or --users)", err)
				}
			}
			opts := emulator.Options{Rate: rateLimit, Burst: burst, Latency: latency, ReplaceCollections: replace, IgnoreWrites: ignore, LoadDelay: loadDelay,
				APIKeys: map[string][]string{apiKey: emulator.AllScopes},
				Clients: map[string]emulator.Client{clientID: {Secret: clientSecret, Scopes: emulator.AllScopes}}}
			srv := emulator.New(s, opts)
			srv.InjectFaults(fail503, fail500)
			url, err := srv.Start(c.Context(), addr)
			if err != nil {
				return err
			}
			fmt.Fprintln(os.Stdout, url)
			fmt.Fprintf(os.Stderr, "Coupa emulator at %s with %d users (rate %g/s, burst %d); OAuth client %q, API key set; Ctrl-C to stop\n",
				url, len(s.Users), rateLimit, burst, clientID)
			if withSFTP {
				dir, err := os.MkdirTemp("", "ccwrecon-emulate-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				t, err := startTryoutSFTP(c.Context(), dir, sftpUser, sftpPassword, func(n string, b []byte) { srv.LoadUsersCSV(n, b) })
				if err != nil {
					return fmt.Errorf("SFTP server: %v", err)
				}
				fmt.Fprintf(os.Stderr, `SFTP server at %s (loopback, in memory), user %q, password from --sftp-password
  host key %s
  known_hosts line (written to %s):
  %s
  folders %s, %s, and %s holding the sample feed ccw_delta.csv
Try it (in another terminal; every line pastes as it is):
  export COUPA_URL=%s COUPA_API_KEY=%s
  export CCW_SFTP_ADDR=%s CCW_SFTP_USER=%s CCW_SFTP_KNOWN_HOSTS=%s CCW_SFTP_PASSWORD=%s
  ccwrecon pull --out .                   # the sample feeds from %s, into this folder
  ccwrecon diff --feed ccw_delta.csv --segment-lookup 1=Company --segment-lookup "2=Cost Center" --segment-lookup "3=GL Account" --out plan.json
  ccwrecon apply plan.json --via sftp --file-format core --yes --wait 1m   # a Users CSV into %s, loaded by the emulator like Coupa
  ccwrecon diff --feed ccw_delta.csv --baseline ccw_yesterday.csv --out delta.json   # CCW stand-alone: tonight against last night, no Coupa
  ccwrecon apply delta.json --via sftp --yes   # the CCW User file into %s (the emulator loads only Users CSVs)
`, t.srv.Addr, sftpUser, t.fingerprint(), t.knownHosts, strings.TrimSpace(t.srv.KnownHostsLine()),
					tryoutInDir, tryoutUsersDir, tryoutOutDir, url, shellQuoteArg(apiKey), t.srv.Addr, sftpUser, t.knownHosts, shellQuoteArg(sftpPassword),
					tryoutOutDir, tryoutUsersDir, tryoutInDir)
			}
			<-c.Context().Done()
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:0", "listen address")
	f.StringVar(&seed, "seed", "", "JSON state file")
	f.IntVar(&users, "users", 0, "generate N users instead of the default instance")
	f.DurationVar(&latency, "latency", 0, "latency added to every API answer")
	f.Float64Var(&rateLimit, "rate", 25, "requests per second before answering 429 (0: unlimited)")
	f.IntVar(&burst, "burst", 20, "burst allowance")
	f.IntVar(&fail503, "fail-503", 0, "answer 503 to the next N API requests")
	f.IntVar(&fail500, "fail-500-after-write", 0, "answer 500 after applying the next N writes")
	f.BoolVar(&replace, "replace-collections", false, "non-empty roles/groups lists replace instead of adding")
	f.StringSliceVar(&ignore, "ignore-writes", nil, "user fields accepted in a write but not stored (as Coupa does with read-only attributes), e.g. phone-work")
	f.BoolVar(&withSFTP, "sftp", false, "also serve an SFTP server on loopback (Coupa's folders, the sample feed); prints how to use it")
	f.StringVar(&sftpUser, "sftp-user", "ccw", "user of the --sftp server")
	f.DurationVar(&loadDelay, "load-delay", 5*time.Second, "how long after a Users CSV lands in /Incoming/Users the emulator loads it (Coupa's poller)")
	f.StringVar(&sftpPassword, "sftp-password", "emulator-sftp-password", "password of the --sftp server")
	f.StringVar(&apiKey, "api-key", emulator.DefaultAPIKey, "accepted X-COUPA-API-KEY")
	f.StringVar(&clientID, "client-id", emulator.DefaultClientID, "accepted OAuth client id")
	f.StringVar(&clientSecret, "client-secret", emulator.DefaultClientSecret, "accepted OAuth client secret")
	return c
}

// shellQuoteArg quotes a value for a pasted shell line when it needs it.
func shellQuoteArg(a string) string {
	if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
