/** Every page the console channel prints, as events tests can wait on (no sleeps). */
import { EventEmitter } from 'node:events';

export class PageLog extends EventEmitter {
  readonly pages: string[] = [];

  /** The console channel's writer: `consoleTransports(log.write)`. */
  write = (line: string) => {
    this.pages.push(line);
    this.emit('page', line);
  };

  /** Resolves with the first page (already printed or coming) that matches. */
  waitFor(match: RegExp, timeoutMs = 15_000): Promise<string> {
    const seen = this.pages.find((p) => match.test(p));
    if (seen) return Promise.resolve(seen);
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        this.off('page', on);
        rej(
          new Error(`no page matching ${match} within ${timeoutMs} ms; pages: ${JSON.stringify(this.pages)}`),
        );
      }, timeoutMs);
      const on = (line: string) => {
        if (!match.test(line)) return;
        clearTimeout(timer);
        this.off('page', on);
        res(line);
      };
      this.on('page', on);
    });
  }

  count(match: RegExp): number {
    return this.pages.filter((p) => match.test(p)).length;
  }
}
