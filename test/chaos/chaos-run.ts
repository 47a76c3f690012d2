/**
 * One seeded chaos run (docs/app.md, "Delivery guarantees"): the App in BullMQ mode on a private
 * Redis, one or two worker processes, the GitHub double and the git server. For `activeMs` it
 * sends a seeded mix of clean and leaking pushes and pull requests over several repositories,
 * and meanwhile injects seeded faults: GitHub 5xx windows on writes (some carried out and answered
 * 502), 429 and secondary-rate-limit 403 with Retry-After, token mints answered 401, workers
 * SIGKILLed, the App SIGKILLed or SIGTERMed, Redis killed and restarted (empty, or with AOF).
 * A delivery that is not answered 2xx is redelivered, as one does from the App's settings.
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
import { basicAuthHeader, startGitHttpServer } from '../helpers/git-http-server.js';
import { startGitHubDouble, type InjectedFailure } from '../helpers/github-double.js';
import { startOwnRedis } from '../helpers/redis-server.js';
import { mulberry32 } from '../helpers/seeded-random.js';
import { redisTokenParts } from '../helpers/synthetic.js';
import { deliver, pullRequestEvent, pushEvent, type RepoRef } from '../helpers/webhooks.js';
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
  note(`seed ${seed}: redis persistence ${persistence}`);
  const redis = await startOwnRedis({ persistence });
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
  };
  const logs: string[] = [];
  const startTheApp = (): Promise<AppProcess> =>
    startApp({
      githubHost: gh.host,
      redisUrl: redis.url,
      queuePrefix,
      webhookSecret,
      cacheDir,
      env: appEnv,
    });
  let app = await startTheApp();
  const workers: ManagedProcess[] = [];
  const startWorker = async (): Promise<void> => {
    workers.push(await app.startWorker());
  };
  const workerCount = pick(setupRng, [1, 2]);
  for (let i = 0; i < workerCount; i++) await startWorker();
  note(`${workerCount} worker(s)`);

  // Repositories, each with a clean main pushed without a webhook (the base of every branch).
  const repos: Repo[] = [];
  const repoCount = between(setupRng, 2, 4);
  for (let i = 0; i < repoCount; i++) {
    const name = `chaos${i}`;
    git.createBare('acme', name);
    const cloneUrl = gh.cloneUrl('acme', name);
    gh.addRepo({ owner: 'acme', name, id: 9100 + i, cloneUrl });
    const ref: RepoRef = { owner: 'acme', name, id: 9100 + i, cloneUrl };
    const r = createRepo();
    r.write('README.md', `# ${name} ${seed}\n`);
    const main = r.commit('initial');
    repos.push({ ref, git: r, main, chain: Promise.resolve() });
    await pushRefs(r, ref, 'main');
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

  // Faults.
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
  const restartRedis = async (): Promise<void> => {
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
      const f = pick(processRng, ['worker', 'worker', 'app', 'redis', 'redis+worker'] as const);
      if (f === 'worker') await killWorker();
      else if (f === 'app') await restartApp();
      else if (f === 'redis') await restartRedis();
      else await Promise.all([restartRedis(), killWorker()]);
    }
  })();
  await Promise.all([eventLoop, gitHubLoop, processLoop]);
  gh.clearFailures();
  note('faults stopped');

  // Quiescence: every delivery accepted, every expected report out, the queue empty and no
  // GitHub write for a while.
  const violations: string[] = [];
  const settleBy = Date.now() + (opts.settleMs ?? 120_000);
  const queue = new Queue(QUEUE_NAME, {
    connection: { url: redis.url, maxRetriesPerRequest: null },
    prefix: queuePrefix,
  });
  queue.on('error', () => undefined);
  const writes = (): number => gh.requests.filter((q) => q.method !== 'GET').length;
  let lastWrites = -1;
  let quietSince = Date.now();
  for (;;) {
    const w = writes();
    if (w !== lastWrites) {
      lastWrites = w;
      quietSince = Date.now();
    }
    const busy = await queue
      .getJobCounts('active', 'wait', 'delayed', 'prioritized', 'waiting-children')
      .then((c) => Object.values(c).some((n) => n > 0))
      .catch(() => true);
    const missing = missingReports();
    if (pending.size === 0 && !busy && missing.length === 0 && Date.now() - quietSince > 6000)
      break;
    if (Date.now() > settleBy) {
      violations.push(
        `did not settle within ${opts.settleMs ?? 120_000} ms: ${pending.size} deliveries open, queue ${busy ? 'busy' : 'empty'}, missing: ${missing.slice(0, 5).join('; ')}`,
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

  await queue.close();
  for (const w of workers) {
    await w.stop('SIGKILL');
    logs.push(w.logs());
  }
  await app.stop('SIGKILL');
  logs.push(app.logs());
  const all = logs.join('\n');
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
  await Promise.all([gh.close(), git.close()]);
  await redis.close();
  for (const r of repos) r.git.cleanup();
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
  ];
  return { seed, violations, stats, trace, logs: all, github };

  /** Reports not (yet) out: a completed run on every final head, a comment on every leak. */
  function missingReports(): string[] {
    const out: string[] = [];
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
