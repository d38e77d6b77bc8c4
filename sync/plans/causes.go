package plans

import (
	"strings"

	"github.com/ccwrecon/ccwrecon/record"
)

// The likely cause of each kind of difference and problem, and the fix an
// operator can make: one table, so the console, `diff --explain` and the
// JSON ("cause") say the same thing.
var CauseText = map[string]string{
	"ccw-role":            "CCW syncs Role only at initial sync, so it never adds a role to an existing user: select it to add the role anyway, or add it in Coupa",
	"licence":             "the user lacks the Contingent Workforce licence (ccw-user); without it Coupa never passes the user to CCW: keep it selected",
	"case-only":           "the values differ only in letter case: harmless either way; leave it out if the feed's spelling is the wrong one",
	"login":               "the feed would rename the user: a login is an identity (SSO, integrations, CCW's User ID); select it only if the rename is intended (--allow-login-change)",
	"supervisor-created":  "the supervisor is created by this same plan: apply creates managers before their reports, so this works in one run",
	"missing-value":       "the value is not in the segment's lookup: load it first (ccwrecon diff --missing-values FILE writes the Lookup Values CSV), then compare again",
	"no-lookup":           "no lookup is assigned to translate this segment's names: run ccwrecon init, or pass --segment-lookup N=LOOKUP",
	"supervisor-inactive": "the supervisor is inactive in Coupa: reactivate them (in the feed or in Coupa) or name another supervisor",
	"supervisor-missing":  "the supervisor is neither in Coupa nor in this feed: add them to the feed, or correct the Supervisor ID",
	"supervisor-leaving":  "the supervisor is deactivated by this same feed: give the report a new supervisor in the feed",
	"supervisor-error":    "the supervisor is created by this plan but has problems of its own: fix those first",
	"self":                "the user is named as their own supervisor: correct the Supervisor ID",
	"cycle":               "the supervisors form a loop: one of them must report to someone outside it",
	"role-unknown":        "the role does not exist in Coupa: create it in Coupa (Setup > Roles) or correct the feed",
	"group-unknown":       "the group does not exist in Coupa (groups are read-only through the API): create it in Coupa or correct the feed",
	"currency":            "the currency is not enabled in Coupa: enable it (Setup > Currencies) or correct the feed",
	"email-taken":         "another Coupa user holds this email, and Coupa refuses duplicates: change one of them, or match on email (--match-on email) if it is the same person",
	"create-field":        "a new user needs a login, email, first and last name: fill them in the feed",
	"match":               "two Coupa users hold the same key: merge or correct them in Coupa before loading",
	"match-login":         "the login belongs to a Coupa user with another employee number: correct the feed's login or employee number (or the Coupa user's)",
	"match-none":          "matching on employee number needs one on every row: fill it in the feed, or match on login (--match-on login)",
	"value":               "the feed's value is not a valid value of the field: correct the feed",
	"deactivate":          "the feed deactivates the user (Status 0, inactive): keep it selected if they left",
	"reactivate":          "the feed lists an inactive Coupa user as active: keep it selected if they are back",
	"chart":               "the CCW segments belong to a chart the user does not have yet: the chart is set first, then the segments",
}

// explain fills the cause of each change of a user (problems get theirs
// where they are found: rowPlan.problem); creates are the logins the plan
// creates, lower-cased.
func Explain(u *UserPlan, creates map[string]bool) {
	for i := range u.Changes {
		if cause := CauseText[changeCause(u, &u.Changes[i], creates)]; cause != u.Changes[i].Cause {
			u.Changes[i].Cause = cause // (most have none: left unwritten)
		}
	}
}

func changeCause(u *UserPlan, c *Change, creates map[string]bool) string {
	switch {
	case c.Field == record.Roles && c.Informational:
		return "ccw-role"
	case c.Field == record.CCWUser:
		return "licence"
	case c.Field == record.Login && c.Op == OpChange: // a rename; a new user's login is not one
		return "login"
	case c.Field == record.Manager && creates[strings.ToLower(c.After.Text())]:
		return "supervisor-created"
	case c.Field == record.Active && !c.After.BoolValue():
		return "deactivate"
	case c.Field == record.Active:
		return "reactivate"
	case c.Field == record.AccountType || c.Field == record.SecurityType:
		return "chart"
	case c.Before.Kind() == KindText && c.Before.Text() != c.After.Text() && strings.EqualFold(c.Before.Text(), c.After.Text()):
		return "case-only"
	}
	return ""
}
