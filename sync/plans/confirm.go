package plans

import (
	"net"
	"net/url"
	"strings"
)

// ConfirmWord is what the operator types to confirm an apply, as gh asks
// for OWNER/REPO: the instance's host name, or for a baseline plan (no
// instance) the host of the SFTP server the file goes to. The command line
// and the console ask for the same word.
func ConfirmWord(instance, sftpAddr string) string {
	if IsBaseline(instance) && sftpAddr != "" {
		if host, _, err := net.SplitHostPort(sftpAddr); err == nil {
			return host
		}
		return sftpAddr
	}
	if u, err := url.Parse(instance); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return instance
}

// Confirmed reports whether what the operator typed confirms.
func Confirmed(word, typed string) bool { return strings.TrimSpace(typed) == word }

// A baseline plan compares a feed with the file delivered last time, for
// CCW stand-alone customers (no Coupa API): its instance is the baseline
// file, named with this prefix, so nothing can mistake it for a Coupa URL.
const BaselinePrefix = "baseline:"

// IsBaseline reports a plan made against a baseline file.
func IsBaseline(instance string) bool { return strings.HasPrefix(instance, BaselinePrefix) }

// BaselineFile is the file a baseline plan was made against.
func BaselineFile(instance string) string { return strings.TrimPrefix(instance, BaselinePrefix) }
