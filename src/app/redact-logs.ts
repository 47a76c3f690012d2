/**
 * Log redaction for the App and the worker. Probot's Octokit request logging writes every request
 * body at debug level (a check run's output, a comment), and our own errors quote what they were
 * given: every serialised log line passes through `redactSecrets` on its way to the log stream, so
 * no credential shape reaches a log at any level, whichever logger (root or child) wrote it.
 *
 * A line longer than MAX_LINE_CHARS (a debug line quoting a whole webhook payload: megabytes) is
 * first shortened: every string value over MAX_STRING_CHARS keeps its start, minus the run of
 * credential-like characters it was cut in (so no half of a token is left for redaction to miss),
 * and says how much was cut; then the line is capped. Redacting first would cost ~85 ms per MB.
 *
 * It wraps the stream's `write` (pino children share their root's stream), so it needs no pino
 * option Probot does not expose and catches lines from loggers created before or after it.
 */
import { redactSecrets } from '../core/index.js';

interface Writable {
  write(chunk: unknown, ...rest: unknown[]): unknown;
}

const wrapped = new WeakSet<object>();

/** Lines longer than this are shortened; no line written is longer than this (plus a marker). */
export const MAX_LINE_CHARS = 32 * 1024;
/** In a shortened line, string values keep at most this many characters. */
export const MAX_STRING_CHARS = 1024;

/** Characters of tokens and credential URLs: a cut never leaves part of a run of them. */
const WORD = /[A-Za-z0-9_\-+/=.:@%]/;
const WORD_BACK = 512;

/**
 * A log line (pino JSON) no longer than about MAX_LINE_CHARS: each JSON string value over
 * MAX_STRING_CHARS keeps its start (cut between escapes, and before the credential-like word the
 * cut went through), then a line still too long keeps only its level, time, name and message.
 * One linear scan; short lines come back as they are.
 */
export function shortenLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) !== 0x22) continue;
    // The JSON string from i to its closing quote j; `keep` is the last escape boundary within
    // MAX_STRING_CHARS of its start.
    let j = i + 1;
    let keep = -1;
    while (j < line.length && line.charCodeAt(j) !== 0x22) {
      if (keep < 0 && j - (i + 1) >= MAX_STRING_CHARS) keep = j;
      j += line.charCodeAt(j) === 0x5c ? 2 : 1;
    }
    if (keep >= 0) {
      // A credential is far shorter than WORD_BACK: a longer run is kept up to the cut.
      const floor = Math.max(i + 1, keep - WORD_BACK);
      let k = keep;
      while (k > floor && WORD.test(line[k - 1]!) && WORD.test(line[k]!)) k--;
      if (k > floor || !WORD.test(line[k]!)) keep = k;
      parts.push(line.slice(from, keep), `…[${j - keep} chars cut]`);
      from = j;
    }
    i = j;
  }
  parts.push(line.slice(from));
  const out = parts.join('');
  if (out.length <= MAX_LINE_CHARS) return out;
  const newline = out.endsWith('\n') ? '\n' : '';
  try {
    const o = JSON.parse(out) as Record<string, unknown>;
    const short: Record<string, unknown> = { cut: `line of ${out.length} chars shortened` };
    for (const k of ['level', 'time', 'pid', 'hostname', 'name', 'msg'])
      if (k in o && (typeof o[k] !== 'string' || (o[k] as string).length <= MAX_STRING_CHARS))
        short[k] = o[k];
    return JSON.stringify(short) + newline;
  } catch {
    let end = MAX_LINE_CHARS;
    while (end > 0 && WORD.test(out[end - 1]!) && WORD.test(out[end]!)) end--;
    return `${out.slice(0, end)}…[line of ${out.length} chars cut]${newline}`;
  }
}

/** Masks credential shapes in everything `logger` (a pino logger) and its children write. */
export function redactLogs(logger: object): void {
  const stream = streamOf(logger);
  if (!stream || wrapped.has(stream)) return;
  wrapped.add(stream);
  const write = stream.write.bind(stream);
  stream.write = (chunk: unknown, ...rest: unknown[]): unknown =>
    write(typeof chunk === 'string' ? redactSecrets(shortenLine(chunk)) : chunk, ...rest);
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
