package redisthrottle

// gcraScript is GCRA for one key, run atomically on the server (EVALSHA,
// loaded on first use): no other command sees the key between the read of
// its TAT and the write of the next one. TATs are Unix microseconds, which
// Lua's numbers (doubles) hold exactly until 2255, written with %d since
// Lua's own conversion would round them.
//
// KEYS[1] the key. ARGV[1] the operation: "take", "peek" or "refund";
// ARGV[2] the interval and ARGV[3] the limit, in microseconds and events;
// ARGV[4] now in Unix microseconds, or "" for the server's TIME.
//
// It returns {allowed (0 or 1), retry after, remaining, reset after}, the
// durations in microseconds; a refund returns {1, 0, 0, 0}. A key is stored
// with a time to live ending when its bucket is full again (two seconds at
// least, so that a caller's clock that runs apart from the server's, as a
// test's does, never sees a key expire under it), and deleted when a refund
// fills it.
const gcraScript = `
if redis.replicate_commands then
	redis.replicate_commands() -- TIME then a write: Redis before 5 must replicate effects
end
local now = tonumber(ARGV[4])
if not now then
	local t = redis.call('TIME')
	now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = tonumber(ARGV[2])
local burst = interval * tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then
	tat = now
end
local function store(t)
	-- Two seconds at least: a clock the caller gives (tests) runs apart
	-- from the server's, which expires the key.
	redis.call('SET', KEYS[1], string.format('%d', t), 'PX', string.format('%d', math.max(math.ceil((t - now) / 1000), 2000)))
end
if ARGV[1] == 'refund' then
	if tat - interval <= now then
		redis.call('DEL', KEYS[1])
	else
		store(tat - interval)
	end
	return {1, 0, 0, 0}
end
local nxt = tat + interval
if nxt - now > burst then
	return {0, nxt - now - burst, 0, tat - now}
end
if ARGV[1] == 'take' then
	store(nxt)
end
return {1, 0, math.floor((burst - (nxt - now)) / interval), nxt - now}
`
