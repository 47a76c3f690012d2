/**
 * Seeded chaos runs (test/chaos/chaos-run.ts): combined faults, then the delivery guarantees of
 * docs/app.md checked on what the GitHub double recorded. Three modes:
 *   bullmq          the App, 1–2 workers, a private Redis (pushes and PRs)
 *   in-process      no Redis: the App alone on its journalled queue, with installs and git faults
 *   bullmq-install  bullmq with installs and git faults
 * By default `npm test` runs fixed seeds with a short schedule: two in bullmq, one in each other
 * mode. A soak by hand:
 *   UPSTASH_GUARD_CHAOS_SEEDS=50 npm test -- test/chaos
 * runs seeds 1..50 in every mode (UPSTASH_GUARD_CHAOS_SEED=7,12 runs the listed ones;
 * UPSTASH_GUARD_CHAOS_MODES=in-process,bullmq-install picks modes), each for
 * UPSTASH_GUARD_CHAOS_ACTIVE_MS (default 20 s in a soak). A failing seed writes its schedule and
 * every process's log to $TMPDIR/ug-chaos-<seed>.log (ug-chaos-<mode>-<seed>.log outside bullmq).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChaos, type ChaosOptions } from './chaos-run.js';

const MODES: Record<string, Partial<ChaosOptions>> = {
  bullmq: {},
  'in-process': { mode: 'in-process', installs: true, gitFaults: true },
  'bullmq-install': { installs: true, gitFaults: true },
};
/** The default run's seeds per mode (a soak runs 1..N in every mode). */
const DEFAULT_SEEDS: Record<string, number[]> = {
  bullmq: [11, 23],
  'in-process': [5],
  'bullmq-install': [7],
};

const listed = process.env.UPSTASH_GUARD_CHAOS_SEED?.split(',').map(Number);
const soak = Number(process.env.UPSTASH_GUARD_CHAOS_SEEDS ?? 0);
const modes = process.env.UPSTASH_GUARD_CHAOS_MODES?.split(',') ?? Object.keys(MODES);
for (const m of modes) if (!MODES[m]) throw new Error(`unknown chaos mode ${m}`);
const cases = modes.flatMap((mode) =>
  (listed ?? (soak > 0 ? Array.from({ length: soak }, (_, i) => i + 1) : DEFAULT_SEEDS[mode]!)).map(
    (seed) => [mode, seed] as const,
  ),
);
const long = listed !== undefined || soak > 0;
const activeMsOf = (mode: string): number =>
  Number(
    process.env.UPSTASH_GUARD_CHAOS_ACTIVE_MS ??
      // The install modes settle longer (history scans, paced writes): a shorter default schedule
      // keeps each of their default seeds near 40 s.
      (long ? 20_000 : mode === 'bullmq' ? 8_000 : 5_000),
  );
const settleMs = long ? 120_000 : 60_000;

describe('chaos: combined faults, every report delivered once', () => {
  it.each(cases)(
    '%s seed %i',
    async (mode, seed) => {
      const r = await runChaos(seed, {
        ...MODES[mode],
        activeMs: activeMsOf(mode),
        events: Math.round(activeMsOf(mode) / 1000),
        settleMs,
        ...(process.env.UG_CHAOS_VERBOSE ? { log: (l: string) => console.log(l) } : {}),
      });
      if (r.violations.length > 0 || process.env.UG_CHAOS_KEEP_LOGS) {
        const file = join(
          tmpdir(),
          mode === 'bullmq' ? `ug-chaos-${seed}.log` : `ug-chaos-${mode}-${seed}.log`,
        );
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
        if (r.violations.length === 0) return;
        throw new Error(
          `${mode} seed ${seed}: ${r.violations.length} violation(s) (details in ${file}):\n` +
            [...r.violations.slice(0, 20), '', ...r.trace].join('\n'),
        );
      }
      if (process.env.UG_CHAOS_VERBOSE) console.log(mode, seed, r.stats);
    },
    Math.max(...modes.map(activeMsOf)) + settleMs + 60_000,
  );
});
