import type { Finding } from '../core/types.js';
import { accessLabel, TYPE_LABELS, verificationLabel, where } from './labels.js';
import { cell, code, commitLink } from './markdown.js';

/** The Markdown table shared by the check run and the PR comment: one row per credential. */
export function findingsTable(findings: readonly Finding[], repoUrl?: string): string {
  const rows = findings.map((f) => {
    const first = f.occurrences[0];
    const more = f.occurrences.length > 1 ? ` (+${f.occurrences.length - 1} more)` : '';
    const commit = f.introducedBy?.commit ?? first?.commit;
    return [
      f.severity,
      TYPE_LABELS[f.type],
      accessLabel(f.readOnly),
      f.endpoint ? code(f.endpoint) : '–',
      first ? `${code(where(first))}${more}` : '–',
      commitLink(commit, repoUrl),
      code(f.masked),
      verificationLabel(f.verification),
    ]
      .map(cell)
      .join(' | ');
  });
  return [
    '| Severity | Type | Access | Endpoint | Location | Commit | Value | Verification |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
