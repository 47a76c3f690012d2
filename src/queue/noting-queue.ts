import { serialKeyOf } from './scan-job.js';
import type { ScanQueue } from './scan-queue.js';
import type { SerialGate } from './serial-gate.js';

/**
 * The queue as the handlers see it: every newly stored PR or push job is noted as the newest for
 * its branch, so the serial gate can fold heads it supersedes into its scan (serial-gate.ts).
 * Noted after the add (a redelivered duplicate must not look new: an add that raced another add
 * of the same job and stored nothing reports a duplicate too); a worker that picks the job up
 * before the note marks it as the tip itself, so the order does not matter.
 */
export function notingTips(queue: ScanQueue, gate: SerialGate): ScanQueue {
  return {
    async add(job) {
      const r = await queue.add(job);
      const key = serialKeyOf(job);
      // Best effort: without the note the job is simply scanned on its own, as before.
      if (!r.duplicate && key) await gate.noteEnqueued(key, job).catch(() => undefined);
      return r;
    },
    start: (processor) => queue.start(processor),
    depth: () => queue.depth(),
    ...(queue.stats ? { stats: () => queue.stats!() } : {}),
    ...(queue.jobState ? { jobState: (id: string) => queue.jobState!(id) } : {}),
    ...(queue.jobStates ? { jobStates: (ids: readonly string[]) => queue.jobStates!(ids) } : {}),
    ...(queue.jobResult ? { jobResult: (id: string) => queue.jobResult!(id) } : {}),
    close: () => queue.close(),
  };
}
