/** The dashboard's heartbeats (docs/senders.md): each with its state, a missed one first. */
import type { HeartbeatView } from '../heartbeats/schema.js';
import { shortLength, type Viewer } from './view.js';

const BADGE = { missed: 'triggered', new: 'acknowledged', up: 'resolved' } as const;

export function HeartbeatSection(p: {
  readonly viewer: Viewer;
  readonly heartbeats: readonly HeartbeatView[];
}) {
  const v = p.viewer;
  const list = [...p.heartbeats].sort(
    (a, b) => Number(b.status === 'missed') - Number(a.status === 'missed'),
  );
  const missed = list.filter((h) => h.status === 'missed').length;
  return (
    <section id="heartbeats">
      <h2>
        Heartbeats{' '}
        <span class="muted">
          ({missed > 0 ? `${missed} missed of ${list.length}` : `${list.length}, all in time`})
        </span>
      </h2>
      <table class="oncall">
        <thead>
          <tr>
            <th>Heartbeat</th>
            <th>State</th>
            <th>Last ping</th>
          </tr>
        </thead>
        <tbody>
          {list.map((h) => (
            <tr data-heartbeat={h.name} data-status={h.status}>
              <td>
                {h.name}{' '}
                <span class="muted small">
                  · every {shortLength(h.intervalSeconds * 1000)}
                  {h.service ? ` · ${h.service}` : ''}
                </span>
              </td>
              <td>
                <span class={`state ${BADGE[h.status]}`}>{h.status}</span>
                {h.status === 'missed' && h.missedSince ? (
                  <span class="small">
                    {' '}
                    since {v.shortTime(Date.parse(h.missedSince))}
                    {h.incident ? (
                      <>
                        {' '}
                        · <a href={`/i/${h.incident}`}>#{h.incident}</a>
                      </>
                    ) : null}
                  </span>
                ) : null}
              </td>
              <td class="small">
                {h.secondsSinceLastPing === null
                  ? 'never'
                  : `${shortLength(h.secondsSinceLastPing * 1000)} ago`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
