package plans

import (
	"reflect"
	"testing"
)

// viewsPlan: two users move between supervisors (spelled in two cases),
// roles change with the engine's case-insensitive rule, one segment and
// the chart change, and there are problems of two kinds.
func viewsPlan() *Plan {
	return &Plan{Users: []*UserPlan{
		{Key: "ann", Action: Update, Selected: true, Changes: []Change{
			{Field: "manager", Op: OpChange, Before: Text("Bob"), After: Text("carl"), Selected: true},
			{Field: "roles", Op: OpChange, Before: Roles([]string{"Buyer", "User"}), After: Roles([]string{"buyer", "Expense User"}), Selected: true},
			{Field: "default-account.segment-2", Segment: 2, Op: OpChange, Before: Text("100"), After: Text("200"), Selected: true},
		}},
		{Key: "dan", Action: Update, Changes: []Change{
			{Field: "manager", Op: OpAdd, After: Text("Carl")},
			{Field: "default-account-type", Op: OpChange, Before: Text("A"), After: Text("B")},
			{Field: "email", Op: OpChange, Before: Text("d@x"), After: Text("d@y")},
		}, Problems: []Problem{{Kind: ProblemSupervisor}, {Kind: ProblemRole}}},
		{Key: "eve", Action: Unchanged},
		{Key: "fay", Action: Create, Selected: true, Problems: []Problem{{Kind: ProblemCycle}}},
	}}
}

func TestTeamChangesFoldSupervisorsAndNameWhereEachComesFrom(t *testing.T) {
	teams := TeamChanges(viewsPlan())
	if len(teams) != 2 || teams[0].Key != "bob" || teams[1].Key != "carl" {
		t.Fatalf("teams %+v", teams)
	}
	bob, carl := teams[0], teams[1]
	if len(bob.Joins) != 0 || len(bob.Leaves) != 1 || bob.Leaves[0].User.Key != "ann" || bob.Leaves[0].Other != "carl" {
		t.Fatalf("bob: %+v", bob)
	}
	if len(carl.Joins) != 2 || carl.Joins[0].Other != "Bob" || carl.Joins[1].Other != "" || carl.Supervisor != "Carl" {
		t.Fatalf("carl: %+v", carl)
	}
}

func TestRoleChangesUseTheEnginesCaseRule(t *testing.T) {
	got := map[string][2]int{}
	for _, m := range RoleChanges(viewsPlan()) {
		got[m.Name] = [2]int{m.Gains, m.Losses}
	}
	want := map[string][2]int{"Expense User": {1, 0}, "User": {0, 1}} // Buyer -> buyer is no change
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("role changes %v, want %v", got, want)
	}
}

func TestAccountChangesHoldOnlyAccountFieldsSegmentsFirst(t *testing.T) {
	var fields []string
	for _, g := range AccountChanges(viewsPlan()) {
		fields = append(fields, g.Field)
	}
	if want := []string{"default-account-type", "default-account.segment-2"}; !reflect.DeepEqual(fields, want) {
		t.Fatalf("account fields %v, want %v (the chart sorts as segment 0)", fields, want)
	}
}

func TestActionTableCountsEveryUserOnce(t *testing.T) {
	total, selected := 0, 0
	for _, row := range ActionTable(viewsPlan()) {
		total += row.Total
		selected += row.Selected
		if row.Action == Update && (row.Total != 2 || row.Selected != 1) {
			t.Fatalf("updates %+v", row)
		}
	}
	if total != 4 || selected != 1 { // fay has no change to select
		t.Fatalf("table counts %d users, %d selected; want 4 and 1", total, selected)
	}
}

func TestProblemsWhere(t *testing.T) {
	if n := len(ProblemsWhere(viewsPlan(), ProblemKind.Hierarchy)); n != 2 {
		t.Fatalf("hierarchy problems %d, want 2", n)
	}
}
