/**
 * The incident scripts (src/incidents/store.ts, `IncidentStore`): every change to an incident is
 * one script, so it is atomic — a crash or a concurrent request never leaves half an incident, and
 * the same alert posted 50 times at once opens exactly one incident. Keys are built by
 * src/redis/keys.ts and passed in (per-incident keys as templates with #ID#, since the id is only
 * known inside the script). Each change writes its timeline event in the same script (emit,
 * events.ts).
 */
import { EMIT_LUA } from './events.js';
import { defineScript } from './loader.js';

/**
 * One alert into the incidents: opens an incident, joins the open one of its incident key,
 * resolves or acknowledges it.
 * KEYS: 1 next-id counter, 2 open key of the alert's incident key, 3 alert index key,
 *       4 incidents zset, 5 escalation-due zset, 6 the event stream, 7 open-incidents zset
 * ARGV: 1 key templates (incident, alerts, alert-status, timeline; newline-separated, #ID# for the id)
 *       2 alert id, 3 alert JSON, 4 kind (firing | resolved | acknowledge | renotify),
 *       5 now ISO, 6 now ms, 7 auto-resolve (1|0), 8 alert index TTL ms, 9 actor,
 *       10 the timeline event's JSON after its type: `"at":...,"actor":...}`,
 *       11 JSON array of field/value pairs of a new incident, 12 retention ms (a resolved
 *       incident's keys expire after it)
 * Returns {id (0: no incident), new (1|0), state ('' when there is no incident), changed (1|0)}.
 * Guarantees: atomic with its events (each change and its timeline event, to the timeline and
 * the stream, together); one open incident per incident key; idempotent per alert and status (a
 * repeated firing or resolved notification changes nothing and records no event).
 */
export const INGEST = defineScript<
  readonly [
    nextId: string,
    openKey: string,
    alertIndex: string,
    incidents: string,
    escalationDue: string,
    events: string,
    openIncidents: string,
  ],
  readonly [
    templates: string,
    alertId: string,
    alertJson: string,
    kind: 'firing' | 'resolved' | 'acknowledge' | 'renotify',
    nowIso: string,
    nowMs: number,
    autoResolve: '1' | '0',
    alertTtlMs: number,
    actor: string,
    eventTail: string,
    fields: string,
    retentionMs: number,
  ],
  [id: number, isNew: 0 | 1, state: string, changed: 0 | 1]
>({
  name: 'harkIngest',
  keys: 7,
  lua: `${EMIT_LUA}
local t = {}
for s in string.gmatch(ARGV[1], '[^\\n]+') do t[#t + 1] = s end
local function k(i, id) return (string.gsub(t[i], '#ID#', tostring(id))) end
local alertId, alertJson, kind, nowIso, nowMs, auto, ttl, actor =
  ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local function ev(type) return '{"type":"' .. type .. '",' .. ARGV[10] end

if kind == 'firing' then
  local id = redis.call('GET', KEYS[2])
  if id then
    local prev = redis.call('HGET', k(3, id), alertId)
    redis.call('HSET', k(2, id), alertId, alertJson)
    redis.call('HSET', k(3, id), alertId, 'firing')
    if not prev then redis.call('HINCRBY', k(1, id), 'alertCount', 1) end
    if prev ~= 'firing' then emit(k(4, id), KEYS[6], id, ev('alert.firing')) end
    redis.call('SET', KEYS[3], id, 'PX', ttl)
    return {tonumber(id), 0, redis.call('HGET', k(1, id), 'state'), prev ~= 'firing' and 1 or 0}
  end
  id = redis.call('INCR', KEYS[1])
  local fields = cjson.decode(ARGV[11])
  redis.call('HSET', k(1, id), 'id', id, 'state', 'triggered', 'createdAt', nowIso, 'alertCount', 1,
    'openKey', KEYS[2], unpack(fields))
  redis.call('HSET', k(2, id), alertId, alertJson)
  redis.call('HSET', k(3, id), alertId, 'firing')
  emit(k(4, id), KEYS[6], id, ev('incident.opened'))
  redis.call('SET', KEYS[2], id)
  redis.call('SET', KEYS[3], id, 'PX', ttl)
  redis.call('ZADD', KEYS[4], id, id)
  redis.call('ZADD', KEYS[7], id, id)
  redis.call('ZADD', KEYS[5], nowMs, id)
  return {id, 1, 'triggered', 1}
end

local id = redis.call('GET', KEYS[3])
if not id then return {0, 0, '', 0} end
local state = redis.call('HGET', k(1, id), 'state')
local open = state == 'triggered' or state == 'acknowledged'
if not open then return {tonumber(id), 0, state or '', 0} end

if kind == 'renotify' then
  emit(k(4, id), KEYS[6], id, ev('alert.renotified'))
  return {tonumber(id), 0, state, 0}
end

if kind == 'acknowledge' then
  if state ~= 'triggered' then return {tonumber(id), 0, state, 0} end
  redis.call('HSET', k(1, id), 'state', 'acknowledged', 'acknowledgedAt', nowIso, 'acknowledgedBy', actor)
  redis.call('ZREM', KEYS[5], id)
  emit(k(4, id), KEYS[6], id, ev('incident.acknowledged'))
  return {tonumber(id), 0, 'acknowledged', 1}
end

-- resolved
local changed = 0
if redis.call('HGET', k(3, id), alertId) == 'firing' then
  redis.call('HSET', k(3, id), alertId, 'resolved')
  redis.call('HSET', k(2, id), alertId, alertJson)
  emit(k(4, id), KEYS[6], id, ev('alert.resolved'))
  changed = 1
end
if auto == '1' then
  for _, s in ipairs(redis.call('HVALS', k(3, id))) do
    if s == 'firing' then return {tonumber(id), 0, state, changed} end
  end
  redis.call('HSET', k(1, id), 'state', 'resolved', 'resolvedAt', nowIso, 'resolvedBy', actor)
  redis.call('DEL', redis.call('HGET', k(1, id), 'openKey'))
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[7], id)
  emit(k(4, id), KEYS[6], id, '{"type":"incident.resolved","reason":"all alerts resolved",' .. ARGV[10])
  for i = 1, 4 do redis.call('PEXPIRE', k(i, id), ARGV[12]) end
  return {tonumber(id), 0, 'resolved', 1}
end
return {tonumber(id), 0, state, changed}
`,
});

/** What a person (or token, or Hark itself) does to an incident with ACT. */
export type IncidentAction = 'acknowledge' | 'unacknowledge' | 'ack-timeout' | 'resolve' | 'note' | 'role';

/**
 * A person's (or token's) action on an incident.
 * KEYS: 1 incident hash, 2 timeline, 3 escalation-due zset, 4 alerts hash, 5 alert-status hash,
 *       6 the event stream, 7 open-incidents zset
 * ARGV: 1 action (acknowledge | unacknowledge | ack-timeout | resolve | note | role), 2 now ISO,
 *       3 now ms, 4 actor, 5 event JSON, 6 person (acknowledge: commander if none; role: holder;
 *       ack-timeout: the acknowledgedAt it was set for), 7 role name, 8 retention ms (resolve:
 *       the incident's keys expire after it; writes afterwards keep that expiry)
 * Returns {outcome, state, by}: outcome is ok, missing, or the state that refused the action;
 * state is the incident's after it; by is who acknowledged or resolved it (this actor when ok).
 * Guarantees: atomic with its event (the change and its timeline event, to the timeline and the
 * stream, together; a refused action writes nothing); a repeated acknowledge or resolve is
 * refused with the state, so it is recorded once.
 */
export const ACT = defineScript<
  readonly [
    incident: string,
    timeline: string,
    escalationDue: string,
    alerts: string,
    alertStatus: string,
    events: string,
    openIncidents: string,
  ],
  readonly [
    action: IncidentAction,
    nowIso: string,
    nowMs: number,
    actor: string,
    event: string,
    person: string,
    role: string,
    retentionMs: number,
  ],
  [outcome: string, state: string, by: string]
>({
  name: 'harkAct',
  keys: 7,
  lua: `${EMIT_LUA}
local action, nowIso, nowMs, actor, event = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', '', ''} end
local id = redis.call('HGET', KEYS[1], 'id')
if action == 'acknowledge' then
  if state ~= 'triggered' then
    return {state, state, redis.call('HGET', KEYS[1], state == 'resolved' and 'resolvedBy' or 'acknowledgedBy') or ''}
  end
  redis.call('HSET', KEYS[1], 'state', 'acknowledged', 'acknowledgedAt', nowIso, 'acknowledgedBy', actor)
  if ARGV[6] ~= '' and not redis.call('HGET', KEYS[1], 'role:commander') then
    redis.call('HSET', KEYS[1], 'role:commander', ARGV[6])
  end
  redis.call('ZREM', KEYS[3], id)
elseif action == 'unacknowledge' or action == 'ack-timeout' then
  if state ~= 'acknowledged' then return {state, state, ''} end
  -- An ack timeout only re-triggers the acknowledgement it was set for.
  if action == 'ack-timeout' and redis.call('HGET', KEYS[1], 'acknowledgedAt') ~= ARGV[6] then
    return {state, state, ''}
  end
  redis.call('HSET', KEYS[1], 'state', 'triggered', 'nextLoop', 0, 'nextStep', 0)
  redis.call('HINCRBY', KEYS[1], 'cycle', 1)
  redis.call('HDEL', KEYS[1], 'acknowledgedAt', 'acknowledgedBy')
  redis.call('ZADD', KEYS[3], nowMs, id)
elseif action == 'resolve' then
  if state == 'resolved' then return {state, state, redis.call('HGET', KEYS[1], 'resolvedBy') or ''} end
  redis.call('HSET', KEYS[1], 'state', 'resolved', 'resolvedAt', nowIso, 'resolvedBy', actor)
  redis.call('DEL', redis.call('HGET', KEYS[1], 'openKey'))
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[7], id)
elseif action == 'role' then
  redis.call('HSET', KEYS[1], 'role:' .. ARGV[7], ARGV[6])
end
emit(KEYS[2], KEYS[6], id, event)
if action == 'resolve' then
  for i = 1, 5 do if i ~= 3 then redis.call('PEXPIRE', KEYS[i], ARGV[8]) end end
end
return {'ok', redis.call('HGET', KEYS[1], 'state'), actor}
`,
});

/**
 * Builds the open-incidents index from the incidents zset, a slice at a time (incidents stored
 * before the index existed). Each incident's state is read and indexed in the same script, so a
 * concurrent resolve cannot leave a resolved incident in the index.
 * KEYS: 1 incidents zset, 2 open-incidents zset, 3 the "indexed" marker
 * ARGV: 1 the incident hash key template (#ID# for the id), 2 offset, 3 count
 * Returns the next offset, or -1 when the whole zset is indexed (then the marker is set).
 */
export const INDEX_OPEN = defineScript<
  readonly [incidents: string, openIncidents: string, indexed: string],
  readonly [incidentTemplate: string, offset: number, count: number],
  number
>({
  name: 'harkIndexOpen',
  keys: 3,
  lua: `
local offset, count = tonumber(ARGV[2]), tonumber(ARGV[3])
local ids = redis.call('ZRANGE', KEYS[1], offset, offset + count - 1)
for _, id in ipairs(ids) do
  local state = redis.call('HGET', (string.gsub(ARGV[1], '#ID#', id)), 'state')
  if state == 'triggered' or state == 'acknowledged' then redis.call('ZADD', KEYS[2], id, id) end
end
if #ids < count then
  redis.call('SET', KEYS[3], '1')
  return -1
end
return offset + count
`,
});
