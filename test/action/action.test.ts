/**
 * The GitHub Action's entry point (dist/action/main.js, what action.yml runs) as a process, with
 * real event payloads, on workspaces made the way actions/checkout makes them (depth 1 by
 * default) from an `origin` served over loopback smart HTTP.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from '../helpers/app-process.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

const MAIN = join(ROOT, 'dist', 'action', 'main.js');
const exec = promisify(execFile);
const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

let server: GitHttpServer;
const cleanups: Array<() => void> = [];
beforeAll(async () => {
  ensureBuilt();
  server = await startGitHttpServer();
}, 120_000);
afterAll(async () => {
  for (const c of cleanups) c();
  await server.close();
});

function envFile(seed: string): { text: string; token: string } {
  const { token, dbId } = redisTokenParts({ seed });
  return {
    token,
    text: `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
  };
}

let counter = 0;
/** origin: main has an old token in its history (removed since), then a clean commit. */
async function origin(): Promise<{
  repo: TestRepo;
  url: string;
  oldToken: string;
  main: string;
  push: (...a: string[]) => Promise<void>;
}> {
  const repo = createRepo();
  cleanups.push(() => repo.cleanup());
  const name = `r${++counter}`;
  server.createBare('acme', name);
  const url = server.cloneUrl('acme', name);
  repo.git('remote', 'add', 'origin', url);
  const old = envFile(`old-${name}`);
  repo.write('README.md', '# app\n');
  repo.write('config/.env', old.text);
  repo.commit('initial, with a token');
  repo.remove('config/.env');
  repo.commit('remove the token (it stays in history)');
  repo.write('src/a.ts', 'export const a = 1;\n');
  const main = repo.commit('work');
  // Async: the git server runs in this process, a synchronous push would deadlock it.
  const push = async (...args: string[]): Promise<void> => {
    await exec('git', ['push', '-q', 'origin', ...args], { cwd: repo.dir, env: GIT_ENV });
  };
  await push('main');
  return { repo, url, oldToken: old.token, main, push };
}

/** What actions/checkout does: init, add origin, fetch one commit (or everything), check out. */
async function checkout(
  url: string,
  ref: string,
  target: string,
  opts: { depth?: number } = {},
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ug-ws-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => exec('git', args, { cwd: dir, env: GIT_ENV });
  await git('init', '-q');
  await git('remote', 'add', 'origin', url);
  if (opts.depth === 0) {
    await git('fetch', '-q', '--prune', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*');
  } else {
    await git('fetch', '-q', '--no-tags', '--prune', '--depth=1', 'origin', `+${ref}:${target}`);
  }
  await git('checkout', '-q', '--detach', target);
  return dir;
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: string;
  sarif?: {
    runs: Array<{
      results: Array<{
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }>;
      }>;
    }>;
  };
  sarifText: string;
  all: string;
}

async function runAction(
  workspace: string,
  eventName: string,
  payload: object,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  const meta = mkdtempSync(join(tmpdir(), 'ug-runner-'));
  cleanups.push(() => rmSync(meta, { recursive: true, force: true }));
  const eventPath = join(meta, 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  writeFileSync(join(meta, 'summary.md'), '');
  writeFileSync(join(meta, 'output'), '');
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [MAIN],
        {
          cwd: workspace,
          encoding: 'utf8',
          timeout: 120_000,
          env: {
            PATH: process.env.PATH,
            HOME: meta,
            GITHUB_ACTIONS: 'true',
            GITHUB_EVENT_NAME: eventName,
            GITHUB_EVENT_PATH: eventPath,
            GITHUB_WORKSPACE: workspace,
            GITHUB_STEP_SUMMARY: join(meta, 'summary.md'),
            GITHUB_OUTPUT: join(meta, 'output'),
            ...inputs,
          },
        },
        (err, stdout, stderr) =>
          resolve({
            status: err ? (typeof err.code === 'number' ? err.code : null) : 0,
            stdout,
            stderr,
          }),
      );
    },
  );
  const sarifPath = join(workspace, 'upstash-guard.sarif');
  const sarifText = existsSync(sarifPath) ? readFileSync(sarifPath, 'utf8') : '';
  const summary = readFileSync(join(meta, 'summary.md'), 'utf8');
  const outputs = readFileSync(join(meta, 'output'), 'utf8');
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    summary,
    outputs,
    sarifText,
    ...(sarifText ? { sarif: JSON.parse(sarifText) as ActionRun['sarif'] } : {}),
    all: [r.stdout, r.stderr, summary, outputs, sarifText].join('\n'),
  };
}

const sarifUris = (run: ActionRun): string[] =>
  run.sarif!.runs.flatMap((x) =>
    x.results.flatMap((res) => res.locations.map((l) => l.physicalLocation.artifactLocation.uri)),
  );

test('pull_request on a depth-1 checkout of the merge commit: scans base..head only, every output written, no secret in any', async () => {
  const o = await origin();
  o.repo.branch('feature');
  o.repo.checkout('feature');
  const leak = envFile('pr-leak');
  o.repo.write('.env', `# local settings\n${leak.text}`);
  const head = o.repo.commit('add env');
  await o.push('feature', `${head}:refs/pull/7/head`);
  o.repo.checkout('main');
  const merge = o.repo.merge('feature', { message: 'Merge feature into main' });
  await o.push(`${merge}:refs/pull/7/merge`);
  o.repo.git('reset', '-q', '--hard', o.main);

  const ws = await checkout(o.url, 'refs/pull/7/merge', 'refs/remotes/pull/7/merge');
  expect(
    execFileSync('git', ['rev-parse', '--is-shallow-repository'], {
      cwd: ws,
      env: GIT_ENV,
      encoding: 'utf8',
    }).trim(),
  ).toBe('true');
  const run = await runAction(ws, 'pull_request', {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      base: { ref: 'main', sha: o.main },
      head: { ref: 'feature', sha: head },
    },
  });
  expect(run.stdout).toContain('shallow checkout, fetching');
  expect(run.code).toBe(1);
  // Annotation on the exact line, as a workflow command.
  expect(run.stdout).toMatch(
    /^::error file=\.env,line=3,endLine=3,title=Upstash Redis REST token[^:]*::.*ug1:[0-9a-f]{32}/m,
  );
  expect(sarifUris(run)).toEqual(['.env']);
  expect(run.summary).toMatch(/^## Upstash credentials/);
  expect(run.summary).toContain('pull request #7');
  expect(run.summary).toContain('.env');
  expect(run.outputs).toMatch(/^findings=1$/m);
  expect(run.outputs).toMatch(/^failed=true$/m);
  // Not the token in main's history: it is not part of the pull request.
  expect(run.summary).not.toContain('config/.env');
  for (const secret of [leak.token, o.oldToken]) expect(run.all).not.toContain(secret);
});

test('pull_request whose head switches its own scan off in .github/upstash-guard.yml: the base settings decide', async () => {
  const o = await origin();
  o.repo.branch('sneaky');
  o.repo.checkout('sneaky');
  const leak = envFile('sneaky-leak');
  o.repo.write('.env', leak.text);
  o.repo.write('.github/upstash-guard.yml', "ignorePaths: ['**']\nfailOn: critical\n");
  const head = o.repo.commit('add env, and ignore everything');
  await o.push('sneaky', `${head}:refs/pull/9/head`);
  o.repo.checkout('main');
  const ws = await checkout(o.url, 'refs/pull/9/head', 'refs/remotes/pull/9/head');
  const run = await runAction(ws, 'pull_request', {
    number: 9,
    pull_request: { number: 9, base: { sha: o.main }, head: { sha: head } },
  });
  expect(run.stdout).toContain(
    'this pull request changes .github/upstash-guard.yml; its settings take effect once merged',
  );
  expect(run.code).toBe(1);
  expect(run.outputs).toMatch(/^failed=true$/m);
  expect(run.all).not.toContain(leak.token);
  // A push is judged by its own commit's file (whoever pushes can change the default branch).
  const push = await runAction(ws, 'push', {
    ref: 'refs/heads/sneaky',
    before: o.main,
    after: head,
  });
  expect(push.code).toBe(0);
});

test("a config that extends the organisation's (App only) is read: its own settings apply, a line says so", async () => {
  const o = await origin();
  const leak = envFile('extends-leak');
  o.repo.write('.env', leak.text);
  o.repo.write('.github/upstash-guard.yml', '_extends: .github\nfailOn: critical\n');
  const after = o.repo.commit('a token, and a config that extends the organisation one');
  await o.push('main');
  const ws = await checkout(o.url, after, 'refs/remotes/origin/main', { depth: 0 });
  const run = await runAction(ws, 'push', { ref: 'refs/heads/main', before: o.main, after });
  expect(run.stdout).toContain(
    "upstash-guard: .github/upstash-guard.yml extends .github, which only the GitHub App reads: this scan uses the file's own settings",
  );
  expect(run.code).toBe(0);
  expect(run.outputs).toMatch(/^findings=1$/m);
  expect(run.all).not.toContain(leak.token);
});

test('push before..after: a clean push passes even though history holds a token', async () => {
  const o = await origin();
  const before = o.main;
  o.repo.write('src/b.ts', 'export const b = 2;\n');
  const after = o.repo.commit('clean work');
  await o.push('main');
  const ws = await checkout(o.url, after, 'refs/remotes/origin/main');
  const run = await runAction(ws, 'push', {
    ref: 'refs/heads/main',
    before,
    after,
    forced: false,
    deleted: false,
  });
  expect(run.code).toBe(0);
  expect(run.outputs).toMatch(/^findings=0$/m);
  expect(run.stdout).toContain(`push ${before.slice(0, 7)}..${after.slice(0, 7)}`);
});

test('push of a new branch (before is all zeros): only the commits on no other branch', async () => {
  const o = await origin();
  o.repo.branch('topic');
  o.repo.checkout('topic');
  const leak = envFile('new-branch');
  o.repo.write('deploy/.env', leak.text);
  const after = o.repo.commit('topic work');
  await o.push('topic');
  const ws = await checkout(o.url, after, 'refs/remotes/origin/topic');
  const run = await runAction(ws, 'push', {
    ref: 'refs/heads/topic',
    before: '0'.repeat(40),
    after,
    created: true,
  });
  expect(run.code).toBe(1);
  expect(sarifUris(run)).toEqual(['deploy/.env']);
  expect(run.all).not.toContain(leak.token);
  expect(run.all).not.toContain(o.oldToken);
});

test('force push: the rewritten commits are scanned, main is not', async () => {
  const o = await origin();
  o.repo.branch('topic');
  o.repo.checkout('topic');
  o.repo.write('x.txt', 'one\n');
  const before = o.repo.commit('first attempt');
  await o.push('topic');
  o.repo.git('reset', '-q', '--hard', o.main);
  const leak = envFile('forced');
  o.repo.write('.env', leak.text);
  const after = o.repo.commit('second attempt, with a token');
  await o.push('--force', 'topic');
  const ws = await checkout(o.url, after, 'refs/remotes/origin/topic');
  const run = await runAction(ws, 'push', { ref: 'refs/heads/topic', before, after, forced: true });
  expect(run.code).toBe(1);
  expect(sarifUris(run)).toEqual(['.env']);
  expect(run.all).not.toContain(leak.token);
});

test('workflow_dispatch / schedule: the full history, shallow checkout deepened first', async () => {
  const o = await origin();
  for (const event of ['workflow_dispatch', 'schedule']) {
    const ws = await checkout(o.url, o.main, 'refs/remotes/origin/main');
    const run = await runAction(
      ws,
      event,
      event === 'schedule' ? { schedule: '0 3 * * *' } : { inputs: {} },
    );
    expect(run.code).toBe(1);
    expect(run.summary).toContain(`full history (${event})`);
    expect(sarifUris(run)).toEqual(['config/.env']);
    expect(run.all).not.toContain(o.oldToken);
  }
});

test('fail-on above the findings: exit 0, findings still reported', async () => {
  const o = await origin();
  const ws = await checkout(o.url, o.main, 'refs/remotes/origin/main', { depth: 0 });
  const run = await runAction(ws, 'workflow_dispatch', {}, { INPUT_FAIL_ON: 'critical' });
  expect(run.code).toBe(0);
  expect(run.outputs).toMatch(/^findings=1$/m);
  expect(run.outputs).toMatch(/^failed=false$/m);
  expect(run.stdout).toMatch(/^::error file=config\/\.env/m);
});

test('a base commit that cannot be fetched: exit 2 with a clear message', async () => {
  const o = await origin();
  const ws = await checkout(o.url, o.main, 'refs/remotes/origin/main', { depth: 0 });
  const run = await runAction(ws, 'pull_request', {
    number: 9,
    pull_request: { number: 9, base: { sha: 'f'.repeat(40) }, head: { sha: o.main } },
  });
  expect(run.code).toBe(2);
  expect(run.stdout).toMatch(
    /^::error::upstash-guard: base commit f{40} is not in this checkout .*fetch-depth: 0/m,
  );
});

test('a deleted branch scans nothing and passes', async () => {
  const o = await origin();
  const ws = await checkout(o.url, o.main, 'refs/remotes/origin/main');
  const run = await runAction(ws, 'push', {
    ref: 'refs/heads/gone',
    before: o.main,
    after: '0'.repeat(40),
    deleted: true,
  });
  expect(run.code).toBe(0);
  expect(run.summary).toContain('Nothing to scan');
});

test('action.yml runs this entry point, and its inputs reach it', async () => {
  const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
  expect(yml).toContain('node "$GITHUB_ACTION_PATH/dist/action/main.js"');
  for (const input of ['INPUT_PATH', 'INPUT_FAIL_ON', 'INPUT_CONFIG', 'INPUT_SARIF_FILE'])
    expect(yml).toContain(`${input}: \${{ inputs.`);
});

test('push of an annotated tag (after is the tag object): the tagged commits on no branch only', async () => {
  const o = await origin();
  // A tag on main's head: nothing new. A tag on a commit no branch holds: that commit.
  o.repo.git('tag', '-a', '-m', 'release', 'v1', o.main);
  o.repo.git('checkout', '-q', '--detach', o.main);
  const leak = envFile('tag-only');
  o.repo.write('release/.env', leak.text);
  o.repo.commit('release build');
  o.repo.git('tag', '-a', '-m', 'release', 'v2');
  await o.push('v1', 'v2');
  for (const [tag, code, uris] of [
    ['v1', 0, []],
    ['v2', 1, ['release/.env']],
  ] as const) {
    const object = o.repo.git('rev-parse', tag);
    const ws = await checkout(o.url, object, `refs/tags/${tag}`);
    const run = await runAction(ws, 'push', {
      ref: `refs/tags/${tag}`,
      before: '0'.repeat(40),
      after: object,
      created: true,
    });
    expect([tag, run.code]).toEqual([tag, code]);
    expect(run.sarif ? sarifUris(run) : []).toEqual(uris);
    expect(run.all).not.toContain(leak.token);
    expect(run.all).not.toContain(o.oldToken);
  }
});

test('a branch named after a token: the log, summary, outputs and SARIF never show it', async () => {
  const o = await origin();
  const leak = envFile('branch-name');
  const branch = `leak/${leak.token}`;
  o.repo.branch(branch);
  o.repo.checkout(branch);
  o.repo.write('deploy/.env', leak.text);
  const after = o.repo.commit('topic work');
  await o.push(branch);
  const ws = await checkout(o.url, after, `refs/remotes/origin/${branch}`);
  for (const before of ['0'.repeat(40), o.main]) {
    const run = await runAction(ws, 'push', { ref: `refs/heads/${branch}`, before, after });
    expect(run.code).toBe(1);
    expect(run.all).not.toContain(leak.token);
  }
  const deleted = await runAction(ws, 'push', {
    ref: `refs/heads/${branch}`,
    before: after,
    after: '0'.repeat(40),
    deleted: true,
  });
  expect(deleted.code).toBe(0);
  expect(deleted.all).not.toContain(leak.token);
});
