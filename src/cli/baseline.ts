/**
 * `--baseline FILE`: findings already in an earlier JSON report are known and not reported again
 * (gitleaks' baseline). Matched by fingerprint and path, not line, so an edit that moves a line
 * does not bring an old finding back; the same credential in a new file is reported.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { ScanResult } from '../core/index.js';
import { BASELINE_REASON } from '../report/index.js';
import { UsageError } from './io.js';

interface BaselineDoc {
  findings: { fingerprint: string; occurrences: { path: string }[] }[];
}

function isBaseline(doc: unknown): doc is BaselineDoc {
  const d = doc as BaselineDoc | null;
  return (
    !!d &&
    Array.isArray(d.findings) &&
    d.findings.every(
      (f) =>
        typeof f?.fingerprint === 'string' &&
        Array.isArray(f.occurrences) &&
        f.occurrences.every((o) => typeof o?.path === 'string'),
    )
  );
}

/** Reads the known (fingerprint, path) pairs of an upstash-guard JSON report. */
export async function loadBaseline(file: string, cwd: string): Promise<Set<string>> {
  const full = resolve(cwd, file);
  const shown = relative(cwd, full) || full;
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(full, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code
        ? `cannot read baseline ${shown} (${code})`
        : `baseline ${shown} is not JSON: write it with --format json`,
    );
  }
  if (!isBaseline(doc))
    throw new UsageError(`baseline ${shown} is not an upstash-guard JSON report (--format json)`);
  const known = new Set<string>();
  for (const f of doc.findings)
    for (const o of f.occurrences) known.add(`${f.fingerprint}\0${o.path}`);
  return known;
}

/** Drops known occurrences; a finding left with none moves to `suppressed` (reason "baseline"). */
export function applyBaseline(result: ScanResult, known: ReadonlySet<string>): void {
  const kept = [];
  for (const f of result.findings) {
    const fresh = f.occurrences.filter((o) => !known.has(`${f.fingerprint}\0${o.path}`));
    if (fresh.length === 0) {
      result.suppressed.push({ fingerprint: f.fingerprint, type: f.type, reason: BASELINE_REASON });
      continue;
    }
    f.occurrences = fresh;
    kept.push(f);
  }
  result.findings = kept;
}
