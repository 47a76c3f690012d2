/**
 * One seeded chaos run (docs/app.md, "Delivery guarantees"): the App in BullMQ mode on a private
 * Redis, one or two worker processes, the GitHub double and the git server (or, in `in-process`
 * mode, the App alone with its queue journalled in its data dir). For `activeMs` it
 * sends a seeded mix of clean and leaking pushes and pull requests over several repositories,
 * and meanwhile injects seeded faults: GitHub 5xx windows on writes (some carried out and answered
 * 502), 429 and secondary-rate-limit 403 with Retry-After, token mints answered 401, workers
 * SIGKILLed, the App SIGKILLed or SIGTERMed, Redis killed and restarted (empty, or with AOF).
 * A delivery that is not answered 2xx is redelivered, as one does from the App's settings.
 * With `installs`, installation events (`installation.created`, `installation_repositories.added`)
 * over repositories of their own, the listing paged one repository at a time, and kills aimed at
 * the paging. With `gitFaults`, the git server fails the App's fetches: 5xx windows, packs cut
 * mid-way, slow answers and a pack that stalls for seconds before its first byte.
 * Then the faults stop, the run waits for quiescence and checks what the double recorded.
 *
 * The same seed draws the same schedule; timings on a loaded machine still vary, so a failing
 * seed is a lead to minimise into a deterministic test, not a test by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';

import { QUEUE_NAME } from '../../src/queue/bullmq-queue.js';
import { startApp, type AppProcess, type ManagedProcess } from '../helpers/app-process.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import {
  basicAuthHeader,
  startGitHttpServer,
  type GitFailure,
} from '../helpers/git-http-server.js';
import { startGitHubDouble, type InjectedFailure } from '../helpers/github-double.js';
import { startOwnRedis } from '../helpers/redis-server.js';
import { mulberry32 } from '../helpers/seeded-random.js';
import { redisTokenParts } from '../helpers/synthetic.js';
import {
  deliver,
  installationCreatedEvent,
  installationRepositoriesAddedEvent,
  pullRequestEvent,
  pushEvent,
  type RepoRef,
} from '../helpers/webhooks.js';
import { envCredential } from '../e2e/harness.js';

const run = promisify(execFile);
const ZERO = '0'.repeat(40);
const PUSHER = 'chaos-pusher';

export interface ChaosOptions {
  /** How long events are sent and faults injected. */
  activeMs: number;
  /** Events (pushes and PR updates) sent over `activeMs`. */
  events: number;
  /** How long the run may take to settle after the faults stop. */
  settleMs?: number;
  /** Progress lines (the schedule as it happens). */
  log?: (line: string) => void;
  /**
   * `bullmq` (default): the App, 1–2 worker processes and a private Redis. `in-process`: no
   * REDIS_URL, the App alone, its queue and install runs journalled in its data dir; the process
   * faults are then App SIGKILL/SIGTERM, restarted on the same data dir.
   */
  mode?: 'bullmq' | 'in-process';
  /** Installation events over install-only repositories (see the header). */
  installs?: boolean;
  /** Git server faults on the App's fetches (see the header). */
  gitFaults?: boolean;
}

export interface ChaosResult {
  seed: number;
  violations: string[];
  /** What happened, for the report: fault and event counts. */
  stats: Record<string, number>;
  /** The schedule as it ran, to read next to a violation. */
  trace: string[];
  /** Every process's log, for a failing seed's post-mortem. */
  logs: string;
  /** The double's check runs and every write it was sent, for the same. */
  github: string[];
}

/** A branch pushed with webhooks, or a pull request: what its final report must say. */
interface Subject {
  repo: string;
  kind: 'push' | 'pr';
  /** Branch name (push) or PR number. */
  key: string;
  heads: string[];
  /** Per head: whether the commits that update brought added a credential. */
  leakyUpdate: boolean[];
  base: string;
  /** Commits that add a credential, with that credential's token (to grep outputs for) and file. */
  leaks: Array<{ sha: string; token: string; path: string }>;
}

/** A repository installed by an installation event: scanned once per run, reported if leaking. */
interface InstallRepo {
  ref: RepoRef;
  head: string;
  leaks: Array<{ sha: string; token: string }>;
}

/** One installation delivery (one run, docs/app.md "Installation results"). */
interface InstallEvent {
  label: string;
  installationId: number;
  repos: InstallRepo[];
  sent: boolean;
}

interface Repo {
  ref: RepoRef;
  git: TestRepo;
  main: string;
  /** Serialises git work in the one working tree. */
  chain: Promise<void>;
}

export async function runChaos(seed: number, opts: ChaosOptions): Promise<ChaosResult> {
  // One generator per loop: the loops interleave by timing, which must not change what each draws.
  const gen = (n: number): (() => number) => mulberry32(seed * 7919 + n);
  const setupRng = gen(1);
  const eventRng = gen(2);
  const gitHubRng = gen(3);
  const processRng = gen(4);
  const deliveryRng = gen(5);
  const installRng = gen(6);
  const gitRng = gen(7);
  const mode = opts.mode ?? 'bullmq';
  const inProcess = mode === 'in-process';
  const pick = <T>(g: () => number, xs: readonly T[]): T => xs[Math.floor(g() * xs.length)]!;
  const between = (g: () => number, lo: number, hi: number): number =>
    Math.round(lo + g() * (hi - lo));
  const trace: string[] = [];
  const t0 = Date.now();
  const note = (line: string): void => {
    const l = `+${((Date.now() - t0) / 1000).toFixed(1)}s ${line}`;
    trace.push(l);
    opts.log?.(l);
  };
  const stats: Record<string, number> = {};
  const count = (k: string): void => {
    stats[k] = (stats[k] ?? 0) + 1;
  };

  const persistence = setupRng() < 0.5 ? 'none' : 'aof';
  note(
    `seed ${seed}: ${inProcess ? 'in-process' : `redis persistence ${persistence}`}` +
      `${opts.installs ? ', installs' : ''}${opts.gitFaults ? ', git faults' : ''}`,
  );
  const redis = inProcess ? undefined : await startOwnRedis({ persistence });
  const [gh, git] = await Promise.all([startGitHubDouble(), startGitHttpServer()]);
  gh.serveGitFrom(git.baseUrl);
  git.requireAuth(
    (h) => h === `Bearer ${PUSHER}` || gh.tokens.some((t) => h === basicAuthHeader(t)),
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'ug-chaos-data-'));
  const cacheDir = mkdtempSync(join(tmpdir(), 'ug-chaos-cache-'));
  const queuePrefix = `ug-chaos-${seed}`;
  const webhookSecret = `chaos-${seed}`;
  const appEnv = {
    UPSTASH_GUARD_DATA_DIR: dataDir,
    UPSTASH_GUARD_BACKOFF_MS: '300',
    UPSTASH_GUARD_BACKOFF_MAX_MS: '2000',
    // Faults last seconds: no job may run out of attempts here (that is another guarantee).
    UPSTASH_GUARD_ATTEMPTS: '200',
    // A killed worker's jobs come back within seconds, and a busy 2-core machine does not miss
    // lock renewals (a missed one is a stall, and a job stalled three times fails for good).
    UPSTASH_GUARD_STALLED_INTERVAL_MS: '1500',
    UPSTASH_GUARD_LOCK_DURATION_MS: '5000',
    UPSTASH_GUARD_QUEUE_RECONCILE_MS: '1000',
    UPSTASH_GUARD_ENQUEUE_TIMEOUT_MS: '1500',
    UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: String(pick(setupRng, [0, 0, 200, 5000])),
    // A fetch whose connection goes quiet is given up on after this (production: 60 s); the git
    // faults leave some connections open and silent (bullmq-install seeds 6 and 13).
    UPSTASH_GUARD_GIT_STALL_SECONDS: '5',
  };
  const logs: string[] = [];
  const startTheApp = (): Promise<AppProcess> =>
    startApp({
      githubHost: gh.host,
      ...(redis ? { redisUrl: redis.url, queuePrefix } : {}),
      webhookSecret,
      cacheDir,
      env: appEnv,
    });
  let app = await startTheApp();
  const workers: ManagedProcess[] = [];
  const startWorker = async (): Promise<void> => {
    workers.push(await app.startWorker());
  };
  const workerCount = inProcess ? 0 : pick(setupRng, [1, 2]);
  for (let i = 0; i < workerCount; i++) await startWorker();
  if (!inProcess) note(`${workerCount} worker(s)`);

  // Repositories, each with a clean main pushed without a webhook (the base of every branch).
  const repos: Repo[] = [];
  const repoCount = between(setupRng, 2, 4);
  for (let i = 0; i < repoCount; i++) {
    const name = `chaos${i}`;
    git.createBare('acme', name);
    const cloneUrl = gh.cloneUrl('acme', name);
    // Installation 4242 (the events' default), never listed by an installation event here.
    gh.addRepo({ owner: 'acme', name, id: 9100 + i, cloneUrl, installationId: 4242 });
    const ref: RepoRef = { owner: 'acme', name, id: 9100 + i, cloneUrl };
    const r = createRepo();
    r.write('README.md', `# ${name} ${seed}\n`);
    const main = r.commit('initial');
    repos.push({ ref, git: r, main, chain: Promise.resolve() });
    await pushRefs(r, ref, 'main');
  }

  // Installations (own generator): installation 4300 is installed whole (`created`), 4301 has its
  // repositories added in two deliveries. Each repository's main has 1–3 commits, some leaking; a
  // history scan reports only a leaking one (one check run on its head, no comment).
  const installs: InstallEvent[] = [];
  const installGits: TestRepo[] = [];
  if (opts.installs) {
    let nextId = 0;
    const makeRepos = async (installationId: number, n: number): Promise<InstallRepo[]> => {
      const out: InstallRepo[] = [];
      for (let i = 0; i < n; i++) {
        const k = nextId++;
        const name = `inst${installationId}-${k}`;
        git.createBare('acme', name);
        const cloneUrl = gh.cloneUrl('acme', name);
        const id = 9200 + k;
        gh.addRepo({ owner: 'acme', name, id, cloneUrl, installationId });
        const ref: RepoRef = { owner: 'acme', name, id, cloneUrl, installationId };
        const r = createRepo();
        installGits.push(r);
        r.write('README.md', `# ${name} ${seed}\n`);
        r.commit('initial');
        const leaks: InstallRepo['leaks'] = [];
        const commits = between(installRng, 1, 3);
        for (let c = 0; c < commits; c++) {
          if (installRng() < 0.3) {
            const leakSeed = `chaos-${seed}-inst-${k}-${c}`;
            r.write(`app${c}/.env`, envCredential(leakSeed));
            leaks.push({
              sha: r.commit(`leak ${c}`),
              token: redisTokenParts({ seed: leakSeed }).token,
            });
          } else {
            r.write(`docs/${c}.md`, `doc ${c} of ${name}\n`);
            r.commit(`doc ${c}`);
          }
        }
        await pushRefs(r, ref, 'main');
        out.push({ ref, head: r.head(), leaks });
      }
      return out;
    };
    const whole = await makeRepos(4300, between(installRng, 2, 5));
    installs.push({
      label: 'installation.created 4300',
      installationId: 4300,
      repos: whole,
      sent: false,
    });
    const added = await makeRepos(4301, between(installRng, 2, 4));
    const cut = between(installRng, 1, added.length - 1);
    installs.push(
      { label: 'added 4301 (1)', installationId: 4301, repos: added.slice(0, cut), sent: false },
      { label: 'added 4301 (2)', installationId: 4301, repos: added.slice(cut), sent: false },
    );
    // The listing is paged one repository at a time and slowly, so kills land mid-paging.
    gh.setMaxPerPage(1);
    gh.hold({ method: 'GET', path: /^\/installation\/repositories/, ms: 250 });
    note(
      `installs: ${installs
        .map(
          (e) =>
            `${e.label} [${e.repos.map((r) => `${r.ref.name}${r.leaks.length ? '*' : ''}`).join(' ')}]`,
        )
        .join('; ')}`,
    );
  }

  // Deliveries: each is sent until it is answered 2xx (GitHub's "Redeliver"), and a few that were
  // answered 200 are sent once more (GitHub delivers at least once).
  let redeliveriesOpen = true;
  const pending = new Set<Promise<void>>();
  const undelivered: string[] = [];
  const send = (event: string, payload: unknown, label: string): void => {
    const p = (async () => {
      for (let attempt = 1; ; attempt++) {
        let status = 0;
        try {
          status = (await deliver(app.webhookUrl, event, payload, { secret: webhookSecret }))
            .status;
        } catch {
          status = 0; // the App is down, or died while answering
        }
        if (status >= 200 && status < 300) {
          if (deliveryRng() < 0.1) {
            count('duplicate delivery');
            await deliver(app.webhookUrl, event, payload, { secret: webhookSecret }).catch(
              () => undefined,
            );
          }
          return;
        }
        count(`delivery answered ${status}`);
        if (!redeliveriesOpen) {
          undelivered.push(`${label} (last answer ${status})`);
          return;
        }
        await sleep(between(deliveryRng, 300, 1500));
      }
    })();
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  // Subjects and their events.
  const subjects = new Map<string, Subject>();
  let nextPr = 1;
  let nextFile = 0;
  const addCommits = (r: Repo, subject: Subject): string => {
    const n = between(eventRng, 1, 2);
    const before = subject.leaks.length;
    for (let i = 0; i < n; i++) {
      const k = nextFile++;
      if (eventRng() < 0.35) {
        const leakSeed = `chaos-${seed}-${k}`;
        r.git.write(`svc${k}/.env`, envCredential(leakSeed));
        const sha = r.git.commit(`leak ${k}`);
        subject.leaks.push({
          sha,
          token: redisTokenParts({ seed: leakSeed }).token,
          path: `svc${k}/.env`,
        });
      } else {
        r.git.write(`notes/${k}.md`, `note ${k} of ${subject.key} (${seed})\n`);
        r.git.commit(`note ${k}`);
      }
    }
    const head = r.git.head();
    subject.heads.push(head);
    subject.leakyUpdate.push(subject.leaks.length > before);
    return head;
  };
  const event = async (r: Repo): Promise<void> => {
    const existing = [...subjects.values()].filter((s) => s.repo === r.ref.name);
    const again = existing.length > 0 && eventRng() < 0.4 ? pick(eventRng, existing) : undefined;
    const kind = again?.kind ?? (eventRng() < 0.5 ? 'push' : 'pr');
    if (kind === 'push') {
      const subject = again ?? {
        repo: r.ref.name,
        kind,
        key: `b${nextFile}`,
        heads: [],
        leakyUpdate: [],
        base: r.main,
        leaks: [],
      };
      subjects.set(`${r.ref.name}/${subject.kind}/${subject.key}`, subject);
      if (!again) r.git.branch(subject.key, r.main);
      r.git.checkout(subject.key);
      const before = subject.heads.at(-1) ?? ZERO;
      const after = addCommits(r, subject);
      await pushRefs(r.git, r.ref, subject.key);
      note(`push ${r.ref.name} ${subject.key} ${after.slice(0, 7)} leaks=${subject.leaks.length}`);
      count('push');
      send('push', pushEvent(r.ref, { ref: `refs/heads/${subject.key}`, before, after }), 'push');
      return;
    }
    const subject = again ?? {
      repo: r.ref.name,
      kind,
      key: String(nextPr++),
      heads: [],
      leakyUpdate: [],
      base: r.main,
      leaks: [],
    };
    subjects.set(`${r.ref.name}/${subject.kind}/${subject.key}`, subject);
    const branch = `pr${subject.key}`;
    if (!again) r.git.branch(branch, r.main);
    r.git.checkout(branch);
    const before = subject.heads.at(-1);
    const head = addCommits(r, subject);
    await pushRefs(r.git, r.ref, branch, `${branch}:refs/pull/${subject.key}/head`);
    note(`pr ${r.ref.name} #${subject.key} ${head.slice(0, 7)} leaks=${subject.leaks.length}`);
    count('pr');
    send(
      'pull_request',
      pullRequestEvent(r.ref, {
        action: again ? 'synchronize' : 'opened',
        number: Number(subject.key),
        headSha: head,
        baseSha: r.main,
        headRef: branch,
        ...(before ? { before } : {}),
      }),
      `pr ${subject.key}`,
    );
  };

  const sendInstall = (e: InstallEvent): void => {
    const first = e.repos[0]!.ref;
    const list = e.repos.map((r) => ({
      id: r.ref.id,
      node_id: `R_${r.ref.id}`,
      name: r.ref.name,
      full_name: `acme/${r.ref.name}`,
      private: true,
    }));
    e.sent = true;
    note(`${e.label}: ${e.repos.length} repositories`);
    count('install event');
    if (e.label.startsWith('installation.created'))
      send('installation', { ...installationCreatedEvent(first), repositories: list }, e.label);
    else
      send(
        'installation_repositories',
        { ...installationRepositoriesAddedEvent(first), repositories_added: list },
        e.label,
      );
  };

  // Faults.
  const gitFault = (): void => {
    // Only the App's fetches (upload-pack): the pushes that make the events go through.
    const path = /upload-pack/;
    const f = pick(gitRng, ['5xx', 'cut', 'cut', 'slow', 'hang'] as const);
    let failure: GitFailure;
    if (f === '5xx')
      failure = {
        path,
        status: pick(gitRng, [500, 503] as const),
        forMs: between(gitRng, 500, 3000),
      };
    else if (f === 'cut')
      failure = {
        path: /git-upload-pack$/,
        cutAfterBytes: between(gitRng, 0, 3000),
        times: between(gitRng, 1, 3),
      };
    else if (f === 'slow')
      failure = { path, delayMs: between(gitRng, 300, 1500), forMs: between(gitRng, 1000, 4000) };
    // A pack that stalls before its first byte. The App's fetch has no inactivity limit (`fetch
    // -q` is silent), only a 10-minute deadline (src/git/repo-cache.ts): a longer stall here would
    // only hold the scan, so the stall is seconds and the deadline is not exercised.
    else failure = { path: /git-upload-pack$/, delayMs: 6000, times: 1 };
    git.fail(failure);
    count(`git ${f}`);
    note(`git fault ${f} ${JSON.stringify({ ...failure, path: String(failure.path) })}`);
  };
  const gitHubFault = (): void => {
    const write = pick(gitHubRng, ['POST', 'PATCH'] as const);
    const f = pick(gitHubRng, ['5xx', '5xx', 'applied502', 'rate', 'mint401'] as const);
    const forMs = between(gitHubRng, 500, 4000);
    let failure: InjectedFailure;
    if (f === '5xx')
      failure = {
        method: write,
        path: /^\/repos\//,
        status: pick(gitHubRng, [500, 502, 503]),
        forMs,
      };
    else if (f === 'applied502')
      failure = {
        method: write,
        path: /^\/repos\//,
        status: 502,
        applied: true,
        times: between(gitHubRng, 1, 3),
      };
    else if (f === 'rate')
      failure =
        gitHubRng() < 0.5
          ? {
              path: /^\/repos\//,
              status: 429,
              retryAfter: between(gitHubRng, 1, 2),
              times: between(gitHubRng, 1, 3),
            }
          : {
              path: /^\/repos\//,
              status: 403,
              retryAfter: between(gitHubRng, 1, 2),
              message: 'You have exceeded a secondary rate limit. Please wait a few minutes.',
              times: between(gitHubRng, 1, 3),
            };
    else
      failure = {
        method: 'POST',
        path: /^\/app\/installations\/\d+\/access_tokens$/,
        status: 401,
        message: 'Bad credentials',
        forMs,
      };
    gh.fail(failure);
    count(`github ${f}`);
    note(`github fault ${f} ${failure.method ?? '*'} ${failure.status} ${forMs}ms`);
  };
  const killWorker = async (): Promise<void> => {
    const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const w = live.length > 0 ? pick(processRng, live) : undefined;
    if (!w) return;
    note('SIGKILL a worker');
    count('worker SIGKILL');
    await w.stop('SIGKILL');
    logs.push(w.logs());
    workers.splice(workers.indexOf(w), 1);
    await sleep(between(processRng, 0, 2000));
    await startWorker();
  };
  const restartApp = async (): Promise<void> => {
    const signal = pick(processRng, ['SIGKILL', 'SIGTERM'] as const);
    note(`App ${signal}`);
    count(`App ${signal}`);
    const old = app;
    // Only the App: its workers run on (app.stop() would stop them too).
    const exited = new Promise((r) => old.child.once('exit', r));
    old.child.kill(signal);
    const timer = setTimeout(() => old.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    logs.push(old.logs());
    await sleep(between(processRng, 0, 1500));
    app = await startTheApp();
  };
  /** The next installation listing request (or 4 s), then the process that pages it is killed. */
  const killDuringListing = async (): Promise<void> => {
    const listings = (): number =>
      gh.requests.filter((q) => q.path.startsWith('/installation/repositories')).length;
    const seen = listings();
    const by = Date.now() + 4000;
    while (Date.now() < by && listings() === seen) await sleep(25);
    note(`kill during listing (${listings() - seen} new page request(s))`);
    count('kill during listing');
    if (inProcess) await restartApp();
    else await killWorker();
  };
  const restartRedis = async (): Promise<void> => {
    if (!redis) return;
    note(`Redis killed (${persistence})`);
    count('Redis restart');
    await redis.kill();
    await sleep(between(processRng, 200, 2000));
    await redis.start();
    note('Redis back');
  };

  // The schedule: events spread over activeMs, faults drawn alongside them.
  const stopAt = Date.now() + opts.activeMs;
  const eventLoop = (async () => {
    for (let i = 0; i < opts.events; i++) {
      await sleep(between(eventRng, 0, (2 * opts.activeMs) / opts.events));
      if (Date.now() > stopAt) break;
      const r = pick(eventRng, repos);
      r.chain = r.chain.then(() =>
        event(r).catch((err: unknown) => note(`event failed: ${String(err)}`)),
      );
    }
    await Promise.all(repos.map((r) => r.chain));
  })();
  const installLoop = (async () => {
    // The three deliveries at seeded times in the active window, in order.
    for (const e of installs) {
      await sleep(between(installRng, 0, opts.activeMs / (installs.length + 1)));
      if (Date.now() > stopAt) break;
      sendInstall(e);
    }
  })();
  const gitLoop = (async () => {
    while (opts.gitFaults && Date.now() < stopAt) {
      await sleep(between(gitRng, 1000, 4000));
      if (Date.now() < stopAt) gitFault();
    }
  })();
  const gitHubLoop = (async () => {
    while (Date.now() < stopAt) {
      await sleep(between(gitHubRng, 500, 3000));
      if (Date.now() < stopAt) gitHubFault();
    }
  })();
  const processLoop = (async () => {
    while (Date.now() < stopAt) {
      await sleep(between(processRng, 1000, 4000));
      if (Date.now() >= stopAt) break;
      const faults = inProcess
        ? (['app', 'app'] as const)
        : (['worker', 'worker', 'app', 'redis', 'redis+worker'] as const);
      const f = opts.installs && processRng() < 0.3 ? 'listing' : pick<string>(processRng, faults);
      if (f === 'listing') await killDuringListing();
      else if (f === 'worker') await killWorker();
      else if (f === 'app') await restartApp();
      else if (f === 'redis') await restartRedis();
      else await Promise.all([restartRedis(), killWorker()]);
    }
  })();
  await Promise.all([eventLoop, installLoop, gitLoop, gitHubLoop, processLoop]);
  // An install not sent in time (a slow machine) goes now: every run is checked.
  for (const e of installs) if (!e.sent) sendInstall(e);
  gh.clearFailures();
  git.clearFailures();
  note('faults stopped');

  // Quiescence: every delivery accepted, every expected report out, the queue empty and no
  // GitHub write for a while.
  const violations: string[] = [];
  const settleBy = Date.now() + (opts.settleMs ?? 120_000);
  const queue = redis
    ? new Queue(QUEUE_NAME, {
        connection: { url: redis.url, maxRetriesPerRequest: null },
        prefix: queuePrefix,
      })
    : undefined;
  queue?.on('error', () => undefined);
  /** Jobs waiting, running or delayed: BullMQ's counts, or the in-process App's /metrics. */
  const queueBusy = async (): Promise<boolean> => {
    if (queue)
      return queue
        .getJobCounts('active', 'wait', 'delayed', 'prioritized', 'waiting-children')
        .then((c) => Object.values(c).some((n) => n > 0))
        .catch(() => true);
    const text = await app.metrics().catch(() => '');
    const open = [...text.matchAll(/^upstash_guard_queue_jobs\{state="(\w+)"\} (-?\d+)/gm)].filter(
      (m) => ['waiting', 'active', 'delayed'].includes(m[1]!),
    );
    return open.length === 0 || open.some((m) => m[2] !== '0');
  };
  const writes = (): number => gh.requests.filter((q) => q.method !== 'GET').length;
  let lastWrites = -1;
  let quietSince = Date.now();
  for (;;) {
    const w = writes();
    if (w !== lastWrites) {
      lastWrites = w;
      quietSince = Date.now();
    }
    const busy = await queueBusy();
    const missing = missingReports();
    if (pending.size === 0 && !busy && missing.length === 0 && Date.now() - quietSince > 6000)
      break;
    if (Date.now() > settleBy) {
      // Where the queue is stuck: BullMQ's counts by state and the workers it knows, or the
      // in-process App's queue gauges.
      const where = queue
        ? await Promise.all([queue.getJobCounts(), queue.getWorkers().then((w) => w.length)]).then(
            ([c, w]) => `${JSON.stringify(c)}, ${w} worker connection(s)`,
            (err: unknown) => `counts unavailable: ${String(err)}`,
          )
        : await app.metrics().then(
            (t) =>
              t
                .split('\n')
                .filter((l) => l.startsWith('upstash_guard_queue_jobs{'))
                .join(' '),
            () => 'metrics unavailable',
          );
      violations.push(
        `did not settle within ${opts.settleMs ?? 120_000} ms: ${pending.size} deliveries open, queue ${busy ? 'busy' : 'empty'} (${where}), missing: ${missing.slice(0, 5).join('; ')}`,
      );
      break;
    }
    await sleep(500);
  }
  redeliveriesOpen = false;
  await Promise.all([...pending]);
  note('settled');

  violations.push(...undelivered.map((u) => `delivery never accepted: ${u}`));
  violations.push(...checkInvariants());

  await queue?.close();
  for (const w of workers) {
    await w.stop('SIGKILL');
    logs.push(w.logs());
  }
  await app.stop('SIGKILL');
  logs.push(app.logs());
  const all = logs.join('\n');
  for (const l of installs.flatMap((e) => e.repos.flatMap((r) => r.leaks))) {
    if (all.includes(l.token)) violations.push(`raw secret of ${l.sha} (install) in a log`);
    if (gh.requests.some((q) => q.rawBody.includes(l.token)))
      violations.push(`raw secret of ${l.sha} (install) in a request body`);
  }
  for (const s of subjects.values())
    for (const l of s.leaks) {
      if (all.includes(l.token)) violations.push(`raw secret of ${s.repo} ${l.sha} in a log`);
      if (gh.requests.some((q) => q.rawBody.includes(l.token)))
        violations.push(`raw secret of ${s.repo} ${l.sha} in a request body`);
    }
  for (const t of gh.tokens) {
    if (all.includes(t)) violations.push('an installation token in a log');
    if (gh.requests.some((q) => q.rawBody.includes(t)))
      violations.push('an installation token in a request body');
  }
  // The App's fetches (not the harness's pushes), to tell a stuck clone from a stuck queue; read
  // before closing the server ends the open ones.
  const gitLines = git.requests
    .filter((q) => q.url.includes('upload-pack'))
    .map(
      (q) =>
        `git +${(((q.at ?? t0) - t0) / 1000).toFixed(1)}s ${q.method} ${q.url} ${q.status} ${q.endedAt ? `${q.endedAt - (q.at ?? 0)}ms` : 'open'}`,
    );
  await Promise.all([gh.close(), git.close()]);
  await redis?.close();
  for (const r of repos) r.git.cleanup();
  for (const r of installGits) r.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
  note(`done: ${violations.length} violation(s)`);
  const github = [
    ...gh.checkRuns.map(
      (c) =>
        `run ${c.id} ${c.repo} ${c.head_sha.slice(0, 7)} ${c.external_id ?? ''} ${c.status} ${c.conclusion ?? ''} "${c.output?.title ?? ''}" writes=${c.history.length}`,
    ),
    ...gh.requests
      .filter((q) => q.method !== 'GET')
      .map((q) => `+${((q.at - t0) / 1000).toFixed(1)}s ${q.method} ${q.path} ${q.status}`),
    ...gitLines,
  ];
  return { seed, violations, stats, trace, logs: all, github };

  /** Every process's log so far: the dead ones' and the live ones'. */
  function liveLogs(): string {
    return [...logs, app.logs(), ...workers.map((w) => w.logs())].join('\n');
  }
  /** The "installation scan finished" lines (docs/app.md, "Installation results"), by run id. */
  function finishedRuns(): Map<string, Array<Record<string, unknown>>> {
    const runs = new Map<string, Array<Record<string, unknown>>>();
    for (const line of liveLogs().split('\n')) {
      if (!line.includes('installation scan finished')) continue;
      let j: Record<string, unknown>;
      try {
        j = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (j.msg !== 'installation scan finished') continue;
      const id = String(j.run);
      runs.set(id, [...(runs.get(id) ?? []), j]);
    }
    return runs;
  }
  function installationIds(): number[] {
    return [...new Set(installs.filter((e) => e.sent).map((e) => e.installationId))];
  }
  function installRunsOf(id: number): Array<Array<Record<string, unknown>>> {
    return [...finishedRuns().values()].filter((ls) => ls[0]!.installation === id);
  }
  function installRepoRuns(r: InstallRepo) {
    return gh.checkRuns.filter((c) => c.repo === `acme/${r.ref.name}`);
  }
  /** Reports not (yet) out: a completed run on every final head, a comment on every leak. */
  function missingReports(): string[] {
    const out: string[] = [];
    for (const id of installationIds()) {
      const want = installs.filter((e) => e.sent && e.installationId === id).length;
      const got = installRunsOf(id).length;
      if (got < want) out.push(`${want - got} install run(s) of ${id} not finished`);
    }
    for (const r of installs.filter((e) => e.sent).flatMap((e) => e.repos))
      if (
        r.leaks.length > 0 &&
        !installRepoRuns(r).some((c) => c.head_sha === r.head && c.status === 'completed')
      )
        out.push(`history run of ${r.ref.name}`);
    for (const s of subjects.values()) {
      const head = s.heads.at(-1)!;
      const done = gh.checkRuns.some(
        (c) => c.repo === `acme/${s.repo}` && c.head_sha === head && c.status === 'completed',
      );
      if (!done) out.push(`run of ${s.repo} ${s.kind} ${s.key} at ${head.slice(0, 7)}`);
      if (failedForGood(s)) continue;
      if (s.kind === 'pr' && s.leaks.length > 0 && !prComments(s).length)
        out.push(`comment on ${s.repo} #${s.key}`);
      if (s.kind === 'push')
        for (const l of s.leaks)
          if (!commitComments(s.repo, l.sha).length)
            out.push(`comment on ${s.repo} ${l.sha.slice(0, 7)}`);
    }
    return out;
  }
  /**
   * The final head's job failed for good (e.g. its workers were killed more often than BullMQ's
   * maxStalledCount): docs/app.md promises a neutral "could not run" run, and a scan again only
   * on a redelivery or Re-run. Its comments are then not owed.
   */
  function failedForGood(s: Subject): boolean {
    const head = s.heads.at(-1)!;
    return gh.checkRuns.some(
      (c) =>
        c.repo === `acme/${s.repo}` &&
        c.head_sha === head &&
        c.conclusion === 'neutral' &&
        (c.output?.title ?? '').startsWith('The scan could not run'),
    );
  }
  function prComments(s: Subject) {
    return gh.issueComments.filter(
      (c) => c.repo === `acme/${s.repo}` && c.target === Number(s.key),
    );
  }
  function commitComments(repo: string, sha: string) {
    return gh.commitComments.filter((c) => c.repo === `acme/${repo}` && c.target === sha);
  }
  /**
   * The final head's conclusions allowed. A PR's run covers the whole PR. A push's covers its own
   * commits, and earlier pushes folded into it (docs/app.md: an older job of the branch parks its
   * range for the tip); an earlier leaking head without a run of its own was folded.
   */
  function wanted(s: Subject): string[] {
    if (s.kind === 'pr') return [s.leaks.length > 0 ? 'failure' : 'success'];
    if (s.leakyUpdate.at(-1)) return ['failure'];
    const folded = s.heads.some(
      (h, i) =>
        s.leakyUpdate[i] &&
        !gh.checkRuns.some((c) => c.repo === `acme/${s.repo}` && c.head_sha === h),
    );
    return folded ? ['failure'] : ['success', 'failure'];
  }
  function checkInvariants(): string[] {
    const v: string[] = [];
    // Never a run left in progress, never two runs of one (head, kind).
    const byHead = new Map<string, number>();
    for (const c of gh.checkRuns) {
      if (c.status !== 'completed')
        v.push(`run ${c.id} of ${c.repo} ${c.head_sha.slice(0, 7)} left ${c.status}`);
      const k = `${c.repo} ${c.head_sha} ${c.external_id ?? c.name}`;
      byHead.set(k, (byHead.get(k) ?? 0) + 1);
    }
    for (const [k, n] of byHead) if (n > 1) v.push(`${n} check runs for ${k}`);
    for (const s of subjects.values()) {
      const head = s.heads.at(-1)!;
      const what = `${s.repo} ${s.kind} ${s.key} at ${head.slice(0, 7)}`;
      const runs = gh.checkRuns.filter((c) => c.repo === `acme/${s.repo}` && c.head_sha === head);
      const failed = failedForGood(s);
      if (failed) count('failed for good (neutral run)');
      const want = failed ? ['neutral'] : wanted(s);
      if (runs.length !== 1) v.push(`${runs.length} check runs on ${what}`);
      else if (!want.includes(runs[0]!.conclusion ?? 'none'))
        v.push(`check run on ${what} concluded ${runs[0]!.conclusion}, want ${want.join('|')}`);
      if (s.kind === 'pr') {
        const comments = prComments(s);
        const n = comments.length;
        if (n > 1 || (s.leaks.length > 0 && !failed && n !== 1))
          v.push(`${n} PR comments on ${what}`);
        // The comment shows the PR's final head: every credential the PR adds (a late webhook of
        // an older head must not have put its state over it).
        if (n === 1 && !failed)
          for (const l of s.leaks)
            if (!comments[0]!.body.includes(l.path))
              v.push(`PR comment on ${what} does not name ${l.path}: an older head's state`);
      } else {
        for (const l of s.leaks) {
          const n = commitComments(s.repo, l.sha).length;
          if (n > 1 || (!failed && n !== 1))
            v.push(`${n} comments on commit ${l.sha.slice(0, 7)} of ${what}`);
        }
      }
    }
    // Commit comments only on offending commits of pushed branches, one per (commit, marker).
    const pushed = new Set(
      [...subjects.values()]
        .filter((s) => s.kind === 'push')
        .flatMap((s) => s.leaks.map((l) => l.sha)),
    );
    const markers = new Map<string, number>();
    for (const c of gh.commitComments) {
      if (!pushed.has(String(c.target)))
        v.push(`commit comment on ${c.repo} ${String(c.target).slice(0, 7)}, not a pushed leak`);
      const k = `${c.repo} ${String(c.target)} ${c.body.split('\n', 1)[0]}`;
      markers.set(k, (markers.get(k) ?? 0) + 1);
    }
    for (const [k, n] of markers) if (n > 1) v.push(`${n} commit comments for ${k}`);
    v.push(...installInvariants());
    return v;
  }
  /**
   * Per installation delivery, exactly one "installation scan finished" line, counting each of
   * its repositories once and scanned (none lost, none counted twice); a leaking repository has
   * one failing check run on its head, a clean one none (docs/app.md, "Installation results").
   */
  function installInvariants(): string[] {
    const v: string[] = [];
    const neutral = (r: InstallRepo): boolean =>
      installRepoRuns(r).some(
        (c) =>
          c.conclusion === 'neutral' &&
          (c.output?.title ?? '').startsWith('The scan could not run'),
      );
    for (const [run, lines] of finishedRuns())
      if (lines.length > 1) v.push(`install run ${run} finished ${lines.length} times`);
    for (const id of installationIds()) {
      const events = installs.filter((e) => e.sent && e.installationId === id);
      const runs = installRunsOf(id).map((ls) => ls[0]!);
      if (runs.length !== events.length)
        v.push(`${runs.length} finished install runs of ${id}, want ${events.length}`);
      const key = (n: unknown, f: unknown): string => `${String(n)} repos/${String(f)} leaking`;
      const want = events
        .map((e) => key(e.repos.length, e.repos.filter((r) => r.leaks.length > 0).length))
        .sort();
      const got = runs.map((j) => key(j.repositories, j.withFindings)).sort();
      if (want.join(',') !== got.join(','))
        v.push(`install runs of ${id}: ${got.join(', ')}; want ${want.join(', ')}`);
      const excused = events.flatMap((e) => e.repos).filter(neutral).length;
      for (const j of runs) {
        const failed = Number(j.failed);
        if (Number(j.scanned) + failed !== Number(j.repositories) || failed > excused)
          v.push(`install run ${String(j.run)}: ${JSON.stringify(j)}`);
        if (j.incomplete) v.push(`install run ${String(j.run)} incomplete`);
      }
    }
    for (const e of installs.filter((x) => x.sent))
      for (const r of e.repos) {
        const runs = installRepoRuns(r);
        const want = neutral(r) ? 'neutral' : r.leaks.length > 0 ? 'failure' : undefined;
        if (!want) {
          if (runs.length > 0)
            v.push(`${runs.length} check run(s) on clean installed ${r.ref.name}`);
        } else if (runs.length !== 1 || runs[0]!.head_sha !== r.head)
          v.push(`${runs.length} check runs on leaking installed ${r.ref.name}`);
        else if (runs[0]!.conclusion !== want)
          v.push(
            `check run on installed ${r.ref.name} concluded ${runs[0]!.conclusion}, want ${want}`,
          );
      }
    return v;
  }
}

async function pushRefs(repo: TestRepo, target: RepoRef, ...refspecs: string[]): Promise<void> {
  const header = `http.extraHeader=Authorization: Bearer ${PUSHER}`;
  await run('git', ['-c', header, 'push', '-q', '--force', target.cloneUrl, ...refspecs], {
    cwd: repo.dir,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
