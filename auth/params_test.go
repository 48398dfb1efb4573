package auth

import "testing"

func TestLimitsDefaults(t *testing.T) {
	fu := DefaultLimits()
	with := func(f func(*Limits)) Limits { l := fu; f(&l); return l }
	for _, tt := range []struct {
		name   string
		limits Limits
		params Argon2Params
		want   Limits
	}{
		{"OWASP params", Limits{}, DefaultArgon2Params(), fu},
		{"FastAPI Users' params", Limits{}, FastAPIUsersArgon2Params(), fu},
		{"costlier params grow the cost bounds",
			Limits{}, Argon2Params{Memory: 131072, Iterations: 20, Parallelism: 8, SaltLength: 16, KeyLength: 32},
			with(func(l *Limits) { l.MaxMemory, l.MaxIterations, l.MaxWork, l.MaxParallelism = 131072, 20, 131072*20, 8 })},
		{"more memory, FastAPI Users' passes", Limits{MaxMemory: 131072}, DefaultArgon2Params(),
			with(func(l *Limits) { l.MaxMemory, l.MaxWork = 131072, 3*131072 })},
		{"explicit fields are kept", Limits{MaxMemory: 1024, MaxIterations: 2, MaxWork: 100, MaxParallelism: 1, MaxSaltLength: 16, MaxKeyLength: 16, MaxBcryptCost: 10},
			DefaultArgon2Params(), Limits{MaxMemory: 1024, MaxIterations: 2, MaxWork: 100, MaxParallelism: 1, MaxSaltLength: 16, MaxKeyLength: 16, MaxBcryptCost: 10}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.limits.withDefaults(tt.params); got != tt.want {
				t.Errorf("withDefaults = %+v, want %+v", got, tt.want)
			}
		})
	}
	if fu.MaxMemory != 65536 || fu.MaxWork != 3*65536 || fu.MaxParallelism != 4 || fu.MaxBcryptCost != 12 {
		t.Errorf("DefaultLimits() = %+v, want FastAPI Users' m=65536, t=3, p=4, bcrypt 12", fu)
	}
	for _, p := range []Argon2Params{DefaultArgon2Params(), FastAPIUsersArgon2Params()} {
		if err := fu.admits(p); err != nil {
			t.Errorf("DefaultLimits() refuse %+v: %v", p, err)
		}
	}
}
