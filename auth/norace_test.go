//go:build !race

package auth_test

// raceEnabled is true under the race detector, which makes pure-Go bcrypt
// about ten times slower.
const raceEnabled = false
