package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
)

// A login that differs from a Coupa login only by Unicode normalisation is
// that user, never a create beside it.
func TestAnNFDLoginMatchesItsNFCTwin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ coupa, feed string }{
		{"jos\u00e9", "jose\u0301"}, // Coupa NFC, feed NFD
		{"jose\u0301", "jos\u00e9"}, // Coupa NFD, feed NFC
	} {
		snap := synctest.AcmeSnapshot(t)
		snap.Users[3].Login = c.coupa
		data := "Status|User ID|Last Name|First Name|Email\n1|" + c.feed + "|" + snap.Users[3].Lastname + "|Renamed|" + snap.Users[3].Email + "\n"
		f, err := feeds.Read(strings.NewReader(data), "feed.csv", feeds.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Diff(f, snap, Config{IgnoreCCWLicence: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary.Create != 0 || len(p.Users) == 0 || p.Users[0].Fingerprint == nil || p.Users[0].Fingerprint.ID != snap.Users[3].ID {
			t.Fatalf("%q against Coupa's %q: %+v", c.feed, c.coupa, p.Summary)
		}
	}
}

// Zero-width and bidi characters in a key are read errors at their line
// and column: a login beginning with U+200B is not a second user.
func TestInvisibleCharactersInKeysAreReadErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ row, want string }{
		{"1|\u200bspatel|Patel|Sunita|spatel@acme.example|", "feed.csv:2:3: invisible character U+200B in login"},
		{"1|\ufeffspatel|Patel|Sunita|spatel@acme.example|", "feed.csv:2:3: invisible character U+FEFF in login"},
		{"1|spatel|Patel|Sunita|spatel@acme.example|hjen\u202ekins", "feed.csv:2:47: invisible character U+202E in manager"},
		{"1|spatel|Patel|Sunita|spa\u200ctel@acme.example|", "feed.csv:2:26: invisible character U+200C in email"},
	} {
		data := "Status|User ID|Last Name|First Name|Email|Supervisor ID\n" + c.row + "\n"
		_, err := feeds.Read(strings.NewReader(data), "feed.csv", feeds.Options{})
		var re *feeds.ReadError
		if !errors.As(err, &re) || !strings.Contains(re.Problems[0].String(), c.want) {
			t.Fatalf("%q: got %v", c.row, err)
		}
	}
	// a name may hold a zero-width non-joiner (Persian writes with it)
	if _, err := feeds.Read(strings.NewReader("Status|User ID|Last Name|First Name|Email\n1|ok|\u0645\u06cc\u200c\u0631|F|ok@example.com\n"), "feed.csv", feeds.Options{}); err != nil {
		t.Fatal(err)
	}
}
