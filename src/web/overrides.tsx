/**
 * Runtime overrides from the web UI (SPEC 6): who is on call can be changed from the dashboard:
 * put a person (by default yourself) on a role for a while, or remove an override. The same
 * OverrideStore as `hark take` / `handoff`, SMS and the API.
 */
import type { RuntimeOverride } from '../schedules/overrides.js';
import { PersonSelect } from './layout.js';
import type { Viewer } from './view.js';

/** The durations offered; "" is until the current holder's shift ends (a handoff). */
export const OVERRIDE_DURATIONS: readonly { value: string; label: string }[] = [
  { value: '', label: 'until the shift ends' },
  { value: '1h', label: '1 hour' },
  { value: '2h', label: '2 hours' },
  { value: '4h', label: '4 hours' },
  { value: '8h', label: '8 hours' },
  { value: '12h', label: '12 hours' },
  { value: '1d', label: '1 day' },
  { value: '3d', label: '3 days' },
  { value: '7d', label: '1 week' },
];

export function OverrideList(p: { schedule: string; overrides: readonly RuntimeOverride[]; viewer: Viewer }) {
  const v = p.viewer;
  if (p.overrides.length === 0) return null;
  return (
    <div class="overrides">
      <h4>Overrides</h4>
      <ul>
        {p.overrides.map((o) => (
          <li data-override={o.id}>
            <span>
              <strong>{v.personName(o.person)}</strong> as {o.role}, {v.shortTime(o.from)} →{' '}
              {v.shortTime(o.to)}
              <span class="muted small">
                {' '}
                ({o.id}
                {o.createdBy ? `, by ${o.createdBy.replace(/^(person|token):/, '')}` : ''}
                {o.reason ? `: ${o.reason}` : ''})
              </span>
            </span>{' '}
            <form method="post" action={`/schedules/${p.schedule}/overrides/${o.id}/remove`} class="inline">
              <input type="hidden" name="csrf" value={v.csrf} />
              <button type="submit" class="small-button" data-remove={o.id}>
                Remove
              </button>
            </form>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function OverrideForm(p: {
  schedule: string;
  roles: readonly string[];
  people: readonly { name: string; label: string }[];
  viewer: Viewer;
}) {
  const v = p.viewer;
  return (
    <details class="take">
      <summary>Change who is on call</summary>
      <form method="post" action={`/schedules/${p.schedule}/overrides`} class="override-form">
        <input type="hidden" name="csrf" value={v.csrf} />
        <label>
          Who
          <PersonSelect people={p.people} selected={v.person} />
        </label>
        <label>
          Role
          <select name="role">
            {p.roles.map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          For
          <select name="duration">
            {OVERRIDE_DURATIONS.map((d) => (
              <option value={d.value}>{d.label}</option>
            ))}
          </select>
        </label>
        <label>
          Why (optional)
          <input type="text" name="reason" maxlength={200} />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Put on call now
          </button>
        </div>
      </form>
    </details>
  );
}
