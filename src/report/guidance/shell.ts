/**
 * Quoting for copy-pasteable commands. Paths come from the scanned (possibly hostile) repository,
 * so a path must never be able to end a quote, start a command or break out of a code fence.
 */
export function shellQuote(value: string): string {
  const clean = value.replace(/[\r\n\0]/g, '?');
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(clean) ? clean : `'${clean.replace(/'/g, `'\\''`)}'`;
}

/** A commit id we are willing to paste into a command: hex only. */
export function safeSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : undefined;
}

/** A Markdown code fence longer than any backtick run inside `body`. */
export function fenced(body: string, lang = 'sh'): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body}\n${fence}`;
}
