package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/user"
)

// BenchmarkList runs "list" through run on a SQLite file of 1000 users:
// opening the database, one page from the store and the output.
func BenchmarkList(b *testing.B) {
	c := newCLI(b, database{"sqlite", sqliteFile})
	bulkSeed(b, c, 1000)
	for _, format := range []string{"table", "json"} {
		b.Run(format, func(b *testing.B) {
			args := []string{"list", "--db", c.db}
			if format == "json" {
				args = append(args, "--json")
			}
			b.ReportAllocs()
			for b.Loop() {
				if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

// BenchmarkPromote is one flag command as an admin runs it: open the
// database, look the user up, update it atomically, close.
func BenchmarkPromote(b *testing.B) {
	c := newCLI(b, database{"sqlite", sqliteFile})
	bulkSeed(b, c, 1000)
	commands := []string{"promote", "demote"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		args := []string{commands[i%2], "--db", c.db, "user00500@example.com"}
		if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
		i++
	}
}

// BenchmarkRow is the formatting of one listed user.
func BenchmarkRow(b *testing.B) {
	u := &user.User{Base: user.Base{ID: uuid.New(), Email: "King.Arthur@camelot.bt", IsActive: true, IsVerified: true}}
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeRow(io.Discard, u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalUser(u); err != nil {
				b.Fatal(err)
			}
		}
	})
}
