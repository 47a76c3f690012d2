/**
 * Range and staged scans: files the diff showed as binary (NUL bytes, UTF-16, over maxFileSize, or
 * marked `binary` / `-diff` in the scanned repository's attributes) are read as blobs with
 * `git cat-file`, which no attribute affects, and scanned like any other content (UTF-16 decoded,
 * printable runs of binaries, windows for large files). A line diff of such content means little,
 * so "added" is a credential in the new blob that none of the old blobs (one per parent) holds.
 */
import type { Hit, ScanStats } from '../core/index.js';
import type { BinaryChange } from '../git/added-lines.js';
import { streamBlobs } from '../git/history/cat-file-stream.js';
import { scanContent, WindowedScanner } from './content/scan-content.js';
import { sniffEncoding, SNIFF_BYTES, type ContentEncoding } from './content/sniff.js';
import { countEncoding } from './finish-scan.js';
import type { SkipLog } from './skipped.js';
import type { EngineOptions } from './types.js';

interface BlobResult {
  hits: Hit[];
  size: number;
  encoding?: ContentEncoding;
  /** Over hardMaxFileSize: not read. */
  tooLarge?: boolean;
}

export async function scanChangedBlobs(
  repoDir: string,
  changes: readonly BinaryChange[],
  opts: EngineOptions,
  stats: ScanStats,
  skipped: SkipLog,
): Promise<Hit[]> {
  if (changes.length === 0) return [];
  const { maxFileSize, hardMaxFileSize } = opts.config;
  // One read per blob, under the path of its first use (the path informs exposure only).
  const pathOf = new Map<string, string>();
  for (const c of changes) if (!pathOf.has(c.newOid)) pathOf.set(c.newOid, c.path);
  for (const c of changes) for (const o of c.oldOids) if (!pathOf.has(o)) pathOf.set(o, c.path);
  const results = new Map<string, BlobResult>();
  const visit = (oid: string, parts: Buffer[] | null, size: number): void => {
    if (parts === null) return void results.set(oid, { hits: [], size, tooLarge: true });
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const sniffed = sniffEncoding(data.subarray(0, SNIFF_BYTES));
    const hits = scanContent(data, { path: pathOf.get(oid) ?? '' }, sniffed);
    results.set(oid, { hits, size, encoding: sniffed.encoding });
  };
  const large = {
    cap: hardMaxFileSize,
    open(oid: string, size: number) {
      const windows = new WindowedScanner({ path: pathOf.get(oid) ?? '' }, maxFileSize);
      return {
        push: (c: Buffer) => windows.push(c),
        end: () =>
          void results.set(oid, {
            hits: windows.end(),
            size,
            ...(windows.encoding ? { encoding: windows.encoding } : {}),
          }),
      };
    },
  };
  const { missing } = await streamBlobs(repoDir, [[...pathOf.keys()]], maxFileSize, visit, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    large,
    readers: 1,
  });
  if (missing > 0)
    skipped.add(
      {
        path: '',
        reason: 'missing',
        detail: `${missing} changed blobs are missing from the repository; they were not scanned`,
      },
      missing,
    );

  const hits: Hit[] = [];
  for (const c of changes) {
    const r = results.get(c.newOid);
    if (!r) continue;
    if (r.tooLarge) {
      stats.skippedTooLarge++;
      skipped.tooLarge(c.path, r.size, hardMaxFileSize, c.commit);
      continue;
    }
    stats.filesScanned++;
    stats.bytesScanned += r.size;
    if (r.encoding) countEncoding(stats, r.encoding);
    if (r.hits.length === 0) continue;
    const before = new Set<string>();
    for (const o of c.oldOids)
      for (const h of results.get(o)?.hits ?? []) before.add(h.candidate.identity);
    for (const h of r.hits) {
      // Endpoints are pairing parts, not findings: keep them so new tokens still pair.
      if (before.has(h.candidate.identity) && !h.candidate.pairingPartOnly) continue;
      hits.push({
        ...h,
        occurrence: {
          ...h.occurrence,
          path: c.path,
          ...(c.commit ? { commit: c.commit, author: c.author, date: c.date } : {}),
        },
      });
    }
  }
  return hits;
}
