/**
 * One history blob's bytes → hits, as every history read does it: on the main thread, or in a pack
 * reader thread (`scanInReader`, loaded by src/git/pack/pack-worker.ts when a history scan asks
 * it to scan there). The same function either way, so where a blob is scanned never changes what
 * is found.
 */
import {
  mayBeReadByPath,
  PATH_CONTENT_BYTES,
  PREFILTER_KEYWORDS,
  type Hit,
} from '../core/index.js';
import { partsAreBinary, partsLength, partsMatch } from '../git/history/blob-parts.js';
import { createKeywordScanner, type KeywordScanner } from '../git/history/keyword-scanner.js';
import { scanContent } from './content/scan-content.js';
import {
  headOf,
  sniffEncoding,
  utf16Bom,
  type ContentEncoding,
  type Sniffed,
} from './content/sniff.js';

/** What scanning one blob found, and what the scan's statistics count of it. */
export interface BlobScan {
  /** Undefined: the keyword gate ruled the blob out. */
  hits: Hit[] | undefined;
  /** Set when the blob was sniffed as binary or UTF-16 (counted by the statistics). */
  encoding?: ContentEncoding;
}

/** A reader thread's answer for one blob: its scan, and whether its paths must be read. */
export interface ReaderScan extends BlobScan {
  /** Scanned at no path, nothing found, and a detector that reads files by path might: a scan without paths must learn them. */
  needPath?: true;
}

const passed = (): boolean => true;
const LONGEST_KEYWORD = Math.max(0, ...PREFILTER_KEYWORDS.map((k) => k.length));
let keywords: KeywordScanner | undefined;

/** The keyword scanner of the prefilter's keywords, built once per thread. */
export function prefilterScanner(): KeywordScanner {
  return (keywords ??= createKeywordScanner(PREFILTER_KEYWORDS));
}

/**
 * Scans one blob's bytes as the history scan does: hits undefined when the keyword gate ruled it
 * out (`ungated`: a file read by its path, scanned whatever it holds). Text blobs (nearly all) pay
 * only the NUL test and a two-byte BOM test here. A NUL means UTF-16 or binary; a UTF-16 BOM,
 * UTF-16 whose first 8000 bytes may hold no NUL (CJK text).
 */
export function scanBlobBytes(
  keywordScan: KeywordScanner,
  parts: Buffer[],
  path: string,
  ungated: boolean,
): BlobScan {
  let sniffed: Sniffed | undefined;
  if (partsAreBinary(parts) || utf16Bom(parts[0])) {
    sniffed = sniffEncoding(headOf(parts));
    // The byte gate cannot see keywords in UTF-16: it is decoded and gated as text.
    if (sniffed.encoding !== 'binary')
      return {
        hits: scanContent(Buffer.concat(parts), { path }, sniffed),
        encoding: sniffed.encoding,
      };
  }
  const encoding = sniffed ? { encoding: sniffed.encoding } : {};
  // Exactly "contains a prefilter keyword" (tested against mayContainSecret): no second pass.
  // Binary content is gated too: its printable runs can only hold keywords its bytes hold.
  if (!ungated && !partsMatch(parts, keywordScan, LONGEST_KEYWORD))
    return { hits: undefined, ...encoding };
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return {
    hits: scanContent(data, { path, gate: passed, runGate: keywordScan }, sniffed),
    ...encoding,
  };
}

/** Whether a blob scanned at no path without a hit must be scanned again at its paths. */
export function needsPath(parts: Buffer[], hits: Hit[] | undefined): boolean {
  return (
    !hits?.length &&
    partsLength(parts) <= PATH_CONTENT_BYTES &&
    mayBeReadByPath(parts.length === 1 ? parts[0]! : Buffer.concat(parts))
  );
}

/**
 * The reader thread's entry (pack-worker.ts): `path` '' for a scan without paths, which then also
 * learns whether the blob needs its paths.
 */
export function scanInReader(data: Buffer, path: string, ungated: boolean): ReaderScan {
  const parts = [data];
  const r: ReaderScan = scanBlobBytes(prefilterScanner(), parts, path, ungated);
  if (path === '' && needsPath(parts, r.hits)) r.needPath = true;
  return r;
}
