package tui

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa/emulator"
)

// The Drift tab reads Coupa again on r and lists who changed what since
// this comparison read it.
func TestDriftTabListsChangesSinceTheComparison(t *testing.T) {
	t.Parallel()
	m, e := loaded(t, 100, 30)
	press(m, "7")
	if v := m.View(); !strings.Contains(v, "r reads Coupa again") {
		t.Fatalf("%s", v)
	}
	req, _ := http.NewRequest("PUT", e.base+"/api/users/5", strings.NewReader(`{"lastname":"Rossi-Bianchi"}`))
	req.Header.Set("X-COUPA-API-KEY", emulator.DefaultAPIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", err, resp)
	}
	resp.Body.Close()
	press(m, "r")
	v := m.View()
	if !strings.Contains(v, "1 user changed in Coupa since this comparison") || !strings.Contains(v, "~ lrossi · updated") ||
		!strings.Contains(v, "by integration") || !strings.Contains(v, `lastname "Rossi" → "Rossi-Bianchi"`) {
		t.Fatalf("%s", v)
	}
	press(m, "down", "down", "enter") // a changed user in the plan: enter shows it in Users
	if m.active != 0 {
		t.Fatalf("enter on a drifted user stays on tab %d", m.active)
	}
}
