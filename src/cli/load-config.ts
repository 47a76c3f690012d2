import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from '../core/index.js';
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
    return parseConfig(text, shown);
  } catch (err) {
    if (err instanceof ConfigError) {
      // The message already names the file and the field ("<file>: failOn: Invalid option…").
      throw new UsageError(`invalid config ${err.message}`);
    }
    throw err;
  }
}
