/**
 * `scan --github-org ORG`: list the repositories (list-repos.ts), clone each into a temporary bare
 * repository (clone.ts), scan its history with bounded concurrency, and write text, JSON and SARIF
 * per repository plus a summary (summary.ts).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseConfig } from '../core/config/schema.js';
import { ConfigError, DEFAULT_CONFIG, failsScan, type Config } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';
import { renderJson, renderSarif, renderText, TOOL_VERSION } from '../report/index.js';
import { UsageError, type CliIo } from '../cli/io.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../cli/load-config.js';
import type { CliArgs, OrgArgs } from '../cli/parse-args.js';
import { progressLine } from '../cli/progress.js';
import { writeReport } from '../cli/run-cli.js';
import { verifyAndFilter } from '../cli/run-scan.js';
import { bareClone, configAtHead } from './clone.js';
import { GitHubListError, listOwnerRepos, type OrgRepo } from './list-repos.js';
import {
  summaryJson,
  summaryMarkdown,
  summaryText,
  verdictLine,
  type RepoOutcome,
} from './summary.js';

const DEFAULT_CONCURRENCY = 2;

/** Where the token may go: the configured web/git origin, and the API base. GHE: both on one host. */
export function githubTarget(org: OrgArgs, env: CliIo['env']): { server: string; api: string } {
  const server = (org.serverUrl ?? env.GITHUB_SERVER_URL ?? 'https://github.com').replace(
    /\/+$/,
    '',
  );
  let origin: string;
  try {
    origin = new URL(server).origin;
  } catch {
    throw new UsageError(
      `--github-url must be a URL like https://github.example.com (got "${server}")`,
    );
  }
  const api =
    org.apiUrl ??
    env.GITHUB_API_URL ??
    (origin === 'https://github.com' ? 'https://api.github.com' : `${origin}/api/v3`);
  try {
    new URL(api);
  } catch {
    throw new UsageError(`--github-api-url must be a URL (got "${api}")`);
  }
  return { server: origin, api };
}

/** A name from the API as one path segment: never `..`, a slash or anything a shell would mind. */
export function safeSegment(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^\.*$/.test(clean) ? `_${clean}` : clean;
}

/** Runs `worker` over `items`, at most `limit` at a time, in order of start. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T, i: number) => Promise<void>,
) {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await worker(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/**
 * The repository's own config at HEAD when --config is not given. A broken one does not stop the
 * scan (a leak matters more than a typo): the defaults are used and the report warns.
 */
async function repoConfig(
  dir: string,
  explicit: Config | undefined,
  failOn: CliArgs['failOn'],
  warnings: string[],
): Promise<Config> {
  let config = explicit;
  if (!config) {
    const text = await configAtHead(dir, DEFAULT_CONFIG_PATH);
    try {
      config = parseConfig(text ?? '', DEFAULT_CONFIG_PATH);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      warnings.push(`invalid config ${err.message.split('\n')[0]}; scanned with the defaults`);
      config = DEFAULT_CONFIG;
    }
  }
  return failOn ? { ...config, failOn } : config;
}

export async function orgScanCommand(args: CliArgs, org: OrgArgs, io: CliIo): Promise<number> {
  if (args.format === 'sarif')
    throw new UsageError(
      '--github-org writes SARIF per repository; use --format text or json for the summary',
    );
  if (args.baseline)
    throw new UsageError('--baseline applies to one repository, not to --github-org');
  const { server, api } = githubTarget(org, io.env);
  const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN || undefined;
  const outDir = resolve(io.cwd, args.output ?? `upstash-guard-${org.name}`);
  const shownDir = relative(io.cwd, outDir) || '.';
  // --config applies to every repository; otherwise each repository's own file is read.
  const explicit = args.config ? await loadConfig(io.cwd, args.config, io.cwd) : undefined;
  const defaultFailOn = args.failOn ?? explicit?.failOn ?? 'medium';

  let repos: OrgRepo[];
  try {
    repos = await listOwnerRepos(org.name, { apiUrl: api, ...(token ? { token } : {}) });
  } catch (err) {
    if (err instanceof GitHubListError) throw new UsageError(err.message);
    throw err;
  }
  const outcomes: RepoOutcome[] = repos.map((repo) => ({
    repo,
    status: 'skipped',
    failed: false,
    durationMs: 0,
  }));
  const todo: RepoOutcome[] = [];
  for (const o of outcomes) {
    if (org.skipArchived && o.repo.archived) o.reason = 'archived';
    else if (org.skipForks && o.repo.fork) o.reason = 'fork';
    else todo.push(o);
  }
  if (!args.quiet)
    io.stderr.write(
      `upstash-guard: ${org.name}: ${repos.length} repositories, scanning ${todo.length}${token ? '' : ' (no GITHUB_TOKEN: public repositories only)'}\n`,
    );

  const progress = args.quiet
    ? undefined
    : progressLine(io.stderr, { unit: 'repositories', ...(io.now ? { now: io.now } : {}) });
  const work = await mkdtemp(join(tmpdir(), 'upstash-guard-org-'));
  // Ctrl-C mid-scan: the clones are deleted, not left in the temp directory.
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(work, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let finished = 0;
  progress?.update({ phase: 'scan', done: 0, total: todo.length });
  try {
    await pool(todo, org.concurrency ?? DEFAULT_CONCURRENCY, async (o, i) => {
      const started = Date.now();
      const dir = join(work, `${i}.git`);
      try {
        await bareClone(dir, {
          cloneUrl: o.repo.cloneUrl,
          origin: server,
          ...(token ? { token } : {}),
          ...(o.repo.defaultBranch ? { defaultBranch: o.repo.defaultBranch } : {}),
        });
        const configWarnings: string[] = [];
        const config = await repoConfig(dir, explicit, args.failOn, configWarnings);
        const result = await scanHistory(dir, {
          config,
          fingerprintKey: args.fingerprintKey ?? io.env.UPSTASH_GUARD_FINGERPRINT_KEY ?? undefined,
        });
        result.warnings.unshift(...configWarnings);
        await verifyAndFilter(result, args, io);
        o.status = 'scanned';
        o.result = result;
        o.failed = failsScan(result.findings, config);
        const base = join(safeSegment(o.repo.owner), safeSegment(o.repo.name));
        o.reports = { text: `${base}.txt`, json: `${base}.json`, sarif: `${base}.sarif` };
        const text = renderText(result, {
          guidance: args.guidance,
          verbose: args.verbose,
          failOn: config.failOn,
          repoUrl: `${server}/${o.repo.fullName}`,
        });
        await writeReport(outDir, o.reports.text, `${o.repo.fullName}\n\n${text}`);
        await writeReport(
          outDir,
          o.reports.json,
          renderJson(result, { toolVersion: TOOL_VERSION }),
        );
        await writeReport(
          outDir,
          o.reports.sarif,
          renderSarif(result, { toolVersion: TOOL_VERSION }),
        );
      } catch (err) {
        if (err instanceof UsageError) throw err;
        o.status = 'error';
        o.reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
      } finally {
        o.durationMs = Date.now() - started;
        await rm(dir, { recursive: true, force: true });
        progress?.update({ phase: 'scan', done: ++finished, total: todo.length });
      }
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.clear();
    await rm(work, { recursive: true, force: true });
  }

  const summary = summaryJson(org.name, defaultFailOn, outcomes);
  await writeReport(outDir, 'summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  await writeReport(
    outDir,
    'summary.md',
    `# upstash-guard: ${org.name}\n\n${summaryMarkdown(outcomes)}\n\n${verdictLine(outcomes, defaultFailOn, '.')}\n`,
  );
  const failed = outcomes.some((o) => o.failed);
  const errors = outcomes.some((o) => o.status === 'error');
  if (args.format === 'json') io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!args.quiet || failed || errors)
    io.stdout.write(
      `${summaryText(outcomes)}\n\n${verdictLine(outcomes, defaultFailOn, shownDir)}\n`,
    );
  if (failed) return 1;
  return errors ? 2 : 0;
}
