/**
 * Names in a report (paths, authors, refs, tag names) are the scanned repository's text, and a
 * file name may hold any byte but `/` and NUL. Shown raw, an escape sequence steers the terminal
 * (OSC 8 links, OSC 52 writes the clipboard, CSI clears lines), a carriage return or line break
 * forges or hides a line, and a bidi override shows a name in another order than it has.
 * Renderers show such characters as escapes instead; JSON and SARIF keep the real names.
 */
import type { Finding, Introduction, Occurrence, ScanResult } from '../core/types.js';

/** C0 (TAB, LF and CR too: a name is one line), DEL, C1, bidi controls, line separators. */
const STEERING =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** `text` with every steering character shown as an escape (`\x1b`, `\n`, `\u{202e}`). */
export function printable(text: string): string {
  return text.replace(
    STEERING,
    (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u{${hex(c, 4)}}`),
  );
}

/**
 * A JSON text with the steering characters JSON.stringify leaves raw (DEL, C1, bidi, line
 * separators) written as \u escapes: the same values, nothing a terminal or an editor acts on.
 */
export function escapeJsonText(json: string): string {
  return json.replace(RAW_IN_JSON, (c) => `\\u${hex(c, 4)}`);
}

/** STEERING less C0, which JSON.stringify escapes itself (and whose LF lays out the text). */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const opt = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : printable(s);

export function printableOccurrence<T extends Occurrence | Introduction>(o: T): T {
  return {
    ...o,
    path: printable(o.path),
    ...(o.tag !== undefined ? { tag: opt(o.tag) } : {}),
    ...(o.author !== undefined ? { author: opt(o.author) } : {}),
    ...(o.date !== undefined ? { date: opt(o.date) } : {}),
  };
}

function finding(f: Finding): Finding {
  const details = Object.fromEntries(
    Object.entries(f.details).map(([k, v]) => [
      printable(k),
      typeof v === 'string' ? printable(v) : v,
    ]),
  );
  return {
    ...f,
    title: printable(f.title),
    masked: printable(f.masked),
    ...(f.endpoint !== undefined ? { endpoint: printable(f.endpoint) } : {}),
    details,
    occurrences: f.occurrences.map(printableOccurrence),
    ...(f.introducedBy ? { introducedBy: printableOccurrence(f.introducedBy) } : {}),
    ...(f.branches ? { branches: f.branches.map(printable) } : {}),
    ...(f.tags ? { tags: f.tags.map(printable) } : {}),
  };
}

/** A copy of `result` for display: every repository name printable (no secret material on it). */
export function printableResult(result: ScanResult): ScanResult {
  return {
    ...result,
    findings: result.findings.map(finding),
    warnings: result.warnings.map(printable),
    skipped: result.skipped.map((s) => ({
      ...s,
      path: printable(s.path),
      detail: printable(s.detail),
    })),
  };
}

/** One finding and one of its occurrences, for display (the commit comment). */
export function printableFinding(f: Finding): Finding {
  return finding(f);
}
