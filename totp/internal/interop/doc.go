// Package interop checks package totp against an independent
// implementation, Debian's oathtool (OATH Toolkit). It has only tests, kept
// apart from package totp so that the test dependencies they need (the
// integration-test environment) never reach a host that imports totp.
package interop
