// Command loadserver serves, side by side in one process, an authenticated
// GET /users/me through usersauth (over the memory store, or a SQLite file
// read on every request with -store sqlite or -store sqlstore) and GET /bare, a bare net/http handler
// writing the same JSON bytes, so that a load generator can compare the two
// under identical conditions. scripts/load.sh drives it with wrk.
//
// It prints one line, TOKEN=<bearer token>, once it is listening.
package main

import (
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

	"github.com/usersauth/usersauth"
	"github.com/usersauth/usersauth/backend"
	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/sqlite"
	"github.com/usersauth/usersauth/store/sqlstore"
	"github.com/usersauth/usersauth/user"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "address to listen on")
	kind := flag.String("store", "memory", "user store: memory; sqlite (a file in a temporary directory, read on every request through package store/sqlite); or sqlstore (the same, read through database/sql)")
	pprofAddr := flag.String("pprof", "", "if set, serve net/http/pprof on this address (e.g. 127.0.0.1:6060) to profile under load")
	flag.Parse()
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, nil)) }()
	}
	if err := run(*addr, *kind); err != nil {
		log.Fatal(err)
	}
}

func openStore(ctx context.Context, kind string) (user.Store[*user.User], func(), error) {
	switch kind {
	case "memory":
		return memory.New[*user.User](), func() {}, nil
	case "sqlite", "sqlstore":
		dir, err := os.MkdirTemp("", "usersauth-load")
		if err != nil {
			return nil, nil, err
		}
		file := filepath.Join(dir, "users.db")
		var db *sqlstore.DB
		if kind == "sqlite" {
			db, err = sqlite.Open(ctx, file)
		} else {
			db, err = sqlstore.Open(ctx, "sqlite", file)
		}
		if err != nil {
			return nil, nil, err
		}
		return db.Users(), func() { db.Close(); os.RemoveAll(dir) }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q", kind)
}

func run(addr, kind string) error {
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
	u, err := ua.Manager().Register(ctx, &user.User{Base: user.Base{Email: "king.arthur@camelot.bt"}}, "guinevere")
	if err != nil {
		return err
	}
	token, err := jwt.WriteToken(ctx, &u.Base)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	ua.Mount(mux)

	// The bare handler writes exactly what GET /users/me answers.
	probe := httptest.NewRequest("GET", "/users/me", nil)
	probe.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, probe)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("GET /users/me: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.Bytes()
	mux.HandleFunc("GET /bare", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "TOKEN=%s\n", token)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
