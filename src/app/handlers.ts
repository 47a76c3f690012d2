/**
 * One handler per event: validate, map to jobs, enqueue. Nothing else happens in the webhook path,
 * so deliveries are answered in milliseconds.
 */
import type { Probot } from 'probot';
import { parseFullName } from '../github/repo-name.js';
import type { ScanQueue } from '../queue/scan-queue.js';
import type { ScanJob } from '../queue/scan-job.js';
import { historyJobsFor, pullRequestJob, pushJob, repoFields, rerunJob } from './to-scan-job.js';

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

export function registerHandlers(app: Probot, queue: ScanQueue, enqueueTimeoutMs = 3_000): void {
  const enqueue = async (jobs: (ScanJob | undefined)[], event: string): Promise<void> => {
    for (const job of jobs) {
      if (!job) {
        app.log.info({ event }, 'event needs no scan');
        continue;
      }
      const { id, duplicate } = await bounded(
        queue.add({ ...job, receivedAt: Date.now() }),
        enqueueTimeoutMs,
      ).catch((err: unknown) => {
        app.log.error(
          { event, repo: `${job.owner}/${job.repo}`, kind: job.kind, err: (err as Error).message },
          'cannot enqueue: answering 503 so the delivery can be redelivered',
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
  app.on(['installation.created', 'installation_repositories.added'], async (ctx) => {
    const payload = ctx.payload as unknown as Payload;
    const inst = (payload.installation as { id?: number } | undefined)?.id;
    const listed = (payload.repositories ?? payload.repositories_added) as
      { full_name?: string }[] | undefined;
    if (!inst || !Array.isArray(listed)) return;
    const jobs: ScanJob[] = [];
    for (const r of listed) {
      const name = parseFullName(r.full_name);
      if (!name) continue;
      const { owner, repo } = name;
      try {
        // The installation payload lists names only: fetch clone URL, default branch and its head.
        const { data } = await ctx.octokit.request('GET /repos/{owner}/{repo}', { owner, repo });
        const fields = repoFields(data);
        if (!fields?.defaultBranch) continue;
        const { data: branch } = await ctx.octokit.request(
          'GET /repos/{owner}/{repo}/branches/{branch}',
          { owner, repo, branch: fields.defaultBranch },
        );
        jobs.push(...historyJobsFor(inst, [{ ...fields, headSha: branch.commit.sha }]));
      } catch (err) {
        app.log.warn(
          { repo: `${owner}/${repo}`, status: (err as { status?: number }).status },
          'cannot schedule history scan (empty or inaccessible repository)',
        );
      }
    }
    await enqueue(jobs, ctx.name);
  });
}
