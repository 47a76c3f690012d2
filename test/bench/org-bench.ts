/**
 * npm run bench:org -- [--repos 1000] [--pushes 200] [--storm-repos 20] [--storm-seconds 20]
 *   [--latency 50] [--workers 1] [--concurrency 2] [--redis URL | --in-process] [--skip-install]
 *   [--skip-storm] [--kill-worker-after S] [--leak-every N]
 *
 * `--kill-worker-after S` SIGKILLs the first worker process S seconds into the install (the app
 * process in `--in-process` mode) and starts it again on the same cache and data directories, to
 * check that the install still finishes with exactly one "installation scan finished".
 *
 * The App as a process (`probot run ./dist/app/index.js`, plus `--workers` BullMQ worker processes;
 * 0 = the app processes jobs itself) against the loopback GitHub double with `--latency` ms on
 * every API answer and the loopback git smart-HTTP server. Two phases:
 *
 * 1. Install: `--repos` tiny repositories (one commit; 1 in 100 has a planted synthetic Redis
 *    credential in its history), one installation.created delivery. Reports the webhook answer
 *    time, when every history job was stored, when every repository was reported, and the writes.
 * 2. Storm: `--pushes` pushes over `--storm-repos` repositories in `--storm-seconds` (round robin,
 *    each a real git push then its push delivery; every `--leak-every`th commit, default 9th,
 *    plants a credential). Reports,
 *    per branch, webhook → completed check run of its latest head (p50/p99/max), heads scanned vs.
 *    folded, lost (a latest head never reported, an offending commit without its comment) and
 *    duplicated (two comments for one commit and credential, two completed check runs on a head),
 *    and writes per scan.
 *
 * Lives under test/ because it drives the test doubles; built with tsconfig.bench.json.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import { redisEndpoint, redisTokenParts } from '../../src/core/detectors/synthetic.js';
import { basicAuthHeader, startGitHttpServer } from '../helpers/git-http-server.js';
import { startGitHubDouble } from '../helpers/github-double.js';

const run = promisify(execFile);
const { values: o } = parseArgs({
  options: {
    repos: { type: 'string', default: '1000' },
    pushes: { type: 'string', default: '200' },
    'storm-repos': { type: 'string', default: '20' },
    'storm-seconds': { type: 'string', default: '20' },
    latency: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '2' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'in-process': { type: 'boolean', default: false },
    'skip-install': { type: 'boolean', default: false },
    'skip-storm': { type: 'boolean', default: false },
    'kill-worker-after': { type: 'string' },
    'leak-every': { type: 'string', default: '9' },
  },
});
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};
const PUSHER = 'Bearer bench-pusher';
const INSTALLATION = 4242;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const pct = (sorted: number[], p: number): number =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
    : NaN;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function credential(seed: string): string {
  const { token, dbId } = redisTokenParts({ seed });
  return `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, env: GIT_ENV })).stdout.trim();
}

interface Proc {
  child: ChildProcess;
  logs: string[];
}
function spawnNode(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  return { child, logs };
}

async function main(): Promise<void> {
  const repos = Number(o.repos);
  const pushes = Number(o.pushes);
  const stormRepos = Number(o['storm-repos']);
  const leakEvery = Math.max(1, Number(o['leak-every']));
  const stormMs = Number(o['storm-seconds']) * 1000;
  const workers = Number(o.workers);
  const inProcess = o['in-process'];
  const work = mkdtempSync(join(tmpdir(), 'ug-bench-org-'));
  const gh = await startGitHubDouble({ latencyMs: Number(o.latency) });
  const gitServer = await startGitHttpServer();
  gitServer.requireAuth((h) => h === PUSHER || gh.tokens.some((t) => h === basicAuthHeader(t)));
  // The App fetches from GHE_HOST only (never the payload's clone_url): the double serves git.
  gh.serveGitFrom(gitServer.baseUrl);
  const prefix = `ug-bench-org-${randomBytes(4).toString('hex')}`;
  const procs: Proc[] = [];
  const report: string[] = [];
  const say = (line: string): void => {
    console.log(line);
    report.push(line);
  };
  try {
    // Tiny repositories copied from two templates (clean, and one with a credential in history).
    const template = join(work, 'template');
    await git(work, 'init', '-q', '-b', 'main', template);
    writeFileSync(join(template, 'README.md'), '# tiny\n');
    await git(template, 'add', '-A');
    await git(template, 'commit', '-q', '-m', 'initial');
    await git(work, 'clone', '-q', '--bare', template, join(work, 'clean.git'));
    await git(join(work, 'clean.git'), 'config', 'http.receivepack', 'true');
    writeFileSync(join(template, '.env'), credential('bench-install'));
    await git(template, 'add', '-A');
    await git(template, 'commit', '-q', '-m', 'add env');
    await git(template, 'rm', '-q', '.env');
    await git(template, 'commit', '-q', '-m', 'remove env');
    await git(work, 'clone', '-q', '--bare', template, join(work, 'leaky.git'));
    const leakyHead = await git(join(work, 'leaky.git'), 'rev-parse', 'main');
    const planted = new Set<string>();
    for (let i = 0; i < repos; i++) {
      const name = `r${String(i).padStart(4, '0')}`;
      const leaky = i % 100 === 7;
      if (leaky) planted.add(name);
      cpSync(join(work, leaky ? 'leaky.git' : 'clean.git'), gitServer.repoDir('acme', name), {
        recursive: true,
      });
      gh.addRepo({
        owner: 'acme',
        name,
        id: 100_000 + i,
        cloneUrl: gitServer.cloneUrl('acme', name),
      });
    }
    for (let i = 0; i < stormRepos; i++)
      cpSync(join(work, 'clean.git'), gitServer.repoDir('acme', `storm${i}`), { recursive: true });

    // The app (and workers), as production runs them.
    const port = await freePort();
    const secret = randomBytes(16).toString('hex');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      NODE_ENV: 'production',
      APP_ID: '1',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: gh.host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      UPSTASH_GUARD_VERIFY: 'off',
      UPSTASH_GUARD_CONCURRENCY: String(o.concurrency),
      UPSTASH_GUARD_CACHE_DIR: join(work, 'cache-app'),
      UPSTASH_GUARD_DATA_DIR: join(work, 'data-app'),
      ...(inProcess
        ? {}
        : {
            REDIS_URL: o.redis!,
            UPSTASH_GUARD_QUEUE_PREFIX: prefix,
            ...(workers === 0 ? { UPSTASH_GUARD_WORKER_IN_APP: '1' } : {}),
          }),
    };
    const probotBin = join(ROOT, 'node_modules', 'probot', 'bin', 'probot.js');
    procs.push(spawnNode([probotBin, 'run', './dist/app/index.js'], env));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error(`app not healthy:\n${procs[0]!.logs.join('')}`);
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const startWorker = (w: number): Proc =>
      spawnNode([join(ROOT, 'dist', 'queue', 'worker-main.js')], {
        ...env,
        UPSTASH_GUARD_CACHE_DIR: join(work, `cache-w${w}`),
      });
    if (!inProcess) for (let w = 0; w < workers; w++) procs.push(startWorker(w));
    await new Promise((r) => setTimeout(r, inProcess || workers === 0 ? 0 : 3000));

    const deliver = async (event: string, payload: unknown): Promise<number> => {
      const body = JSON.stringify(payload);
      const t0 = performance.now();
      const res = await fetch(`${base}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': event,
          'x-github-delivery': randomBytes(8).toString('hex'),
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
        body,
      });
      await res.text();
      if (res.status !== 200) throw new Error(`${event}: HTTP ${res.status}`);
      return performance.now() - t0;
    };
    const counts0: { finished?: number } = {};
    const queueCounts = async (): Promise<Record<string, number>> => {
      // While a killed app restarts, /metrics does not answer: no counts this round.
      const text = await fetch(`${base}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (/^upstash_guard_installation_scans_finished_total [1-9]/m.test(text))
        counts0.finished = 1;
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^upstash_guard_queue_jobs\{state="(\w+)"\} (-?\d+)/gm))
        counts[m[1]!] = Number(m[2]);
      return counts;
    };
    const writes = (from: number): number =>
      gh.requests.slice(from).filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens'))
        .length;
    const owner = { login: 'acme', id: 9001, type: 'Organization' };
    const repoPayload = (name: string, id: number) => ({
      id,
      name,
      full_name: `acme/${name}`,
      owner,
      private: true,
      clone_url: gitServer.cloneUrl('acme', name),
      html_url: `${gh.origin}/acme/${name}`,
      default_branch: 'main',
    });

    say(`# bench:org ${new Date().toISOString()}`);
    say(
      `machine: ${cpus().length}x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    say(
      `mode: ${inProcess ? 'in-process (journal)' : workers === 0 ? 'BullMQ, app processes jobs' : `BullMQ, app enqueues, ${workers} worker process(es)`}, concurrency ${o.concurrency}, API latency ${o.latency} ms`,
    );

    if (!o['skip-install'] && repos > 0) {
      const before = gh.requests.length;
      const t0 = performance.now();
      const killAfter = o['kill-worker-after'];
      if (killAfter !== undefined) {
        // Killed mid-install (no graceful shutdown), then started again as a restart would.
        const i = inProcess ? 0 : 1;
        setTimeout(
          () => {
            const victim = procs[i]!;
            victim.child.kill('SIGKILL');
            victim.child.once('exit', () => {
              say(
                `killed ${inProcess ? 'the app' : 'worker 0'} (SIGKILL) at ${killAfter} s; restarted`,
              );
              procs.push(victim);
              procs[i] = inProcess
                ? spawnNode(
                    [
                      join(ROOT, 'node_modules', 'probot', 'bin', 'probot.js'),
                      'run',
                      './dist/app/index.js',
                    ],
                    env,
                  )
                : startWorker(0);
            });
          },
          Number(killAfter) * 1000,
        );
      }
      const answer = await deliver('installation', {
        action: 'created',
        installation: { id: INSTALLATION, account: owner, app_id: 1, repository_selection: 'all' },
        repositories: [],
        sender: { login: 'octocat', id: 1, type: 'User' },
      });
      let enqueuedAt = 0;
      let reportedAt = 0;
      for (;;) {
        const c = await queueCounts();
        const total =
          (c.waiting ?? 0) +
          (c.active ?? 0) +
          (c.delayed ?? 0) +
          (c.completed ?? 0) +
          (c.failed ?? 0);
        const now = performance.now() - t0;
        // The installation job itself plus one history job per repository.
        if (!enqueuedAt && total >= repos + 1) enqueuedAt = now;
        // A restarted in-process app counts from zero: after a kill, the signal ends the wait.
        const killed = o['kill-worker-after'] !== undefined;
        if (
          (enqueuedAt && (c.completed ?? 0) + (c.failed ?? 0) >= repos + 1) ||
          (killed && counts0.finished)
        ) {
          enqueuedAt ||= now;
          reportedAt = now;
          if (c.failed) say(`failed jobs: ${c.failed}`);
          break;
        }
        if (now > 30 * 60_000) throw new Error(`install did not finish: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // The "installation scan finished" signal: one log line over every process, and /metrics.
      let signalAt = 0;
      let signal = '';
      for (let i = 0; i < 240 && !signalAt; i++) {
        const m = await fetch(`${base}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
        if (/^upstash_guard_installation_scans_finished_total [1-9]/m.test(m)) {
          signalAt = performance.now() - t0;
          signal = m
            .split('\n')
            .filter((l) => /^upstash_guard_installation_scan_last_/.test(l))
            .join('; ');
        } else await new Promise((r) => setTimeout(r, 250));
      }
      const finishedLines = procs
        .flatMap((p) => p.logs.join('').split('\n'))
        .filter((l) => l.includes('"installation scan finished"'));
      const w = writes(before);
      const leakyRuns = gh.checkRuns.filter((c) => c.head_sha === leakyHead).length;
      const perRepoGets = gh.requests
        .slice(before)
        .filter((r) => /^\/repos\/acme\/r\d+(\/branches|$)/.test(r.path)).length;
      say('');
      say(`## install of ${repos} repositories`);
      say(
        `| webhook answered | all ${repos} history jobs stored | all reported | writes | clean repos with a check run | planted repos with a failing check run | per-repo GETs |`,
      );
      say(`| --- | --- | --- | --- | --- | --- | --- |`);
      say(
        `| ${answer.toFixed(0)} ms | ${s(enqueuedAt)} | ${s(reportedAt)} | ${w} (${(w / repos).toFixed(3)}/repo) | ${gh.checkRuns.filter((c) => c.head_sha !== leakyHead).length} | ${leakyRuns}/${planted.size} | ${perRepoGets} |`,
      );
      say(
        `installation scan finished: ${finishedLines.length} log line(s); seen on the app's /metrics at ${signalAt ? s(signalAt) : 'never'}: ${signal}`,
      );
      for (const l of finishedLines) say(`    ${l.trim()}`);
      // One clone per repository: every directory in each process's cache, and what else is there.
      for (const name of readdirSync(work).filter((n) => n.startsWith('cache-'))) {
        const entries = readdirSync(join(work, name), { withFileTypes: true });
        const dirs = entries.filter((e) => e.isDirectory());
        const other = dirs.filter((e) => !e.name.endsWith('.git')).map((e) => e.name);
        const files = entries.filter((e) => !e.isDirectory()).map((e) => e.name);
        say(
          `cache ${name}: ${dirs.length} directories (${dirs.length - other.length} clones${other.length ? `; other: ${other.join(', ')}` : ''})${files.length ? `, files: ${files.join(', ')}` : ''}`,
        );
      }
    }

    if (!o['skip-storm'] && pushes > 0) {
      // Added after the install phase, so they are not part of it.
      for (let i = 0; i < stormRepos; i++)
        gh.addRepo({
          owner: 'acme',
          name: `storm${i}`,
          id: 200_000 + i,
          cloneUrl: gitServer.cloneUrl('acme', `storm${i}`),
        });
      const before = gh.requests.length;
      const clones: string[] = [];
      for (let i = 0; i < stormRepos; i++) {
        const dir = join(work, `storm${i}`);
        await git(work, 'clone', '-q', join(work, 'clean.git'), dir);
        clones.push(dir);
      }
      const sent: { repo: number; head: string; at: number }[] = [];
      const offending: { repo: string; commit: string }[] = [];
      // Everything a push needs is built before the timed window (commits, objects on the server
      // under a hidden ref, payloads, signatures), so the storm arrives on schedule even on a
      // loaded machine; firing a push is then a ref update on the server and its delivery.
      const planned: {
        repo: number;
        before: string;
        head: string;
        body: string;
        signature: string;
        delivery: string;
      }[] = [];
      const tips = await Promise.all(clones.map((dir) => git(dir, 'rev-parse', 'HEAD')));
      const buildStart = performance.now();
      for (let p = 0; p < pushes; p++) {
        const i = p % stormRepos;
        const dir = clones[i]!;
        const leak = p % leakEvery === 4 % leakEvery;
        writeFileSync(
          join(dir, leak ? `leak-${p}.env` : 'n.txt'),
          leak ? credential(`storm-${p}`) : `${p}\n`,
        );
        await git(dir, 'add', '-A');
        await git(dir, 'commit', '-q', '-m', `push ${p}`);
        const head = await git(dir, 'rev-parse', 'HEAD');
        if (leak) offending.push({ repo: `storm${i}`, commit: head });
        const body = JSON.stringify({
          ref: 'refs/heads/main',
          before: tips[i]!,
          after: head,
          created: false,
          deleted: false,
          forced: false,
          repository: repoPayload(`storm${i}`, 200_000 + i),
          installation: { id: INSTALLATION },
          sender: { login: 'octocat', id: 1, type: 'User' },
        });
        planned.push({
          repo: i,
          before: tips[i]!,
          head,
          body,
          signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
          delivery: randomBytes(8).toString('hex'),
        });
        tips[i] = head;
      }
      // The objects reach the server now, under a ref the App never fetches.
      await Promise.all(
        clones.map((dir, i) =>
          git(
            dir,
            '-c',
            `http.extraHeader=Authorization: ${PUSHER}`,
            'push',
            '-q',
            gitServer.cloneUrl('acme', `storm${i}`),
            'HEAD:refs/bench/storm',
          ),
        ),
      );
      say('');
      say(
        `storm built in ${s(performance.now() - buildStart)} (not timed): ${pushes} commits, payloads and signatures`,
      );
      const fire = async (x: (typeof planned)[number]): Promise<void> => {
        // What GitHub does on a push: the branch moves, then the delivery is sent.
        await git(
          gitServer.repoDir('acme', `storm${x.repo}`),
          'update-ref',
          'refs/heads/main',
          x.head,
          x.before,
        );
        sent.push({ repo: x.repo, head: x.head, at: performance.now() });
        const res = await fetch(`${base}/api/github/webhooks`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-github-delivery': x.delivery,
            'x-hub-signature-256': x.signature,
          },
          body: x.body,
        });
        await res.text();
        if (res.status !== 200) throw new Error(`push: HTTP ${res.status}`);
      };
      let lateMax = 0;
      const t0 = performance.now();
      const lastPush: Promise<void>[] = clones.map(() => Promise.resolve());
      for (let p = 0; p < pushes; p++) {
        const due = (p * stormMs) / pushes;
        const wait = due - (performance.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        lateMax = Math.max(lateMax, performance.now() - t0 - due);
        const x = planned[p]!;
        // Per repository in order (a branch's pushes are sequential, as on GitHub).
        lastPush[x.repo] = lastPush[x.repo]!.then(() => fire(x));
      }
      await Promise.all(lastPush);
      const sendSpan = performance.now() - t0;
      const firstSent = Math.min(...sent.map((x) => x.at)) - t0;
      const lastSent = Math.max(...sent.map((x) => x.at)) - t0;
      const latest = clones.map((_, i) => [...sent].reverse().find((x) => x.repo === i)!);
      const reportedAt = new Map<string, number>();
      for (;;) {
        for (const l of latest)
          if (
            !reportedAt.has(l.head) &&
            gh.checkRuns.some((c) => c.head_sha === l.head && c.status === 'completed')
          )
            reportedAt.set(l.head, performance.now());
        if (reportedAt.size === latest.length) break;
        if (performance.now() - t0 > 20 * 60_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Let folded follow-ups and comments settle, then count.
      for (let idle = 0; idle < 20;) {
        const c = await queueCounts();
        idle = (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0 ? idle + 1 : 0;
        await new Promise((r) => setTimeout(r, 250));
      }
      const lat = latest.map((l) => (reportedAt.get(l.head) ?? NaN) - l.at).sort((a, b) => a - b);
      const lost = latest.filter((l) => !reportedAt.has(l.head)).length;
      const heads = new Set(sent.map((x) => x.head));
      const scanned = new Set(
        gh.checkRuns.filter((c) => heads.has(c.head_sha)).map((c) => c.head_sha),
      );
      const dupRuns = [...scanned].filter(
        (h) => gh.checkRuns.filter((c) => c.head_sha === h && c.status === 'completed').length > 1,
      ).length;
      const commentsFor = (commit: string) => gh.commitComments.filter((c) => c.target === commit);
      const missingComments = offending.filter((x) => commentsFor(x.commit).length === 0).length;
      const dupComments = offending.filter((x) => commentsFor(x.commit).length > 1).length;
      const w = writes(before);
      say('');
      say(
        `## storm: ${pushes} pushes over ${stormRepos} repositories, scheduled over ${s(stormMs)}: sent from ${s(firstSent)} to ${s(lastSent)} (send window ${s(lastSent - firstSent)}; last delivery answered at ${s(sendSpan)}; latest fire ${lateMax.toFixed(0)} ms behind schedule), load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
      );
      say(
        `| latest head reported p50 | p99 | max | lost heads | heads scanned / pushed | writes | writes/scan | offending commits | missing comments | duplicate comments | heads with 2+ completed runs |`,
      );
      say(`| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
      say(
        `| ${s(pct(lat, 50))} | ${s(pct(lat, 99))} | ${s(lat.at(-1)!)} | ${lost} | ${scanned.size} / ${heads.size} | ${w} | ${(w / Math.max(1, scanned.size)).toFixed(2)} | ${offending.length} | ${missingComments} | ${dupComments} | ${dupRuns} |`,
      );
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const pick = metrics
      .split('\n')
      .filter((l) =>
        /^upstash_guard_(installation_tokens|folded_jobs|github_writes_total|github_throttle_wait_seconds_total|job_failures_total)/.test(
          l,
        ),
      );
    say('');
    say('app-process metrics (the workers report their own writes and throttle wait):');
    for (const l of pick) say(`    ${l}`);
  } finally {
    for (const p of procs) p.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (process.env.UG_BENCH_LOGS)
      writeFileSync(process.env.UG_BENCH_LOGS, procs.map((p) => p.logs.join('')).join('\n----\n'));
    await gh.close();
    await gitServer.close();
    if (!inProcess) {
      const redis = new Redis(o.redis!);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
