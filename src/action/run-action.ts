/**
 * The GitHub Action (action.yml runs `node dist/action/main.js`): plan from the event, make sure
 * the commits are there, scan, then write SARIF (for github/codeql-action/upload-sarif), a job
 * summary ($GITHUB_STEP_SUMMARY), annotations (workflow commands on stdout) and step outputs.
 * Every output comes from the pure renderers, so none can contain a secret. Exit code: 0 nothing
 * at or above failOn, 1 findings at or above it, 2 an error (printed as an ::error:: line).
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  DEFAULT_CONFIG,
  failsScan,
  type Config,
  type ScanResult,
  SEVERITIES,
  type Severity,
} from '../core/index.js';
import { DEFAULT_CONFIG_PATH, extendsNote, loadConfig } from '../cli/load-config.js';
import type { CommitRange } from '../engine/types.js';
import { readFileAt } from '../git/read-file-at.js';
import { scanHistory } from '../engine/scan-history.js';
import { scanRange } from '../engine/scan-range.js';
import { CHECK_RUN_NAME, renderCheckRun, renderSarif, TOOL_VERSION } from '../report/index.js';
import { planFromEvent, type ScanPlan } from './event-plan.js';
import { prepareRange, unshallow } from './prepare-git.js';
import { annotationCommands, errorCommand, warningCommand } from './workflow-commands.js';

export interface ActionIo {
  env: Record<string, string | undefined>;
  /** The step log (annotations are workflow commands written here). */
  write(line: string): void;
}

interface Inputs {
  path: string;
  failOn?: Severity;
  config?: string;
  sarifFile: string;
}

function inputs(env: ActionIo['env']): Inputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const failOn = env.INPUT_FAIL_ON?.trim() || undefined;
  if (failOn && !(SEVERITIES as readonly string[]).includes(failOn))
    throw new Error(`fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOn}")`);
  const path = resolve(workspace, env.INPUT_PATH?.trim() || '.');
  const sarif = env.INPUT_SARIF_FILE?.trim() || 'upstash-guard.sarif';
  return {
    path,
    sarifFile: isAbsolute(sarif) ? sarif : resolve(workspace, sarif),
    ...(failOn ? { failOn: failOn as Severity } : {}),
    ...(env.INPUT_CONFIG?.trim() ? { config: env.INPUT_CONFIG.trim() } : {}),
  };
}

async function readEvent(env: ActionIo['env']): Promise<{ name: string; payload: object }> {
  const name = env.GITHUB_EVENT_NAME ?? '';
  const file = env.GITHUB_EVENT_PATH;
  if (!file) return { name, payload: {} };
  return { name, payload: JSON.parse(await readFile(file, 'utf8')) as object };
}

async function scan(
  root: string,
  plan: ScanPlan,
  range: CommitRange | undefined,
  config: Config,
  log: (l: string) => void,
): Promise<ScanResult | undefined> {
  if (plan.kind === 'skip') return undefined;
  if (plan.kind === 'history') {
    await unshallow(root, log);
    return scanHistory(root, { config });
  }
  return scanRange(root, range!, { config });
}

/**
 * The settings of this run: the `config` input when given; for a pull request, the file at its
 * base commit (its head could add `ignorePaths: ['**']` or an `allow:` entry for the token it
 * adds and pass its own scan; the App decides the same way); else the checkout's file.
 */
async function actionConfig(
  input: Inputs,
  plan: ScanPlan,
  log: (l: string) => void,
): Promise<Config> {
  if (input.config || plan.kind !== 'range' || !plan.configAt)
    return loadConfig(input.path, input.config, input.path);
  // `./` names the file relative to the scanned path, like loadConfig does.
  const file = `./${DEFAULT_CONFIG_PATH}`;
  const base = await readFileAt(input.path, plan.configAt, file);
  const head = await readFileAt(input.path, plan.head, file).catch(() => undefined);
  if (head !== base)
    log(
      `upstash-guard: this pull request changes ${DEFAULT_CONFIG_PATH}; its settings take effect once merged. This scan used the base commit's settings.`,
    );
  if (base === undefined) return DEFAULT_CONFIG;
  const { parseConfig } = await import('../core/config/schema.js');
  return parseConfig(base, `${DEFAULT_CONFIG_PATH} at ${plan.configAt.slice(0, 7)}`);
}

function summary(plan: ScanPlan, result: ScanResult | undefined, config: Config): string {
  if (!result) return `## ${CHECK_RUN_NAME}\n\nNothing to scan: ${plan.label}.\n`;
  const out = renderCheckRun(result, {
    config,
    mode: plan.kind === 'history' ? 'history' : 'scan',
  });
  return `## ${CHECK_RUN_NAME}: ${out.title}\n\nScanned: ${plan.label}.\n\n${out.summary}\n\n${out.text}\n`;
}

export async function runAction(io: ActionIo): Promise<number> {
  const log = (line: string): void => io.write(`${line}\n`);
  try {
    const input = inputs(io.env);
    const event = await readEvent(io.env);
    const plan = planFromEvent(event.name, event.payload);
    log(`upstash-guard ${TOOL_VERSION}: scanning ${plan.label}`);
    // The commits first: a pull request's settings come from its base commit.
    const range = plan.kind === 'range' ? await prepareRange(input.path, plan, log) : undefined;
    const fileConfig = await actionConfig(input, plan, log);
    const note = extendsNote(input.config || DEFAULT_CONFIG_PATH, fileConfig);
    if (note) log(`upstash-guard: ${note}`);
    const config: Config = input.failOn ? { ...fileConfig, failOn: input.failOn } : fileConfig;
    const result = await scan(input.path, plan, range, config, log);

    const findings = result?.findings ?? [];
    const failed = failsScan(findings, config);
    if (result) {
      await mkdir(dirname(input.sarifFile), { recursive: true });
      await writeFile(input.sarifFile, renderSarif(result, { toolVersion: TOOL_VERSION }));
      for (const line of annotationCommands(renderCheckRun(result, { config }).annotations))
        log(line);
      for (const w of result.warnings) log(warningCommand(w));
    }
    if (io.env.GITHUB_STEP_SUMMARY)
      await appendFile(io.env.GITHUB_STEP_SUMMARY, summary(plan, result, config));
    if (io.env.GITHUB_OUTPUT) {
      await appendFile(
        io.env.GITHUB_OUTPUT,
        `findings=${findings.length}\nfailed=${failed}\n${result ? `sarif-file=${input.sarifFile}\n` : ''}`,
      );
    }
    log(
      `upstash-guard: ${findings.length} credential${findings.length === 1 ? '' : 's'} found` +
        (failed ? ` (at or above failOn: ${config.failOn})` : ''),
    );
    return failed ? 1 : 0;
  } catch (err) {
    // One line: messages come from our code and git, never from secret material.
    log(
      errorCommand(
        `upstash-guard: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
      ),
    );
    return 2;
  }
}
