/**
 * One handler per event: validate, map to jobs, enqueue. Nothing else happens in the webhook path,
 * so deliveries are answered in milliseconds.
 */
import type { Probot } from 'probot';
import type { ScanQueue } from '../queue/scan-queue.js';
import type { ScanJob } from '../queue/scan-job.js';
import { installationJob } from './to-install-job.js';
import { pullRequestJob, pushJob, rerunJob } from './to-scan-job.js';

type Payload = Record<string, unknown>;

/** The queue did not answer in time (Redis away): the delivery is answered 503 to be redelivered. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
  readonly status = 503;
}

/** Resolves like `p`, or rejects with QueueUnavailableError after `ms`. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError('queue did not answer')), ms);
  });
  return Promise.race([
    p.catch((err: unknown) => {
      throw new QueueUnavailableError(`queue refused the job: ${(err as Error).message}`);
    }),
    timeout,
  ]).finally(() => clearTimeout(timer));
}

export interface HandlerHooks {
  /** Clones of removed repositories (all of the installation's when `repoIds` is unset) are deleted. */
  removed?(installationId: number, repoIds?: number[]): Promise<void>;
  /** How long a delivery waits for the queue before it is answered 503 (default 3 s). */
  enqueueTimeoutMs?: number;
}

export function registerHandlers(app: Probot, queue: ScanQueue, hooks: HandlerHooks = {}): void {
  const enqueueTimeoutMs = hooks.enqueueTimeoutMs ?? 3_000;
  const enqueue = async (jobs: (ScanJob | undefined)[], event: string): Promise<void> => {
    for (const job of jobs) {
      if (!job) {
        app.log.info({ event }, 'event needs no scan');
        continue;
      }
      const adding = queue.add({ ...job, receivedAt: Date.now() });
      const { id, duplicate } = await bounded(adding, enqueueTimeoutMs).catch((err: unknown) => {
        app.log.error(
          { event, repo: `${job.owner}/${job.repo}`, kind: job.kind, err: (err as Error).message },
          'cannot enqueue: answering 503 so the delivery can be redelivered',
        );
        // An add that timed out goes on (ioredis sends its commands once Redis is back) and may
        // store the job before the redelivery does: say so, so that job is not a mystery.
        void adding.then(
          (r) =>
            app.log.info(
              { event, job: r.id, duplicate: r.duplicate },
              'enqueue finished after the delivery was answered 503',
            ),
          () => undefined,
        );
        throw err;
      });
      app.log.info(
        { event, job: id, duplicate },
        duplicate ? 'duplicate delivery ignored' : 'scan enqueued',
      );
    }
  };

  app.on(
    ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'],
    async (ctx) => enqueue([pullRequestJob(ctx.payload as unknown as Payload, ctx.id)], ctx.name),
  );
  app.on('push', async (ctx) =>
    enqueue([pushJob(ctx.payload as unknown as Payload, ctx.id)], ctx.name),
  );
  app.on(['check_run.rerequested', 'check_suite.rerequested'], async (ctx) =>
    enqueue([rerunJob(ctx.payload as unknown as Payload, ctx.id)], ctx.name),
  );
  app.on('check_run.requested_action', async (ctx) => {
    if (ctx.payload.requested_action?.identifier !== 'reverify') return;
    await enqueue([rerunJob(ctx.payload as unknown as Payload, ctx.id)], ctx.name);
  });
  // One installation-level job pages the repositories in a worker (src/queue/install-job.ts).
  app.on(['installation.created', 'installation_repositories.added'], async (ctx) =>
    enqueue([installationJob(ctx.payload as unknown as Payload, ctx.id)], ctx.name),
  );
  // Removed or deleted repositories and deleted installations: their clones go.
  const removed = async (inst: number | undefined, repoIds?: number[]): Promise<void> => {
    if (!inst || !hooks.removed) return;
    await hooks.removed(inst, repoIds);
  };
  app.on('installation_repositories.removed', async (ctx) =>
    removed(
      ctx.payload.installation.id,
      ctx.payload.repositories_removed.map((r) => r.id),
    ),
  );
  app.on('installation.deleted', async (ctx) => removed(ctx.payload.installation.id));
  app.on('repository.deleted', async (ctx) =>
    removed(ctx.payload.installation?.id, [ctx.payload.repository.id]),
  );
}
