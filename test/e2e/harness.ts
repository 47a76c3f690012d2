/**
 * Shared process-level setup: GitHub double + git smart-HTTP server + the app process, and a test
 * repository pushed into the server. Pushes are async: the git server lives in the test process.
 */
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { QUEUE_NAME } from '../../src/queue/bullmq-queue.js';

import { startApp } from '../helpers/app-process.js';
import type { AppProcess, AppProcessOptions, ManagedProcess } from '../helpers/app-process.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { createRepo } from '../helpers/git-repo.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { basicAuthHeader, startGitHttpServer } from '../helpers/git-http-server.js';
import type { GitHttpServer } from '../helpers/git-http-server.js';
import { startGitHubDouble } from '../helpers/github-double.js';
import type { CheckRunState, GitHubDouble } from '../helpers/github-double.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { checkRunEvent, deliver, pullRequestEvent } from '../helpers/webhooks.js';
import type { DeliveryResult, RepoRef } from '../helpers/webhooks.js';

const run = promisify(execFile);
const PUSHER = 'test-pusher';

export interface Harness {
  gh: GitHubDouble;
  git: GitHttpServer;
  app: AppProcess;
  /** Registers `acme/<name>` with the double and the git server; returns its webhook ref. */
  addRepo(name: string, id: number): RepoRef;
  push(repo: TestRepo, target: RepoRef, ...refspecs: string[]): Promise<void>;
  send(event: string, payload: unknown): Promise<DeliveryResult>;
  repo(): TestRepo;
  close(): Promise<void>;
}

/** The harnesses now running: a timed-out `until` shows what their app logged and was asked. */
const running = new Set<Harness>();

/** The tail of each running harness's app log and GitHub requests (for timeout messages). */
function diagnostics(): string {
  return [...running]
    .map((h) => {
      const reqs = h.gh.requests
        .slice(-25)
        .map((r) => `${new Date(r.at).toISOString()} ${r.method} ${r.path} -> ${r.status}`);
      return `\n--- app log (tail) ---\n${h.app.logs().slice(-4000)}\n--- GitHub requests (last 25) ---\n${reqs.join('\n')}`;
    })
    .join('\n');
}

export async function until<T>(
  what: string,
  f: () => T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startHarness(
  opts: Omit<AppProcessOptions, 'githubHost'> & {
    /** Mounted in front of the GitHub double (e.g. the OAuth double for the incidents page). */
    githubFront?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  } = {},
): Promise<Harness> {
  const { githubFront, ...appOpts } = opts;
  const [gh, git] = await Promise.all([
    startGitHubDouble(githubFront ? { front: githubFront } : {}),
    startGitHttpServer(),
  ]);
  // One origin for the API and git, as on GitHub: the App builds clone URLs from GHE_HOST and
  // never from the payload's clone_url.
  gh.serveGitFrom(git.baseUrl);
  const app = await startApp({ githubHost: gh.host, ...appOpts });
  // Only the test's pushes and installation tokens the double handed out open repositories.
  git.requireAuth(
    (h) => h === `Bearer ${PUSHER}` || gh.tokens.some((t) => h === basicAuthHeader(t)),
  );
  const repos: TestRepo[] = [];
  const h: Harness = {
    gh,
    git,
    app,
    addRepo(name, id) {
      git.createBare('acme', name);
      const cloneUrl = gh.cloneUrl('acme', name);
      gh.addRepo({ owner: 'acme', name, id, cloneUrl });
      return { owner: 'acme', name, id, cloneUrl };
    },
    async push(repo, target, ...refspecs) {
      const header = `http.extraHeader=Authorization: Bearer ${PUSHER}`;
      await run('git', ['-c', header, 'push', '-q', '--force', target.cloneUrl, ...refspecs], {
        cwd: repo.dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      });
    },
    send: (event, payload) =>
      deliver(app.webhookUrl, event, payload, { secret: app.webhookSecret }),
    repo() {
      const r = createRepo();
      repos.push(r);
      return r;
    },
    async close() {
      running.delete(h);
      await app.stop();
      await Promise.all([gh.close(), git.close()]);
      for (const r of repos) r.cleanup();
    },
  };
  running.add(h);
  return h;
}

/**
 * A repository `acme/<name>` whose PR `pr` adds `.env` with `envText` on a feature branch; the
 * pull_request webhook is delivered. Returns the head SHA and the delivery's answer.
 */
export async function openPullRequest(
  h: Harness,
  o: { name: string; id: number; pr: number; envText: string },
): Promise<{ head: string; base: string; ref: RepoRef; status: number; ms: number }> {
  const { head, base, ref } = await pullRequestRepo(h, o);
  const res = await h.send(
    'pull_request',
    pullRequestEvent(ref, { number: o.pr, headSha: head, baseSha: base }),
  );
  return { head, base, ref, status: res.status, ms: res.ms };
}

/**
 * Clicks Re-run on a pull request's check run (`check_run.rerequested`) and waits until that run
 * was written again and is completed; returns it.
 */
export async function rerunPullRequestRun(
  h: Harness,
  ref: RepoRef,
  run: CheckRunState,
  pr: { number: number; headSha: string; baseSha: string },
): Promise<CheckRunState> {
  const before = run.history.length;
  const res = await h.send(
    'check_run',
    checkRunEvent(ref, {
      action: 'rerequested',
      id: run.id,
      headSha: pr.headSha,
      pr: { number: pr.number, baseSha: pr.baseSha },
    }),
  );
  expect(res.status).toBe(200);
  return until('the Re-run completed its run', () => {
    const c = h.gh.checkRuns.find((x) => x.id === run.id);
    return c && c.history.length > before && c.status === 'completed' ? c : undefined;
  });
}

/** The repository and pushed branches of `openPullRequest`, without the webhook. */
export async function pullRequestRepo(
  h: Harness,
  o: { name: string; id: number; pr: number; envText: string },
): Promise<{ head: string; base: string; ref: RepoRef }> {
  const ref = h.addRepo(o.name, o.id);
  const r = h.repo();
  r.write('README.md', '# x\n');
  const base = r.commit('initial');
  r.branch('feature');
  r.checkout('feature');
  r.write('.env', o.envText);
  const head = r.commit('add env');
  await h.push(r, ref, 'main', 'feature', `feature:refs/pull/${o.pr}/head`);
  return { head, base, ref };
}

/**
 * `acme/<name>` whose main branch gets a clean commit, then one adding a synthetic `.env`
 * credential (built from `seed`), pushed to the git server. The push webhook is the caller's to
 * send (to the URL it tests). Returns the two commits and the token (to grep outputs for).
 */
export async function pushedLeak(
  h: Harness,
  o: { name: string; id: number; seed: string },
): Promise<{ target: RepoRef; first: string; second: string; token: string }> {
  const target = h.addRepo(o.name, o.id);
  const repo = h.repo();
  repo.write('README.md', `# ${o.name}\n`);
  const first = repo.commit('initial');
  const { token } = redisTokenParts({ seed: o.seed });
  repo.write('.env', envCredential(o.seed));
  const second = repo.commit('add env');
  await h.push(repo, target, 'HEAD:refs/heads/main');
  return { target, first, second, token };
}

/** A synthetic `.env` credential (URL and token), built at run time from `seed`. */
export function envCredential(seed: string): string {
  const { token, dbId } = redisTokenParts({ seed });
  return `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
}

/**
 * `acme/<name>` with a clean `main` pushed (no webhook) and a local branch `branch` checked out
 * from it: the commits a test adds next are pushed to that branch.
 */
export async function branchFromMain(
  h: Harness,
  name: string,
  id: number,
  branch: string,
): Promise<{ ref: RepoRef; r: TestRepo }> {
  const ref = h.addRepo(name, id);
  const r = h.repo();
  r.write('README.md', '# x\n');
  r.commit('initial');
  await h.push(r, ref, 'main');
  r.branch(branch);
  r.checkout(branch);
  return { ref, r };
}

/** A private redis-server (test/helpers/redis-server.ts) and a harness whose App queues on it. */
export async function startOnOwnRedis(
  persistence: 'none' | 'aof',
  opts: Omit<AppProcessOptions, 'githubHost' | 'redisUrl'> = {},
): Promise<{ redis: OwnRedis; h: Harness }> {
  const redis = await startOwnRedis({ persistence });
  return { redis, h: await startHarness({ ...opts, redisUrl: redis.url }) };
}

/**
 * `startOnOwnRedis` plus a BullMQ handle on the App's queue (its prefix), for tests that watch
 * jobs park (`untilCompleted`) or inspect the queue.
 */
export async function startWithQueue(
  queuePrefix: string,
  env: Record<string, string>,
): Promise<{ redis: OwnRedis; h: Harness; queue: Queue }> {
  const { redis, h } = await startOnOwnRedis('none', { queuePrefix, env });
  const queue = new Queue(QUEUE_NAME, {
    connection: { url: redis.url, maxRetriesPerRequest: null },
    prefix: queuePrefix,
  });
  queue.on('error', () => undefined);
  return { redis, h, queue };
}

/** Until `n` jobs completed: a job the serial gate parked completes at once (serial-gate.ts). */
export async function untilCompleted(queue: Queue, n: number, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
    if (((await queue.getJobCounts('completed')).completed ?? 0) >= n) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/**
 * Waits until `p` logged `scan reported` for `acme/<name>` `times` times, then 1.5 s more, so a
 * straggling write lands before the test counts.
 */
export async function untilReported(
  p: ManagedProcess,
  name: string,
  times: number,
  what: string,
): Promise<void> {
  const re = new RegExp(`"repo":"acme/${name}"[^\\n]*"msg":"scan reported"`, 'g');
  await until(what, () => ((p.logs().match(re) ?? []).length >= times ? true : undefined), 45_000);
  await new Promise((r) => setTimeout(r, 1500));
}

/** Teardown of a BullMQ suite: its queue handle, its worker processes, the harness, its Redis. */
export async function closeAll(o: {
  queue: { close(): Promise<void> } | undefined;
  workers: readonly ManagedProcess[];
  h: Harness | undefined;
  redis: OwnRedis | undefined;
}): Promise<void> {
  await o.queue?.close();
  await Promise.all(o.workers.map((w) => w.stop('SIGKILL')));
  await o.h?.close();
  await o.redis?.close();
}

/** The requests the double got for one route, e.g. `POST …/check-runs`. */
export function sentTo(h: Harness, method: string, path: RegExp) {
  return h.gh.requests.filter((r) => r.method === method && path.test(r.path.split('?')[0]!));
}

/** Log lines of one repository `acme/<name>` (pino JSON, one per line). */
export function repoLogLines(h: Harness, name: string): string[] {
  return h.app
    .logs()
    .split('\n')
    .filter((l) => l.includes(`"repo":"acme/${name}"`));
}

/** A metric's value in the app's /metrics text (0 when the series is absent). */
export function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
