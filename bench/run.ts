/** `npm run bench`: prints the figures of every benchmark (`npm run bench -- ingest` for one). */
import { benchAnswers } from './answers.js';
import { benchIngest } from './ingest.js';
import { benchMiddle } from './middle.js';
import { benchPaging } from './paging.js';
import { benchSchedule } from './schedule.js';
import { benchWeb } from './web.js';
import { benchWebhooks } from './webhooks.js';

const sections: [string, () => Record<string, string> | Promise<Record<string, string>>][] = [
  ['schedule', benchSchedule],
  ['ingest', benchIngest],
  ['paging', benchPaging],
  ['web', benchWeb],
  ['answers', benchAnswers],
  ['middle', benchMiddle],
  ['webhooks', benchWebhooks],
];
const only = process.argv.slice(2);
for (const [name, fn] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n## ${name}`);
  for (const [k, v] of Object.entries(await fn())) console.log(`${k.padEnd(64)} ${v}`);
}
