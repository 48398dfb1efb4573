// Command loadserver serves, side by side in one process, an authenticated
// GET /users/me through usersauth and GET /bare, a bare net/http handler
// writing the same JSON bytes, so that a load generator can compare the two
// under identical conditions. scripts/load.sh drives it with wrk.
//
// The users live in the store -store names: memory; sqlite, a SQLite file
// opened through package store/sqlite (its user cache on, as a host gets
// it); sqlite-uncached, the same with the cache off, so every request reads
// the file; sqlstore, the file read through database/sql on every request.
// With -users n it creates n users and, with -tokens, writes a bearer token
// of each to that file, one a line; before it listens it makes one GET
// /users/me per user in process, as the users' first requests would, so
// that the load measures users already active.
//
// It prints TOKEN=<the first user's bearer token> once it is listening.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	_ "net/http/pprof" // only served with -pprof, on its own address
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	kind := flag.String("store", "memory", "user store: memory, sqlite, sqlite-uncached or sqlstore (see the package documentation)")
	users := flag.Int("users", 1, "number of users to create")
	tokens := flag.String("tokens", "", "if set, write a bearer token of every user to this file, one a line")
	pprofAddr := flag.String("pprof", "", "if set, serve net/http/pprof on this address (e.g. 127.0.0.1:6060) to profile under load")
	flag.Parse()
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, nil)) }()
	}
	if *users < 1 {
		log.Fatal("-users must be at least 1")
	}
	if err := run(*addr, *kind, *users, *tokens); err != nil {
		log.Fatal(err)
	}
}

func openStore(ctx context.Context, kind string) (user.Store[*user.User], func(), error) {
	switch kind {
	case "memory":
		return memory.New[*user.User](), func() {}, nil
	case "sqlite", "sqlite-uncached", "sqlstore":
		dir, err := os.MkdirTemp("", "usersauth-load")
		if err != nil {
			return nil, nil, err
		}
		file := filepath.Join(dir, "users.db")
		var db *sqlstore.DB
		switch kind {
		case "sqlite":
			db, err = sqlite.Open(ctx, file)
		case "sqlite-uncached":
			db, err = sqlite.OpenWith(ctx, file, sqlite.Options{CacheSize: -1})
		default:
			db, err = sqlstore.Open(ctx, "sqlite", file)
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return db.Users(), func() { db.Close(); os.RemoveAll(dir) }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q", kind)
}

// email is the address of user i: all of one length, so that every
// user's GET /users/me answer is as long as the bare handler's.
func email(i int) string { return fmt.Sprintf("knight.%06d@camelot.bt", i) }

func run(addr, kind string, users int, tokensFile string) error {
	ctx := context.Background()
	secret := []byte("load-test-secret-not-for-production-use")
	store, closeStore, err := openStore(ctx, kind)
	if err != nil {
		return err
	}
	defer closeStore()
	jwt := backend.JWT(secret, time.Hour)
	ua, err := usersauth.New(usersauth.Options[*user.User]{
		Store:    store,
		Secret:   secret,
		Backends: []backend.Backend{{Name: "jwt", Transport: backend.Bearer("auth/jwt/login"), Strategy: jwt}},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return err
	}
	tokens, err := createUsers(ctx, ua, store, jwt, users)
	if err != nil {
		return err
	}
	if tokensFile != "" {
		if err := writeLines(tokensFile, tokens); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	ua.Mount(mux)

	// The bare handler writes exactly what GET /users/me answers.
	var body []byte
	for i, token := range tokens {
		probe := httptest.NewRequest("GET", "/users/me", nil)
		probe.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, probe)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET /users/me: %d %s", rec.Code, rec.Body)
		}
		if i == 0 {
			body = rec.Body.Bytes()
		}
	}
	mux.HandleFunc("GET /bare", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "TOKEN=%s\n", tokens[0])
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// createUsers creates n users and returns a token of each. The first is
// registered through the Manager; the others share its password hash, as
// hashing n passwords would take minutes and the load never logs in.
func createUsers(ctx context.Context, ua *usersauth.UsersAuth[*user.User], store user.Store[*user.User], jwt *backend.JWTStrategy, n int) ([]string, error) {
	first, err := ua.Manager().Register(ctx, &user.User{Base: user.Base{Email: email(0)}}, "guinevere")
	if err != nil {
		return nil, err
	}
	tokens := make([]string, 0, n)
	for i := range n {
		u := first
		if i > 0 {
			u = &user.User{Base: user.Base{ID: uuid.New(), Email: email(i), HashedPassword: first.HashedPassword, IsActive: true}}
			if err := store.Create(ctx, u); err != nil {
				return nil, err
			}
		}
		token, err := jwt.WriteToken(ctx, &u.Base)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, token)
	}
	return tokens, nil
}

func writeLines(name string, lines []string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
