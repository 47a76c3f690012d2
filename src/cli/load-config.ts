import { lstat, open, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, type Config } from '../core/index.js';
import { FLAGS } from '../engine/read-regular-file.js';
import { UsageError } from './io.js';

export const DEFAULT_CONFIG_PATH = '.github/upstash-guard.yml';
/** Like the App's read of the file from a commit: a configuration is small. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The scanned tree's own configuration, read like every file of a tree scan (it is repository
 * content: in the Action, a pull request's): no symlink followed, in `.github` or the file (out of
 * the tree one could name /proc/self/environ or a credentials file), a FIFO opened without
 * blocking and refused, nothing larger than MAX_CONFIG_BYTES read. Undefined when there is none.
 */
async function readTreeConfig(
  root: string,
  file: string,
  shown: string,
): Promise<string | undefined> {
  const useFlag = 'pass the file with --config to use it anyway';
  const dir = await lstat(dirname(file)).catch(() => undefined);
  if (dir?.isSymbolicLink())
    throw new UsageError(
      `${relative(root, dirname(file))} is a symlink, and upstash-guard follows no symlink in the scanned tree: ${useFlag}`,
    );
  if (!dir?.isDirectory()) return undefined;
  let handle;
  try {
    handle = await open(file, FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new UsageError(
        `${shown} is a symlink, and upstash-guard follows no symlink in the scanned tree: ${useFlag}`,
      );
    throw new UsageError(`cannot read config file ${shown} (${code ?? 'error'})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new UsageError(`config file ${shown} is not a regular file`);
    if (st.size > MAX_CONFIG_BYTES)
      throw new UsageError(`config file ${shown} is larger than 1 MiB`);
    const data = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await handle.read(data, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return data.subarray(0, off).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * --config <file> must exist; without it, <root>/.github/upstash-guard.yml is used when present
 * (and when it is a regular file in a real directory: see readTreeConfig).
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
  if (!explicit) {
    const found = await readTreeConfig(root, file, shown);
    if (found === undefined) return DEFAULT_CONFIG;
    text = found;
  } else
    try {
      // The user's own choice: a symlink, or a pipe (--config <(…)), is read as given.
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
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

/**
 * `_extends` names a base only the GitHub App can read (another repository of the installation):
 * where the CLI or the Action reads such a file alone, one line says its base does not apply.
 */
export function extendsNote(file: string, config: Config): string | undefined {
  return config._extends
    ? `${file} extends ${config._extends}, which only the GitHub App reads: this scan uses the file's own settings`
    : undefined;
}

const MAX_LISTED = 50;

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
  const cause = err.cause as { issues?: Issue[]; issueCount?: number } | undefined;
  const issues = cause?.issues;
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
  // Thousands of problems (a generated file): the first ones say what is wrong, the count how much.
  const total = Math.max(lines.length, cause?.issueCount ?? 0);
  const shown = lines.slice(0, MAX_LISTED);
  const more = total > shown.length ? ` (the first ${shown.length} listed)` : '';
  return `${err.source}: ${total} problems${more}\n  - ${shown.join('\n  - ')}`;
}
