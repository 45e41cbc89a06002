/**
 * One vocabulary for what an action on an incident did: "Acknowledged #42 …", "#42 is already
 * resolved by bob", "there is no incident #42". SMS, voice, the email action page, the API, the
 * web UI and the CLI all say it with these words, each in its own frame (a sentence for a person,
 * an error clause for the API and CLI, digits read one by one on a call).
 */
import { actorName } from './model.js';
import type { IncidentState } from './model.js';
import type { EscalateOutcome } from './operations.js';
import type { ActionOutcome, BulkOutcome } from './store.js';

/** What a person or client can do to an incident. */
export type IncidentAction = 'acknowledge' | 'unacknowledge' | 'resolve' | 'escalate' | 'note' | 'role';

/** Why an action changed nothing. */
export type Refusal = Exclude<ActionOutcome, { ok: true }> | Exclude<EscalateOutcome, { ok: true }>;

/** "cannot <verb> #42". */
export const ACTION_VERB: Readonly<Record<IncidentAction, string>> = {
  acknowledge: 'acknowledge',
  unacknowledge: 'un-acknowledge',
  resolve: 'resolve',
  escalate: 'escalate',
  note: 'add a note to',
  role: 'assign a role on',
};

/** "<Done> #42 checkout: …". */
export const ACTION_DONE: Readonly<Record<IncidentAction, string>> = {
  acknowledge: 'Acknowledged',
  unacknowledge: 'Un-acknowledged',
  resolve: 'Resolved',
  escalate: 'Escalated',
  note: 'Noted on',
  role: 'Assigned a role on',
};

/** How a message names an incident. */
export interface Naming {
  /** Read out on a call: "incident 4 2" (a voice reads "#42" as "hash forty-two"). */
  readonly spoken?: boolean;
}

/** The digits of an id one by one, as a voice reads them best: 42 → "4 2". */
export const spokenDigits = (id: number): string => String(id).split('').join(' ');

/** `#42`, or spoken `incident 4 2`. */
export function incidentName(id: number, naming: Naming = {}): string {
  return naming.spoken ? `incident ${spokenDigits(id)}` : `#${id}`;
}

/** The person behind an actor (`person:bob` → bob), or "someone". */
export const actorWho = (actor: string | null | undefined): string => actorName(actor ?? '') || 'someone';

/** What follows the incident's name in a refusal: "is already resolved by bob", "has no further …". */
function predicate(r: Exclude<Refusal, { reason: 'missing' | 'nothing-pending' }>): string {
  if (r.reason === 'state') return `is already ${r.state}${r.by ? ` by ${actorWho(r.by)}` : ''}`;
  if (r.reason === 'not-triggered')
    return `is ${r.state ?? 'not triggered'}; only a triggered incident escalates`;
  return 'has no further step pending (the policy has run out)';
}

const NOTHING_PENDING = 'no further step is pending (the policy has run out)';

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A refusal told to a person: "There is no incident #42." / "#42 is already resolved by bob." */
export function refusalSentence(id: number, r: Refusal, naming: Naming = {}): string {
  if (r.reason === 'missing') return `There is no incident ${naming.spoken ? spokenDigits(id) : `#${id}`}.`;
  const name = capital(incidentName(id, naming));
  return r.reason === 'nothing-pending' ? `${name}: ${NOTHING_PENDING}.` : `${name} ${predicate(r)}.`;
}

/** A refusal as an error message: "there is no incident #42", "cannot resolve #42: it is already …". */
export function refusalError(id: number, action: IncidentAction, r: Refusal): string {
  if (r.reason === 'missing') return `there is no incident #${id}`;
  const why = r.reason === 'nothing-pending' ? NOTHING_PENDING : `it ${predicate(r)}`;
  return `cannot ${ACTION_VERB[action]} #${id}: ${why}`;
}

/** One incident of a bulk action (`aa`, a bundled call) as a refusal; null when it was done. */
export function bulkRefusal(r: BulkOutcome): Refusal | null {
  if (r.outcome === 'ok') return null;
  if (r.outcome === 'missing') return { ok: false, reason: 'missing' };
  return { ok: false, reason: 'state', state: r.outcome satisfies IncidentState, by: r.by };
}

/** "Acknowledged #42 checkout: Checkout p99 > 2s", or spoken "Incident 4 2 is acknowledged." */
export function doneSentence(
  action: IncidentAction,
  incident: { readonly id: number; readonly service: string; readonly title: string },
  naming: Naming = {},
): string {
  if (naming.spoken) {
    const state = action === 'escalate' ? 'escalated to the next step' : ACTION_DONE[action].toLowerCase();
    return `${capital(incidentName(incident.id, naming))} is ${state}.`;
  }
  return `${ACTION_DONE[action]} #${incident.id} ${incident.service}: ${incident.title}`;
}
