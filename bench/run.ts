/** `npm run bench`: prints the figures of every benchmark. Needs `npm run build` for the CLI timings. */
import { benchSchedule } from './schedule.js';

const sections: [string, () => Record<string, string>][] = [['schedule engine', benchSchedule]];
for (const [name, fn] of sections) {
  console.log(`\n## ${name}`);
  for (const [k, v] of Object.entries(fn())) console.log(`${k.padEnd(64)} ${v}`);
}
