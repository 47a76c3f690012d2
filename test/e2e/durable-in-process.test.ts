/**
 * In-process mode (no Redis) as a process: a restart mid-backlog loses no queued scan. The app is
 * stopped with SIGTERM (finishes the running job, leaves the rest in the journal) and with SIGKILL
 * (the running job is replayed too), restarted on the same cache dir, and every pushed head ends
 * up with a completed check run. A second process on the same data directory is refused until the
 * first is gone (it used to rewrite the journal under the first, losing its acknowledged adds).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from '../helpers/app-process.js';
import { createRepo } from '../helpers/git-repo.js';
import {
  basicAuthHeader,
  startGitHttpServer,
  type GitHttpServer,
} from '../helpers/git-http-server.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { deliver, pushEvent, type RepoRef } from '../helpers/webhooks.js';
import { until } from './harness.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const ZERO = '0'.repeat(40);
let gh: GitHubDouble;
let git: GitHttpServer;
let cacheDir: string;
/** The journals live in the data directory (src/git/cache-dir.ts): kept across restarts too. */
let dataDir: string;
const apps: AppProcess[] = [];
const repo = createRepo();

beforeAll(async () => {
  [gh, git] = await Promise.all([startGitHubDouble({ latencyMs: 120 }), startGitHttpServer()]);
  git.requireAuth((h) => h === 'Bearer pusher' || gh.tokens.some((t) => h === basicAuthHeader(t)));
  // The App fetches from GHE_HOST only (never the payload's clone_url): the double serves git.
  gh.serveGitFrom(git.baseUrl);
  repo.write('README.md', '# durable\n');
  repo.commit('initial');
}, 30_000);
afterAll(async () => {
  for (const a of apps) await a.stop('SIGKILL');
  await Promise.all([gh.close(), git.close()]);
  repo.cleanup();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<AppProcess> {
  const app = await startApp({
    githubHost: gh.host,
    cacheDir,
    webhookSecret: 'durable-secret',
    env: { UPSTASH_GUARD_CONCURRENCY: '1', UPSTASH_GUARD_DATA_DIR: dataDir },
  });
  apps.push(app);
  return app;
}

async function backlog(
  name: string,
  count: number,
  app: AppProcess,
  status = 200,
): Promise<string[]> {
  const heads: string[] = [];
  for (let i = 0; i < count; i++) {
    git.createBare('acme', `${name}${i}`);
    const target: RepoRef = {
      owner: 'acme',
      name: `${name}${i}`,
      id: 9000 + heads.length + (name === 'k' ? 100 : 0),
      cloneUrl: git.cloneUrl('acme', `${name}${i}`),
    };
    gh.addRepo({ owner: 'acme', name: target.name, id: target.id!, cloneUrl: target.cloneUrl });
    repo.write('n.txt', `${name}${i}\n`);
    const head = repo.commit(`${name}${i}`);
    await promisify(execFile)(
      'git',
      [
        '-c',
        'http.extraHeader=Authorization: Bearer pusher',
        'push',
        '-q',
        target.cloneUrl,
        `HEAD:refs/heads/main`,
      ],
      {
        cwd: repo.dir,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      },
    );
    const res = await deliver(
      app.webhookUrl,
      'push',
      pushEvent(target, { ref: 'refs/heads/main', before: ZERO, after: head }),
      { secret: app.webhookSecret },
    );
    expect(res.status).toBe(status);
    heads.push(head);
  }
  return heads;
}

const completed = (heads: string[]): number =>
  heads.filter((h) => gh.checkRuns.some((c) => c.head_sha === h && c.status === 'completed'))
    .length;

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`${signal} mid-backlog: every queued scan runs after the restart`, async () => {
    cacheDir = mkdtempSync(join(tmpdir(), `ug-durable-${signal}-`));
    dataDir = mkdtempSync(join(tmpdir(), `ug-durable-data-${signal}-`));
    const first = await start();
    const heads = await backlog(signal === 'SIGTERM' ? 't' : 'k', 8, first);
    await until('the first scan', () => (completed(heads) >= 1 ? true : undefined), 30_000);
    await first.stop(signal);
    const done = completed(heads);
    expect(done).toBeLessThan(heads.length); // there was a backlog to lose
    const second = await start();
    await until(
      'every head reported',
      () => (completed(heads) === heads.length ? true : undefined),
      60_000,
    );
    expect(second.logs()).toMatch(/restored queued scans from the journal/);
    await second.stop('SIGTERM');
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
}

// SIGKILL while the journal was being written: the last line, the `done` of a job already
// reported, is torn. The restart skips the torn line (and says so), replays that job without a
// second run or a second write, and runs every queued scan.
test("SIGKILL with the journal's last line torn (a done being written): the reported job is replayed without a second run, the backlog runs", async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'ug-durable-torn-'));
  dataDir = mkdtempSync(join(tmpdir(), 'ug-durable-data-torn-'));
  const first = await start();
  const heads = await backlog('torn', 6, first);
  await until('the first scan', () => (completed(heads) >= 1 ? true : undefined), 30_000);
  const path = join(dataDir, 'queue', 'queue.journal');
  // The job's `done` is journalled after its report (comments come after the check run): on a
  // loaded machine the kill could land in between, with no `done` to tear.
  await until(
    "a reported job's done in the journal",
    () => (readFileSync(path, 'utf8').includes('"op":"done"') ? true : undefined),
    30_000,
  );
  await first.stop('SIGKILL');
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  const lastDone = lines
    .map((l) => JSON.parse(l) as { op: string })
    .findLastIndex((e) => e.op === 'done');
  expect(lastDone).toBeGreaterThanOrEqual(0);
  const torn = lines[lastDone]!;
  writeFileSync(
    path,
    lines
      .filter((_, i) => i !== lastDone)
      .map((l) => `${l}\n`)
      .join(''),
  );
  appendFileSync(path, torn.slice(0, Math.floor(torn.length / 2)));
  const before = gh.checkRuns.map((c) => ({ id: c.id, writes: c.history.length }));
  const second = await start();
  await until(
    'every head reported',
    () => (completed(heads) === heads.length ? true : undefined),
    60_000,
  );
  await second.waitForLog(/queue journal: skipped lines that are not entries/, 10_000);
  // Let the replayed job finish before counting.
  await until(
    'the queue drained',
    () =>
      (second.logs().match(/"msg":"scan reported"/g) ?? []).length >=
      heads.length - before.length + 1
        ? true
        : undefined,
    30_000,
  );
  await new Promise((r) => setTimeout(r, 1000));
  for (const h of heads)
    expect(gh.checkRuns.filter((c) => c.head_sha === h).map((c) => c.status)).toEqual([
      'completed',
    ]);
  // The runs that existed before the restart were not written again.
  for (const b of before)
    expect(gh.checkRuns.find((c) => c.id === b.id)!.history).toHaveLength(b.writes);
  await second.stop('SIGTERM');
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

test('a second app process on the same data directory is refused (503, not ready) until the first is gone, then takes over', async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'ug-durable-shared-'));
  dataDir = mkdtempSync(join(tmpdir(), 'ug-durable-data-shared-'));
  const first = await start();
  const second = await start();
  await second.waitForLog(
    new RegExp(`held by process ${first.child.pid}[^\\n]*queue journal cannot be opened`),
  );
  expect((await fetch(`${second.baseUrl}/readyz`)).status).toBe(503);
  const [refusedHead] = await backlog('s', 1, second, 503);
  // The first process is undisturbed.
  const heads = await backlog('f', 2, first);
  await until('the first process reports', () =>
    completed(heads) === heads.length ? true : undefined,
  );
  expect((await fetch(`${first.baseUrl}/readyz`)).status).toBe(200);
  // It dies; the second takes the journal over and GitHub's redelivery is scanned there.
  await first.stop('SIGKILL');
  await second.waitForLog(/queue journal opened/, 30_000);
  expect((await fetch(`${second.baseUrl}/readyz`)).status).toBe(200);
  const res = await deliver(
    second.webhookUrl,
    'push',
    pushEvent(
      { owner: 'acme', name: 's0', id: 9000, cloneUrl: git.cloneUrl('acme', 's0') },
      { ref: 'refs/heads/main', before: ZERO, after: refusedHead! },
    ),
    { secret: second.webhookSecret },
  );
  expect(res.status).toBe(200);
  await until('the redelivered push reported', () =>
    completed([refusedHead!]) === 1 ? true : undefined,
  );
  await second.stop('SIGTERM');
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);
