import type { Finding, Occurrence } from '../core/types.js';
import { accessLabel, verificationLabel, where } from './labels.js';
import { code } from './markdown.js';
import { printableFinding, printableOccurrence } from './printable.js';

export interface CommitCommentContext {
  /** https://github.com/owner/repo: links to the full guidance when known. */
  repoUrl?: string;
  /** History mode: the comment sits on an old commit. */
  history?: boolean;
}

export function commitCommentMarker(fingerprint: string): string {
  return `<!-- upstash-guard:commit:${fingerprint} -->`;
}

/**
 * Whether `body` is the App's comment for `fingerprint`: the marker is its first line, where
 * renderCommitComment puts it. Anywhere else it is quoted text: the comment for one finding names
 * the repository's path, and a path can hold another finding's marker (the fingerprint is
 * computable by whoever pushed the value), which hid that finding's comment.
 */
export function isCommitCommentFor(body: string, fingerprint: string): boolean {
  const first = body.split('\n', 1)[0]!.replace(/\r$/, '');
  return first === commitCommentMarker(fingerprint);
}

/**
 * A short comment on the offending commit at path/line (for a message: on the commit itself, naming
 * the message and line); the marker lets the App skip duplicates.
 */
export function renderCommitComment(
  shownFinding: Finding,
  shownOccurrence: Occurrence,
  ctx: CommitCommentContext = {},
): string {
  const finding = printableFinding(shownFinding);
  const occurrence = printableOccurrence(shownOccurrence);
  const endpoint = finding.endpoint ? ` for ${code(finding.endpoint)}` : '';
  const history = ctx.history
    ? finding.presentAtHead === false
      ? ' It is no longer at HEAD, but it is still in the history.'
      : ' It is still present at HEAD.'
    : '';
  return [
    commitCommentMarker(finding.fingerprint),
    `**upstash-guard: ${finding.title}** (${finding.severity}, ${accessLabel(finding.readOnly)})${endpoint} ${occurrence.source ? 'in' : 'at'} ${code(where(occurrence))}: ${code(finding.masked)}, verification: ${verificationLabel(finding.verification)}.${history}`,
    '',
    occurrence.source
      ? 'Rotate it first: rewriting the message (git filter-repo --replace-message) revokes nothing. The check run “Upstash credentials” has the rotation steps and the history-rewrite recipe.'
      : 'Rotate it first: rewriting history revokes nothing. The check run “Upstash credentials” has the rotation steps and the history-rewrite recipe.',
  ].join('\n');
}
