package memory_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/usersauth/usersauth/store/memory"
	"github.com/usersauth/usersauth/store/storetest"
	"github.com/usersauth/usersauth/user"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Users:   func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() },
		Members: func(*testing.T) user.Store[*storetest.Member] { return memory.New[*storetest.Member]() },
	})
}

func TestUpdateRefusesIDChange(t *testing.T) {
	s := memory.New[*user.User]()
	id := uuid.New()
	if err := s.Create(t.Context(), &user.User{Base: user.Base{ID: id, Email: "king.arthur@camelot.bt"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Update(t.Context(), id, func(u *user.User) error {
		u.ID = uuid.New()
		u.IsSuperuser = true
		return nil
	})
	if !errors.Is(err, memory.ErrIDChanged) {
		t.Fatalf("Update changing the id returned %v, want %v", err, memory.ErrIDChanged)
	}
	u, err := s.Get(t.Context(), id)
	if err != nil || u.IsSuperuser {
		t.Fatalf("Get after a refused Update = %+v, %v; want the user unchanged", u, err)
	}
}

func TestGetByEmailIgnoresNilID(t *testing.T) {
	s := memory.New[*user.User]()
	if err := s.Create(t.Context(), &user.User{Base: user.Base{ID: uuid.Nil, Email: "nil@camelot.bt"}}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.GetByEmail(t.Context(), "someone.else@camelot.bt"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("GetByEmail of an unknown address = %+v, %v; want %v", u, err, user.ErrNotFound)
	}
}

func TestGetAllocatesOnlyTheCopy(t *testing.T) {
	s := memory.New[*storetest.Member]()
	id := uuid.New()
	if err := s.Create(t.Context(), &storetest.Member{Base: user.Base{ID: id, Email: "king.arthur@camelot.bt"}, Tags: []string{"king"}}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := s.Get(ctx, id); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 1 {
		t.Fatalf("Get made %v allocations, want 1 (the copy)", allocs)
	}
}

func BenchmarkGet(b *testing.B) {
	s := memory.New[*user.User]()
	ids := make([]uuid.UUID, 1000)
	for i := range ids {
		ids[i] = uuid.New()
		u := &user.User{Base: user.Base{ID: ids[i], Email: ids[i].String() + "@camelot.bt", IsActive: true}}
		if err := s.Create(b.Context(), u); err != nil {
			b.Fatal(err)
		}
	}
	ctx := b.Context()
	b.Run("Serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := s.Get(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Get(ctx, ids[i%len(ids)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

func TestListerConformance(t *testing.T) {
	storetest.RunLister(t, func(*testing.T) user.Store[*user.User] { return memory.New[*user.User]() })
}
