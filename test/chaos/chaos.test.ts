/**
 * Seeded chaos runs (test/chaos/chaos-run.ts): combined faults, then the delivery guarantees of
 * docs/app.md checked on what the GitHub double recorded. By default two fixed seeds with a short
 * schedule run in `npm test`. A soak by hand:
 *   UPSTASH_GUARD_CHAOS_SEEDS=50 npm test -- test/chaos
 * runs seeds 1..50 (UPSTASH_GUARD_CHAOS_SEED=7,12 runs the listed ones), each for
 * UPSTASH_GUARD_CHAOS_ACTIVE_MS (default 20 s in a soak). A failing seed writes its schedule and
 * every process's log to $TMPDIR/ug-chaos-<seed>.log.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChaos } from './chaos-run.js';

const listed = process.env.UPSTASH_GUARD_CHAOS_SEED?.split(',').map(Number);
const soak = Number(process.env.UPSTASH_GUARD_CHAOS_SEEDS ?? 0);
const seeds = listed ?? (soak > 0 ? Array.from({ length: soak }, (_, i) => i + 1) : [11, 23]);
const long = listed !== undefined || soak > 0;
const activeMs = Number(process.env.UPSTASH_GUARD_CHAOS_ACTIVE_MS ?? (long ? 20_000 : 8_000));
const settleMs = long ? 120_000 : 60_000;

describe('chaos: combined faults, every report delivered once', () => {
  it.each(seeds)(
    'seed %i',
    async (seed) => {
      const r = await runChaos(seed, {
        activeMs,
        events: Math.round(activeMs / 1000),
        settleMs,
        ...(process.env.UG_CHAOS_VERBOSE ? { log: (l: string) => console.log(l) } : {}),
      });
      if (r.violations.length > 0) {
        const file = join(tmpdir(), `ug-chaos-${seed}.log`);
        writeFileSync(
          file,
          [
            ...r.violations,
            '',
            ...r.trace,
            '',
            JSON.stringify(r.stats),
            '',
            ...r.github,
            '',
            r.logs,
          ].join('\n'),
        );
        throw new Error(
          `seed ${seed}: ${r.violations.length} violation(s) (details in ${file}):\n` +
            [...r.violations.slice(0, 20), '', ...r.trace].join('\n'),
        );
      }
      if (process.env.UG_CHAOS_VERBOSE) console.log(seed, r.stats);
    },
    activeMs + settleMs + 60_000,
  );
});
