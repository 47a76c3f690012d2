/**
 * `.github/upstash-guard.yml`, parsed once at the boundary (release-drafter style): YAML, then a zod
 * schema with defaults, then errors that name the file, the field and what is expected.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './error.js';
import { SEVERITIES } from '../types.js';
import { DEFAULT_CONFIG, type Config } from './types.js';

export { ConfigError };

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i;
const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
};

export const configSchema = z
  .object({
    version: z.literal(1).default(1),
    _extends: z
      .string()
      .min(1)
      .optional()
      .describe(
        'GitHub App only: a base configuration (repo, owner/repo or owner/repo:path) merged under this file; the CLI and the Action use this file alone',
      ),
    ignorePaths: z
      .array(z.string().min(1))
      .default([])
      .describe('Globs of repository paths never scanned'),
    allow: z
      .array(
        z
          .object({
            fingerprint: z
              .string()
              .regex(/^ug1:[0-9a-f]{32}$/, 'a fingerprint like ug1:<32 hex> from a report'),
            reason: z.string().min(3, 'a reason a reviewer can read'),
          })
          .strict(),
      )
      .default([]),
    failOn: z.enum(SEVERITIES).default(DEFAULT_CONFIG.failOn),
    verify: z.boolean().default(DEFAULT_CONFIG.verify),
    comments: z
      .object({
        pullRequest: z.boolean().default(DEFAULT_CONFIG.comments.pullRequest),
        commits: z.boolean().default(DEFAULT_CONFIG.comments.commits),
        history: z.boolean().default(DEFAULT_CONFIG.comments.history),
      })
      .strict()
      .default(DEFAULT_CONFIG.comments),
    maxFileSize: z
      .union([z.number().int().positive(), z.string().regex(SIZE, 'a size such as 5MB or 1048576')])
      .default(DEFAULT_CONFIG.maxFileSize)
      .transform((v) => (typeof v === 'number' ? v : toBytes(v))),
    hardMaxFileSize: z
      .union([z.number().int().positive(), z.string().regex(SIZE, 'a size such as 256MiB or 1GB')])
      .default(DEFAULT_CONFIG.hardMaxFileSize)
      .transform((v) => (typeof v === 'number' ? v : toBytes(v))),
  })
  .strict();

function toBytes(v: string): number {
  const m = SIZE.exec(v.trim())!;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!);
}

/** Keys known at each level (dotted path of the parent), for "did you mean" hints. */
const KNOWN_KEYS: Record<string, string[]> = {
  '': [
    'version',
    '_extends',
    'ignorePaths',
    'allow',
    'failOn',
    'verify',
    'comments',
    'maxFileSize',
    'hardMaxFileSize',
  ],
  comments: ['pullRequest', 'commits', 'history'],
};

/** Far above any real config (a few KB); bounds what YAML and the schema check are handed. */
export const MAX_CONFIG_CHARS = 1024 * 1024;

export function parseConfig(text: string, source: string): Config {
  if (text.length > MAX_CONFIG_CHARS)
    throw new ConfigError(
      `${source}: the file is ${(text.length / 1024 / 1024).toFixed(1)} MiB, over the 1 MiB limit for a config file`,
      source,
      '',
      'a config file under 1 MiB',
    );
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    const where =
      err instanceof YAMLParseError && err.linePos
        ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}`
        : '';
    throw new ConfigError(
      `${source}: invalid YAML${where}: ${(err as Error).message.split('\n')[0]}`,
      source,
      undefined,
      'valid YAML',
      { cause: err },
    );
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(
      `${source}: expected a mapping of settings at the top level`,
      source,
      '',
      'a mapping',
    );
  }
  const result = configSchema.safeParse(data);
  if (result.success) return result.data as Config;
  // A misspelt key also makes its intended key "missing": name the misspelling, it is the cause.
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const field = issue.path.join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const hint = suggest(
      key,
      KNOWN_KEYS[field] ?? (/^allow\.\d+$/.test(field) ? ['fingerprint', 'reason'] : []),
    );
    message = `unknown setting "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  throw new ConfigError(
    `${source}: ${field || '(top level)'}: ${message}`,
    source,
    field,
    issue.message,
    { cause: result.error },
  );
}

function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** JSON schema for editors (schema/upstash-guard.schema.json is generated from this). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}
