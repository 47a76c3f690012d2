import type { Finding } from '../core/types.js';

export interface RefGroups {
  branches: string[];
  tags: string[];
  /** Pull-request numbers as "#7", ascending, once each (head and merge refs are one PR). */
  pulls: string[];
}

/** A history finding's refs, split: a repository can have thousands of PR refs and tags. */
export function groupRefs(f: Finding): RefGroups {
  const tags = new Set(f.tags ?? []);
  const pulls = new Set<number>();
  const branches: string[] = [];
  for (const ref of f.branches ?? []) {
    if (tags.has(ref)) continue;
    const pr = /^pull\/(\d+)\/(?:head|merge)$/.exec(ref);
    if (pr) pulls.add(Number(pr[1]));
    else branches.push(ref);
  }
  return {
    branches,
    tags: [...tags],
    pulls: [...pulls].sort((a, b) => a - b).map((n) => `#${n}`),
  };
}

const SHOWN_REFS = 5;

/** "3: main, dev, x" or "1,557: a, b, c, d, e … and 1,552 more": a count, then the first few. */
export function refList(names: readonly string[], all = false): string {
  const shown = all ? names : names.slice(0, SHOWN_REFS);
  const more = names.length - shown.length;
  return `${names.length.toLocaleString('en-US')}: ${shown.join(', ')}${more > 0 ? ` … and ${more.toLocaleString('en-US')} more` : ''}`;
}
