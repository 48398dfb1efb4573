package redistoken

// The refresh store's Lua scripts, atomic on the server like the strategy's.
// A token is the hash KeyPrefix+"refresh:"+digest with fields f (family id),
// u (user id), c, fc, e (created, family created, expires: Unix
// microseconds), used ("0" or "1"), and its family's origin: b (backend),
// ip, ua (absent from tokens stored before they were recorded). Each family has the set
// KeyPrefix+"refresh:family:"+id of its digests, each user the set
// KeyPrefix+"refresh:user:"+id of its families, and the sorted set
// KeyPrefix+"refresh:expiry" scores every digest by its expiry, for purges.
// Keys named by a set cannot be declared in KEYS: as for the strategy, every
// key must live on one server.

// storeRefresh is the part of the create and rotate scripts that writes a
// new token and indexes it. KEYS[a] the token, KEYS[a+1] its family,
// KEYS[a+2] its user, KEYS[a+3] the expiry index; ARGV[1] digest, ARGV[2]
// family, ARGV[3] user, ARGV[4] created, ARGV[5] family created, ARGV[6]
// expires, ARGV[7] the time to live in milliseconds, ARGV[8..10] the
// origin's backend, address and user agent.
const storeRefresh = `
local function store(a)
	redis.call('HSET', KEYS[a], 'f', ARGV[2], 'u', ARGV[3], 'c', ARGV[4], 'fc', ARGV[5], 'e', ARGV[6], 'used', '0',
		'b', ARGV[8], 'ip', ARGV[9], 'ua', ARGV[10])
	redis.call('PEXPIRE', KEYS[a], ARGV[7])
	redis.call('SADD', KEYS[a+1], ARGV[1])
	redis.call('SADD', KEYS[a+2], ARGV[2])
	for k = a+1, a+2 do
		if redis.call('PTTL', KEYS[k]) < tonumber(ARGV[7]) then
			redis.call('PEXPIRE', KEYS[k], ARGV[7])
		end
	end
	redis.call('ZADD', KEYS[a+3], ARGV[6], ARGV[1])
end
`

// createRefreshScript stores a family's first token; 0 if the digest is
// taken (nothing written), 1 otherwise. KEYS[1..4] as storeRefresh's.
const createRefreshScript = storeRefresh + `
if redis.call('EXISTS', KEYS[1]) == 1 then
	return 0
end
store(1)
return 1
`

// rotateRefreshScript marks KEYS[1] used and stores its successor: 0 if
// KEYS[1] does not exist, 2 if it is used, 3 if the successor's digest is
// taken (nothing written then), 1 on success. KEYS[2..5] as storeRefresh's.
const rotateRefreshScript = storeRefresh + `
local used = redis.call('HGET', KEYS[1], 'used')
if not used then
	return 0
end
if used == '1' then
	return 2
end
if redis.call('EXISTS', KEYS[2]) == 1 then
	return 3
end
redis.call('HSET', KEYS[1], 'used', '1')
store(2)
return 1
`

// dropFamily deletes a family's tokens and set and returns how many tokens
// were still there. ARGV[1] is the key prefix, KEYS[exp] the expiry index.
const dropFamily = `
local function dropFamily(famKey, exp)
	local digests = redis.call('SMEMBERS', famKey)
	local n = 0
	local batch = 512
	for i = 1, #digests, batch do
		local keys, members = {}, {}
		for j = i, math.min(i + batch - 1, #digests) do
			keys[#keys + 1] = ARGV[1] .. 'refresh:' .. digests[j]
			members[#members + 1] = digests[j]
		end
		n = n + redis.call('DEL', unpack(keys))
		redis.call('ZREM', KEYS[exp], unpack(members))
	end
	redis.call('DEL', famKey)
	return n
end
`

// revokeFamilyScript deletes a family. KEYS[1] the family, KEYS[2] the
// expiry index; ARGV[1] the key prefix. The user's set keeps the family's
// id until it expires; it names nothing.
const revokeFamilyScript = dropFamily + `
return dropFamily(KEYS[1], 2)
`

// revokeUserRefreshScript deletes every family of a user, then the user's
// set. KEYS[1] the user, KEYS[2] the expiry index; ARGV[1] the key prefix.
const revokeUserRefreshScript = dropFamily + `
local n = 0
for _, fam in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	n = n + dropFamily(ARGV[1] .. 'refresh:family:' .. fam, 2)
end
redis.call('DEL', KEYS[1])
return n
`

// purgeRefreshScript deletes up to ARGV[3] tokens expiring strictly before
// ARGV[2] (Unix microseconds) and returns {tokens deleted, index entries
// visited}. KEYS[1] the expiry index; ARGV[1] the key prefix.
const purgeRefreshScript = `
local digests = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, d in ipairs(digests) do
	local key = ARGV[1] .. 'refresh:' .. d
	local fam = redis.call('HGET', key, 'f')
	n = n + redis.call('DEL', key)
	if fam then
		redis.call('SREM', ARGV[1] .. 'refresh:family:' .. fam, d)
	end
end
if #digests > 0 then
	redis.call('ZREM', KEYS[1], unpack(digests))
end
return {n, #digests}
`

// listUserRefreshScript returns the tokens of a user's families: for each,
// its digest followed by its hash's fields and values, as HGETALL gives
// them. Families whose set is gone (revoked or expired) leave the user's
// set on the way. KEYS[1] the user; ARGV[1] the key prefix.
const listUserRefreshScript = `
local out = {}
for _, fam in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	local famKey = ARGV[1] .. 'refresh:family:' .. fam
	local digests = redis.call('SMEMBERS', famKey)
	if #digests == 0 then
		redis.call('SREM', KEYS[1], fam)
	end
	for _, d in ipairs(digests) do
		local h = redis.call('HGETALL', ARGV[1] .. 'refresh:' .. d)
		if #h > 0 then
			out[#out + 1] = {d, h}
		end
	end
end
return out
`

// revokeUserExceptRefreshScript deletes every family of a user but one and
// takes them out of the user's set. KEYS[1] the user, KEYS[2] the expiry
// index; ARGV[1] the key prefix, ARGV[2] the family to keep.
const revokeUserExceptRefreshScript = dropFamily + `
local n = 0
for _, fam in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	if fam ~= ARGV[2] then
		n = n + dropFamily(ARGV[1] .. 'refresh:family:' .. fam, 2)
		redis.call('SREM', KEYS[1], fam)
	end
end
return n
`
