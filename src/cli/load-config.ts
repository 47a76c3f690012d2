import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, type Config } from '../core/index.js';
import { UsageError } from './io.js';

export const DEFAULT_CONFIG_PATH = '.github/upstash-guard.yml';

/**
 * --config <file> must exist; without it, <root>/.github/upstash-guard.yml is used when present.
 * A broken file is a usage error naming the file and the field, never a silent default.
 */
export async function loadConfig(
  root: string,
  explicit: string | undefined,
  cwd: string,
): Promise<Config> {
  const file = explicit ? resolve(cwd, explicit) : join(root, DEFAULT_CONFIG_PATH);
  const shown = relative(cwd, file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return DEFAULT_CONFIG;
    throw new UsageError(`cannot read config file ${shown} (${code ?? 'error'})`);
  }
  try {
    // Loaded only now: the schema brings zod and yaml, which a repository without a config skips.
    const { parseConfig } = await import('../core/config/schema.js');
    return parseConfig(text, shown);
  } catch (err) {
    if (err instanceof ConfigError) {
      // The message already names the file and the field ("<file>: failOn: Invalid option…").
      throw new UsageError(`invalid config ${allProblems(err)}`);
    }
    throw err;
  }
}

interface Issue {
  path: PropertyKey[];
  message: string;
}

/** Long token-shaped runs (a value pasted as a key) shown as their first four characters. */
const maskTokens = (text: string): string =>
  text.replace(/[A-Za-z0-9+/=_-]{20,}/g, (m) => `${m.slice(0, 4)}…`);

/**
 * Every schema problem, not only the first: the core's message (the most telling issue, with its
 * "did you mean") leads, the rest follow one per line.
 */
function allProblems(err: ConfigError): string {
  const issues = (err.cause as { issues?: Issue[] } | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length < 2) return err.message;
  const field = (i: Issue): string => i.path.map(String).join('.') || '(top level)';
  const lead = err.message.startsWith(`${err.source}: `)
    ? err.message.slice(err.source.length + 2)
    : err.message;
  const rest = issues
    .filter((i) => field(i) !== (err.field || '(top level)'))
    .map((i) => `${field(i)}: ${maskTokens(i.message)}`);
  const lines = [lead, ...new Set(rest)];
  if (lines.length < 2) return err.message;
  return `${err.source}: ${lines.length} problems\n  - ${lines.join('\n  - ')}`;
}
