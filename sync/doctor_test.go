package sync

import (
	"context"
	"testing"
	"time"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/sync/followup"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
)

// An OAuth client without the write scope fails the scope check, naming it.
func TestDoctorNamesMissingScopes(t *testing.T) {
	t.Parallel()
	seed, _ := synctest.Population(t, 5, 0, 0)
	_, base := synctest.Serve(t, seed, emulator.Options{Clients: map[string]emulator.Client{
		"reader": {Secret: "reader-secret", Scopes: []string{"core.user.read", "core.common.read", "core.accounting.read", "core.user_group.read"}}}})
	svc := NewService(Engagement{Coupa: coupa.Config{BaseURL: base, ClientID: "reader", ClientSecret: "reader-secret"}})
	checks := svc.Doctor(context.Background(), time.Now())
	if followup.DoctorOK(checks) {
		t.Fatalf("%+v", checks)
	}
	for _, c := range checks {
		if c.Name == "coupa scopes" {
			if c.Status != followup.CheckFail || c.Detail != "not granted: core.user.write" {
				t.Fatalf("%+v", c)
			}
			return
		}
	}
	t.Fatalf("no scope check: %+v", checks)
}
