/**
 * One handler per event: validate, map to jobs, enqueue. Nothing else happens in the webhook path,
 * so deliveries are answered in milliseconds.
 */
import { createHash } from 'node:crypto';
import type { Probot } from 'probot';
import type { ScanQueue } from '../queue/scan-queue.js';
import type { ScanJob } from '../queue/scan-job.js';
import { installationJob } from './to-install-job.js';
import { pullRequestJob, pushJob, rerunJob } from './to-scan-job.js';

type Payload = Record<string, unknown>;
const obj = (v: unknown): Payload | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Payload) : undefined;

/** A delivery named by its content (see the Re-run and installation handlers). */
function contentKey(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32);
}

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

/** The events `registerHandlers` listens to: the webhook endpoint runs handlers for these only. */
export const HANDLED_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'push',
  'check_run',
  'check_suite',
  'installation',
  'installation_repositories',
  'repository',
]);

export interface HandlerHooks {
  /** Clones of removed repositories (all of the installation's when `repoIds` is unset) are deleted. */
  removed?(installationId: number, repoIds?: number[]): Promise<void>;
  /** The installation accepted new permissions: cached tokens (and the permissions they list) go. */
  permissionsChanged?(installationId: number): Promise<void>;
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
  // Re-runs and installations are jobs per delivery (their ids carry it), so the delivery is
  // named by its content, not by the X-GitHub-Delivery header: the signature covers the body
  // only, and a captured delivery replayed under fresh headers was a new job each time (an
  // installation: every repository's history scanned again). GitHub's redelivery resends the
  // same body; a new click on Re-run sends a new one (the run's state in it changed).
  app.on(['check_run.rerequested', 'check_suite.rerequested'], async (ctx) =>
    enqueue([rerunJob(ctx.payload as unknown as Payload, contentKey(ctx.payload))], ctx.name),
  );
  app.on('check_run.requested_action', async (ctx) => {
    if (ctx.payload.requested_action?.identifier !== 'reverify') return;
    await enqueue([rerunJob(ctx.payload as unknown as Payload, contentKey(ctx.payload))], ctx.name);
  });
  // One installation-level job pages the repositories in a worker (src/queue/install-job.ts).
  app.on(['installation.created', 'installation_repositories.added'], async (ctx) =>
    enqueue(
      [installationJob(ctx.payload as unknown as Payload, contentKey(ctx.payload))],
      ctx.name,
    ),
  );
  // Removed or deleted repositories and deleted installations: their clones go. The payload is
  // read defensively (a missing or null field is ignored): a TypeError here would answer 500.
  const removed = async (
    event: string,
    payload: unknown,
    repos: (p: Payload) => unknown,
  ): Promise<void> => {
    if (!hooks.removed) return;
    const p = obj(payload);
    const inst = obj(p?.installation)?.id;
    if (!p || typeof inst !== 'number') {
      app.log.info({ event }, 'removal event without an installation: ignored');
      return;
    }
    const list = repos(p);
    if (list === undefined) return hooks.removed(inst);
    const ids = (Array.isArray(list) ? list : [])
      .map((r) => obj(r)?.id)
      .filter((id): id is number => typeof id === 'number');
    if (ids.length === 0) {
      app.log.info({ event }, 'removal event without repository ids: ignored');
      return;
    }
    await hooks.removed(inst, ids);
  };
  app.on('installation_repositories.removed', async (ctx) =>
    removed(ctx.name, ctx.payload, (p) => p.repositories_removed ?? null),
  );
  app.on('installation.deleted', async (ctx) => removed(ctx.name, ctx.payload, () => undefined));
  // Jobs plan their report from the permissions a token lists, and a token lives an hour: without
  // this, an organisation granting "Contents: write" saw no commit comment for up to an hour.
  app.on('installation.new_permissions_accepted', async (ctx) => {
    const inst = obj(obj(ctx.payload as unknown)?.installation)?.id;
    if (typeof inst !== 'number') {
      app.log.info({ event: ctx.name }, 'permission event without an installation: ignored');
      return;
    }
    await hooks.permissionsChanged?.(inst);
    app.log.info({ event: ctx.name, installation: inst }, 'installation permissions changed');
  });
  app.on('repository.deleted', async (ctx) =>
    removed(ctx.name, ctx.payload, (p) => [p.repository]),
  );
}
