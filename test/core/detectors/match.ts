/**
 * A tiny detector runner for detector tests, independent of the scan pipeline: runs one
 * detector's pattern over text and calls validate with a MatchContext built here.
 */
import type { Candidate, Detector, MatchContext } from '../../../src/core/types.js';

export interface LocalHit {
  detectorId: string;
  value: string;
  index: number;
  candidate: Candidate;
}

/** `KEY=`, `key: `, `"key": `, `- KEY=` before the value; k8s `name:`/`value:` pairs. */
function keyOf(before: string, previousLine: string): string | undefined {
  const m = /["']?([A-Za-z_$][\w.$:-]*?)["']?\s*(?::=|=>|:|=)\s*["'`]?[^"'`=:]*$/.exec(before);
  if (!m) return undefined;
  if (m[1] === 'value') return /name:\s*["']?([A-Za-z_]\w*)/.exec(previousLine)?.[1] ?? 'value';
  return m[1];
}

export function runDetector(d: Detector, text: string, path = 'config.env'): LocalHit[] {
  const out: LocalHit[] = [];
  const re = new RegExp(d.pattern.source, d.pattern.flags);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = m.groups?.value ?? m[1] ?? m[0];
    const index = m.index + Math.max(0, m[0].indexOf(value));
    const ls = text.lastIndexOf('\n', index - 1) + 1;
    const le = text.indexOf('\n', index) < 0 ? text.length : text.indexOf('\n', index);
    const prevStart = ls > 0 ? text.lastIndexOf('\n', ls - 2) + 1 : 0;
    const before = text.slice(ls, index);
    const key = keyOf(before, ls > 0 ? text.slice(prevStart, ls - 1) : '');
    const ctx: MatchContext = {
      line: text.slice(ls, le),
      before,
      after: text.slice(index + value.length, le),
      ...(key ? { key } : {}),
      path,
      text,
      index,
    };
    const candidate = d.validate(m, ctx);
    if (candidate) out.push({ detectorId: d.id, value, index, candidate });
  }
  return out;
}

export function runAll(detectors: readonly Detector[], text: string, path?: string): LocalHit[] {
  return detectors.flatMap((d) => runDetector(d, text, path));
}
