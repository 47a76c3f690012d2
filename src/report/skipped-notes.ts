/**
 * What a scan did not read, for every output: a clean result that skipped content must say so
 * (issue: "No Upstash credentials found" over files that were never scanned). Paths and reasons
 * only; skipped content was never read, so it cannot leak.
 */
import type { ScanResult, SkippedContent, SkipReason } from '../core/types.js';
import { plural, shortSha } from './labels.js';
import { cell, code } from './markdown.js';

const REASONS: Record<SkipReason, string> = {
  'too-large': 'over hardMaxFileSize',
  unreadable: 'unreadable',
  missing: 'missing objects',
};

/** "3 files not scanned (2 over hardMaxFileSize, 1 unreadable)", or null when nothing was skipped. */
export function skippedSummary(result: ScanResult): string | null {
  const count = result.skippedCount;
  if (count === 0) return null;
  const byReason = new Map<SkipReason, number>();
  for (const s of result.skipped)
    byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + (s.count ?? 1));
  const parts = [...byReason].map(([r, n]) => `${n} ${REASONS[r]}`);
  const listed = countOf(result.skipped);
  if (count > listed) parts.push(`${count - listed} more not listed`);
  return `${plural(count, 'file')} not scanned (${parts.join(', ')})`;
}

/** How many files or objects these entries stand for (an entry can stand for several). */
export function countOf(entries: readonly SkippedContent[]): number {
  return entries.reduce((n, s) => n + (s.count ?? 1), 0);
}

/** One line per skipped entry: "path: detail (commit abc1234)". */
export function skippedEntry(s: SkippedContent): string {
  const where = s.path || '(objects)';
  return `${where}: ${s.detail}${s.commit ? ` (commit ${shortSha(s.commit)})` : ''}`;
}

/** A Markdown section for the check run and the PR comment; '' when nothing was skipped. */
export function skippedMarkdown(result: ScanResult, repoUrl?: string, shown = 20): string {
  const summary = skippedSummary(result);
  if (!summary) return '';
  const list = result.skipped;
  const hint = list.some((s) => s.reason === 'too-large')
    ? ' Check them by hand, or raise `hardMaxFileSize` in `.github/upstash-guard.yml`.'
    : ' Check them by hand.';
  const rows = list.slice(0, shown).map((s) => {
    const commit = s.commit
      ? ` (commit ${repoUrl ? `[${code(shortSha(s.commit))}](${repoUrl}/commit/${s.commit})` : code(shortSha(s.commit))})`
      : '';
    return `- ${s.path ? code(cell(s.path)) : '_objects_'}: ${cell(s.detail)}${commit}`;
  });
  const more = list.length > shown ? [`- … and ${list.length - shown} more`] : [];
  return [
    `#### ⚠️ Not scanned: ${summary}`,
    '',
    `A credential in these files would not be reported.${hint}`,
    '',
    ...rows,
    ...more,
  ].join('\n');
}
