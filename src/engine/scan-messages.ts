/**
 * Commit and tag messages, scanned with the same detectors as file content. A message is in no
 * file: its occurrences have `source` set, an empty path, and the line within the message.
 */
import { mayContainSecret, scanText, type Hit, type MessageSource } from '../core/index.js';
import { commitMessages, tagObjectMessages, type GitMessage } from '../git/messages.js';
import type { HitAccumulator } from './finish-scan.js';
import type { EngineOptions } from './types.js';

/** The cheap gate every message passes first: the core prefilter on its raw bytes. */
export const messageGate = (bytes: Uint8Array): boolean => mayContainSecret(bytes);

export function scanMessage(m: GitMessage, source: MessageSource): Hit[] {
  if (!mayContainSecret(m.text)) return [];
  return scanText({
    path: '',
    text: m.text,
    ...(m.commit ? { commit: m.commit } : {}),
    ...(m.author ? { author: m.author } : {}),
    ...(m.date ? { date: m.date } : {}),
  }).map((h) => ({
    ...h,
    // Exposure by path means nothing here: a message ships to whoever can read the repository.
    exposure: { kind: 'server' },
    occurrence: {
      ...h.occurrence,
      source,
      ...(m.tag !== undefined ? { tag: m.tag } : {}),
    },
  }));
}

/** Scans the message of every commit of `revs` (rev-list arguments) into `acc`. */
export async function collectMessageHits(
  repoDir: string,
  revs: readonly string[],
  opts: EngineOptions,
  acc: HitAccumulator,
): Promise<void> {
  const { messages } = await commitMessages(repoDir, revs, messageGate, opts.signal);
  for (const m of messages) acc.hits.push(...scanMessage(m, 'commit-message'));
}

/** Scans the messages of the annotated tags among `tips` (a pushed tag, `--range v1.0`) into `acc`. */
export async function collectTagMessageHits(
  repoDir: string,
  tips: readonly string[],
  opts: EngineOptions,
  acc: HitAccumulator,
): Promise<void> {
  const messages = await tagObjectMessages(repoDir, tips, messageGate, opts.signal);
  for (const m of messages) acc.hits.push(...scanMessage(m, 'tag-message'));
}
