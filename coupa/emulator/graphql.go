package emulator

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"

	"github.com/ccwrecon/ccwrecon/coupa"
)

// rolesQuery is the one GraphQL query the emulator answers, as baton-coupa
// asks it: roles(query: "id[gt]=N") { ... }.
var rolesQuery = regexp.MustCompile(`^\s*(?:query\s*)?\{\s*roles\s*(?:\(\s*query\s*:\s*"id\[gt\]=(\d+)"\s*\))?\s*\{[\sa-zA-Z]*\}\s*\}\s*$`)

// graphql answers POST /api/graphql: read-only, roles only, at most 50 a
// page in id order; anything else is a GraphQL error (HTTP 200, as Coupa).
func (s *Server) graphql(r *http.Request) (int, any) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, errBody("request", "GraphQL takes POST")
	}
	body, err := readBody(r)
	if err != nil {
		return 400, errBody("request", err.Error())
	}
	q, _ := body["query"].(string)
	m := rolesQuery.FindStringSubmatch(q)
	if m == nil {
		return 200, map[string]any{"data": nil, "errors": []any{map[string]any{"message": "the emulator answers only { roles(query: \"id[gt]=N\") { id name } }"}}}
	}
	after, _ := strconv.Atoi(m[1])
	s.mu.RLock()
	roles := append([]coupa.Role(nil), s.seed.Roles...)
	s.mu.RUnlock()
	sort.Slice(roles, func(i, j int) bool { return roles[i].ID < roles[j].ID })
	out := []map[string]any{}
	for _, role := range roles {
		if role.ID > after && len(out) < 50 {
			out = append(out, map[string]any{"id": role.ID, "name": role.Name, "description": role.Description})
		}
	}
	return 200, map[string]any{"data": map[string]any{"roles": out}}
}
