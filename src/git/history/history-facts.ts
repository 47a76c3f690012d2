/**
 * History facts of each finding: the commit that introduced it, how many commits introduced it,
 * whether it is still in the tree of the head ref, and which refs reach its introduction.
 */
import { shownValue, type Finding, type Hit, type MessageSource } from '../../core/index.js';
import { runGit } from '../run-git.js';
import type { Attribution, BlobWrite } from './attribute.js';
import { refTips } from './refs-containing.js';

export async function addHistoryFacts(
  repoDir: string,
  findings: Finding[],
  hitsByBlob: ReadonlyMap<string, readonly Hit[]>,
  attribution: Attribution,
  headRef: string,
  warnings: string[],
): Promise<void> {
  if (findings.length === 0) return;
  const { writes, replaced } = attribution;
  const headBlobs = await blobsAt(repoDir, headRef).catch(() => {
    warnings.push(`could not read ${shownValue(headRef)}; presentAtHead is unknown`);
    return new Set<string>();
  });
  // Each (commit, path) write is exactly one blob: a finding's blobs follow from its occurrences.
  const blobAt = new Map<string, string>();
  for (const oid of hitsByBlob.keys())
    for (const w of writes.get(oid) ?? []) blobAt.set(`${w.commit}\u0000${w.path}`, oid);
  const { tips, tags } = await refTips(repoDir).catch(() => {
    warnings.push('could not list refs; branches are unknown');
    return { tips: new Map<string, string>(), tags: new Set<string>() };
  });
  for (const f of findings) {
    const oids = new Set<string>();
    for (const o of f.occurrences) {
      const oid = blobAt.get(`${o.commit}\u0000${o.path}`);
      if (oid) oids.add(oid);
    }
    const all: BlobWrite[] = [];
    for (const oid of oids) all.push(...(writes.get(oid) ?? []));
    // An introduction: the path's previous version (in every parent) did not hold this credential,
    // and the same commit did not remove it from another path (a move is not an introduction).
    const fileIntro = all.filter(
      (w) =>
        w.previous.every((p) => !oids.has(p)) &&
        !(replaced.get(w.commit) ?? []).some(([prev, next]) => oids.has(prev) && !oids.has(next)),
    );
    // A message that holds it introduces it too (each commit's message is its own).
    const messages = f.occurrences
      .filter((o) => o.source && o.commit)
      .map((o) => ({
        commit: o.commit!,
        author: o.author ?? '',
        date: o.date ?? '',
        path: '',
        previous: [],
        order: attribution.order.get(o.commit!) ?? -1,
        source: o.source,
        ...(o.tag !== undefined ? { tag: o.tag } : {}),
      }));
    const intro: (BlobWrite & { source?: MessageSource; tag?: string })[] = [
      ...(fileIntro.length ? fileIntro : all),
      ...messages,
    ];
    // Oldest first: git log lists newest first, so the highest order is the oldest.
    const first = [...intro].sort((a, b) => b.order - a.order)[0];
    if (first) {
      f.introducedBy = {
        commit: first.commit,
        path: first.path,
        ...(first.source ? { source: first.source } : {}),
        ...(first.tag !== undefined ? { tag: first.tag } : {}),
        author: first.author,
        date: first.date,
      };
    }
    // Every ref that reaches any introduction (a secret can be introduced on two branches).
    f.branches = attribution.graph
      .tipsReaching(
        intro.map((w) => w.commit),
        tips,
      )
      .sort();
    // A tag message is reached by its tag, whatever the tagged commit is reachable from.
    for (const m of messages)
      if (m.tag !== undefined && !f.branches.includes(m.tag))
        f.branches = [...f.branches, m.tag].sort();
    const reachingTags = f.branches.filter((b) => tags.has(b));
    if (reachingTags.length) f.tags = reachingTags;
    f.presentAtHead = [...oids].some((o) => headBlobs.has(o));
    f.commitCount = new Set(intro.map((w) => w.commit)).size;
  }
}

async function blobsAt(repoDir: string, ref: string): Promise<Set<string>> {
  if (ref.startsWith('-')) throw new Error('invalid ref');
  const { stdout } = await runGit(['ls-tree', '-r', '-z', '--full-tree', ref, '--'], {
    cwd: repoDir,
  });
  const set = new Set<string>();
  for (const entry of stdout.toString('utf8').split('\0')) {
    const tab = entry.indexOf('\t');
    const parts = entry.slice(0, tab < 0 ? undefined : tab).split(' ');
    if (parts[1] === 'blob' && parts[2]) set.add(parts[2]);
  }
  return set;
}
