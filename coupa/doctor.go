package coupa

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Probe makes one small authenticated read (the user with the highest id):
// it proves the instance answers and the credential is accepted.
func (c *Client) Probe(ctx context.Context) error {
	_, err := c.topUser(ctx)
	return err
}

// UsesOAuth reports whether the client authenticates with OAuth 2.0.
func (c *Client) UsesOAuth() bool { return c.auth == "oauth" }

// GrantedScopes asks the token endpoint for want and returns the scopes
// the token carries. A client refused some of them (invalid_scope) is
// asked again for each scope alone, so the answer names what is missing.
func (c *Client) GrantedScopes(ctx context.Context, want []string) ([]string, error) {
	if c.auth != "oauth" {
		return nil, errors.New("an API key carries no scopes")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.plain)
	ask := func(scopes []string) (*oauth2.Token, error) {
		cc := clientcredentials.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret,
			TokenURL: c.base.String() + "/oauth2/token", Scopes: scopes}
		return cc.Token(ctx)
	}
	tok, err := ask(want)
	var re *oauth2.RetrieveError
	if err == nil {
		if s, ok := tok.Extra("scope").(string); ok && s != "" {
			return strings.Fields(s), nil
		}
		return want, nil // the token does not list them: granted as asked
	}
	if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" {
		return nil, err
	}
	var granted []string
	for _, s := range want {
		if _, err := ask([]string{s}); err == nil {
			granted = append(granted, s)
		} else if !errors.As(err, &re) || re.ErrorCode != "invalid_scope" {
			return nil, err
		}
	}
	return granted, nil
}

// Reference reads the reference data alone (currencies, charts, lookups,
// lookup values, groups): what the settings are checked against.
func (c *Client) Reference(ctx context.Context) (*Snapshot, error) {
	s := &Snapshot{Format: SnapshotFormat, Instance: c.Instance()}
	if _, err := c.fetchReference(ctx, s, "", nil); err != nil {
		return nil, err
	}
	return s, nil
}
