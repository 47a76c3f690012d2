import type { ScanResult } from '../core/types.js';
import { findingsTable } from './findings-table.js';
import { renderGuidance } from './guidance/render-guidance.js';
import { plural, severityCounts } from './labels.js';
import { truncate } from './markdown.js';
import { printableResult } from './printable.js';
import { messagesMarkdown } from './message-notes.js';
import { skippedMarkdown } from './skipped-notes.js';
import { sortFindings } from './sort-findings.js';

export const PR_COMMENT_MARKER = '<!-- upstash-guard:pr-comment -->';
/** GitHub's comment body limit. */
const MAX_BODY = 65_536;

export interface PrCommentContext {
  repoUrl?: string;
  /** The comment already reported findings: render the "resolved" variant when none remain. */
  previouslyHadFindings?: boolean;
  /** One line shown under the heading (the pull request changes the config file). */
  note?: string;
}

/**
 * The single PR comment, found again by its marker and edited in place. With no findings it
 * returns the resolved text if there was an earlier report, else null (nothing to post).
 */
export function renderPrComment(scanned: ScanResult, ctx: PrCommentContext = {}): string | null {
  // Names are shown as text: no line break or control character out of their code span.
  const result = printableResult(scanned);
  const findings = sortFindings(result.findings);
  const skipped = skippedMarkdown(result, ctx.repoUrl);
  if (findings.length === 0) {
    const resolved = ctx.previouslyHadFindings
      ? `### ✅ Upstash credentials: resolved\n\nThe latest push no longer adds any Upstash credential.\n\n**If a credential was pushed earlier, it is still exposed**: removing it from the branch does not revoke it, and the old commits stay reachable. Make sure it was rotated.\n`
      : '';
    if (!resolved && !skipped) return null;
    const note = ctx.note ? `\n> ${ctx.note}\n` : '';
    // Content that was not scanned is said, even with nothing found: silence would read as clean.
    const head =
      resolved ||
      '### ⚠️ Upstash credentials: not everything was scanned\n\nNo Upstash credential was found in what was scanned.\n';
    return truncate(
      `${PR_COMMENT_MARKER}\n${head}${note}${skipped ? `\n${skipped}\n` : ''}`,
      MAX_BODY,
      '_Comment truncated to GitHub’s size limit; see the “Upstash credentials” check run._',
    );
  }
  const live = findings.filter((f) => f.verification?.status === 'live').length;
  const messages = messagesMarkdown(findings, ctx.repoUrl);
  const body = [
    PR_COMMENT_MARKER,
    `### 🚨 ${plural(findings.length, 'Upstash credential')} in this pull request (${severityCounts(findings)})${live ? ` — ${live} verified live` : ''}`,
    '',
    ...(ctx.note ? [`> ${ctx.note}`, ''] : []),
    findingsTable(findings, ctx.repoUrl),
    '',
    ...(messages ? [messages, ''] : []),
    '#### What to do',
    '',
    'Deleting the line in a new commit is **not enough**: the value stays in the branch history and in GitHub’s pull-request refs.',
    '',
    renderGuidance(findings, { repoUrl: ctx.repoUrl }),
    ...(skipped ? [skipped, ''] : []),
    '<sub>Posted by upstash-guard. Allow a credential on purpose by adding its fingerprint to `.github/upstash-guard.yml` under `allow:`.</sub>',
  ].join('\n');
  return truncate(
    body,
    MAX_BODY,
    '_Comment truncated to GitHub’s size limit; see the “Upstash credentials” check run._',
  );
}
