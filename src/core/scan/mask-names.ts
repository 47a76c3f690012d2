/**
 * Names a report shows come from the scanned repository: paths, refs, authors. A credential can sit
 * in any of them (a directory named after a token, a branch `leak/<token>`, a token pasted into
 * user.name), and every renderer prints them as they are. So before a result leaves the engine,
 * every such name has the scan's own credentials, and whatever the engine detects in it, masked.
 */
import { maskDetectedSecrets } from '../redact.js';
import type { Hit, ScanResult } from '../types.js';

export function maskNamesInResult(result: ScanResult, hits: Iterable<Hit>): void {
  const known = new Set<string>();
  for (const h of hits) known.add(h.candidate.secret);
  const secrets = [...known].sort((a, b) => b.length - a.length);
  const memo = new Map<string, string>();
  const m = (name: string): string => {
    let out = memo.get(name);
    if (out === undefined) memo.set(name, (out = maskDetectedSecrets(name, secrets)));
    return out;
  };
  const opt = (name: string | undefined): string | undefined =>
    name === undefined ? undefined : m(name);
  for (const f of result.findings) {
    for (const o of f.occurrences) {
      o.path = m(o.path);
      if (o.tag !== undefined) o.tag = m(o.tag);
      if (o.author !== undefined) o.author = m(o.author);
    }
    if (f.introducedBy) {
      f.introducedBy.path = m(f.introducedBy.path);
      if (f.introducedBy.tag !== undefined) f.introducedBy.tag = m(f.introducedBy.tag);
      const author = opt(f.introducedBy.author);
      if (author !== undefined) f.introducedBy.author = author;
    }
    if (f.branches) f.branches = f.branches.map(m);
    if (f.tags) f.tags = f.tags.map(m);
  }
  for (const s of result.skipped) s.path = m(s.path);
  result.warnings = result.warnings.map(m);
}
