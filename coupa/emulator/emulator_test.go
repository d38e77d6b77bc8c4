package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

type api struct {
	t    *testing.T
	base string
	srv  *Server
}

func newAPI(t *testing.T) *api {
	seed, err := LoadSeed("../../testdata/instance.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(seed, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &api{t, base, srv}
}

func (a *api) call(method, path string, body any) (int, any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-COUPA-API-KEY", DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (a *api) user(id string) map[string]any {
	_, u := a.call("GET", "/api/users/"+id, nil)
	return u.(map[string]any)
}

func roleNames(u map[string]any) string {
	var n []string
	for _, r := range u["roles"].([]any) {
		n = append(n, r.(map[string]any)["name"].(string))
	}
	return strings.Join(n, ",")
}

func TestDefaultAccountNeedsAStoredChart(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// xzhang (15) has no chart: segments in the same request as the chart are refused
	st, body := a.call("PUT", "/api/users/15", map[string]any{"default-account-type": map[string]any{"name": "Acme Corporate"},
		"default-account": map[string]any{"segment-1": "100"}})
	if st != 400 || !strings.Contains(jsonText(body), "default chart") {
		t.Fatalf("%d %v", st, body)
	}
	if a.user("15")["default-account-type"] != nil {
		t.Fatal("a refused request changed the user")
	}
	if st, _ := a.call("PUT", "/api/users/15", map[string]any{"default-account-type": map[string]any{"name": "Acme Corporate"}}); st != 200 {
		t.Fatal(st)
	}
	// values must come from the lookup configured for each segment
	if st, body := a.call("PUT", "/api/users/15", map[string]any{"default-account": map[string]any{"segment-1": "100", "segment-2": "9420"}}); st != 400 || !strings.Contains(jsonText(body), "lookup Cost Center") {
		t.Fatalf("a Legacy Cost Center code accepted: %d %v", st, body)
	}
	if st, body := a.call("PUT", "/api/users/15", map[string]any{"default-account": map[string]any{"segment-1": "100", "segment-3": "6100"}}); st != 400 || !strings.Contains(jsonText(body), "no gaps") {
		t.Fatalf("a gap accepted: %d %v", st, body)
	}
	st, _ = a.call("PUT", "/api/users/15", map[string]any{"default-account": map[string]any{"segment-1": "100", "segment-2": "4200", "segment-3": "6100"}})
	if st != 200 || a.user("15")["default-account"].(map[string]any)["code"] != "100-4200-6100" {
		t.Fatal(a.user("15")["default-account"])
	}
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestUnknownReferencesChangeNothing(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	before := a.user("4")
	st, body := a.call("PUT", "/api/users/4", map[string]any{"firstname": "Changed", "manager": map[string]any{"login": "nobody"}})
	if st != 400 || !strings.Contains(jsonText(body), `Manager \"nobody\" does not exist`) {
		t.Fatalf("%d %v", st, body)
	}
	after := a.user("4")
	if after["firstname"] != before["firstname"] || after["updated-at"] != before["updated-at"] {
		t.Fatal("a refused update changed the user")
	}
	for _, bad := range []map[string]any{{"roles": []any{map[string]any{"name": "Wizard"}}}, {"default-currency": map[string]any{"code": "XXX"}},
		{"account-groups": []any{map[string]any{"id": 99}}}} {
		if st, _ := a.call("PUT", "/api/users/4", bad); st != 400 {
			t.Fatalf("%v accepted", bad)
		}
	}
}

func TestRolesAddAndClearAsDocumented(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.call("PUT", "/api/users/7", map[string]any{"roles": []any{map[string]any{"name": "Buyer"}}})
	if r := roleNames(a.user("7")); r != "User,Buyer" {
		t.Fatalf("a non-empty list adds: %s", r)
	}
	a.call("PUT", "/api/users/7", map[string]any{"roles": []any{}})
	if r := roleNames(a.user("7")); r != "" {
		t.Fatalf("an empty list clears: %s", r)
	}
	a.call("PUT", "/api/users/7", map[string]any{"roles": []any{map[string]any{"id": 3}}})
	a.call("PUT", "/api/users/7", map[string]any{"roles": nil})
	if r := roleNames(a.user("7")); r != "" {
		t.Fatalf("null clears: %s", r)
	}
}

func TestCreateDefaultsAndUniqueness(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	st, u := a.call("POST", "/api/users", map[string]any{"login": "new1", "email": "new1@acme.example", "firstname": "New", "lastname": "One"})
	if st != 201 {
		t.Fatal(st, u)
	}
	m := u.(map[string]any)
	if roleNames(m) != "User" || m["active"] != true || m["mention-name"] == "" || m["account-security-type"].(float64) != 0 {
		t.Fatalf("defaults: %v", m)
	}
	st, body := a.call("POST", "/api/users", map[string]any{"login": "NEW1", "email": "new1@acme.example", "firstname": "A", "lastname": "B"})
	if st != 400 || !strings.Contains(jsonText(body), "Login has already been taken") || !strings.Contains(jsonText(body), "Email has already been taken") {
		t.Fatalf("%d %v", st, body)
	}
	if st, body := a.call("POST", "/api/users", map[string]any{"login": "x"}); st != 400 || !strings.Contains(jsonText(body), "can't be blank") {
		t.Fatalf("%d %v", st, body)
	}
}

func TestNoDeleteAndReadOnlyGroups(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if st, _ := a.call("DELETE", "/api/users/4", nil); st != 405 {
		t.Fatal("DELETE must not exist")
	}
	if st, _ := a.call("POST", "/api/user_groups", map[string]any{"name": "x"}); st != 405 {
		t.Fatal("user groups are read-only")
	}
	if st, _ := a.call("PUT", "/api/account_groups/1", map[string]any{"name": "x"}); st != 405 {
		t.Fatal("account groups are read-only")
	}
}

func TestQueryFeatures(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	q := url.Values{"fields": {`["id","login",{"manager":["login"]}]`}, "login[starts_with]": {"m"}, "return_object": {"shallow"}}
	_, list := a.call("GET", "/api/users?"+q.Encode(), nil)
	users := list.([]any)
	if len(users) != 2 { // mokafor, mlopez
		t.Fatalf("%v", users)
	}
	u := users[0].(map[string]any)
	if len(u) != 3 || u["manager"].(map[string]any)["login"] != "hjenkins" {
		t.Fatalf("projection: %v", u)
	}
	_, list = a.call("GET", "/api/users?roles[name]=Accounts+Payable&default_account_type[name]=Acme+Corporate", nil)
	if len(list.([]any)) != 1 {
		t.Fatalf("nested filters with underscores: %v", list)
	}
	_, list = a.call("GET", "/api/users?limit=500", nil)
	if len(list.([]any)) != 20 {
		t.Fatal("limit")
	}
	_, list = a.call("GET", "/api/users?id[in]=2,3,99&order_by=id&dir=desc&limit=1", nil)
	if l := list.([]any); len(l) != 1 || l[0].(map[string]any)["id"].(float64) != 3 {
		t.Fatalf("in/order/dir: %v", l)
	}
	_, list = a.call("GET", "/api/users?employee_number[blank]=true", nil)
	if len(list.([]any)) != 1 {
		t.Fatalf("blank: %v", list)
	}
	if st, _ := a.call("GET", "/api/users?favourite[gt]=1", nil); st != 400 {
		t.Fatal("an unknown filter attribute is a 400")
	}
	st, _ := a.call("PUT", "/api/users/3?return_object=none", map[string]any{"middlename": "Q"})
	if st != 200 {
		t.Fatal(st)
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"core.user.read"}}
	req, _ := http.NewRequest("POST", a.base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultClientID, DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if tok["token_type"] != "bearer" || tok["expires_in"].(float64) != 86399 || tok["scope"] != "core.user.read" {
		t.Fatalf("%v", tok)
	}
	r2, _ := http.NewRequest("GET", a.base+"/api/currencies", nil)
	r2.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	r2.Header.Set("Accept", "application/json")
	resp, _ = http.DefaultClient.Do(r2)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("a token without core.common.read read currencies: %d", resp.StatusCode)
	}
	form.Set("client_secret", "nope")
	form.Set("client_id", DefaultClientID)
	resp, _ = http.PostForm(a.base+"/oauth2/token", form)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatal("bad secret must be invalid_client (400)")
	}
}

func TestSeedAcceptsCoupaShapedUsersAndSnapshots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	arr := dir + "/users.json"
	os.WriteFile(arr, []byte(`[{"login":"boss","email":"boss@x.example","firstname":"B","lastname":"Oss","active":true},
 {"login":"worker","email":"w@x.example","firstname":"W","lastname":"Orker","active":true,"manager":{"login":"boss"},"roles":[{"name":"Buyer"}]}]`), 0o644)
	s, err := LoadSeed(arr)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(s, Options{})
	users := srv.Users()
	if len(users) != 2 || users[1].Manager == nil || users[1].Manager.Login != "boss" || users[1].Roles[0].ID != 4 {
		t.Fatalf("%+v", users)
	}
	if len(s.Currencies) == 0 {
		t.Fatal("a users-only seed gets the default reference data")
	}
}
