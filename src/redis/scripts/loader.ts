/**
 * The one way Hark runs a Lua script. A script is defined once, next to its contract
 * (`defineScript` in a module of this folder, listed in index.ts), and bound to a connection with
 * `script.on(redis)`, which answers a typed function `(keys, args) => Promise<reply>`.
 *
 * Binding uses ioredis's `defineCommand`: the script goes as EVALSHA, as EVAL the first time on a
 * socket, and again as EVAL after a NOSCRIPT (a Redis restart, a failover, SCRIPT FLUSH), so it
 * survives the server forgetting it. Binding the same script again on one connection is harmless
 * (it is registered once).
 *
 * `script.queue(pipeline, keys, args)` adds a call to a pipeline or MULTI as EVAL with the script's
 * text. Not EVALSHA: when a pipelined EVALSHA meets NOSCRIPT, ioredis sends the script again on
 * its own, after the rest of the pipeline, so a read queued after it would see the state before
 * it; in a MULTI the script fails with NOSCRIPT while the rest of the transaction commits. EVAL
 * costs the script's text per call (2 kB for ACT) but keeps the order and the transaction whatever
 * the server's script cache holds (after SCRIPT FLUSH, or a Redis that evicted EVAL-loaded scripts).
 *
 * The reply type `R` is the script's contract (its header says what it returns; Redis turns a Lua
 * number into an integer, a string into a string, a table into an array and false into null): the
 * loader does not check it at run time.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';

/** One ARGV value (Redis receives every one as a string). */
export type ScriptArg = string | number;

/** What every script is, whatever its types: the registry (index.ts) lists these. */
export interface ScriptInfo {
  /** The ioredis command name it is bound under (`hark…`), unique among Hark's scripts. */
  readonly name: string;
  /** How many of its arguments are KEYS. */
  readonly keys: number;
  readonly lua: string;
  /** SHA1 of `lua`, the name Redis knows it by (EVALSHA, SCRIPT LOAD). */
  readonly sha: string;
}

/**
 * A script with its KEYS (a tuple of as many strings as `keys`), its ARGV and its reply. Label the
 * tuples' elements (`[incident: string, timeline: string]`) so that a call reads as its contract.
 */
export interface Script<K extends readonly string[], A extends readonly ScriptArg[], R> extends ScriptInfo {
  /** Binds the script on the connection (once) and answers the call. */
  on(redis: Redis): (keys: K, args: A) => Promise<R>;
  /** Adds a call (as EVAL, see the top of the file) to a pipeline or MULTI of any connection. */
  queue(pipeline: ChainableCommander, keys: K, args: A): void;
}

/** A script's KEYS tuple (to build a script's keys in a helper of their own). */
export type KeysOf<S> = S extends { on(redis: Redis): (keys: infer K, args: never) => unknown } ? K : never;

type ScriptCommand = (...args: ScriptArg[]) => unknown;

const defined = new Map<string, ScriptInfo>();
/** Per connection, the scripts bound on it by name. */
const bound = new WeakMap<Redis, Map<string, ScriptInfo>>();

const NAME_RE = /^hark[A-Z][A-Za-z0-9]*$/;

/** The command ioredis defined on a connection, if it has one of that name. */
function commandOf(redis: Redis, name: string): ScriptCommand | undefined {
  const fn = (redis as unknown as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as ScriptCommand) : undefined;
}

function register(redis: Redis, script: ScriptInfo): ScriptCommand {
  let mine = bound.get(redis);
  if (!mine) {
    mine = new Map();
    bound.set(redis, mine);
  }
  const had = mine.get(script.name);
  if (had !== undefined && had !== script) {
    throw new Error(`another script is bound as "${script.name}" on this connection`);
  }
  if (had === undefined) {
    if (script.name in redis) {
      throw new Error(`script name "${script.name}" is taken on the connection (a command or method)`);
    }
    redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
    mine.set(script.name, script);
  }
  const fn = commandOf(redis, script.name);
  if (!fn) throw new Error(`ioredis did not define the script "${script.name}"`);
  return fn;
}

function checkKeys(name: string, expected: number, keys: readonly string[]): void {
  if (keys.length !== expected) {
    throw new Error(`script ${name} takes ${expected} keys, was given ${keys.length}`);
  }
}

/**
 * Defines a script: `keys` must be the length of the KEYS tuple. Names are unique (`hark` then a
 * capital: they become methods of the connection); defining one twice throws.
 */
export function defineScript<K extends readonly string[], A extends readonly ScriptArg[], R>(def: {
  readonly name: string;
  readonly keys: K['length'];
  readonly lua: string;
}): Script<K, A, R> {
  const { name, keys, lua } = def;
  if (!NAME_RE.test(name)) throw new Error(`script name "${name}" must be hark followed by a capital`);
  if (defined.has(name)) throw new Error(`two scripts are named "${name}"`);
  const sha = createHash('sha1').update(lua).digest('hex');
  const script: Script<K, A, R> = {
    name,
    keys,
    lua,
    sha,
    on(redis) {
      const fn = register(redis, script);
      return (k, a) => {
        checkKeys(name, keys, k);
        return fn.call(redis, ...k, ...a) as Promise<R>;
      };
    },
    queue(pipeline, k, a) {
      checkKeys(name, keys, k);
      pipeline.eval(lua, keys, ...k, ...a);
    },
  };
  defined.set(name, script);
  return script;
}
