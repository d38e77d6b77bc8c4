package sync

import (
	"context"
	"testing"

	"github.com/ccwrecon/ccwrecon/coupa"
	"github.com/ccwrecon/ccwrecon/coupa/emulator"
	"github.com/ccwrecon/ccwrecon/feeds"
	"github.com/ccwrecon/ccwrecon/sync/engine"
	"github.com/ccwrecon/ccwrecon/sync/internal/synctest"
	"github.com/ccwrecon/ccwrecon/sync/plans"
)

// The console's preview takes the inferred deactivations the operator
// selected on screen, as its apply does: no refusal after Apply is pressed.
func TestThePreviewTakesInferredDeactivationsSelectedOnScreen(t *testing.T) {
	t.Parallel()
	_, c, snap := synctest.Acme(t)
	p, _ := engine.Diff(synctest.ReadFeed(t, "ccw_full.csv", feeds.Options{}), snap, engine.Config{SegmentLookups: synctest.Lookups, MaxDeactivations: 100})
	n := plans.SelectAll(p.Users, true, true) // f on deactivate, then a
	if n == 0 || plans.Deactivations(p) == 0 {
		t.Fatalf("nothing selected (%d)", n)
	}
	svc := NewService(Engagement{Coupa: coupa.Config{BaseURL: c.Instance(), APIKey: emulator.DefaultAPIKey}, Rules: plans.Rules{Guard: plans.Guard{Max: 100, Pct: 100}}})
	if _, err := svc.Preview(context.Background(), p, "api"); err != nil {
		t.Fatalf("the preview refused: %v", err)
	}
}
