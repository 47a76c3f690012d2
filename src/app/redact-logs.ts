/**
 * Log redaction for the App and the worker. Probot's Octokit request logging writes every request
 * body at debug level (a check run's output, a comment), and our own errors quote what they were
 * given: every serialised log line passes through `redactSecrets` on its way to the log stream, so
 * no credential shape reaches a log at any level, whichever logger (root or child) wrote it.
 *
 * It wraps the stream's `write` (pino children share their root's stream), so it needs no pino
 * option Probot does not expose and catches lines from loggers created before or after it.
 */
import { redactSecrets } from '../core/index.js';

interface Writable {
  write(chunk: unknown, ...rest: unknown[]): unknown;
}

const wrapped = new WeakSet<object>();

/** Masks credential shapes in everything `logger` (a pino logger) and its children write. */
export function redactLogs(logger: object): void {
  const stream = streamOf(logger);
  if (!stream || wrapped.has(stream)) return;
  wrapped.add(stream);
  const write = stream.write.bind(stream);
  stream.write = (chunk: unknown, ...rest: unknown[]): unknown =>
    write(typeof chunk === 'string' ? redactSecrets(chunk) : chunk, ...rest);
}

/** pino keeps its destination under a symbol described `pino.stream` (one per pino copy). */
function streamOf(logger: object): Writable | undefined {
  for (let o: object | null = logger; o; o = Object.getPrototypeOf(o) as object | null) {
    const sym = Object.getOwnPropertySymbols(o).find((s) => s.description === 'pino.stream');
    if (sym) {
      const stream = (o as Record<symbol, unknown>)[sym];
      if (stream && typeof (stream as Writable).write === 'function') return stream as Writable;
    }
  }
  return undefined;
}
