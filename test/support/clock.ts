/**
 * A test clock that starts at a fixed instant and then runs at the real rate: what a test
 * expects (who is on call, until when, "next shift", a feed's range) never depends on today's
 * date or time of day, while delays (BullMQ jobs, timeouts, TTLs) still take real time.
 *
 *   const now = clockFrom('2026-03-04T12:00:00Z');
 *   const hark = await startTestHark(dir, { now });
 */
export function clockFrom(iso: string): () => number {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) throw new Error(`clockFrom: not an instant: ${iso}`);
  const t0 = performance.now();
  return () => start + Math.floor(performance.now() - t0);
}
