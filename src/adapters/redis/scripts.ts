/**
 * Lua scripts of the Redis cache. Each runs atomically on the server.
 * `FENCED_SET` touches several keys, so it is used on a single node only; the
 * others touch one key each and work on a Cluster too.
 */

/** Tag sets above this size drop a few members whose entries expired, on every add. */
export const PRUNE_ABOVE = 128;
export const PRUNE_SAMPLE = 8;

/**
 * KEYS: entry, fence version keys (n of them), tag set keys.
 * ARGV: value, ttlMs, n, expected versions (n of them).
 * Stores the entry and files it under its tags only if every fence version is
 * unchanged ('' = never bumped). Returns 1 when stored, 0 when refused.
 *
 * A tag that is never invalidated (domain:lake) would otherwise keep the keys of
 * every expired entry: large sets shed a sample of dead members on each add, so
 * they stay close to their live size. (The sampled keys are not declared: single
 * node only, like the rest of this script.)
 */
export const FENCED_SET = `
local n = tonumber(ARGV[3])
for i = 1, n do
  local current = redis.call('GET', KEYS[1 + i]) or ''
  if current ~= ARGV[3 + i] then return 0 end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2 + n, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
  if redis.call('SCARD', KEYS[i]) > ${PRUNE_ABOVE} then
    for _, member in ipairs(redis.call('SRANDMEMBER', KEYS[i], ${PRUNE_SAMPLE})) do
      if redis.call('EXISTS', member) == 0 then redis.call('SREM', KEYS[i], member) end
    end
  end
end
return 1
`;

/**
 * KEYS: tag set. ARGV: entry key, ttlMs. Files the entry and keeps the set alive as
 * long as it. Returns the size of the set.
 */
export const TAG_ADD = `
local ttl = tonumber(ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return redis.call('SCARD', KEYS[1])
`;

/** KEYS: lock. ARGV: token. Deletes the lock only if this token still holds it. */
export const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** KEYS: lock. ARGV: token, ttlMs. Extends the lock only if this token still holds it. */
export const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
