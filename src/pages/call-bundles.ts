/**
 * Bundled page calls (SPEC section 4): when a call limit held back pages for several incidents,
 * one call carries them all. The call's TwiML URL and its `<Gather>` action name the bundle by a
 * random id (`?bundle=<id>`, inside the Twilio-signed URL); the bundle — its person and incidents —
 * is stored here before the call is placed, so the call speaks every incident and its keys act on
 * every one of them.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../redis/keys.js';

export interface CallBundle {
  readonly person: string;
  /** Ascending incident ids, as spoken. */
  readonly incidents: readonly number[];
}

/** A call cannot outlast this (Twilio ends calls after 4 hours); the record goes a day later. */
export const CALL_BUNDLE_TTL_MS = 24 * 60 * 60 * 1000;

/** 16 base64url characters (96 random bits). */
const BUNDLE_ID = /^[A-Za-z0-9_-]{16}$/;

const stored = z.object({
  person: z.string().min(1),
  incidents: z.array(z.number().int().positive()).min(1),
});

/** Stores `bundle` and returns its id. */
export async function saveCallBundle(redis: Redis, keys: Keys, bundle: CallBundle): Promise<string> {
  const id = randomBytes(12).toString('base64url');
  await redis.set(
    keys.callBundle(id),
    JSON.stringify({ person: bundle.person, incidents: [...bundle.incidents] }),
    'PX',
    CALL_BUNDLE_TTL_MS,
  );
  return id;
}

/** The bundle `id` names, or null (not an id, expired, or not a bundle). */
export async function loadCallBundle(redis: Redis, keys: Keys, id: string): Promise<CallBundle | null> {
  if (!BUNDLE_ID.test(id)) return null;
  const raw = await redis.get(keys.callBundle(id));
  if (raw === null) return null;
  try {
    const parsed = stored.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
