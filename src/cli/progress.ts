import type { Progress } from '../engine/types.js';
import type { CliStream } from './io.js';

export interface ProgressOptions {
  /** Clock (tests inject one). */
  now?: () => number;
  /** Non-terminal: milliseconds between lines (CI logs). Default 5 s. */
  logEveryMs?: number;
  /** What is counted, e.g. "repositories" for an organisation scan. */
  unit?: string;
}

function duration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Progress on stderr. On a terminal: one self-overwriting line, at most ~10 updates a second.
 * Elsewhere (CI logs): a plain line every few seconds, none for a scan that ends sooner.
 * Once the total is final: a percentage and an ETA from the rate of the current phase.
 */
export function progressLine(stderr: CliStream, opts: ProgressOptions = {}) {
  const now = opts.now ?? Date.now;
  const tty = !!stderr.isTTY;
  const every = tty ? 100 : (opts.logEveryMs ?? 5000);
  const started = now();
  let last = tty ? 0 : started;
  let shown = false;
  let phase: { name: string; at: number; done: number } | undefined;
  return {
    update(p: Progress): void {
      const t = now();
      if (phase?.name !== p.phase) phase = { name: p.phase, at: t, done: p.done };
      if (p.phase === 'done' || t - last < every) return;
      last = t;
      const parts = [`${p.phase}: ${p.done}${p.total !== undefined ? `/${p.total}` : ''}`];
      if (opts.unit) parts[0] += ` ${opts.unit}`;
      if (p.total && p.totalFinal !== false) {
        const pct = Math.min(100, Math.floor((p.done / p.total) * 100));
        const rate = (p.done - phase.done) / Math.max(1, t - phase.at);
        const eta = rate > 0 && t - phase.at >= 1000 ? (p.total - p.done) / rate : undefined;
        parts.push(`${pct}%`);
        if (eta !== undefined) parts.push(`ETA ${duration(eta)}`);
      }
      if (p.bytes) parts.push(`${(p.bytes / 1024 / 1024).toFixed(0)} MB`);
      const line = parts.join(', ');
      if (tty) stderr.write(`\r\x1b[2K${line}`);
      else stderr.write(`upstash-guard: ${line} (${duration(t - started)} elapsed)\n`);
      shown = true;
    },
    clear(): void {
      if (shown && tty) stderr.write('\r\x1b[2K');
    },
  };
}
