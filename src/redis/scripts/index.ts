/**
 * Every Lua script of Hark, one module per concern, each with its contract (KEYS, ARGV, reply,
 * guarantees) above it; run through the loader (loader.ts). test/redis/scripts.test.ts loads each
 * one listed here into a real Redis and checks this list against the folder.
 */
import { CLAIM_ARCHIVES } from './chat.js';
import { ACT, INDEX_OPEN, INGEST } from './incidents.js';
import { TAKE_PAGE } from './limits.js';
import type { ScriptInfo } from './loader.js';
import { REMOVE_OVERRIDE } from './overrides.js';
import { APPLY_PAGE_STATUS } from './pages.js';
import { SHIFT_ANNOUNCE } from './shifts.js';
import { TAKE_LEASE } from './subscribers.js';
import { STORE_TWILIO_ANSWER } from './twilio-replay.js';
import { RELEASE_CLAIM } from './claims.js';

export const SCRIPTS: readonly ScriptInfo[] = [
  INGEST,
  ACT,
  INDEX_OPEN,
  APPLY_PAGE_STATUS,
  TAKE_PAGE,
  REMOVE_OVERRIDE,
  STORE_TWILIO_ANSWER,
  SHIFT_ANNOUNCE,
  TAKE_LEASE,
  RELEASE_CLAIM,
  CLAIM_ARCHIVES,
];
