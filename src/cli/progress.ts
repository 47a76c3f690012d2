import type { Progress } from '../engine/types.js';
import type { CliStream } from './io.js';

/** One self-overwriting stderr line, at most ~10 updates a second; only used on a terminal. */
export function progressLine(stderr: CliStream, now: () => number = Date.now) {
  let last = 0;
  let shown = false;
  return {
    update(p: Progress): void {
      if (p.phase === 'done' || now() - last < 100) return;
      last = now();
      const total = p.total ? `/${p.total}` : '';
      const mb = p.bytes ? `, ${(p.bytes / 1024 / 1024).toFixed(0)} MB` : '';
      stderr.write(`\r\x1b[2K${p.phase}: ${p.done}${total}${mb}`);
      shown = true;
    },
    clear(): void {
      if (shown) stderr.write('\r\x1b[2K');
    },
  };
}
