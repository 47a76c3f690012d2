/**
 * The installation-level job against the loopback GitHub double: it pages
 * `GET /installation/repositories`, enqueues one history job per repository without any
 * per-repository request, and a retry after a crash re-adds the same ids (no duplicates).
 */
import { ProbotOctokit } from 'probot';
import pino from 'pino';
import { processInstallJob } from '../../src/queue/install-job.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import type { ScanJob } from '../../src/queue/scan-job.js';
import type { GitHubClient } from '../../src/github/types.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

let gh: GitHubDouble;
beforeAll(async () => {
  gh = await startGitHubDouble({ latencyMs: 5 });
  for (let i = 0; i < 250; i++)
    gh.addRepo({ owner: 'acme', name: `r${i}`, cloneUrl: `http://127.0.0.1:9/acme/r${i}.git` });
});
afterAll(() => gh.close());

function client(): GitHubClient {
  const Octo = ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });
  return new Octo({ auth: { token: 't' }, baseUrl: gh.apiUrl }) as unknown as GitHubClient;
}

const installJob = (extra: Partial<ScanJob> = {}): ScanJob => ({
  kind: 'installation',
  installationId: 7,
  owner: 'acme',
  repo: '',
  repoId: 0,
  headSha: '',
  deliveryId: 'd-1',
  ...extra,
});

test('pages the repositories and enqueues one history job each, with no request per repository', async () => {
  const queue = new InProcessQueue();
  const added: ScanJob[] = [];
  const add = queue.add.bind(queue);
  queue.add = async (j) => {
    const r = await add(j);
    if (!r.duplicate) added.push(j);
    return r;
  };
  const before = gh.requests.length;
  const deps = { auth: async () => ({ gh: client() }), queue, log: pino({ level: 'silent' }) };
  const stats = await processInstallJob(installJob(), deps);
  expect(stats).toMatchObject({ enqueued: 250, duplicates: 0 });
  const sent = gh.requests.slice(before);
  expect(sent.map((r) => r.path)).toEqual([
    '/installation/repositories?per_page=100',
    expect.stringMatching(/page=2/),
    expect.stringMatching(/page=3/),
  ]);
  expect(new Set(added.map((j) => j.repoId)).size).toBe(250);
  expect(added[0]).toMatchObject({ kind: 'history', headSha: '', defaultBranch: 'main' });
  // A retry (the worker died after enqueuing part of it) adds nothing twice.
  const again = await processInstallJob(installJob(), deps);
  expect(again).toMatchObject({ enqueued: 0, duplicates: 250 });
  await queue.close();
});

test('installation_repositories.added: only the added repositories', async () => {
  const queue = new InProcessQueue();
  const ids = [...Array(3)].map((_, i) => 501 + 100 + i);
  const deps = { auth: async () => ({ gh: client() }), queue, log: pino({ level: 'silent' }) };
  const stats = await processInstallJob(installJob({ repoIds: ids, deliveryId: 'd-2' }), deps);
  expect(stats.enqueued).toBe(3);
  await queue.close();
});
