// Package upstream checks package commonpw's list against the zxcvbn
// module it was generated from. It has only tests, kept apart from package
// commonpw so that the zxcvbn module they import never reaches the go.sum
// of a host that imports commonpw.
package upstream
