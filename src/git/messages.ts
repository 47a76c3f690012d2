/**
 * Commit and annotated-tag messages, read for scanning: a token pasted into `git commit -m` is
 * pushed with the commit and stays in history as surely as one in a file.
 *
 * Records are `\x01<header>\x1f<author>\x1f<date>\x1f<message>\x00`: git cannot store a NUL in a
 * message, and whatever precedes `\x01` in a record (rev-list's `commit <sha>` line) is skipped.
 */
import { runGit } from './run-git.js';

/** A message that passed the caller's gate (most never do, and are never decoded). */
export interface GitMessage {
  /** The commit (commit messages) or the commit the tag points at (tag messages; '' if none). */
  commit: string;
  /** refs/tags/… name without the prefix, for tag messages. */
  tag?: string;
  author: string;
  date: string;
  text: string;
}

/**
 * rev-list/log format of one record: the header is `%H` or `%H %P`. Without `withAuthor` the
 * record is `\x01<header>\x1f<message>\x00` (author and date are then read for the few hits only).
 */
export const messageFormat = (header: string, withAuthor = true): string =>
  withAuthor
    ? `--format=%x01${header}%x1f%an%x1f%aI%x1f%B%x00`
    : `--format=%x01${header}%x1f%B%x00`;

/**
 * Walks the records of `out`: `onHeader` gets every header (the commit list needs them all);
 * `gate` sees each message's raw bytes, and only messages it passes are decoded and returned.
 */
export function parseMessageRecords(
  out: Buffer,
  gate: (bytes: Uint8Array) => boolean,
  onHeader?: (header: string) => void,
  withAuthor = true,
  /** Every header's bytes, `out[from, to)`, without decoding them. */
  onHeaderBytes?: (out: Buffer, from: number, to: number) => void,
): { count: number; messages: { header: string; author: string; date: string; text: string }[] } {
  const messages: { header: string; author: string; date: string; text: string }[] = [];
  let count = 0;
  let at = 0;
  for (;;) {
    const start = out.indexOf(1, at);
    if (start < 0) break;
    let end = out.indexOf(0, start);
    if (end < 0) end = out.length;
    at = end + 1;
    const f1 = out.indexOf(0x1f, start);
    const f2 = !withAuthor ? f1 : f1 < 0 ? -1 : out.indexOf(0x1f, f1 + 1);
    const f3 = !withAuthor ? f1 : f2 < 0 ? -1 : out.indexOf(0x1f, f2 + 1);
    if (f3 < 0 || f3 > end) continue;
    count++;
    if (onHeader) onHeader(out.toString('latin1', start + 1, f1));
    onHeaderBytes?.(out, start + 1, f1);
    const body = out.subarray(f3 + 1, end);
    if (body.length === 0 || !gate(body)) continue;
    messages.push({
      header: out.toString('latin1', start + 1, f1),
      author: withAuthor ? out.toString('utf8', f1 + 1, f2) : '',
      date: withAuthor ? out.toString('utf8', f2 + 1, f3) : '',
      text: body.toString('utf8'),
    });
  }
  return { count, messages };
}

/** The message of every commit of `revs` (rev-list arguments, e.g. `tip --not base`). */
export async function commitMessages(
  repoDir: string,
  revs: readonly string[],
  gate: (bytes: Uint8Array) => boolean,
  signal?: AbortSignal,
): Promise<{ count: number; messages: GitMessage[] }> {
  const { stdout } = await runGit(['rev-list', messageFormat('%H'), ...revs, '--'], {
    cwd: repoDir,
    ...(signal ? { signal } : {}),
  });
  const { count, messages } = parseMessageRecords(stdout, gate);
  return {
    count,
    messages: messages.map((m) => ({
      commit: m.header,
      author: m.author,
      date: m.date,
      text: m.text,
    })),
  };
}

/**
 * The message of every annotated tag a ref points at, with the oids of those tag objects (the
 * blob walk lists them too, and must leave them to this reader).
 */
export async function tagMessages(
  repoDir: string,
  gate: (bytes: Uint8Array) => boolean,
  signal?: AbortSignal,
): Promise<{ tagObjects: Set<string>; messages: GitMessage[] }> {
  const run = (args: string[]) =>
    runGit(['for-each-ref', ...args], { cwd: repoDir, ...(signal ? { signal } : {}) });
  // Which refs point at tag objects: `show-ref -d` follows each with a `ref^{}` line, from the
  // peeled values packed-refs keeps (no object read). Asking every ref for its type or message
  // reads every branch tip and lightweight tag (renovate: 12,000 lightweight tags, 192 annotated).
  const listing = await runGit(['show-ref', '-d'], {
    cwd: repoDir,
    okCodes: [0, 1], // 1: no refs at all
    ...(signal ? { signal } : {}),
  });
  const tagObjects = new Set<string>();
  const tagRefs: string[] = [];
  let previous: [string, string] | undefined;
  for (const line of listing.stdout.toString('utf8').split('\n')) {
    const sp = line.indexOf(' ');
    const oid = line.slice(0, sp);
    const ref = line.slice(sp + 1);
    if (sp > 0 && previous && ref === `${previous[1]}^{}`) {
      tagObjects.add(previous[0]);
      tagRefs.push(previous[1]);
    }
    previous = sp > 0 ? [oid, ref] : undefined;
  }
  const messages: GitMessage[] = [];
  const done = new Set<string>();
  // Those refs only, by name (a pattern matches the ref itself, or refs below it: filtered here).
  for (let i = 0; i < tagRefs.length; i += 500) {
    const { stdout } = await run([
      '--format=%(objecttype)%01%(refname) %(*objecttype) %(*objectname)%1f%(taggername)%1f%(taggerdate:iso-strict)%1f%(contents)%00',
      '--',
      ...tagRefs.slice(i, i + 500),
    ]);
    let at = 0;
    for (;;) {
      const start = stdout.indexOf(1, at);
      if (start < 0) break;
      const type = stdout.toString('latin1', stdout.lastIndexOf(0, start) + 1, start).trim();
      const end = stdout.indexOf(0, start);
      at = end < 0 ? stdout.length : end + 1;
      if (type !== 'tag') continue;
      const { messages: one } = parseMessageRecords(
        stdout.subarray(start, end < 0 ? undefined : end + 1),
        gate,
      );
      for (const m of one) {
        const [ref = '', peeledType, peeled] = m.header.split(' ');
        if (done.has(ref)) continue;
        done.add(ref);
        messages.push({
          commit: peeledType === 'commit' && peeled ? peeled : '',
          tag: ref.replace(/^refs\/tags\//, ''),
          author: m.author,
          date: m.date,
          text: m.text,
        });
      }
    }
  }
  return { tagObjects, messages };
}

/**
 * The messages of the annotated tags among `revs` (the tips a range scan includes: a pushed tag
 * object, `v1.0` on the command line), and of tags those tags point at, read from the objects
 * themselves (`git cat-file --batch`): the ref may not exist in the clone, and a range scan's
 * commits never include a tag's message. Revisions that are commits (nearly all) cost one line.
 */
export async function tagObjectMessages(
  repoDir: string,
  revs: readonly string[],
  gate: (bytes: Uint8Array) => boolean,
  signal?: AbortSignal,
): Promise<GitMessage[]> {
  const messages: GitMessage[] = [];
  const seen = new Set<string>();
  let ask = [...new Set(revs)];
  // A tag of a tag of a tag: git allows the chain; a few levels is every real case.
  for (let depth = 0; depth < 8 && ask.length > 0; depth++) {
    const { stdout } = await runGit(['cat-file', '--batch'], {
      cwd: repoDir,
      input: `${ask.join('\n')}\n`,
      okCodes: [0],
      ...(signal ? { signal } : {}),
    });
    ask = [];
    let at = 0;
    while (at < stdout.length) {
      const nl = stdout.indexOf(10, at);
      if (nl < 0) break;
      const [oid = '', type, size] = stdout.toString('latin1', at, nl).split(' ');
      if (size === undefined) {
        at = nl + 1; // `<rev> missing` or ambiguous
        continue;
      }
      const body = stdout.subarray(nl + 1, nl + 1 + Number(size));
      at = nl + 1 + body.length + 1;
      if (type !== 'tag' || seen.has(oid)) continue;
      seen.add(oid);
      const tag = parseTagObject(body, gate);
      if (tag.targetType === 'tag' && tag.target) ask.push(tag.target);
      if (tag.message) messages.push(tag.message);
    }
  }
  return messages;
}

/** A tag object: `object`, `type`, `tag`, `tagger` headers, a blank line, the message. */
function parseTagObject(
  body: Buffer,
  gate: (bytes: Uint8Array) => boolean,
): { target?: string; targetType?: string; message?: GitMessage } {
  const end = body.indexOf('\n\n');
  const head = body.toString('utf8', 0, end < 0 ? body.length : end).split('\n');
  const field = (name: string): string | undefined =>
    head.find((l) => l.startsWith(`${name} `))?.slice(name.length + 1);
  const target = field('object');
  const targetType = field('type');
  const out = {
    ...(target && /^[0-9a-f]{40,64}$/.test(target) ? { target } : {}),
    ...(targetType ? { targetType } : {}),
  };
  const text = end < 0 ? Buffer.alloc(0) : body.subarray(end + 2);
  if (text.length === 0 || !gate(text)) return out;
  // `Name <email> 1700000000 +0100`
  const tagger = /^(.*?) <[^>]*> (\d+) ([+-]\d{4})$/.exec(field('tagger') ?? '');
  const seconds = tagger ? Number(tagger[2]) : NaN;
  return {
    ...out,
    message: {
      commit: targetType === 'commit' && out.target ? out.target : '',
      tag: field('tag') ?? '',
      author: tagger?.[1] ?? '',
      date: Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '',
      text: text.toString('utf8'),
    },
  };
}

/** Fills in the author and date of messages read without them (a few commits at most). */
export async function addAuthors(
  repoDir: string,
  messages: GitMessage[],
  signal?: AbortSignal,
): Promise<void> {
  if (messages.length === 0) return;
  const { stdout } = await runGit(
    ['log', '--no-walk=unsorted', '--stdin', '--format=%H%x1f%an%x1f%aI'],
    {
      cwd: repoDir,
      input: `${messages.map((m) => m.commit).join('\n')}\n`,
      ...(signal ? { signal } : {}),
    },
  );
  const by = new Map<string, [string, string]>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [sha, author = '', date = ''] = line.split('\x1f');
    if (sha) by.set(sha, [author, date]);
  }
  for (const m of messages) [m.author, m.date] = by.get(m.commit) ?? ['', ''];
}
