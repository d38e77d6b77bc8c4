package coupa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrGraphQL is an answer of Coupa's GraphQL endpoint that carries errors.
var ErrGraphQL = errors.New("GraphQL error")

// RoleCatalogue reads every role of the instance with the GraphQL roles
// query, as baton-coupa does: at most 50 a call, paged with the query
// filter id[gt]=LAST until a page is empty. Coupa has no REST roles
// endpoint, and roles no user holds yet exist only here.
func (c *Client) RoleCatalogue(ctx context.Context) ([]Role, error) {
	var out []Role
	last := 0
	for page := 0; ; page++ {
		if page >= maxListPages {
			return nil, fmt.Errorf("Coupa POST /api/graphql roles: more than %d pages; stopping the read", maxListPages)
		}
		body := map[string]string{"query": fmt.Sprintf(`{ roles(query: "id[gt]=%d") { id name description } }`, last)}
		var resp struct {
			Data struct {
				Roles []Role `json:"roles"`
			} `json:"data"`
			Errors []struct {
				Message string `json:"message"`
			} `json:"errors"`
		}
		if err := c.do(ctx, http.MethodPost, "graphql", nil, body, &resp); err != nil {
			return nil, err
		}
		if len(resp.Errors) > 0 {
			var msgs []string
			for _, e := range resp.Errors {
				msgs = append(msgs, e.Message)
			}
			return nil, fmt.Errorf("%w: %s", ErrGraphQL, strings.Join(msgs, "; "))
		}
		if len(resp.Data.Roles) == 0 {
			return out, nil
		}
		next := last
		for _, r := range resp.Data.Roles {
			if r.ID > last {
				out = append(out, r)
				next = max(next, r.ID)
			}
		}
		if next == last { // the filter was not applied: the same page again
			return nil, fmt.Errorf("Coupa POST /api/graphql roles: the page after id %d repeats roles already read; stopping the read", last)
		}
		last = next
	}
}
