package feeds

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTPServer is an in-memory SFTP server on loopback for the demo and
// tests, with a throwaway host key and password authentication.
type SFTPServer struct {
	Addr       string
	HostKey    ssh.PublicKey
	handlers   sftp.Handlers
	user, pass string
}

// StartSFTPServer serves until ctx ends.
func StartSFTPServer(ctx context.Context, user, password string) (*SFTPServer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	s := &SFTPServer{HostKey: signer.PublicKey(), handlers: sftp.InMemHandler(), user: user, pass: password}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, p []byte) (*ssh.Permissions, error) {
		if c.User() == s.user && subtle.ConstantTimeCompare(p, []byte(s.pass)) == 1 {
			return nil, nil
		}
		return nil, fmt.Errorf("denied")
	}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	go func() { <-ctx.Done(); ln.Close() }()
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(nc, cfg)
		}
	}()
	return s, nil
}

func (s *SFTPServer) serve(nc net.Conn, cfg *ssh.ServerConfig) {
	_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		nc.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, in, err := nch.Accept()
		if err != nil {
			continue
		}
		go func() {
			for req := range in {
				ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
				req.Reply(ok, nil)
			}
		}()
		go func() {
			srv := sftp.NewRequestServer(ch, s.handlers)
			srv.Serve()
			srv.Close()
		}()
	}
}

// KnownHostsLine is the known_hosts entry for this server.
func (s *SFTPServer) KnownHostsLine() string {
	return fmt.Sprintf("%s %s", knownHostsHost(s.Addr), string(ssh.MarshalAuthorizedKey(s.HostKey)))
}

func knownHostsHost(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("[%s]:%s", host, port)
}
