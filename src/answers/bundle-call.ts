/**
 * A bundled page call (SPEC sections 4 and 5): one call for the incidents a call limit held back
 * for one person (src/pages/call-bundles.ts). Its TwiML URL and `<Gather>` action are those of a
 * single call plus `&bundle=<id>`, inside the URL Twilio signs. The call says how many incidents
 * it carries and names them; 4 acknowledges, 6 resolves and 5 escalates every one of them that
 * is still open and was paged to that person (the same rule as an SMS `aa`), and says what it did:
 * `Acknowledged 3 incidents: 4 3, 4 4, 4 5. Goodbye.`
 */
import { bulkRefusal, refusalSentence, spokenDigits } from '../incidents/outcomes.js';
import type { Redis } from 'ioredis';
import type { Person } from '../config/types.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentOperations } from '../incidents/operations.js';
import type { IncidentStore } from '../incidents/store.js';
import { loadCallBundle, type CallBundle } from '../pages/call-bundles.js';
import { voiceBundleTwiml } from '../pages/format.js';
import type { PageStore } from '../pages/store.js';
import type { Keys } from '../redis/keys.js';

/** Refusals named one by one in the spoken answer; the rest are counted. */
const REFUSALS_NAMED = 5;
/** Up to this many incidents acted on are named in the answer; more are only counted. */
const DONE_NAMED = 10;
/** Escalations of a bundle run this many at a time. */
const ESCALATE_AT_ONCE = 50;

const SPOKEN = { spoken: true } as const;

export interface BundleCallDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly publicUrl: () => string;
}

/** The bundle `id` names if it is `person`'s, else null. */
async function bundleOf(deps: BundleCallDeps, id: string, person: string): Promise<CallBundle | null> {
  const bundle = await loadCallBundle(deps.redis, deps.keys, id);
  return bundle && bundle.person === person ? bundle : null;
}

/** `/v1/twilio/voice/<first>?person=<name>&bundle=<id>`, then `suffix` (`/gather`) before the query. */
export function bundleCallUrl(base: string, bundle: CallBundle, id: string, suffix = ''): string {
  return (
    `${base.replace(/\/+$/, '')}/v1/twilio/voice/${bundle.incidents[0]}${suffix}` +
    `?person=${encodeURIComponent(bundle.person)}&bundle=${encodeURIComponent(id)}`
  );
}

/** The TwiML a bundled call plays; a plain goodbye when the bundle is unknown or not this person's. */
export async function bundleCallTwiml(
  deps: BundleCallDeps & { readonly store: IncidentStore },
  id: string,
  person: string | undefined,
): Promise<string | null> {
  const bundle = await bundleOf(deps, id, person ?? '');
  if (!bundle) return null;
  const incidents: Incident[] = [];
  for (const n of bundle.incidents) {
    const incident = await deps.store.get(n, false);
    if (incident) incidents.push(incident);
  }
  if (incidents.length === 0) return null;
  return voiceBundleTwiml(incidents, bundleCallUrl(deps.publicUrl(), bundle, id, '/gather'));
}

export type BundleCallAnswer = { readonly say: string } | { readonly redirect: string };

/**
 * What key `digit` does on bundled call `id` for `person`: acts on each incident of the bundle
 * that was paged to them and is still open, and says what it did and what it did not.
 */
export async function answerBundleCall(
  deps: BundleCallDeps & { readonly ops: IncidentOperations; readonly pages: PageStore },
  id: string,
  person: Person,
  digit: string,
  now: Date,
): Promise<BundleCallAnswer> {
  const bundle = await bundleOf(deps, id, person.name);
  if (!bundle) return { say: 'This call has expired or is not for you. Nothing was done. Goodbye.' };
  if (digit === '*') return { redirect: bundleCallUrl(deps.publicUrl(), bundle, id) };
  if (digit !== '4' && digit !== '6' && digit !== '5') {
    return {
      say: 'That key does nothing. Press 4 to acknowledge all, 6 to resolve all, 5 to escalate all. Goodbye.',
    };
  }
  const actor = `person:${person.name}`;
  const done: number[] = [];
  const refused: string[] = [];
  // Only what was paged to this person (recorded before the call was placed): one pipeline.
  const wasPaged = await deps.pages.werePaged(person.name, bundle.incidents);
  const paged: number[] = [];
  bundle.incidents.forEach((n, i) => {
    if (!wasPaged[i]) refused.push(`Incident ${spokenDigits(n)} was not paged to you.`);
    else paged.push(n);
  });
  if (digit === '5') {
    // Many at a time (each is a few round trips): one by one, thousands outlast Twilio's 15 s.
    for (let i = 0; i < paged.length; i += ESCALATE_AT_ONCE) {
      const batch = paged.slice(i, i + ESCALATE_AT_ONCE);
      const results = await Promise.all(batch.map((n) => deps.ops.escalate(n, actor, now)));
      batch.forEach((n, j) => {
        const r = results[j]!;
        if (r.ok) done.push(n);
        else refused.push(refusalSentence(n, r, SPOKEN));
      });
    }
  } else {
    // All at once (pipelined, the escalation jobs of all removed together), as SMS `aa` does:
    // one by one, a bundle of thousands outlasts Twilio's 15 s wait for the answer.
    const results =
      digit === '4'
        ? await deps.ops.acknowledgeMany(paged, actor, person.name, now)
        : await deps.ops.resolveMany(paged, actor, now);
    for (const r of results) {
      const refusal = bulkRefusal(r);
      if (refusal) refused.push(refusalSentence(r.id, refusal, SPOKEN));
      else done.push(r.id);
    }
  }
  const verb = digit === '4' ? 'Acknowledged' : digit === '6' ? 'Resolved' : 'Escalated';
  const what =
    done.length === 0
      ? `Nothing was ${verb.toLowerCase()}.`
      : `${verb} ${done.length} incident${done.length === 1 ? '' : 's'}` +
        `${digit === '5' ? ' to the next step' : ''}` +
        `${done.length <= DONE_NAMED ? `: ${done.map(spokenDigits).join(', ')}` : ''}.`;
  const named = refused.slice(0, REFUSALS_NAMED);
  const more = refused.length - named.length;
  const rest = more > 0 ? [`${more} more ${more === 1 ? 'was' : 'were'} not changed.`] : [];
  return { say: [what, ...named, ...rest, 'Goodbye.'].join(' ') };
}
