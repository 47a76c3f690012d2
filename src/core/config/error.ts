/**
 * The config error, apart from the schema: importing it costs nothing, while the schema loads zod
 * and yaml (about 80 ms of a CLI start), which only a repository with a config file needs.
 */
import { redactSecrets } from '../redact.js';

/**
 * Every text in a ConfigError is built from the config file and its location (keys, values, YAML
 * excerpts, a repository name): credential shapes are masked before the error exists, so the CLI,
 * the check run and any log that serialises the error (message, fields, cause) show no secret.
 */
export class ConfigError extends Error {
  readonly source: string;
  readonly field?: string;
  readonly expected?: string;
  constructor(
    message: string,
    source: string,
    field?: string,
    expected?: string,
    options?: { cause?: unknown },
  ) {
    super(redactSecrets(message), options ? { cause: safeCause(options.cause) } : undefined);
    this.name = 'ConfigError';
    this.source = redactSecrets(source);
    if (field !== undefined) this.field = redactSecrets(field);
    if (expected !== undefined) this.expected = redactSecrets(expected);
  }
}

/**
 * The parser's error with its message masked and, for a schema error, its issues (path and
 * message, masked) kept for callers that list every problem; nothing else of the input.
 */
function safeCause(cause: unknown): Error {
  const err = new Error(redactSecrets(cause instanceof Error ? cause.message : String(cause)));
  err.name = cause instanceof Error ? cause.name : 'Error';
  const issues = (cause as { issues?: unknown }).issues;
  if (Array.isArray(issues))
    Object.assign(err, {
      issues: (issues as { path: PropertyKey[]; message: string; code?: string }[]).map((i) => ({
        code: i.code,
        path: i.path.map((p) => (typeof p === 'string' ? redactSecrets(p) : p)),
        message: redactSecrets(i.message),
      })),
    });
  return err;
}
