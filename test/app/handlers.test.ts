/**
 * Webhook handlers through `probot.receive` with recorded-shape payloads: each event maps to the
 * right job (or none), redeliveries are no-ops, malformed payloads are ignored without a crash, and
 * a job is ids and SHAs only. GitHub is nock at the HTTP level (installation events look repos up).
 */
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { registerHandlers } from '../../src/app/handlers.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import type { ScanJob } from '../../src/queue/scan-job.js';
import {
  checkRunEvent,
  installationCreatedEvent,
  installationRepositoriesAddedEvent,
  pullRequestEvent,
  pushEvent,
  type RepoRef,
} from '../helpers/webhooks.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const repo: RepoRef = { owner: 'acme', name: 'app', cloneUrl: 'https://github.com/acme/app.git' };
const HEAD = 'b'.repeat(40);
const BASE = 'a'.repeat(40);
const ZERO = '0'.repeat(40);

function setup(): { probot: Probot; queue: InProcessQueue; added: ScanJob[]; ids: string[] } {
  const probot = new Probot({
    appId: 1,
    privateKey: PEM,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    logLevel: 'fatal',
  });
  // A real in-process queue that is never started: jobs stay queued for inspection.
  const queue = new InProcessQueue({ concurrency: 1 });
  const added: ScanJob[] = [];
  const ids: string[] = [];
  const add = queue.add.bind(queue);
  queue.add = async (job) => {
    const r = await add(job);
    if (!r.duplicate) added.push(job);
    ids.push(r.id);
    return r;
  };
  registerHandlers(probot, queue);
  return { probot, queue, added, ids };
}

const receive = (p: Probot, name: string, payload: unknown, id = 'd1') =>
  p.receive({ id, name, payload } as never);

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

test('pull_request opened then redelivered: one job, base..head, ids and SHAs only', async () => {
  const { probot, added, ids, queue } = setup();
  const ev = pullRequestEvent(repo, { number: 7, headSha: HEAD, baseSha: BASE });
  await receive(probot, 'pull_request', ev, 'delivery-1');
  await receive(probot, 'pull_request', ev, 'delivery-2'); // GitHub redelivery: new delivery id
  expect(added).toHaveLength(1);
  expect(ids[0]).toBe(ids[1]);
  expect(added[0]).toMatchObject({
    kind: 'pull_request',
    installationId: 4242,
    owner: 'acme',
    repo: 'app',
    repoId: 501,
    pr: 7,
    headSha: HEAD,
    baseSha: BASE,
  });
  // The payload's clone_url never reaches the job: the worker fetches from the configured GitHub.
  expect(added[0]).not.toHaveProperty('cloneUrl');
  const json = JSON.stringify(added[0]);
  expect(json).not.toMatch(/token|secret|private|"body"|content/i);
  expect(await queue.depth()).toBe(1);
  // A new head is a new scan.
  await receive(
    probot,
    'pull_request',
    pullRequestEvent(repo, {
      action: 'synchronize',
      number: 7,
      headSha: 'c'.repeat(40),
      baseSha: BASE,
    }),
  );
  expect(added).toHaveLength(2);
  await queue.close();
});

test('push: before..after, new branch without base, deleted refs ignored', async () => {
  const { probot, added, queue } = setup();
  await receive(
    probot,
    'push',
    pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: HEAD }),
  );
  await receive(
    probot,
    'push',
    pushEvent(repo, { ref: 'refs/heads/new', before: ZERO, after: HEAD }),
  );
  await receive(
    probot,
    'push',
    pushEvent(repo, { ref: 'refs/heads/gone', before: HEAD, after: ZERO }),
  );
  await receive(
    probot,
    'push',
    pushEvent(repo, { ref: 'refs/heads/f', before: BASE, after: HEAD, forced: true }),
  );
  expect(added.map((j) => [j.ref, j.baseSha, j.forced ?? false])).toEqual([
    ['refs/heads/main', BASE, false],
    ['refs/heads/new', undefined, false],
    ['refs/heads/f', BASE, true],
  ]);
  await queue.close();
});

test('malformed payloads are ignored, never crash', async () => {
  const { probot, added, queue } = setup();
  const bad = pullRequestEvent(repo, { number: 7, headSha: 'not-a-sha', baseSha: BASE });
  await receive(probot, 'pull_request', bad);
  await receive(probot, 'push', { ref: 'refs/heads/x', repository: null, installation: { id: 1 } });
  await receive(probot, 'check_run', { action: 'rerequested', check_run: 5 });
  expect(added).toHaveLength(0);
  await queue.close();
});

test('check_run rerequested and requested_action reverify rescan the head for that check run', async () => {
  const { probot, added, queue } = setup();
  await receive(
    probot,
    'check_run',
    checkRunEvent(repo, {
      action: 'rerequested',
      id: 99,
      headSha: HEAD,
      pr: { number: 7, baseSha: BASE },
    }),
  );
  await receive(
    probot,
    'check_run',
    checkRunEvent(repo, { action: 'requested_action', id: 99, headSha: HEAD }),
    'd2',
  );
  expect(added).toHaveLength(2);
  expect(added[0]).toMatchObject({ kind: 'pull_request', pr: 7, checkRunId: 99, headSha: HEAD });
  expect(added[1]).toMatchObject({ kind: 'push', checkRunId: 99, headSha: HEAD });
  await queue.close();
});

test('installation created or repositories added: one installation job, no API call in the webhook path', async () => {
  const { probot, added, queue } = setup();
  // nock has no interceptor: any request to GitHub would fail the handler.
  await receive(probot, 'installation', installationCreatedEvent(repo), 'inst-1');
  await receive(probot, 'installation', installationCreatedEvent(repo), 'inst-1'); // redelivery
  // The same signed body replayed under a fresh X-GitHub-Delivery (the signature does not cover
  // headers): not a second run of every repository's history scan.
  await receive(probot, 'installation', installationCreatedEvent(repo), 'replayed');
  await receive(
    probot,
    'installation_repositories',
    installationRepositoriesAddedEvent({ ...repo, id: 777 }),
    'inst-2',
  );
  expect(added).toEqual([
    expect.objectContaining({ kind: 'installation', installationId: 4242 }),
    expect.objectContaining({ kind: 'installation', installationId: 4242, repoIds: [777] }),
  ]);
  expect(added[0]!.repoIds).toBeUndefined();
  await queue.close();
});

test('removed repositories, a deleted repository or installation: their clones are cleaned', async () => {
  const probot = new Probot({
    appId: 1,
    privateKey: PEM,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    logLevel: 'fatal',
  });
  const queue = new InProcessQueue();
  const calls: [number, number[] | undefined][] = [];
  registerHandlers(probot, queue, { removed: async (i, r) => void calls.push([i, r]) });
  const installation = { id: 4242, account: { login: 'acme' } };
  await receive(probot, 'installation_repositories', {
    action: 'removed',
    installation,
    repositories_added: [],
    repositories_removed: [
      { id: 11, full_name: 'acme/a' },
      { id: 12, full_name: 'acme/b' },
    ],
  });
  await receive(probot, 'repository', {
    action: 'deleted',
    installation,
    repository: { id: 13, full_name: 'acme/c' },
  });
  await receive(probot, 'installation', { action: 'deleted', installation });
  expect(calls).toEqual([
    [4242, [11, 12]],
    [4242, [13]],
    [4242, undefined],
  ]);
  expect(await queue.depth()).toBe(0);
  await queue.close();
});

test('hostile repository names are not enqueued; a hostile clone_url is ignored', async () => {
  const { probot, added, queue } = setup();
  const evil = { ...repo, cloneUrl: 'http://127.0.0.1:9/evil/repo.git' };
  await receive(
    probot,
    'pull_request',
    pullRequestEvent(evil, { number: 1, headSha: HEAD, baseSha: BASE }),
  );
  expect(added).toHaveLength(1);
  expect(JSON.stringify(added[0])).not.toContain('127.0.0.1');
  for (const fullName of ['acme/../x', 'acme/app/x', 'evil.com@acme/app', 'acme/a?b', 'acme']) {
    const ev = pullRequestEvent(repo, { number: 2, headSha: HEAD, baseSha: BASE });
    (ev.repository as Record<string, unknown>).full_name = fullName;
    await receive(probot, 'pull_request', ev);
  }
  expect(added).toHaveLength(1);
  await queue.close();
});

test('a check_suite Re-run after the scan completed is a new job, not a duplicate', async () => {
  const { probot, added, queue } = setup();
  const ev = pullRequestEvent(repo, { number: 7, headSha: HEAD, baseSha: BASE });
  await receive(probot, 'pull_request', ev, 'delivery-1');
  const suite = {
    action: 'rerequested',
    check_suite: {
      head_sha: HEAD,
      head_branch: 'feature',
      pull_requests: [{ number: 7, base: { sha: BASE } }],
    },
    repository: ev.repository,
    installation: ev.installation,
  };
  await receive(probot, 'check_suite', suite, 'rerun-1');
  // A second click on Re-run later: the suite's state in the payload has changed.
  const later = {
    ...suite,
    check_suite: { ...suite.check_suite, updated_at: '2025-01-02T00:00:00Z' },
  };
  await receive(probot, 'check_suite', later, 'rerun-2');
  // The first one replayed under a fresh X-GitHub-Delivery: a duplicate, not one more scan.
  await receive(probot, 'check_suite', suite, 'replayed');
  expect(added.map((j) => [j.kind, j.pr, j.rerun ?? false])).toEqual([
    ['pull_request', 7, false],
    ['pull_request', 7, true],
    ['pull_request', 7, true],
  ]);
  await queue.close();
});

test('malformed removal events are ignored, never crash', async () => {
  const { probot, queue } = setup();
  const removed: [number, number[] | undefined][] = [];
  registerHandlers(probot, queue, {
    removed: async (inst, ids) => {
      removed.push([inst, ids]);
    },
  });
  const installation = { id: 9 };
  // Each of these threw a TypeError in the handler (Probot answers 500): a field missing or null.
  await receive(probot, 'installation_repositories', { action: 'removed', installation });
  await receive(probot, 'installation_repositories', {
    action: 'removed',
    installation,
    repositories_removed: [null, { id: 'x' }],
  });
  await receive(probot, 'installation_repositories', {
    action: 'removed',
    repositories_removed: [{ id: 3 }],
  });
  await receive(probot, 'installation', { action: 'deleted' });
  await receive(probot, 'installation', { action: 'deleted', installation: null });
  await receive(probot, 'repository', { action: 'deleted', installation });
  await receive(probot, 'repository', { action: 'deleted', installation, repository: null });
  expect(removed).toEqual([]);
  // A well-formed one still removes (the registration of setup() has no removal hook).
  await receive(probot, 'repository', { action: 'deleted', installation, repository: { id: 4 } });
  expect(removed).toEqual([[9, [4]]]);
  await queue.close();
});

test('an annotated tag push is scanned at the tagged commit, not at the tag object', async () => {
  // For an annotated tag GitHub's `after` is the tag object; a check run on it is refused (422
  // "No commit found for SHA"). `head_commit` is the commit the tag points to.
  const { probot, added, queue } = setup();
  const TAG_OBJECT = 'c'.repeat(40);
  const ev = pushEvent(repo, { ref: 'refs/tags/v1.0.0', before: ZERO, after: TAG_OBJECT });
  await receive(probot, 'push', { ...ev, head_commit: { id: HEAD } });
  // A lightweight tag or a branch: `after` is the commit itself.
  const light = pushEvent(repo, { ref: 'refs/tags/v1.0.1', before: ZERO, after: HEAD });
  await receive(probot, 'push', { ...light, head_commit: { id: HEAD } }, 'd2');
  const branch = pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: HEAD });
  await receive(probot, 'push', { ...branch, head_commit: { id: 'd'.repeat(40) } }, 'd3');
  // The tag object travels too: its message is scanned with the tagged commits.
  expect(added.map((j) => [j.ref, j.headSha, j.tagObject])).toEqual([
    ['refs/tags/v1.0.0', HEAD, TAG_OBJECT],
    ['refs/tags/v1.0.1', HEAD, undefined],
    ['refs/heads/main', HEAD, undefined],
  ]);
  await queue.close();
});

describe('hostile webhook fields', () => {
  const pr = (patch: (ev: Record<string, unknown>) => void): Record<string, unknown> => {
    const ev = pullRequestEvent(repo, { number: 7, headSha: HEAD, baseSha: BASE });
    patch(ev);
    return ev;
  };
  const prOf = (ev: Record<string, unknown>) => ev.pull_request as Record<string, unknown>;

  test('names that are not GitHub names are not enqueued (full_name, or owner.login + name)', async () => {
    const { probot, added, queue } = setup();
    const fullNames = [
      'acme/%2e%2e',
      'acme/.',
      'acme/a\nb',
      'acme/app\n',
      'acme\n/app',
      'acme/app\u0000',
      'acme/аpp', // Cyrillic a
      'acme/app%2f..',
      '-acme/app',
      'acme/app ',
      '',
    ];
    for (const [i, fullName] of fullNames.entries())
      await receive(
        probot,
        'pull_request',
        pr((ev) => ((ev.repository as Record<string, unknown>).full_name = fullName)),
        `n${i}`,
      );
    // Without full_name, owner.login and name are held to the same rules.
    for (const [i, [login, name]] of [
      ['acme', '..'],
      ['acme/x', 'app'],
      ['evil.com@acme', 'app'],
      ['acme', 'app/../../x'],
      [['acme'], 'app'],
    ].entries())
      await receive(
        probot,
        'pull_request',
        pr((ev) => {
          const r = ev.repository as Record<string, unknown>;
          delete r.full_name;
          r.owner = { login };
          r.name = name;
        }),
        `l${i}`,
      );
    expect(added).toEqual([]);
    await queue.close();
  });

  test('numbers that are not positive integers (PR number, installation id, repository id) are not enqueued', async () => {
    const { probot, added, queue } = setup();
    // (An installation id that is a string or an object fails in Probot before any handler:
    // the endpoint refuses those with 400, test/app/webhook-limits.test.ts.)
    const bad = [1.5, -3, 0, 1e21, Number.MAX_SAFE_INTEGER + 2, null, [7]];
    let d = 0;
    const inst = (v: unknown) => (ev: Record<string, unknown>) =>
      ((ev.installation as Record<string, unknown>).id = v);
    for (const v of [...bad, '7', { n: 7 }]) {
      await receive(
        probot,
        'pull_request',
        pr((ev) => ((ev.number = v), (prOf(ev).number = v))),
        `p${d++}`,
      );
      await receive(
        probot,
        'pull_request',
        pr((ev) => ((ev.repository as Record<string, unknown>).id = v)),
        `p${d++}`,
      );
      const rerun = checkRunEvent(repo, {
        action: 'rerequested',
        id: 99,
        headSha: HEAD,
        pr: { number: 7, baseSha: BASE },
      });
      (
        (rerun.check_run as Record<string, unknown>).pull_requests as Record<string, unknown>[]
      )[0]!.number = v;
      (rerun.check_run as Record<string, unknown>).id = v;
      await receive(probot, 'check_run', rerun, `p${d++}`);
    }
    // A Re-run whose PR number or check run id is unusable is still a Re-run of that head, without them.
    expect(added.map((j) => [j.kind, j.pr, j.checkRunId])).toEqual(
      Array.from({ length: bad.length + 2 }, () => ['push', undefined, undefined]),
    );
    added.length = 0;
    for (const v of bad) {
      await receive(probot, 'pull_request', pr(inst(v)), `p${d++}`);
      await receive(
        probot,
        'push',
        {
          ...pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: HEAD }),
          installation: { id: v },
        },
        `p${d++}`,
      );
      await receive(
        probot,
        'installation',
        { ...installationCreatedEvent(repo), installation: { id: v } },
        `p${d++}`,
      );
    }
    expect(added).toEqual([]);
    await queue.close();
  });

  test('SHAs: all zeros, upper case, short or with a suffix are no head to scan', async () => {
    const { probot, added, queue } = setup();
    const bad = [
      ZERO,
      HEAD.toUpperCase(),
      HEAD.slice(1),
      `${HEAD}\n`,
      `${HEAD}^`,
      `-${HEAD.slice(1)}`,
      `--upload-pack=x`,
    ];
    let d = 0;
    for (const sha of bad) {
      await receive(
        probot,
        'pull_request',
        pr((ev) => ((prOf(ev).head as Record<string, unknown>).sha = sha)),
        `s${d++}`,
      );
      await receive(
        probot,
        'push',
        pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: sha }),
        `s${d++}`,
      );
      await receive(
        probot,
        'check_run',
        checkRunEvent(repo, { action: 'rerequested', id: 99, headSha: sha }),
        `s${d++}`,
      );
    }
    expect(added).toEqual([]);
    // A hostile base is dropped, not used: the head is still scanned (against no base).
    await receive(
      probot,
      'pull_request',
      pr((ev) => ((prOf(ev).base as Record<string, unknown>).sha = '--output=/tmp/x')),
      'base',
    );
    expect(added.map((j) => [j.headSha, j.baseSha])).toEqual([[HEAD, undefined]]);
    await queue.close();
  });

  test("a fork's head repository and every URL of the payload stay out of the job", async () => {
    const { probot, added, queue } = setup();
    const evil = 'https://evil.example/x.git';
    await receive(
      probot,
      'pull_request',
      pr((ev) => {
        const head = prOf(ev).head as Record<string, unknown>;
        head.repo = {
          full_name: 'evil/fork',
          clone_url: evil,
          html_url: evil,
          owner: { login: 'evil' },
        };
        const r = ev.repository as Record<string, unknown>;
        Object.assign(r, {
          clone_url: evil,
          git_url: 'git://evil.example/x.git',
          ssh_url: 'git@evil.example:x.git',
          url: 'https://evil.example/api',
          html_url: 'https://evil.example/phish',
          mirror_url: evil,
        });
      }),
    );
    expect(added).toHaveLength(1);
    expect(JSON.stringify(added[0])).not.toMatch(/evil/);
    await queue.close();
  });

  test('arrays, nulls and wrong types where objects are expected: no job, no crash (the delivery is answered)', async () => {
    const { probot, added, queue } = setup();
    const installation = { id: 4242, account: { login: 'acme' } };
    const deliveries: [string, unknown][] = [
      [
        'installation_repositories',
        { action: 'added', installation, repositories_added: [null, 5, 'x'] },
      ],
      [
        'installation_repositories',
        { action: 'added', installation, repositories_added: { id: 5 } },
      ],
      ['installation', { action: 'created', installation: [installation] }],
      [
        'pull_request',
        {
          ...pullRequestEvent(repo, { number: 7, headSha: HEAD, baseSha: BASE }),
          pull_request: [],
        },
      ],
      [
        'push',
        {
          ...pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: HEAD }),
          ref: ['refs/heads/main'],
        },
      ],
      [
        'push',
        {
          ...pushEvent(repo, { ref: 'refs/heads/main', before: BASE, after: HEAD }),
          repository: [],
        },
      ],
      [
        'check_suite',
        {
          action: 'rerequested',
          check_suite: { head_sha: HEAD, pull_requests: {} },
          repository: [],
          installation,
        },
      ],
    ];
    for (const [i, [name, payload]] of deliveries.entries())
      await expect(receive(probot, name, payload, `a${i}`)).resolves.toBeUndefined();
    expect(added).toEqual([]);
    // A list with one usable repository among junk still scans that one.
    await receive(
      probot,
      'installation_repositories',
      {
        action: 'added',
        installation,
        repositories_added: [null, { id: 'x' }, { id: 77 }],
      },
      'ok',
    );
    expect(added.map((j) => j.repoIds)).toEqual([[77]]);
    await queue.close();
  });
});
