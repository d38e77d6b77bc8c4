package tui

import (
	"sort"
	"strings"

	ccsync "github.com/ccwrecon/ccwrecon/sync"
)

type sortKey int // how the users list is ordered

const (
	sortByLine sortKey = iota
	sortByKey
	sortByAction
	sortByChanges
	sortKinds
)

func (s sortKey) String() string {
	return [...]string{"feed order", "key", "action", "changes"}[s]
}

var actionCycle = []ccsync.Action{"", ccsync.Create, ccsync.Update, ccsync.Deactivate, ccsync.Reactivate, ccsync.Error, ccsync.Unchanged}

func nextAction(a ccsync.Action) ccsync.Action {
	for i, x := range actionCycle {
		if x == a {
			return actionCycle[(i+1)%len(actionCycle)]
		}
	}
	return ""
}

// userList is a virtualised list: only the visible window is rendered.
type userList struct {
	plan   *ccsync.Plan
	rows   []int // indexes into plan.Users
	cursor int
	offset int
	query  string
	action ccsync.Action
	sortBy sortKey
	seq    int
}

// compute filters and sorts; it reads the plan only, so it can run off the UI loop.
func (l userList) compute() []int {
	if l.plan == nil {
		return nil
	}
	q := strings.ToLower(strings.TrimSpace(l.query))
	rows := make([]int, 0, len(l.plan.Users))
	for i, u := range l.plan.Users {
		if l.action != "" && u.Action != l.action {
			continue
		}
		if l.action == "" && u.Action == ccsync.Unchanged && q == "" {
			continue // unchanged users are counted in the header; f shows them
		}
		if q != "" && !matches(u, q) {
			continue
		}
		rows = append(rows, i)
	}
	users := l.plan.Users
	switch l.sortBy {
	case sortByKey:
		sort.SliceStable(rows, func(a, b int) bool { return users[rows[a]].Key < users[rows[b]].Key })
	case sortByAction:
		sort.SliceStable(rows, func(a, b int) bool { return users[rows[a]].Action < users[rows[b]].Action })
	case sortByChanges:
		sort.SliceStable(rows, func(a, b int) bool { return len(users[rows[a]].Changes) > len(users[rows[b]].Changes) })
	}
	return rows
}

func matches(u *ccsync.UserPlan, q string) bool {
	if strings.Contains(strings.ToLower(u.Key), q) || strings.Contains(strings.ToLower(u.Name), q) {
		return true
	}
	for _, c := range u.Changes {
		if strings.Contains(c.Field, q) || strings.Contains(strings.ToLower(c.Feed()), q) {
			return true
		}
	}
	return false
}

func (l *userList) current() *ccsync.UserPlan {
	if l.plan == nil || l.cursor < 0 || l.cursor >= len(l.rows) {
		return nil
	}
	return l.plan.Users[l.rows[l.cursor]]
}

func (l *userList) move(d, height int) {
	l.cursor += d
	l.clamp(height)
}

func (l *userList) clamp(height int) {
	if l.cursor >= len(l.rows) {
		l.cursor = len(l.rows) - 1
	}
	if l.cursor < 0 {
		l.cursor = 0
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+height {
		l.offset = l.cursor - height + 1
	}
	if l.offset < 0 {
		l.offset = 0
	}
}
