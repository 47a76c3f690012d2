/**
 * The two checks of the shapes read from public repositories (test/core/scan/wild-*.test.ts): a
 * leak is found, of its type, on the line holding its needle; a placeholder written the same way
 * yields no finding. Scanned through the content entry point and collectFindings, as tree and
 * history scans do.
 */
import type { CredentialType } from '../../src/core/index.js';
import { scanPlaced } from './containers.js';

/** [label, path, text, expected type, needle]. */
export type WildLeak = [string, string, string, CredentialType, string];
/** [label, path, text]. */
export type WildNotLeak = [string, string, string];

export function expectLeaksFound(cases: readonly WildLeak[]): void {
  it.each(cases)('%s', (_label, path, text, type, needle) => {
    const findings = scanPlaced({ path, text, line: 1 });
    const line = text.slice(0, text.indexOf(needle)).split('\n').length;
    expect(findings.flatMap((f) => f.occurrences.map((o) => [f.type, o.line]))).toContainEqual([
      type,
      line,
    ]);
  });
}

export function expectNoFindings(cases: readonly WildNotLeak[]): void {
  it.each(cases)('%s', (_label, path, text) => {
    expect(scanPlaced({ path, text, line: 1 }).map((f) => f.type)).toEqual([]);
  });
}

/** A value cut in pieces at the given offsets, each quoted with `q`, joined by `sep`. */
export function cutInQuotes(value: string, at: number[], sep: string, q = '"'): string {
  const bounds = [0, ...at, value.length];
  return bounds
    .slice(1)
    .map((end, i) => `${q}${value.slice(bounds[i], end)}${q}`)
    .join(sep);
}
