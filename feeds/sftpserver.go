package feeds

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net"
	"path"

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

// OnFile calls fn with each file that lands in dir (renamed into it, as
// uploads finish): the demo hands files in /Incoming/Users to its Coupa
// emulator this way, as Coupa's poller picks them up.
func (s *SFTPServer) OnFile(dir string, fn func(name string, data []byte)) {
	s.handlers.FileCmd = &renameHook{inner: s.handlers.FileCmd, done: func(target string) {
		if path.Dir(target) != path.Clean(dir) {
			return
		}
		req := sftp.NewRequest("Get", target)
		req.Flags = 1 // SSH_FXF_READ: the handler opens for reading
		r, err := s.handlers.FileGet.Fileread(req)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		chunk := make([]byte, 32<<10)
		for off := int64(0); ; {
			n, err := r.ReadAt(chunk, off)
			buf.Write(chunk[:n])
			off += int64(n)
			if err != nil || n == 0 {
				break
			}
		}
		fn(path.Base(target), buf.Bytes())
	}}
}

// renameHook reports renames that succeeded.
type renameHook struct {
	inner sftp.FileCmder
	done  func(target string)
}

func (h *renameHook) Filecmd(r *sftp.Request) error {
	err := h.inner.Filecmd(r)
	if err == nil && r.Method == "Rename" {
		h.done(r.Target)
	}
	return err
}

func (h *renameHook) PosixRename(r *sftp.Request) error {
	var err error
	if p, ok := h.inner.(sftp.PosixRenameFileCmder); ok {
		err = p.PosixRename(r)
	} else {
		r.Method = "Rename"
		err = h.inner.Filecmd(r)
	}
	if err == nil {
		h.done(r.Target)
	}
	return err
}
