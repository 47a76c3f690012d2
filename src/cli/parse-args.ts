import { parseArgs } from 'node:util';
import { SEVERITIES, type Severity } from '../core/types.js';
import { UsageError } from './io.js';

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface CliArgs {
  command: 'scan' | 'install-hook' | 'help' | 'version';
  path: string;
  mode: 'tree' | 'staged' | 'range' | 'history';
  range?: string;
  format: OutputFormat;
  output?: string;
  guidance: boolean;
  verbose: boolean;
  quiet: boolean;
  noColor: boolean;
  verify: boolean;
  config?: string;
  failOn?: Severity;
  fingerprintKey?: string;
  force: boolean;
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
  config: { type: 'string', short: 'c' },
  'fail-on': { type: 'string' },
  'fingerprint-key': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // node:util messages are already one clear line ("Unknown option '--foo'...").
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
}

/** argv (without node and the script) → validated arguments; UsageError on anything odd. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values: v, positionals } = parse(argv);
  const [command, path, ...extra] = positionals;
  const base = {
    path: path ?? '.',
    mode: 'tree' as CliArgs['mode'],
    format: 'text' as OutputFormat,
    guidance: v.guidance ?? false,
    verbose: v.verbose ?? false,
    quiet: v.quiet ?? false,
    noColor: v['no-color'] ?? false,
    verify: v.verify ?? false,
    force: v.force ?? false,
  };
  if (v.help || command === 'help') return { ...base, command: 'help' };
  if (v.version) return { ...base, command: 'version' };
  if (command === undefined)
    throw new UsageError('missing command: try "upstash-guard scan" (see --help)');
  if (command !== 'scan' && command !== 'install-hook')
    throw new UsageError(`unknown command "${command}" (expected scan or install-hook)`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}": scan takes one path`);

  const modes = [
    v.staged && 'staged',
    v.range !== undefined && 'range',
    v.history && 'history',
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
  return {
    ...base,
    command,
    mode: (modes[0] || 'tree') as CliArgs['mode'],
    range: v.range,
    format,
    output: v.output,
    config: v.config,
    failOn: failOn as Severity | undefined,
    fingerprintKey: v['fingerprint-key'],
  };
}
