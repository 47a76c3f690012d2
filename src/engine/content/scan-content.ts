/**
 * File or blob bytes → hits, for every scan mode: UTF-8 (BOM dropped), UTF-16 LE/BE (decoded),
 * binary (printable runs, see strings.ts). Content larger than one window is scanned in bounded,
 * overlapping windows (WindowedScanner), so no size up to the hard cap is skipped and memory per
 * file stays at about one window.
 */
import { isAscii } from 'node:buffer';
import {
  isCredentialFile,
  mayContainSecret,
  scanText,
  type Fragment,
  type Hit,
} from '../../core/index.js';
import { sniffEncoding, SNIFF_BYTES, type ContentEncoding, type Sniffed } from './sniff.js';
import { lineLocator, printableRuns } from './strings.js';

/** Commit, author and date of the content, for range and staged scans. */
export type FragmentMeta = Pick<Fragment, 'commit' | 'author' | 'date'>;

/** A cheap necessary condition on raw bytes (UTF-8 and binary content): no keyword, no scan. */
export type ByteGate = (bytes: Uint8Array) => boolean;

/** Where a window starts in its file. */
export interface Origin {
  /** Byte offset. */
  offset: number;
  /** 1-based line. */
  line: number;
  /** Characters (code units; bytes for binary) between that line's start and the window. */
  column0: number;
}

export interface ScanContentOptions {
  path: string;
  meta?: FragmentMeta;
  /** Whole-window gate (default mayContainSecret). */
  gate?: ByteGate;
  /** Exact keyword test for blocks of binary content (default: `gate`, or mayContainSecret). */
  runGate?: ByteGate;
}

const WHOLE: Origin = { offset: 0, line: 1, column0: 0 };
const always: ByteGate = () => true;

/** Scans content held whole. `sniffed` may be passed when the caller already looked. */
export function scanContent(data: Buffer, opts: ScanContentOptions, sniffed?: Sniffed): Hit[] {
  const s = sniffed ?? sniffEncoding(data.subarray(0, SNIFF_BYTES));
  return scanWindow(data.subarray(s.bom), s.encoding, WHOLE, opts, 0, Infinity);
}

/**
 * Scans one window of content whose first byte is at `origin` and keeps the hits that start at an
 * absolute byte offset in [ownFrom, ownTo): each hit of a windowed file is kept by exactly one
 * window, the one that holds it with its context.
 */
function scanWindow(
  data: Buffer,
  encoding: ContentEncoding,
  origin: Origin,
  opts: ScanContentOptions,
  ownFrom: number,
  ownTo: number,
): Hit[] {
  // A file read by its path (the Upstash CLI's login file) holds no keyword: no gate for it.
  const byPath = isCredentialFile(opts.path);
  const gate = byPath ? always : (opts.gate ?? mayContainSecret);
  const whole = ownFrom <= origin.offset && ownTo === Infinity;
  if (encoding === 'binary') {
    if (!gate(data)) return [];
    const { text, bytes, offsets } = printableRuns(data, opts.runGate ?? gate);
    const hits: Hit[] = [];
    const lineAt = lineLocator(data);
    for (const h of scanText({ path: opts.path, text, ...opts.meta }, { latin1: bytes })) {
      const runOffset = offsets[h.occurrence.line - 1];
      if (runOffset === undefined) continue;
      const col = h.occurrence.column ?? 1;
      const offset = origin.offset + runOffset + col - 1;
      if (offset < ownFrom || offset >= ownTo) continue;
      const { line, column0 } = lineAt(runOffset);
      hits.push(
        at(h, origin.line + line, (line === 0 ? origin.column0 : 0) + column0 + col, offset),
      );
    }
    return hits;
  }
  let text: string;
  let unit = 1;
  // An ASCII file is its text's latin1 encoding: the keyword scan reads it instead of a copy.
  let latin1: Buffer | undefined;
  if (encoding === 'utf8') {
    if (!gate(data)) return [];
    // ASCII decodes to the same string as latin1, and latin1 is a copy: 3x faster than UTF-8.
    if (isAscii(data)) {
      latin1 = data;
      text = data.toString('latin1');
    } else text = data.toString('utf8');
  } else {
    unit = 2;
    const even = data.subarray(0, data.length & ~1);
    text = (encoding === 'utf16be' ? Buffer.from(even).swap16() : even).toString('utf16le');
    if (!byPath && !mayContainSecret(text)) return [];
  }
  const found = scanText(
    { path: opts.path, text, ...opts.meta },
    latin1 ? { latin1 } : encoding === 'utf8' ? { utf8: data } : {},
  );
  if (found.length === 0) return [];
  const starts = whole ? [] : lineStarts(text);
  const hits: Hit[] = [];
  for (const h of found) {
    const line = h.occurrence.line;
    const col = h.occurrence.column ?? 1;
    if (!whole) {
      const pos = (starts[line - 1] ?? 0) + col - 1;
      const bytes = unit === 2 ? pos * 2 : Buffer.byteLength(text.slice(0, pos));
      const offset = origin.offset + bytes;
      if (offset < ownFrom || offset >= ownTo) continue;
    }
    hits.push(
      origin === WHOLE ? h : at(h, origin.line + line - 1, (line === 1 ? origin.column0 : 0) + col),
    );
  }
  return hits;
}

function at(h: Hit, line: number, column: number, offset?: number): Hit {
  return {
    ...h,
    occurrence: { ...h.occurrence, line, column, ...(offset !== undefined ? { offset } : {}) },
  };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Window size for a given maxFileSize: never below MIN_WINDOW, so the overlap stays meaningful. */
export const MIN_WINDOW = 64 * 1024;
/** Bytes each window shares with the next: far longer than any credential and its context. */
export const OVERLAP = 16 * 1024;

/**
 * Scans content that arrives in chunks and may be larger than memory should hold: windows of
 * `window` bytes that overlap by OVERLAP, cut at line starts where a line ends near the cut (so
 * line numbers and context stay exact), mid-line otherwise (a minified bundle).
 */
export class WindowedScanner {
  readonly hits: Hit[] = [];
  private chunks: Buffer[] = [];
  private len = 0;
  /** Absolute offset of the first buffered byte. */
  private start = 0;
  private line = 1;
  private column0 = 0;
  private ownFrom = 0;
  private sniffed: Sniffed | undefined;
  private readonly window: number;

  constructor(
    private readonly opts: ScanContentOptions,
    window: number,
  ) {
    this.window = Math.max(window, MIN_WINDOW);
  }

  /** `chunk` is kept until scanned: pass a buffer that is not reused. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.len += chunk.length;
    while (this.len >= this.window) this.step(false);
  }

  /** How the content is read, once its first bytes arrived. */
  get encoding(): ContentEncoding | undefined {
    return this.sniffed?.encoding;
  }

  end(): Hit[] {
    if (this.len > 0 || !this.sniffed) this.step(true);
    return this.hits;
  }

  private step(final: boolean): void {
    let data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    if (!this.sniffed) {
      this.sniffed = sniffEncoding(data.subarray(0, SNIFF_BYTES));
      data = data.subarray(this.sniffed.bom);
      this.start = this.ownFrom = this.sniffed.bom;
    }
    const { encoding } = this.sniffed;
    const unit = encoding === 'utf16le' || encoding === 'utf16be' ? 2 : 1;
    const origin = { offset: this.start, line: this.line, column0: this.column0 };
    if (final) {
      this.hits.push(...scanWindow(data, encoding, origin, this.opts, this.ownFrom, Infinity));
      this.chunks = [];
      this.len = 0;
      return;
    }
    const w = this.window;
    // The cut: just after a line end in [w - 2·OVERLAP, w - OVERLAP) if there is one.
    let cut = findLf(data, w - 2 * OVERLAP, w - OVERLAP, encoding);
    cut = cut >= 0 ? cut + unit : align(data, w - OVERLAP, encoding);
    this.hits.push(
      ...scanWindow(
        data.subarray(0, w),
        encoding,
        origin,
        this.opts,
        this.ownFrom,
        this.start + cut,
      ),
    );
    // The next window starts at a line start up to OVERLAP before the cut (context for the lines
    // after it), or OVERLAP before it mid-line.
    const lf = findLf(data, cut - OVERLAP, cut, encoding);
    const next = lf >= 0 ? lf + unit : align(data, cut - OVERLAP, encoding);
    let lines = 0;
    let lastLf = -1;
    for (
      let i = findLf(data, 0, next, encoding);
      i >= 0;
      i = findLf(data, i + unit, next, encoding)
    ) {
      lines++;
      lastLf = i;
    }
    this.line += lines;
    this.column0 = lastLf >= 0 ? (next - lastLf - unit) / unit : this.column0 + next / unit;
    this.ownFrom = this.start + cut;
    this.start += next;
    const rest = data.subarray(next);
    this.chunks = [rest];
    this.len = rest.length;
  }
}

/** First line feed at [from, to), code-unit aligned for UTF-16; -1 if none. */
function findLf(data: Buffer, from: number, to: number, encoding: ContentEncoding): number {
  from = Math.max(0, from);
  if (encoding !== 'utf16le' && encoding !== 'utf16be') {
    const i = data.indexOf(0x0a, from);
    return i >= 0 && i < to ? i : -1;
  }
  const lf = encoding === 'utf16le' ? LF_LE : LF_BE;
  for (let i = data.indexOf(lf, from + (from & 1)); i >= 0 && i < to; i = data.indexOf(lf, i + 1))
    if ((i & 1) === 0) return i;
  return -1;
}

const LF_LE = Buffer.from([0x0a, 0x00]);
const LF_BE = Buffer.from([0x00, 0x0a]);

/** A position at or after `pos` that does not split a character (UTF-8) or code unit (UTF-16). */
function align(data: Buffer, pos: number, encoding: ContentEncoding): number {
  pos = Math.max(0, pos);
  if (encoding === 'utf16le' || encoding === 'utf16be') return pos + (pos & 1);
  if (encoding === 'utf8') while (pos < data.length && (data[pos]! & 0xc0) === 0x80) pos++;
  return pos;
}
