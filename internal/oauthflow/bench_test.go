package oauthflow

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func BenchmarkRedirectTarget(b *testing.B) {
	origins, err := ParseOrigins([]string{frontend, "http://localhost:5173"})
	if err != nil {
		b.Fatal(err)
	}
	raw := "HTTPS://app.camelot.bt:443/signed-in?next=%2Fbooks"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := origins.Target(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryStatesUse: recording a used state in a full record, which
// evicts one entry each time.
func BenchmarkMemoryStatesUse(b *testing.B) {
	m := NewMemoryStates(time.Now, DefaultMaxStates)
	keys := make([]string, 2*DefaultMaxStates)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i)
	}
	exp := time.Now().Add(time.Hour)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Use(ctx, keys[i%len(keys)], exp)
		i++
	}
}
