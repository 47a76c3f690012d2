/** Escape text for a GitHub Markdown table cell (pipes and newlines break the row). */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Inline code that holds any text: the fence is one backtick longer than the longest run inside
 * (CommonMark closes a span only at a run of the same length), padded with a space when the text
 * starts or ends with a backtick. A path like "x``@org/team <img>``" stays code instead of
 * becoming a mention and an image in a comment the App posts. Line breaks must already be gone
 * (printable): a blank line ends any span.
 */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export function commitLink(sha: string | undefined, repoUrl: string | undefined): string {
  if (!sha) return '–';
  const short = sha.slice(0, 7);
  return repoUrl ? `[${code(short)}](${repoUrl}/commit/${sha})` : code(short);
}

/**
 * Cut `text` to at most `max` characters at a line boundary and say so, so GitHub's field limits
 * never reject a check run or a comment.
 */
export function truncate(text: string, max: number, note: string): string {
  if (text.length <= max) return text;
  const suffix = `\n\n${note}`;
  const room = Math.max(0, max - suffix.length);
  let cut = text.slice(0, room);
  const nl = cut.lastIndexOf('\n');
  if (nl > room / 2) cut = cut.slice(0, nl);
  return `${cut}${suffix}`;
}
