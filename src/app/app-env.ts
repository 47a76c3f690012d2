/**
 * The environment both entry points (the app and `npm run worker`) start from, repaired for the
 * ways people actually deliver it:
 * - `.env` in the working directory is read as Probot's own loader does (its values win), so the
 *   worker sees what the setup flow wrote, like the app does.
 * - PRIVATE_KEY as the setup flow writes it, `"-----BEGIN …\n…"` on one line, reaches the
 *   process verbatim through `docker run --env-file` (Docker keeps the quotes). Surrounding quotes
 *   are removed and literal `\n` become newlines; PRIVATE_KEY_PATH (a PEM file) is left to Probot.
 * - LOG_LEVEL defaults to info (Probot's createProbot defaults to warn, which hid every worker log).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export function normalizePrivateKey(value: string): string {
  let key = value.trim();
  const q = key[0];
  if ((q === '"' || q === "'") && key.endsWith(q) && key.length >= 2) key = key.slice(1, -1).trim();
  return key.replace(/\\r/g, '').replace(/\\n/g, '\n').replace(/\r\n/g, '\n');
}

export function loadAppEnv(
  base: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): NodeJS.ProcessEnv {
  const file = join(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const env: NodeJS.ProcessEnv = { ...base, ...fromFile };
  if (env.PRIVATE_KEY) env.PRIVATE_KEY = normalizePrivateKey(env.PRIVATE_KEY);
  if (!env.LOG_LEVEL) env.LOG_LEVEL = 'info';
  return env;
}
