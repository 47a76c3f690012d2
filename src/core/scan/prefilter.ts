/**
 * The keyword prefilter: the cheapest possible "could this text hold an Upstash credential?".
 * It runs on the raw bytes of every blob of a full-history scan, before anything is decoded.
 *
 * Bytes: a Wu-Manber style scan with 2-byte blocks. Every keyword has >= 3 bytes, so an occurrence
 * starting at s covers the 2-byte windows at s+j and s+j+1 for some chosen j, and one of those starts
 * at an even address: looking up only windows at even addresses in a 64 KiB window table finds
 * every occurrence with half the reads (two per 32-bit load), and a hit is confirmed byte by byte.
 * j is chosen per keyword to avoid frequent pairs (lowercase, punctuation, the letters of
 * "upstash"), which hit often in source code and in an Upstash user's repository.
 *
 * Measured (node 20, this 2-core box, best of 3; 100 MB of non-matching JS/TS/JSON/MD from
 * node_modules, 50 MB of random base64 in 76-char lines; all variants agree on every blob):
 *   one combined regex over a latin1 string   304 MB/s source   261 MB/s base64
 *   same, regex as a trie of prefixes          312 MB/s          283 MB/s
 *   Buffer.indexOf per keyword                 253 MB/s          240 MB/s
 *   2-byte table at every offset               648 MB/s          837 MB/s
 *   2-byte table at even offsets         930-1167 MB/s    1461-1572 MB/s (runs on a shared box)
 * The table is now read two windows per 32-bit load: 0.55 ns a byte against 0.9 (49 MB of the
 * redis-js history's gated texts).
 * Strings (diff text, decoded layers) get the same scan over UTF-16 code units: 555 MB/s on the
 * same source as strings, against 289 MB/s for the combined regex.
 */
import { DETECTORS } from '../detectors/registry.js';
import { base64Anchors } from '../detectors/base64-anchors.js';
import { matchesPathContent } from './path-content.js';

/**
 * Anchors for the decoding layers: base64-wrapped values (Kubernetes Secrets, config blobs), and
 * the Developer API's host, beside which a Basic header's `email:key` is decoded (scan-text.ts).
 * `STASH` (UPSTASH_…, QSTASH_…): a whole .env base64-encoded in a CI step or a Dockerfile
 * (`echo <b64> | base64 -d > .env`) whose names are upper case and which names no upstash.io host
 * (QStash only) held no anchor, and the file was skipped before the layer could decode it. Its
 * anchors are 5-6 base64 characters: random base64 holds one about once per 10^9 positions.
 * `ctx7sk`, `KV_REST`, `vercel-storage`: a Context7 key's name and a Vercel KV integration's
 * (`KV_REST_API_URL`/`_TOKEN`, `KV_URL`) are no Upstash names, so a base64 .env holding only them
 * had no anchor.
 */
export const LAYER_KEYWORDS = [
  'kind: Secret',
  '"kind": "Secret"',
  'api.upstash.com',
  ...base64Anchors('upstash'),
  ...base64Anchors('STASH'),
  ...base64Anchors('ctx7sk'),
  ...base64Anchors('KV_REST'),
  ...base64Anchors('vercel-storage'),
];

export const PREFILTER_KEYWORDS: readonly string[] = [
  ...new Set([...DETECTORS.flatMap((d) => d.keywords), ...LAYER_KEYWORDS]),
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const COMBINED = new RegExp(PREFILTER_KEYWORDS.map(escape).join('|'));

const TABLE_USABLE = PREFILTER_KEYWORDS.every((k) => k.length >= 3 && /^[\x20-\x7e]+$/.test(k));

/**
 * How often a byte occurs in source text and data: lowercase letters (the most frequent ones
 * most), spaces and the punctuation of JSON and YAML, then digits. A window of frequent bytes
 * would hit, and be verified, too often: with the letters and punctuation counted, the windows of
 * `kind: Secret` are ` S`/`Se` instead of `d:`/`: `, of `stash` `as`/`sh` instead of `st`/`ta`
 * (the gated blobs of three histories: 2.99M window hits in 146 MB before, 1.34M after).
 */
function commonness(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return FREQUENT_LETTERS.includes(c) ? 2 : 1.5;
  if (c === 0x20 || c === 0x3a || c === 0x22 || c === 0x2c || c === 0x2e) return 2;
  if (c >= 0x30 && c <= 0x39) return 1;
  return 0;
}
const FREQUENT_LETTERS = [...'etaoinsr'].map((c) => c.charCodeAt(0));

/**
 * The windows inside "upstash", in the cases it is written in: on every line of an Upstash user's
 * repository (imports of @upstash/redis, UPSTASH_REDIS_REST_URL), so a window among them is hit,
 * and its keywords verified, once per mention. Keywords that are not "stash" itself avoid them:
 * `upstash.io` by its least common bytes was `up`/`ps`, verified at every mention.
 */
const PRODUCT_WINDOWS = new Set(
  ['upstash', 'UPSTASH', 'Upstash'].flatMap((w) => [...w.slice(1)].map((c, i) => w[i]! + c)),
);

/** Where the two windows of a keyword start: at its least common 3 bytes. */
function windowOffset(k: string): number {
  let bestJ = 0;
  let bestScore = Infinity;
  for (let j = 0; j + 2 < k.length; j++) {
    const c = (i: number): number => commonness(k.charCodeAt(i));
    const pair = (i: number): number =>
      (PRODUCT_WINDOWS.has(k.slice(i, i + 2)) ? 4 : 0) +
      (/^[A-Z][a-z]$/.test(k.slice(i, i + 2)) ? 1.5 : 0);
    const score = c(j) + 2 * c(j + 1) + c(j + 2) + pair(j) + pair(j + 1);
    if (score < bestScore) [bestScore, bestJ] = [score, j];
  }
  return bestJ;
}

/**
 * The table. A window is the 2 bytes at a position read as a little-endian 16-bit number
 * (`b0 | b1 << 8`), as a Uint16Array or Uint32Array view of the bytes reads them. WINDOWS[w] is 1
 * when some keyword is indexed by window w, and ENTRIES[w] lists its entries: indexes into the
 * ENTRY_ arrays (the keyword's number in PREFILTER_KEYWORDS, its bytes, the window's offset in it).
 * Every keyword has its two windows, also one that contains another (`upstash.io`), so that which
 * keywords a text holds is known from one scan.
 */
const WINDOWS = new Uint8Array(65536);
// Allocated whole: filled sparsely from empty, the array fell back to a dictionary, and the lookup
// at every window hit cost a quarter of the scan.
const ENTRIES = new Array<number[]>(65536);
const ENTRY_KEYWORD: number[] = [];
const ENTRY_BYTES: Uint8Array[] = [];
const ENTRY_OFFSET: number[] = [];
/** For each keyword, the windows that index it. */
const KEYWORD_WINDOWS: number[][] = PREFILTER_KEYWORDS.map(() => []);

if (TABLE_USABLE) {
  PREFILTER_KEYWORDS.forEach((k, number) => {
    const bytes = Buffer.from(k, 'latin1');
    const j = windowOffset(k);
    for (const offset of [j, j + 1]) {
      const w = bytes[offset]! | (bytes[offset + 1]! << 8);
      WINDOWS[w] = 1;
      (ENTRIES[w] ??= []).push(ENTRY_KEYWORD.length);
      ENTRY_KEYWORD.push(number);
      ENTRY_BYTES.push(bytes);
      ENTRY_OFFSET.push(offset);
      if (!KEYWORD_WINDOWS[number]!.includes(w)) KEYWORD_WINDOWS[number]!.push(w);
    }
  });
}

/** Words are read in the machine's byte order: the 4-byte loop is used on little-endian ones. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Checks the entries of the window at `i` (a hit in the table). Without `found`: true when one
 * verifies. With it: sets found[k] for each keyword k that verifies and was not found yet, mutes
 * the windows whose keywords are now all found (see scanBytes), and returns false.
 */
function verify(
  buf: Uint8Array,
  i: number,
  found: Uint8Array | undefined,
  muted: number[],
): boolean {
  const list = ENTRIES[buf[i]! | (buf[i + 1]! << 8)]!;
  for (let e = 0; e < list.length; e++) {
    const id = list[e]!;
    const k = ENTRY_KEYWORD[id]!;
    if (found?.[k] === 1) continue;
    const bytes = ENTRY_BYTES[id]!;
    const s = i - ENTRY_OFFSET[id]!;
    const m = bytes.length;
    if (s < 0 || s + m > buf.length) continue;
    let j = 0;
    while (j < m && buf[s + j] === bytes[j]) j++;
    if (j < m) continue;
    if (!found) return true;
    found[k] = 1;
    for (const x of KEYWORD_WINDOWS[k]!)
      if (WINDOWS[x] === 1 && ENTRIES[x]!.every((y) => found[ENTRY_KEYWORD[y]!] === 1)) {
        WINDOWS[x] = 0;
        muted.push(x);
      }
  }
  return false;
}

/**
 * The byte scan. Without `found` it stops at the first keyword; with it, it sets found[k] for
 * every keyword PREFILTER_KEYWORDS[k] present, never verifies a keyword already found, and mutes a
 * window whose keywords are all found (its WINDOWS byte cleared) until the scan ends: in
 * keyword-dense text ("upstash" on most lines) most window hits were confirmations of keywords
 * found long before. The table is restored before returning; nothing else runs in between.
 */
function scanBytes(buf: Uint8Array, found?: Uint8Array): boolean {
  unmute();
  const r = scanLoop(buf, found, MUTED);
  unmute();
  return r;
}

/**
 * The windows a collecting scan muted, until it restores them. Module-wide, and restored at the
 * start of every scan too: a scan that never returned (an exception, however unlikely in a loop
 * over bytes) must not leave the table missing keywords for every later scan of the thread.
 */
const MUTED: number[] = [];

function unmute(): void {
  if (MUTED.length === 0) return;
  for (const x of MUTED) WINDOWS[x] = 1;
  MUTED.length = 0;
}

/**
 * scanBytes' loop (a try/finally around it made it about 10% slower). The windows read are those
 * at even addresses in memory (any fixed parity finds every keyword), four bytes at a time where
 * the bytes are 4-aligned: two table reads per 32-bit load, 0.55 ns a byte against 0.9 for two
 * byte loads per window (49 MB of redis-js texts, 27 ms against 46).
 */
function scanLoop(buf: Uint8Array, found: Uint8Array | undefined, muted: number[]): boolean {
  const len = buf.length;
  let i = buf.byteOffset & 1;
  let words = 0;
  if (LITTLE_ENDIAN) {
    // Up to the first 4-aligned address, one window; then whole words.
    if (((buf.byteOffset + i) & 3) !== 0 && i + 1 < len) {
      if (WINDOWS[buf[i]! | (buf[i + 1]! << 8)] === 1 && verify(buf, i, found, muted)) return true;
      i += 2;
    }
    words = Math.max(0, (len - i) >> 2);
  }
  if (words > 0) {
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const x = view[k]!;
      if ((WINDOWS[x & 0xffff]! | WINDOWS[x >>> 16]!) === 0) continue;
      const at = i + 4 * k;
      if (WINDOWS[x & 0xffff] === 1 && verify(buf, at, found, muted)) return true;
      if (WINDOWS[x >>> 16] === 1 && verify(buf, at + 2, found, muted)) return true;
    }
    i += 4 * words;
  }
  for (; i + 1 < len; i += 2)
    if (WINDOWS[buf[i]! | (buf[i + 1]! << 8)] === 1 && verify(buf, i, found, muted)) return true;
  return false;
}

/**
 * Same scan over UTF-16 code units; a unit above 0xff is in no keyword, so its window is empty.
 * Without `found` it stops at the first keyword; with it, it sets found[k] for every keyword
 * PREFILTER_KEYWORDS[k] present (and verifies no keyword already found).
 */
function scanString(text: string, found?: Uint8Array): boolean {
  unmute();
  const n = text.length - 1;
  for (let i = 0; i < n; i += 2) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    if ((a | b) > 0xff || WINDOWS[a | (b << 8)] === 0) continue;
    const list = ENTRIES[a | (b << 8)]!;
    for (let e = 0; e < list.length; e++) {
      const id = list[e]!;
      const k = ENTRY_KEYWORD[id]!;
      if (found?.[k] === 1) continue;
      const bytes = ENTRY_BYTES[id]!;
      const s = i - ENTRY_OFFSET[id]!;
      const m = bytes.length;
      if (s < 0 || s + m > text.length) continue;
      let j = 0;
      while (j < m && text.charCodeAt(s + j) === bytes[j]) j++;
      if (j < m) continue;
      if (!found) return true;
      found[k] = 1;
    }
  }
  return false;
}

/** The detectors that read some files by path (`Detector.paths`), whatever their content. */
const PATH_DETECTORS = DETECTORS.filter((d) => d.paths !== undefined);

/**
 * True for a file that is scanned whatever its content holds, because its path is the evidence
 * (the Upstash CLI's login file): the keyword gates let it through. One regex test per path.
 */
export function isCredentialFile(path: string): boolean {
  return PATH_DETECTORS.some((d) => d.paths!.test(path));
}

/**
 * Blobs larger than this are no file a detector reads by path: the CLI's login file is about 100
 * bytes (`{"email":…,"apiKey":…}`, or the same pretty-printed). A history scan that reads blobs
 * before it knows their paths asks for the paths of the small ones that pass `pathContent`.
 */
export const PATH_CONTENT_BYTES = 2 * 1024;
/** Per path-read detector, the tests of `mayBeReadByPath` (for a thread that applies them itself). */
export const PATH_CONTENT: readonly (readonly RegExp[])[] = PATH_DETECTORS.map(
  (d) => d.pathContent ?? [],
);

/**
 * False for content no path-read detector could report at its path (`Detector.pathContent`): what
 * a scan that does not know a blob's path yet uses to decide whether the path is worth finding.
 * Only blobs of at most PATH_CONTENT_BYTES qualify; the test reads their bytes as latin1.
 */
export function mayBeReadByPath(
  data: Uint8Array,
  tests: readonly (readonly RegExp[])[] = PATH_CONTENT,
): boolean {
  return matchesPathContent(data, tests, PATH_CONTENT_BYTES);
}

export function mayContainSecret(data: Uint8Array | string): boolean {
  if (typeof data === 'string') return TABLE_USABLE ? scanString(data) : COMBINED.test(data);
  if (TABLE_USABLE) return scanBytes(data);
  const buf = Buffer.isBuffer(data)
    ? data
    : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return COMBINED.test(buf.toString('latin1'));
}

/** Below this length a text is scanned as code units: encoding it would cost more than it saves. */
const LATIN1_FROM = 256;
/**
 * Texts are encoded for the scan into this buffer, reused (a new buffer per text was 70 MB of
 * garbage per pass over the redis-js history's gated blobs); it grows up to SCRATCH_MAX bytes,
 * longer texts get a buffer of their own.
 */
let scratch = Buffer.alloc(0);
const SCRATCH_MAX = 4 << 20;

/** The latin1 encoding of `text`, valid until the next call. */
function latin1Of(text: string): Uint8Array {
  if (text.length > SCRATCH_MAX) return Buffer.from(text, 'latin1');
  if (scratch.length < text.length)
    scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(text.length, 2 * scratch.length)));
  return scratch.subarray(0, scratch.write(text, 0, 'latin1'));
}
const KEYWORD_NUMBER = new Map(PREFILTER_KEYWORDS.map((k, i) => [k, i]));

/**
 * Which keywords occur in `text`, found in one pass of the window table instead of one
 * `includes` per keyword and detector (on a large text that passes the prefilter, those passes
 * were most of the cost of deciding which detectors to run). Every keyword, not only the minimal
 * ones, is in the table: an `includes` for `upstash.io` wherever `stash` occurs cost a third of
 * the time on keyword-dense texts. The answer is exact: `has(k)` is `text.includes(k)` for every
 * keyword, including ones outside PREFILTER_KEYWORDS.
 *
 * `latin1`, when the caller holds it, must be the text's latin1 encoding (`Buffer.from(text,
 * 'latin1')`, or the bytes of an ASCII file the text was decoded from): it saves encoding the text.
 */
export function keywordsIn(
  text: string,
  latin1?: Uint8Array,
  /**
   * The UTF-8 bytes the text was decoded from (no BOM), when the caller holds them (`latin1`, when
   * given too, is used instead). Every keyword
   * is ASCII, and in UTF-8 an ASCII byte is always that character (never part of a longer
   * sequence; an invalid sequence decodes to U+FFFD, never to nothing): the byte scan finds
   * exactly the text's keywords, with no confirmation. A text with characters above 0xff
   * otherwise confirmed each keyword asked with `includes` over the whole text (3% of a history
   * scan of documentation with emoji in every version of a 3 MB file).
   */
  utf8?: Uint8Array,
): { has(keyword: string): boolean } {
  if (!TABLE_USABLE) return { has: (k) => text.includes(k) };
  const found = new Uint8Array(PREFILTER_KEYWORDS.length);
  if (!latin1 && utf8) {
    scanBytes(utf8, found);
    return { has: (k) => exactHas(found, k, text) };
  }
  // Every keyword is printable ASCII, which latin1 keeps as is, so the byte scan (about 4x faster
  // than reading UTF-16 code units) finds exactly the keywords the text holds. A code unit above
  // 0xff becomes its low byte: that can add a keyword, never lose one, and `has` checks it below.
  const bytes = latin1 ?? (text.length >= LATIN1_FROM ? latin1Of(text) : undefined);
  if (bytes) scanBytes(bytes, found);
  else scanString(text, found);
  const scanned = bytes !== undefined;
  const memo = new Map<string, boolean>();
  // Confirms a keyword the latin1 bytes showed, once per keyword, only if the text has a code unit
  // above 0xff (checked once): an ASCII or latin1 text is its own latin1 encoding.
  let wide: boolean | undefined;
  return {
    has(k) {
      const number = KEYWORD_NUMBER.get(k);
      if (number !== undefined) {
        if (found[number] === 0) return false;
        wide ??= scanned && /[\u0100-\uffff]/.test(text);
        if (!wide) return true;
      }
      let r = memo.get(k);
      if (r === undefined) memo.set(k, (r = text.includes(k)));
      return r;
    },
  };
}

/** `has` from an exact scan: a keyword outside PREFILTER_KEYWORDS is looked for in the text. */
function exactHas(found: Uint8Array, k: string, text: string): boolean {
  const number = KEYWORD_NUMBER.get(k);
  return number !== undefined ? found[number] === 1 : text.includes(k);
}

/**
 * A test for "do these bytes hold one of `literals`" (each at least 3 printable ASCII bytes),
 * with the same table scan as the keywords: windows at even addresses, two per 32-bit load. The
 * loop finds the next window of the table and returns to the caller to verify it, so that it
 * makes no call and V8 keeps the table's address out of the loop, as it does for the keywords'
 * table, a module constant (a loop that called out to verify ran a third slower).
 */
export function createLiteralSearch(literals: readonly string[]): (bytes: Uint8Array) => boolean {
  if (!literals.every((k) => k.length >= 3 && /^[\x20-\x7e]+$/.test(k)))
    throw new Error('literals of 3 printable ASCII characters or more');
  const windows = new Uint8Array(65536);
  const entries = new Array<[Uint8Array, number][]>(65536);
  for (const k of new Set(literals)) {
    const bytes = Buffer.from(k, 'latin1');
    const j = windowOffset(k);
    for (const offset of [j, j + 1]) {
      const w = bytes[offset]! | (bytes[offset + 1]! << 8);
      windows[w] = 1;
      (entries[w] ??= []).push([bytes, offset]);
    }
  }
  return (buf) => {
    const len = buf.length;
    // The words: from the first 4-aligned address (little-endian machines only).
    const head = (4 - (buf.byteOffset & 3)) & 3;
    const count = LITTLE_ENDIAN && len >= head + 4 ? (len - head) >> 2 : 0;
    const words = count > 0 ? new Uint32Array(buf.buffer, buf.byteOffset + head, count) : NO_WORDS;
    const from = count > 0 ? head : len;
    const to = count > 0 ? head + 4 * count : len;
    for (
      let i = nextWindow(buf, words, from, to, buf.byteOffset & 1, windows);
      i >= 0;
      i = nextWindow(buf, words, from, to, i + 2, windows)
    ) {
      for (const [bytes, offset] of entries[buf[i]! | (buf[i + 1]! << 8)]!) {
        const s = i - offset;
        const m = bytes.length;
        if (s < 0 || s + m > len) continue;
        let j = 0;
        while (j < m && buf[s + j] === bytes[j]) j++;
        if (j === m) return true;
      }
    }
    return false;
  };
}

const NO_WORDS = new Uint32Array(0);

/**
 * The first position at or after `from` (at an even address) whose window is in `windows`, or -1.
 * `words` holds buf[head .. end) as 32-bit words; the positions outside are read byte by byte.
 */
function nextWindow(
  buf: Uint8Array,
  words: Uint32Array,
  head: number,
  end: number,
  from: number,
  windows: Uint8Array,
): number {
  const len = buf.length;
  let i = from;
  for (; i < head && i + 1 < len; i += 2) if (windows[buf[i]! | (buf[i + 1]! << 8)] === 1) return i;
  if (i < end) {
    let k = (i - head) >> 2;
    // The upper half of a word whose lower half was the last window returned.
    if (((i - head) & 3) === 2) {
      if (windows[words[k]! >>> 16] === 1) return i;
      k++;
    }
    for (; k < words.length; k++) {
      const x = words[k]!;
      if ((windows[x & 0xffff]! | windows[x >>> 16]!) === 0) continue;
      return windows[x & 0xffff] === 1 ? head + 4 * k : head + 4 * k + 2;
    }
    i = end;
  }
  for (; i + 1 < len; i += 2) if (windows[buf[i]! | (buf[i + 1]! << 8)] === 1) return i;
  return -1;
}
