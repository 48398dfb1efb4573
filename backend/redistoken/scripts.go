package redistoken

// The Lua scripts run atomically on the server (EVALSHA, loaded on first
// use): no other command sees a token without its index entry, or an index
// half revoked.

// writeScript stores a new token and indexes it under its user. It returns 0,
// writing nothing, if the token's key exists.
//
// KEYS[1] the token's key, KEYS[2] the user's index.
// ARGV[1] the value, ARGV[2] the time to live in seconds, ARGV[3] the digest,
// ARGV[4] the token's expiry and ARGV[5] now, both Unix milliseconds.
const writeScript = `
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then
	return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
if redis.call('TTL', KEYS[2]) < tonumber(ARGV[2]) then
	redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return 1
`

// revokeScript deletes every token in a user's index, then the index, and
// returns how many entries the index had. The token keys are named by the
// index, so they cannot be declared in KEYS: this is why the strategy needs
// all its keys on one server.
//
// KEYS[1] the user's index. ARGV[1] the key prefix.
const revokeScript = `
local digests = redis.call('ZRANGE', KEYS[1], 0, -1)
local batch = 512
for i = 1, #digests, batch do
	local keys = {}
	for j = i, math.min(i + batch - 1, #digests) do
		keys[#keys + 1] = ARGV[1] .. digests[j]
	end
	redis.call('DEL', unpack(keys))
end
redis.call('DEL', KEYS[1])
return #digests
`

// revokeExceptScript deletes every token in a user's index but one, and
// their index entries, and returns how many it deleted.
//
// KEYS[1] the user's index. ARGV[1] the key prefix, ARGV[2] the digest to
// keep.
const revokeExceptScript = `
local digests = redis.call('ZRANGE', KEYS[1], 0, -1)
local batch = 512
local n = 0
local keys, members = {}, {}
for i = 1, #digests do
	if digests[i] ~= ARGV[2] then
		keys[#keys + 1] = ARGV[1] .. digests[i]
		members[#members + 1] = digests[i]
	end
	if #keys == batch or (i == #digests and #keys > 0) then
		redis.call('DEL', unpack(keys))
		redis.call('ZREM', KEYS[1], unpack(members))
		n = n + #keys
		keys, members = {}, {}
	end
end
return n
`
