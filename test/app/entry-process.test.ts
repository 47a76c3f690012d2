/**
 * The production entry points as processes, started with the exact commands the Docker image and
 * docker-compose.yml run (no Docker engine here: same argv, same env, same signals):
 * - the app CMD, with the `.env` Probot's setup flow writes passed the way `docker run --env-file`
 *   passes it (quotes kept), scans a push delivered to "/" (the webhook URL the setup flow
 *   registers), and shuts down gracefully on SIGTERM;
 * - the worker command logs at info without LOG_LEVEL, logs a failed job at error with the reason,
 *   and shuts down gracefully on SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pushedLeak, startHarness, until, type Harness } from '../e2e/harness.js';
import { ROOT } from '../helpers/app-process.js';
import { deliver, pushEvent } from '../helpers/webhooks.js';
import { testRedisUrl } from '../setup/test-redis.js';

/** `CMD ["node", …]` of the runtime stage, as argv after node. */
function dockerCmd(): string[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const cmd = lines.filter((l) => l.startsWith('CMD ')).at(-1)!;
  const argv = JSON.parse(cmd.slice(4)) as string[];
  expect(argv[0]).toBe('node');
  return argv.slice(1);
}

function composeWorkerCmd(): string[] {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { worker: { command: string[] } };
  };
  const argv = compose.services.worker.command;
  expect(argv[0]).toBe('node');
  return argv.slice(1);
}

/** `docker run --env-file` semantics: KEY=VALUE per line, verbatim, no quote or escape handling. */
function parseDockerEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i).trimStart()] = line.slice(i + 1);
  }
  return env;
}

/** The .env Probot's own updateEnv writes after the manifest flow (run in a child, in a temp dir). */
function setupFlowEnvFile(pem: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ug-setup-env-'));
  try {
    const updateEnv = join(ROOT, 'node_modules/probot/lib/helpers/update-env.js');
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        // The values createAppFromCode passes (PRIVATE_KEY is wrapped in quotes there).
        `const { updateEnv } = await import(${JSON.stringify(updateEnv)});
         updateEnv({ APP_ID: '1', PRIVATE_KEY: '"' + process.env.PEM + '"', WEBHOOK_SECRET: 'x' });`,
      ],
      { cwd: dir, env: { PATH: process.env.PATH, PEM: pem }, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    return readFileSync(join(dir, '.env'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

test('app CMD: the setup-flow .env through --env-file works, a push is scanned, SIGTERM shuts down cleanly', async () => {
  let passedKey = '';
  h = await startHarness({
    command: dockerCmd(),
    keyEnv: (pem) => {
      passedKey = parseDockerEnvFile(setupFlowEnvFile(pem)).PRIVATE_KEY!;
      return { PRIVATE_KEY: passedKey };
    },
  });
  // What Docker hands the process: quoted, one line, literal \n.
  expect(passedKey.startsWith('"-----BEGIN')).toBe(true);
  expect(passedKey).toContain('\\n');
  expect(passedKey).not.toContain('\n');

  const { target, first, second, token } = await pushedLeak(h, {
    name: 'entry',
    id: 801,
    seed: 'entry',
  });
  // Delivered to "/", the URL Probot's setup flow registers (app.yml leaves it to the flow).
  const res = await deliver(
    `${h.app.baseUrl}/`,
    'push',
    pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }),
    { secret: h.app.webhookSecret },
  );
  expect(res.status).toBeLessThan(300);
  // Installation tokens are minted with a JWT signed by that key: a broken key never gets here.
  const run = await until(
    'check run completed',
    () => h!.gh.checkRuns.find((c) => c.status === 'completed'),
    30_000,
  );
  expect(run.conclusion).toBe('failure');

  await h.app.stop('SIGTERM');
  expect(h.app.child.signalCode).toBeNull();
  expect(h.app.child.exitCode).toBe(0);
  expect(h.app.logs()).toMatch(/shutting down[\s\S]*shutdown complete/);
  expect(h.app.logs()).not.toContain(token);
}, 90_000);

test('worker command: info logs by default, a failed job at error with its reason, graceful SIGTERM', async () => {
  h = await startHarness({
    redisUrl: testRedisUrl(),
    command: dockerCmd(),
    env: {
      UPSTASH_GUARD_BACKOFF_MS: '50',
      UPSTASH_GUARD_BACKOFF_MAX_MS: '100',
      UPSTASH_GUARD_ATTEMPTS: '2',
    },
  });
  // No LOG_LEVEL, as in the image: Probot's createProbot alone would default to warn.
  const worker = await h.app.startWorker({ LOG_LEVEL: '' });
  expect(composeWorkerCmd()).toEqual(['dist/queue/worker-main.js']);

  // A repository that exists for the API but whose git server has nothing: the fetch fails.
  const target = h.addRepo('broken', 802);
  await h.send(
    'push',
    pushEvent(target, { ref: 'refs/heads/main', before: '1'.repeat(40), after: '2'.repeat(40) }),
  );
  const line = await worker.waitForLog(/\{[^\n]*"msg":"scan job failed for good[^\n]*\}/, 60_000);
  const entry = JSON.parse(line) as { level: number; repo: string; reason: string; kind: string };
  expect(entry.level).toBe(50);
  expect(entry.repo).toBe('acme/broken');
  expect(entry.kind).toBe('push');
  expect(entry.reason.length).toBeGreaterThan(0);

  await worker.stop('SIGTERM');
  expect(worker.child.exitCode).toBe(0);
  expect(worker.logs()).toMatch(/worker shutting down[\s\S]*shutdown complete/);
}, 90_000);
