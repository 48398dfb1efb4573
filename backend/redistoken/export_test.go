package redistoken

// SetPurgeBatch sets how many tokens one purge script run takes, so that a
// test can make a purge span several runs.
func SetPurgeBatch(s *RefreshStore, n int) { s.purgeBatch = n }
