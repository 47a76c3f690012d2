import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity } from '../core/types.js';
import { UsageError } from './io.js';

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface OrgArgs {
  /** Organisation or user whose repositories are scanned. */
  name: string;
  /** Web/git origin the token may be sent to (default https://github.com). */
  serverUrl?: string;
  /** REST API base (default https://api.github.com, or <server>/api/v3 for GHE). */
  apiUrl?: string;
  concurrency?: number;
  skipArchived: boolean;
  skipForks: boolean;
}

export interface CliArgs {
  /** `pre-commit` is `scan --staged` for the pre-commit framework, which names files. */
  command: 'scan' | 'pre-commit' | 'install-hook' | 'help' | 'version';
  path: string;
  /** pre-commit: the files the framework names (relative to the repository root). */
  files?: string[];
  mode: 'tree' | 'staged' | 'range' | 'history';
  range?: string;
  format: OutputFormat;
  output?: string;
  guidance: boolean;
  verbose: boolean;
  quiet: boolean;
  noColor: boolean;
  verify: boolean;
  onlyVerified: boolean;
  baseline?: string;
  config?: string;
  failOn?: Severity;
  fingerprintKey?: string;
  force: boolean;
  org?: OrgArgs;
}

const OPTIONS = {
  staged: { type: 'boolean' },
  range: { type: 'string' },
  history: { type: 'boolean' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  guidance: { type: 'boolean' },
  verbose: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'no-color': { type: 'boolean' },
  verify: { type: 'boolean' },
  'only-verified': { type: 'boolean' },
  baseline: { type: 'string' },
  config: { type: 'string', short: 'c' },
  'fail-on': { type: 'string' },
  'fingerprint-key': { type: 'string' },
  force: { type: 'boolean' },
  'github-org': { type: 'string' },
  'github-url': { type: 'string' },
  'github-api-url': { type: 'string' },
  concurrency: { type: 'string' },
  'skip-archived': { type: 'boolean' },
  'skip-forks': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Every long flag the CLI accepts (the docs list each one: test/adoption/docs.test.ts). */
export const CLI_FLAGS: readonly string[] = Object.keys(OPTIONS).map((name) => `--${name}`);

/** Edit distance, for "did you mean" on a mistyped flag. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known flag closest to a mistyped one, when it is close enough to be a typo. */
export function suggestFlag(flag: string): string | undefined {
  const name = flag.replace(/^-+/, '').split('=')[0]!;
  let best: string | undefined;
  let bestD = Infinity;
  for (const known of Object.keys(OPTIONS)) {
    const d = known.startsWith(name) && name.length >= 3 ? 1 : distance(name, known);
    if (d < bestD) [best, bestD] = [known, d];
  }
  return best && bestD <= Math.max(1, Math.floor(best.length / 3)) ? `--${best}` : undefined;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util's own messages are long and carry unbalanced quotes: say it in our words.
    const e = err as Error & { code?: string };
    const flag = /option '([^']+)'/i.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      const hint = suggestFlag(flag);
      throw new UsageError(`unknown option ${flag}${hint ? `; did you mean ${hint}?` : ''}`, {
        help: true,
      });
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      const name = flag.replace(/^-\w, /, '').split(' ')[0]!;
      const takesNone = /does not take/.test(e.message);
      throw new UsageError(takesNone ? `${name} takes no value` : `${name} needs a value`, {
        help: true,
      });
    }
    throw new UsageError(e.message.split('\n')[0]!.replace(/\. To specify.*$/, ''), {
      help: true,
    });
  }
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(
      `${flag} must be a whole number from 1 to 64 (got ${JSON.stringify(value)})`,
    );
  return n;
}

/**
 * `pre-commit` gets the repository's own names appended to its options by the framework (no `--`
 * between them), so a tracked file named `--help`, `-o` or `--` was read as an option: the hook
 * printed the help and passed, wrote its report over the next named file, or left the names after
 * it unread. The framework's names and the user's options cannot be told apart, so an argument
 * that is both (an existing path that starts with `-`) fails the hook instead of being guessed.
 */
function refuseOptionLikeNames(argv: readonly string[], isPath: (arg: string) => boolean): void {
  for (const arg of argv)
    if (arg.startsWith('-') && arg !== '-' && isPath(arg))
      throw new UsageError(
        `${JSON.stringify(arg)} is a file of the repository and reads as an option: the pre-commit framework passes file names after the options, so upstash-guard cannot tell which it is. Rename the file (it was not scanned)`,
      );
}

export interface ParseOptions {
  /** Whether an argument names an existing path (relative to the working directory). */
  isPath?: (arg: string) => boolean;
}

/** argv (without node and the script) → validated arguments; UsageError on anything odd. */
export function parseCliArgs(argv: readonly string[], opts: ParseOptions = {}): CliArgs {
  const { values: v, positionals } = parse(argv);
  const [command, path, ...extra] = positionals;
  if (command === 'pre-commit' && opts.isPath) refuseOptionLikeNames(argv, opts.isPath);
  const base = {
    path: path ?? '.',
    mode: 'tree' as CliArgs['mode'],
    format: 'text' as OutputFormat,
    guidance: v.guidance ?? false,
    verbose: v.verbose ?? false,
    quiet: v.quiet ?? false,
    noColor: v['no-color'] ?? false,
    verify: (v.verify ?? false) || (v['only-verified'] ?? false),
    onlyVerified: v['only-verified'] ?? false,
    force: v.force ?? false,
  };
  if (v.help || command === 'help') return { ...base, command: 'help' };
  if (v.version) return { ...base, command: 'version' };
  if (command === undefined)
    throw new UsageError('missing command: try "upstash-guard scan"', { help: true });
  if (command !== 'scan' && command !== 'install-hook' && command !== 'pre-commit')
    throw new UsageError(
      `unknown command "${command}" (expected scan, pre-commit or install-hook)`,
      { help: true },
    );
  if (command === 'pre-commit') {
    for (const flag of ['staged', 'range', 'history', 'github-org'] as const)
      if (v[flag] !== undefined)
        throw new UsageError(`pre-commit chooses what to scan itself: drop --${flag}`);
    const format = v.format ?? 'text';
    if (format !== 'text' && format !== 'json' && format !== 'sarif')
      throw new UsageError(`--format must be text, json or sarif (got "${format}")`);
    const failOn = v['fail-on'];
    if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn))
      throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOn}")`);
    return {
      ...base,
      command,
      path: '.',
      files: positionals.slice(1),
      mode: 'staged',
      format,
      output: v.output,
      config: v.config,
      baseline: v.baseline,
      failOn: failOn as Severity | undefined,
      fingerprintKey: v['fingerprint-key'],
    };
  }
  if (extra.length)
    throw new UsageError(`unexpected argument "${extra[0]}": scan takes one path`, { help: true });

  const modes = [
    v.staged && 'staged',
    v.range !== undefined && 'range',
    v.history && 'history',
    v['github-org'] !== undefined && 'github-org',
  ].filter(Boolean);
  if (modes.length > 1) throw new UsageError(`--${modes[0]} and --${modes[1]} cannot be combined`);
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif')
    throw new UsageError(`--format must be text, json or sarif (got "${format}")`);
  const failOn = v['fail-on'];
  if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')} (got "${failOn}")`);
  }
  if (v.range !== undefined && !v.range.trim())
    throw new UsageError('--range needs a value like main..HEAD');
  let org: OrgArgs | undefined;
  if (v['github-org'] !== undefined) {
    const name = v['github-org'].trim();
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(name))
      throw new UsageError(`--github-org needs an organisation or user name (got "${name}")`);
    if (path !== undefined)
      throw new UsageError(`--github-org scans GitHub, not a path: drop "${path}"`);
    org = {
      name,
      serverUrl: v['github-url'],
      apiUrl: v['github-api-url'],
      concurrency: positiveInt(v.concurrency, '--concurrency'),
      skipArchived: v['skip-archived'] ?? false,
      skipForks: v['skip-forks'] ?? false,
    };
  } else {
    for (const flag of [
      'github-url',
      'github-api-url',
      'concurrency',
      'skip-archived',
      'skip-forks',
    ] as const)
      if (v[flag] !== undefined) throw new UsageError(`--${flag} only applies to --github-org`);
  }
  return {
    ...base,
    command,
    mode: (modes[0] === 'github-org' ? 'history' : modes[0] || 'tree') as CliArgs['mode'],
    range: v.range,
    format,
    output: v.output,
    config: v.config,
    baseline: v.baseline,
    failOn: failOn as Severity | undefined,
    fingerprintKey: v['fingerprint-key'],
    ...(org ? { org } : {}),
  };
}
