import type { Finding, Occurrence } from '../core/types.js';
import { TYPE_LABELS, where } from './labels.js';
import { code, commitLink } from './markdown.js';

/** "commit message, line 3" or "message of tag `v1`, line 3": a tag's name is the repository's. */
function messagePlace(o: Occurrence): string {
  return o.source === 'tag-message'
    ? `message of tag ${code(o.tag ?? '?')}, line ${o.line}`
    : where(o);
}

/** At most this many message places are listed; the JSON report has them all. */
const SHOWN = 50;

/**
 * The places in commit and tag messages, as a Markdown list for the check run summary and the PR
 * comment: a message is in no file, so it gets no line annotation. '' when there is none.
 */
export function messagesMarkdown(findings: readonly Finding[], repoUrl?: string): string {
  const rows = findings.flatMap((f) =>
    f.occurrences
      .filter((o) => o.source)
      .map(
        (o) =>
          `- ${TYPE_LABELS[f.type]} ${code(f.masked)} in the ${messagePlace(o)}${o.commit ? ` of ${commitLink(o.commit, repoUrl)}` : ''}`,
      ),
  );
  if (rows.length === 0) return '';
  const more = rows.length > SHOWN ? [`- … and ${rows.length - SHOWN} more`] : [];
  return [
    '#### In commit and tag messages',
    '',
    'A message is pushed with its commit and stays in the history like a file does. It has no line to annotate; rewriting it takes `git filter-repo --replace-message` (see the recipe), after rotating the credential.',
    '',
    ...rows.slice(0, SHOWN),
    ...more,
  ].join('\n');
}
