import type { Finding } from '../core/types.js';
import {
  accessLabel,
  introductionPlace,
  plural,
  TYPE_LABELS,
  verificationLabel,
} from './labels.js';
import { cell, code, commitLink } from './markdown.js';
import { groupRefs } from './refs.js';

/** History report: every credential with its introducing commit and whether HEAD still has it. */
export function historyTable(findings: readonly Finding[], repoUrl?: string): string {
  const rows = findings.map((f) => {
    const intro = f.introducedBy;
    const atHead =
      f.presentAtHead === undefined ? '?' : f.presentAtHead ? 'yes' : 'no (history only)';
    const refs = groupRefs(f);
    const reach = [
      refs.branches.length ? plural(refs.branches.length, 'branch', 'branches') : '',
      refs.tags.length ? plural(refs.tags.length, 'tag') : '',
      refs.pulls.length ? plural(refs.pulls.length, 'pull request') : '',
      f.commitCount !== undefined ? `${f.commitCount} commits` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [
      f.severity,
      TYPE_LABELS[f.type],
      accessLabel(f.readOnly),
      f.endpoint ? code(f.endpoint) : '–',
      intro ? `${commitLink(intro.commit, repoUrl)} ${code(introductionPlace(intro))}` : '–',
      atHead,
      reach || '–',
      code(f.masked),
      verificationLabel(f.verification),
    ]
      .map(cell)
      .join(' | ');
  });
  return [
    '| Severity | Type | Access | Endpoint | Introduced by | At HEAD | Reach | Value | Verification |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}
