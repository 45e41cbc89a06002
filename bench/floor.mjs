// The floor for the ingest benchmark: a bare Hono handler that reads the JSON body and does one
// Redis round trip, on the same Redis and HTTP stack as Hark. Usage: node bench/floor.mjs REDIS_URL
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const redis = new Redis(process.argv[2]);
const app = new Hono();
app.post('/floor', async (c) => {
  const body = await c.req.json();
  const id = await redis.incr('{bench-floor}:counter');
  return c.json({ incidents: [{ id, key: String(body.dedup_key), status: 'triggered', new: true }] }, 202);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening ${info.port}\n`);
});
process.on('SIGTERM', () => server.close(() => redis.quit().then(() => process.exit(0))));
