/**
 * The Lua scripts that make each step of the queue atomic in Redis. A script runs without any
 * other command in between, so "check the room, then add" or "acknowledge, then delete" never
 * races with another process.
 *
 * Layout of one queue named `q` (the braces keep every key in one Redis Cluster slot):
 * - `baton:{q}:items`: the stream. An entry stays in it from `put` until it is acknowledged
 *   (`XACK` + `XDEL` together), so `XLEN` counts the items put and not yet done: what `capacity`
 *   bounds and what `join()` waits to reach 0.
 * - consumer group `baton` on that stream: its pending-entries list (PEL) holds, per consumer,
 *   the items delivered and not acknowledged, with their idle time and delivery count.
 * - `baton:{q}:state`: a hash: `capacity`, `closed` (`drain` or `immediate`), counters.
 * - `baton:{q}:dead`: the dead-letter stream.
 *
 * @module
 */

/** The consumer group's name. */
export const GROUP = 'baton';

/** The Redis keys of the queue named `name`. */
export function keysOf(name: string): { items: string; state: string; dead: string } {
  const base = `baton:{${name}}`;
  return { items: `${base}:items`, state: `${base}:state`, dead: `${base}:dead` };
}

/**
 * Creates the group (if missing) and settles the capacity: the first open records it, later
 * opens read it. KEYS: items, state. ARGV: group, capacity or '', default capacity.
 * Returns `{capacity, closed}`.
 */
export const OPEN = `
local ok = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(ok) == 'table' and ok.err and not string.find(ok.err, 'BUSYGROUP') then
  return redis.error_reply(ok.err)
end
local cap = redis.call('HGET', KEYS[2], 'capacity')
if not cap then
  if ARGV[2] ~= '' then cap = ARGV[2] else cap = ARGV[3] end
  redis.call('HSET', KEYS[2], 'capacity', cap)
end
return {cap, redis.call('HGET', KEYS[2], 'closed') or ''}
`;

/**
 * Adds one item if the queue is open and holds fewer than `capacity` unacknowledged items.
 * KEYS: items, state. ARGV: capacity, payload.
 * Returns `{1, length, id}` when added, `{0, length}` when full, `{-1, length}` when closed.
 */
export const PUT = `
local len = redis.call('XLEN', KEYS[1])
if redis.call('HEXISTS', KEYS[2], 'closed') == 1 then return {-1, len} end
if len >= tonumber(ARGV[1]) then return {0, len} end
local id = redis.call('XADD', KEYS[1], '*', 'v', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'put', 1)
return {1, len + 1, id}
`;

/**
 * Acknowledges one delivered item and deletes it from the stream (so XLEN drops).
 * KEYS: items, state. ARGV: group, id.
 * Returns `{acknowledged (1 or 0), length, closed}`: 0 when the item was already acknowledged
 * (by another consumer that had reclaimed it).
 */
export const ACK = `
local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if n == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('HINCRBY', KEYS[2], 'acked', 1)
end
return {n, redis.call('XLEN', KEYS[1]), redis.call('HGET', KEYS[2], 'closed') or ''}
`;

/**
 * Takes over items that stayed unacknowledged longer than min-idle (their consumer died or is
 * stuck), for this consumer. An item whose delivery count (raised by the claim) passes
 * max-deliveries is moved to the dead-letter stream instead of being delivered again.
 * KEYS: items, dead, state. ARGV: group, consumer, min-idle ms, count, max-deliveries.
 * Returns a list of `{id, payload, deliveries}`.
 */
export const RECLAIM = `
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
local out = {}
for _, entry in ipairs(claimed[2]) do
  if type(entry) == 'table' and type(entry[2]) == 'table' then
    local id = entry[1]
    local payload = entry[2][2]
    local info = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
    local deliveries = 1
    if info[1] then deliveries = info[1][4] end
    if deliveries > tonumber(ARGV[5]) then
      redis.call('XADD', KEYS[2], '*', 'v', payload, 'source', id, 'deliveries', deliveries - 1,
        'reason', 'max-deliveries')
      redis.call('XACK', KEYS[1], ARGV[1], id)
      redis.call('XDEL', KEYS[1], id)
      redis.call('HINCRBY', KEYS[3], 'dead', 1)
    else
      table.insert(out, {id, payload, deliveries})
    end
  end
end
return out
`;

/**
 * Moves one delivered item to the dead-letter stream (it could not be decoded).
 * KEYS: items, dead, state. ARGV: group, id, payload, deliveries, reason.
 */
export const BURY = `
redis.call('XADD', KEYS[2], '*', 'v', ARGV[3], 'source', ARGV[2], 'deliveries', ARGV[4],
  'reason', ARGV[5])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'dead', 1)
return 1
`;

/**
 * Closes the queue for every process. `drain` lets consumers take what is left; `immediate`
 * also drops every item still in the stream (its PEL entries are acknowledged so nothing is
 * reclaimed). Never turns `immediate` back into `drain`.
 * KEYS: items, state. ARGV: group, mode. Returns the mode now in force.
 */
export const CLOSE = `
if ARGV[2] == 'immediate' then
  redis.call('HSET', KEYS[2], 'closed', 'immediate')
  local len = redis.call('XLEN', KEYS[1])
  if len > 0 then
    local entries = redis.call('XRANGE', KEYS[1], '-', '+')
    for _, entry in ipairs(entries) do
      redis.call('XACK', KEYS[1], ARGV[1], entry[1])
      redis.call('XDEL', KEYS[1], entry[1])
    end
    redis.call('HINCRBY', KEYS[2], 'dropped', len)
  end
elseif redis.call('HEXISTS', KEYS[2], 'closed') == 0 then
  redis.call('HSET', KEYS[2], 'closed', 'drain')
end
return redis.call('HGET', KEYS[2], 'closed')
`;

/**
 * The queue's state in one round trip. KEYS: items, state, dead. ARGV: group.
 * Returns `{length, pending, closed, put, acked, dead, dropped, capacity}`.
 */
export const STATE = `
local pending = 0
local ok, summary = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if ok and summary then pending = summary[1] end
local h = redis.call('HMGET', KEYS[2], 'closed', 'put', 'acked', 'dead', 'dropped', 'capacity')
return {redis.call('XLEN', KEYS[1]), pending, h[1] or '', tonumber(h[2] or '0'),
  tonumber(h[3] or '0'), tonumber(h[4] or '0'), tonumber(h[5] or '0'), tonumber(h[6] or '0')}
`;

/**
 * Resets the idle time of an item this consumer still holds, so that it is not reclaimed while
 * a slow handler works on it. Does nothing (returns 0) when another consumer owns it now.
 * KEYS: items. ARGV: group, consumer, id.
 */
export const TOUCH = `
local info = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not info[1] or info[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
`;
