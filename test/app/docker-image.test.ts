/**
 * The Docker image as the Dockerfile assembles it. There is no Docker engine on these machines, so
 * the image's file system is rebuilt from the Dockerfile's own COPY lines:
 * - the build stage gets only the files its COPY lines name and runs the build there (a source
 *   or config file the build needs but the stage leaves out fails here, as `docker build` would);
 * - the runtime stage gets only what its COPY lines name (dist from the build stage, the files from
 *   the context), and the image's CMD, run from its WORKDIR with its ENV, scans a push end to end
 *   (a file read at run time from outside that set, such as a template under src/, fails here);
 * - `npm prune --omit=dev` leaves only `dependencies`: every package the app, worker and CLI
 *   import, statically or dynamically, must be one (a devDependency works in a checkout and
 *   crashes in the image);
 * - docker-compose.yml mounts a named volume at every path the image declares a VOLUME for the
 *   service that writes there, so `docker compose down && docker compose up` keeps the outbox
 *   journal and the clone cache (an anonymous volume is dropped by `down`).
 */
import { builtinModules } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { pushedLeak, startHarness, until, type Harness } from '../e2e/harness.js';
import { ensureBuilt, ROOT } from '../helpers/app-process.js';
import { pushEvent } from '../helpers/webhooks.js';

interface Stage {
  name: string | undefined;
  workdir: string;
  copies: Array<{ from: string | undefined; sources: string[]; dest: string }>;
  env: Record<string, string>;
  volumes: string[];
  cmd: string[] | undefined;
}

/** The Dockerfile's stages: FROM, WORKDIR, COPY, ENV, VOLUME and CMD (continuations joined). */
function dockerStages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr, ...rest] = line.split(/\s+/);
    const stage = stages.at(-1);
    switch (instr) {
      case 'FROM':
        stages.push({
          name: /\bAS\s+(\S+)/i.exec(line)?.[1],
          workdir: '/',
          copies: [],
          env: {},
          volumes: [],
          cmd: undefined,
        });
        break;
      case 'WORKDIR':
        stage!.workdir = resolve(stage!.workdir, rest[0]!);
        break;
      case 'COPY': {
        const from = rest[0]!.startsWith('--from=') ? rest.shift()!.slice(7) : undefined;
        stage!.copies.push({ from, sources: rest.slice(0, -1), dest: rest.at(-1)! });
        break;
      }
      case 'ENV':
        for (const [, k, v] of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g))
          stage!.env[k!] = v!;
        break;
      case 'VOLUME':
        stage!.volumes.push(...rest);
        break;
      case 'CMD':
        stage!.cmd = JSON.parse(line.slice(4)) as string[];
        break;
    }
  }
  return stages;
}

/**
 * Docker's COPY: a directory's contents go into the destination; a file goes to the destination,
 * or into it when it ends with `/` or several sources are copied.
 */
function copy(
  sources: string[],
  fromRoot: string,
  stageRoot: string,
  workdir: string,
  dest: string,
) {
  const target = join(stageRoot, resolve(workdir, dest));
  for (const s of sources) {
    const src = join(fromRoot, s);
    if (!existsSync(src)) throw new Error(`COPY ${s}: not in the ${fromRoot} it copies from`);
    if (statSync(src).isDirectory()) {
      mkdirSync(target, { recursive: true });
      cpSync(src, target, { recursive: true });
    } else {
      const to = dest.endsWith('/') || sources.length > 1 ? join(target, basename(s)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(src, to);
    }
  }
}

/** Relative and bare specifiers a built module imports, statically or with `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;}])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g))
    out.push(m[1]!);
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

/** Every package the modules reachable from the entry points import. */
function packagesReachedFrom(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        queue.push(resolve(dirname(file), spec));
        continue;
      }
      if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
      const name = spec.startsWith('@')
        ? spec.split('/').slice(0, 2).join('/')
        : spec.split('/')[0]!;
      if (!packages.has(name)) packages.set(name, file.slice(ROOT.length + 1));
    }
  }
  return packages;
}

let h: Harness | undefined;
let image: string | undefined;
afterAll(async () => {
  await h?.close();
  if (image) rmSync(image, { recursive: true, force: true });
});

test('the image the Dockerfile assembles builds from its own files and its CMD scans a push', async () => {
  const stages = dockerStages();
  const build = stages.find((s) => s.name === 'build')!;
  const runtime = stages.at(-1)!;
  expect(build).toBeDefined();
  expect(runtime).not.toBe(build);
  image = mkdtempSync(join(tmpdir(), 'ug-image-'));
  const buildRoot = join(image, 'build');
  const runtimeRoot = join(image, 'runtime');

  // Build stage: only the context files it copies. `npm ci` is stood in for by the checkout's
  // node_modules (the same lock); its `prepare` script is the build run here.
  for (const c of build.copies) copy(c.sources, ROOT, buildRoot, build.workdir, c.dest);
  const appDir = join(buildRoot, build.workdir);
  symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'), 'dir');
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [node, script] = pkg.scripts.prepare!.split(' ');
  expect(node).toBe('node');
  const built = spawnSync(process.execPath, [script!], { cwd: appDir, encoding: 'utf8' });
  expect(`${built.stdout}${built.stderr}`).toBe('');
  expect(built.status).toBe(0);

  // Runtime stage: what its COPY lines bring, from the build stage or the context.
  for (const c of runtime.copies) {
    if (c.from === undefined) {
      copy(c.sources, ROOT, runtimeRoot, runtime.workdir, c.dest);
      continue;
    }
    expect(c.from).toBe('build');
    if (c.sources.every((s) => s.endsWith('/node_modules'))) {
      const to = join(runtimeRoot, resolve(runtime.workdir, c.dest));
      mkdirSync(dirname(to), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), to, 'dir');
      continue;
    }
    copy(c.sources, buildRoot, runtimeRoot, runtime.workdir, c.dest);
  }
  const cwd = join(runtimeRoot, runtime.workdir);
  expect(runtime.cmd?.[0]).toBe('node');
  expect(existsSync(join(cwd, runtime.cmd![1]!))).toBe(true);
  // Nothing of the checkout but node_modules: no src/, no docs/, no test/.
  for (const absent of ['src', 'docs', 'test', 'tsconfig.json'])
    expect(existsSync(join(cwd, absent))).toBe(false);

  // The image's ENV, with the port and directories a test can use.
  const data = join(image, 'data');
  const { PORT: _port, ...imageEnv } = runtime.env;
  expect(_port).toBeDefined();
  h = await startHarness({
    command: runtime.cmd!.slice(1),
    cwd,
    env: {
      ...imageEnv,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      UPSTASH_GUARD_CACHE_DIR: join(data, 'cache'),
      UPSTASH_GUARD_DATA_DIR: data,
    },
  });
  const { target, first, second, token } = await pushedLeak(h, {
    name: 'image',
    id: 811,
    seed: 'image',
  });
  const res = await h.send(
    'push',
    pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }),
  );
  expect(res.status).toBeLessThan(300);
  const run = await until(
    'check run completed',
    () => h!.gh.checkRuns.find((c) => c.status === 'completed'),
    30_000,
  );
  expect(run.conclusion).toBe('failure');
  // The comment on the offending commit renders its guidance from the image's files.
  await until('commit comment', () => h!.gh.commitComments.length > 0 || undefined, 30_000);
  expect(JSON.stringify(h.gh.commitComments)).toMatch(/rotat/i);
  await h.app.stop('SIGTERM');
  expect(h.app.child.exitCode).toBe(0);
  expect(h.app.logs()).not.toContain(token);
  expect(h.app.logs()).not.toMatch(/ENOENT|Cannot find module/);
}, 180_000);

test('npm prune --omit=dev keeps every package the app, the worker and the CLI import', () => {
  ensureBuilt();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const entries = ['app/main.js', 'app/index.js', 'queue/worker-main.js', 'cli/main.js'].map((f) =>
    join(ROOT, 'dist', f),
  );
  const reached = packagesReachedFrom(entries);
  // The graph is real: the entry points reach the stack's packages.
  for (const name of ['probot', 'bullmq', 'ioredis', 'simple-git'])
    expect(reached.has(name)).toBe(true);
  const missing = [...reached].filter(([name]) => !(name in pkg.dependencies));
  expect(missing).toEqual([]);
});

test('docker-compose.yml keeps every path the image declares a VOLUME in a named volume', () => {
  const runtime = dockerStages().at(-1)!;
  expect(runtime.volumes.length).toBeGreaterThan(0);
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { volumes?: string[] }>;
    volumes: Record<string, unknown>;
  };
  const mounts = (service: string): Map<string, string> =>
    new Map(
      (compose.services[service]!.volumes ?? []).map((v) => {
        const [source, path] = v.split(':');
        return [path!, source!];
      }),
    );
  // The app writes the outbox journal (BullMQ) or the queue and incidents (in-process) under the
  // data directory, and clones under the cache; the worker clones.
  const app = mounts('app');
  for (const path of runtime.volumes) {
    expect(app.get(path)).toBeDefined();
    expect(compose.volumes).toHaveProperty(app.get(path)!);
  }
  const worker = mounts('worker');
  const cache = runtime.env.UPSTASH_GUARD_CACHE_DIR!;
  expect(compose.volumes).toHaveProperty(worker.get(cache)!);
  // Each process its own cache (a clone is never shared between processes).
  expect(worker.get(cache)).not.toBe(app.get(cache));
});
