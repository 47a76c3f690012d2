/**
 * Decoding layers: the same text as a reader of the file would see the value. Each layer keeps the
 * line structure, so a match's line number in a decoded view is its line in the file.
 */
import { base64Anchors } from '../detectors/base64-anchors.js';
import { createLiteralSearch, mayContainSecret, PREFILTER_KEYWORDS } from './prefilter.js';

/**
 * The layers' gates: is there an escape, a shell default, an ANSI code, a URL escape? Each was a
 * regular expression over the whole text (plus an `includes` first), about 0.5 ns a character
 * each, five to seven of them per text; here each is a loop over the occurrences of its first
 * character (`indexOf`, native) checking what follows by character classes. Each gate answers
 * exactly what its regular expression, kept next to it, would (tests compare them on random texts).
 */
const RUN_CHAR = 1; // [A-Za-z0-9_-]
const HEX = 2; // [0-9a-fA-F]
const DIGIT_SEMI = 4; // [0-9;]
const LETTER = 8; // [A-Za-z]
const IDENT_START = 16; // [A-Za-z_]
const IDENT = 32; // [A-Za-z0-9_]
const CLASSES = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const flags: [RegExp, number][] = [
    [/[A-Za-z0-9_-]/, RUN_CHAR],
    [/[0-9a-fA-F]/, HEX],
    [/[0-9;]/, DIGIT_SEMI],
    [/[A-Za-z]/, LETTER],
    [/[A-Za-z_]/, IDENT_START],
    [/[A-Za-z0-9_]/, IDENT],
  ];
  for (const [re, flag] of flags) if (re.test(ch)) CLASSES[c]! |= flag;
}

/** Is the character at `i` (none past the end) in the class? */
function is(text: string, i: number, flag: number): boolean {
  const c = text.charCodeAt(i);
  return c < 128 && (CLASSES[c]! & flag) !== 0;
}

/** `[A-Za-z0-9_-]{n}` at `i`. */
function runAt(text: string, i: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (!is(text, i + k, RUN_CHAR)) return false;
  return true;
}

/**
 * `\[[0-9;]{0,20}[A-Za-z][A-Za-z0-9_-]{20}` at `i`: the rest of an ANSI code glued to a run. The
 * digits are taken greedily and a letter must follow them; fewer digits would leave a digit where
 * the letter must be, so backtracking finds nothing more.
 */
function codeBeforeRun(text: string, i: number): boolean {
  if (text.charCodeAt(i) !== 0x5b) return false;
  let j = i + 1;
  while (j <= i + 21 && is(text, j, DIGIT_SEMI)) j++;
  return j <= i + 21 && is(text, j, LETTER) && runAt(text, j + 1, 20);
}

/**
 * For unescapeJsonMarked: whether some `\n`/`\r`/`\t` is followed by a long run (ESCAPE_BEFORE_RUN,
 * `/\\[nrt][A-Za-z0-9_-]{20}/`), and whether the text has any escape it rewrites (that, `\/`, or
 * `/\\u00[0-9a-fA-F]{2}/`).
 */
function jsonEscapes(text: string): { whitespace: boolean; any: boolean } {
  let any = false;
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i + 1)) {
    const c = text.charCodeAt(i + 1);
    if (c === 0x6e || c === 0x72 || c === 0x74) {
      if (runAt(text, i + 2, 20)) return { whitespace: true, any: true };
    } else if (c === 0x2f) any = true;
    else if (
      c === 0x75 &&
      text.charCodeAt(i + 2) === 0x30 &&
      text.charCodeAt(i + 3) === 0x30 &&
      is(text, i + 4, HEX) &&
      is(text, i + 5, HEX)
    )
      any = true;
  }
  return { whitespace: false, any };
}

/** WRITTEN_BEFORE_RUN: `/\\(?:u001[bB]|x1[bB]|033|e)\[[0-9;]{0,20}[A-Za-z][A-Za-z0-9_-]{20}/`. */
function writtenCodeBeforeRun(text: string): boolean {
  for (let i = text.indexOf('\\'); i >= 0; i = text.indexOf('\\', i + 1)) {
    const c = text.charCodeAt(i + 1);
    // The four spellings start with different characters: at most one applies.
    let code = -1;
    if (c === 0x75) {
      const b = text.charCodeAt(i + 5);
      if (text.startsWith('001', i + 2) && (b === 0x62 || b === 0x42)) code = i + 6;
    } else if (c === 0x78) {
      const b = text.charCodeAt(i + 3);
      if (text.charCodeAt(i + 2) === 0x31 && (b === 0x62 || b === 0x42)) code = i + 4;
    } else if (c === 0x30) {
      if (text.startsWith('33', i + 2)) code = i + 4;
    } else if (c === 0x65) code = i + 2;
    if (code >= 0 && codeBeforeRun(text, code)) return true;
  }
  return false;
}

/**
 * SHELL_DEFAULT: `/\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]/`. The name is taken whole and an operator
 * must follow it: a shorter name would leave a name character where the operator must be.
 */
function shellDefault(text: string): boolean {
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 1)) {
    if (!is(text, i + 2, IDENT_START)) continue;
    let j = i + 3;
    while (is(text, j, IDENT)) j++;
    if (text.charCodeAt(j) === 0x3a) j++;
    const op = text.charCodeAt(j);
    if (op === 0x2d || op === 0x3d) return true;
  }
  return false;
}

/** URL_ESCAPE: `/%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])/`. */
function urlEscape(text: string): boolean {
  for (let i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
    const a = text.charCodeAt(i + 1);
    const b = text.charCodeAt(i + 2);
    // A hex letter folded to lowercase: only A-F and a-f land on a-f.
    const lower = b | 0x20;
    if (a === 0x32 && is(text, i + 2, HEX)) return true;
    if (a === 0x33 && lower >= 0x61 && lower <= 0x66) return true;
    if ((a === 0x34 || a === 0x36) && b === 0x30) return true;
    if (a === 0x35 && lower >= 0x62 && lower <= 0x66) return true;
    if (a === 0x37 && lower >= 0x62 && lower <= 0x65) return true;
  }
  return false;
}

/**
 * JSON string escapes (`\/`, `\u003d`) as in vercel.json, .ipynb, serialized configs; and
 * `\n`/`\r`/`\t` glued to a value (`"…\nAYVP…"`: a serialized .env, a notebook output), which
 * would otherwise read as part of the value. Those become two characters (a CR and a space for a
 * line break, two spaces for a tab), so columns and line numbers stay put; they
 * are only rewritten when some escape is followed by a long run, so ordinary strings cost nothing.
 * With the layer, where it differs from the text (`MarkedText`).
 */
export function unescapeJsonMarked(text: string): MarkedText | null {
  const { whitespace, any } = jsonEscapes(text);
  if (!any) return null;
  let out = replaceMarked({ text, marks: [] }, /\\u00([0-9a-fA-F]{2})/g, (all, hex) => {
    const c = parseInt(hex!, 16);
    return c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : all;
  });
  out = replaceMarked(out, /\\\//g, () => '/');
  // A line break stays one for the assignment forms (a CR, which no line count sees): `TOKEN=\n`
  // then `NEXT=…` in a serialized .env is an empty value, not `NEXT=…` assigned to TOKEN.
  if (!whitespace) return out;
  out = replaceMarked(out, /(?<!\\)\\[nr]/g, () => '\r ');
  return replaceMarked(out, /(?<!\\)\\t/g, () => '  ');
}

/**
 * A decoding layer's text, and `marks`: the positions in it (ascending) where the decoding changed
 * something. Away from every mark, the layer reads as the text it was decoded from.
 */
export interface MarkedText {
  text: string;
  marks: number[];
}

/**
 * `src.text.replace(re, fn)` (`re` global), with the marks of `src` carried over to the new text
 * and one mark added at each match.
 */
function replaceMarked(
  src: MarkedText,
  re: RegExp,
  fn: (all: string, ...groups: (string | undefined)[]) => string,
): MarkedText {
  const { text, marks } = src;
  const pieces: string[] = [];
  const out: number[] = [];
  let from = 0;
  let length = 0;
  let p = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const all = m[0];
    const to = fn(all, ...m.slice(1));
    if (all.length === 0) {
      re.lastIndex++;
      continue;
    }
    // Marked even when left as it is (`\u0001`): the plain layer leaves a value cut by any such
    // escape to this layer (scan-text.ts, JSON_ESCAPE_AT), which must then read it.
    // Marks before this replacement move with the text before it; marks inside it land on it.
    for (; p < marks.length && marks[p]! < m.index; p++) out.push(marks[p]! - from + length);
    pieces.push(text.slice(from, m.index), to);
    length += m.index - from;
    for (; p < marks.length && marks[p]! < m.index + all.length; p++) out.push(length);
    out.push(length);
    length += to.length;
    from = m.index + all.length;
  }
  if (pieces.length === 0) return src;
  for (; p < marks.length; p++) out.push(marks[p]! - from + length);
  pieces.push(text.slice(from));
  return { text: pieces.join(''), marks: out };
}

/** Lines each side of a mark that `rangesAround` covers (the widest context a detector reads: 15). */
const RANGE_LINES = 16;
/** Characters each side of a mark that `rangesAround` covers (a detector reads up to 2,000 back). */
const RANGE_CHARS = 4096;

/**
 * Where a decoding layer must be scanned: around each mark, RANGE_LINES lines and RANGE_CHARS
 * characters each side (whichever reaches further), merged. Elsewhere a match and all the context
 * its detector reads are the same as in the text the layer was decoded from, which is scanned
 * anyway. Undefined when that is most of the layer: scan it whole.
 */
export function rangesAround(layer: MarkedText): [number, number][] | undefined {
  const { text, marks } = layer;
  if (marks.length * RANGE_CHARS * 2 > text.length) return undefined;
  const out: [number, number][] = [];
  let covered = 0;
  for (const m of marks) {
    const last = out[out.length - 1];
    const from = Math.min(lineStartAbove(text, m, RANGE_LINES), Math.max(0, m - RANGE_CHARS));
    const to = Math.max(lineEndBelow(text, m, RANGE_LINES), Math.min(text.length, m + RANGE_CHARS));
    if (last && from <= last[1]) {
      covered += Math.max(0, to - last[1]);
      last[1] = Math.max(last[1], to);
    } else {
      out.push([from, to]);
      covered += to - from;
    }
    if (covered * 2 > text.length) return undefined;
  }
  return out;
}

/** Start of the line `n` lines above the one holding `i`. */
function lineStartAbove(text: string, i: number, n: number): number {
  let at = i;
  for (let d = 0; d <= n; d++) {
    const nl = text.lastIndexOf('\n', at - 1);
    if (nl < 0) return 0;
    at = nl;
  }
  return at + 1;
}

/** End (after its line break) of the line `n` lines below the one holding `i`. */
function lineEndBelow(text: string, i: number, n: number): number {
  let at = i - 1;
  for (let d = 0; d <= n; d++) {
    const nl = text.indexOf('\n', at + 1);
    if (nl < 0) return text.length;
    at = nl;
  }
  return at + 1;
}

/**
 * Shell parameter defaults (`${UPSTASH_REDIS_REST_TOKEN:-AYVP…}`, `${X-…}`, `${X:=…}`), as in
 * docker-compose files and scripts: the operator glued to the value would read as part of it (a
 * leading `-`). It becomes `=` and spaces (`${X= AYVP…}`), so columns stay put and the value reads
 * as assigned to its variable, as it is when the variable is unset.
 */
export function shellDefaults(text: string): string | null {
  if (!shellDefault(text)) return null;
  return text.replace(
    SHELL_DEFAULTS,
    (all, name: string) => name + '=' + ' '.repeat(all.length - name.length - 1),
  );
}

const SHELL_DEFAULTS = /(\$\{[A-Za-z_][A-Za-z0-9_]*):?[-=]/g;

/**
 * ANSI colour codes around a value (CI logs, notebook outputs, `echo -e`): raw ESC, or written as
 * `\u001b` (JSON), `\x1b`, `\033`, `\e`. The code's final letter (`m`) would read as part of
 * the value and hide it. Codes become spaces, so columns stay put.
 */
export function stripAnsi(text: string): string | null {
  const raw = text.includes('\u001b') && RAW_BEFORE_RUN.test(text);
  if (!raw && !writtenCodeBeforeRun(text)) return null;
  return text.replace(ANSI, (code) => ' '.repeat(code.length));
}

// Only texts where a code is glued to a long run get the layer, so colour in code costs nothing.
// eslint-disable-next-line no-control-regex -- the ESC byte is exactly what is looked for
const RAW_BEFORE_RUN = /\u001b\[[0-9;]{0,20}[A-Za-z][A-Za-z0-9_-]{20}/;
// eslint-disable-next-line no-control-regex -- the ESC byte is exactly what is stripped
const ANSI = /(?:\u001b|\\(?:u001[bB]|x1[bB]|033|e))\[[0-9;]{0,20}[A-Za-z]/g;

/**
 * String literals joined by `+` (JS/TS, Python, Go, Java), PHP's `.` or Lua's `..`: `"<part>" +
 * "<part>"`, `'<part>' . '<part>'`, the operator at the end of a line (`"<part>" +` then
 * `"<part>"`, where a formatter or an author wraps a long token) or at the start of the next
 * (Java's `+ "<part>"`, PHP's `. '<part>'`). Each chain of two or more literals of
 * base64 characters that joins into at least a short token's length is written as one literal,
 * `"<joined>"`, then blanks and the chain's line breaks, to its length: every line, and every
 * column before the chain, stay put, and the value lands on the line of its first piece.
 * Null when there is no such chain. Only the token decoders read this layer (scan-text.ts): a
 * joined value is reported when its layout validates, never for its name or its entropy.
 * In Python (`path` ending .py, .pyi, .pyw) literals side by side are joined too, as Python
 * joins them: `("<part>"\n "<part>")`, the way black wraps a long string. Also where the path is
 * not known yet (a history scan reads blobs before their paths, and scans the ones that hit again
 * at each path): a blob read without its path would otherwise never hit, and never be read again.
 */
export function joinConcatenations(text: string, path = ''): string | null {
  const python = path === '' || PYTHON_PATH.test(path);
  if (!(python ? PY_CONCAT_GATE : CONCAT_GATE).test(text)) return null;
  let joined = false;
  const out = text.replace(python ? PY_CONCATENATION : CONCATENATION, (chain: string) => {
    const pieces = Array.from(chain.matchAll(PIECE), (p) => p[1]!);
    const value = pieces.join('');
    if (value.length < MIN_JOINED) return chain;
    joined = true;
    const q = chain[0]!;
    const breaks = chain.replace(/[^\n]/g, '');
    return q + value + q + ' '.repeat(chain.length - value.length - 2 - breaks.length) + breaks;
  });
  return joined ? out : null;
}

/** The shortest token a decoder reads (a Redis token's pattern: 38 characters). */
const MIN_JOINED = 38;
/**
 * A `+` beside a quote, or a `.`/`..` (on either line of a break) between a literal's last base64
 * character and the next one's first: `'.'`, `".."`, `'a'.length` and lines starting `.then(`
 * are everywhere in code and join nothing. Led by the quote, so the scan for it stays cheap.
 */
const CONCAT_GATE =
  /["'`](?:[ \t]?\+|(?<=[\w+/=-]["'])(?:[ \t]?\.\.?[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*\.\.?[ \t]?)["'][\w+/=-])|\+[ \t]?["'`]/;
/**
 * A literal of base64 characters, then one or more joined by `+`, `.` or `..` (same line or the
 * next). A `.` between two literals is PHP's (or Perl's) and `..` Lua's; no other language puts
 * them there, so no path check is needed.
 */
const CONCATENATION =
  /(["'`])[A-Za-z0-9+/_=-]{1,200}\1(?:(?:[ \t]?(?:\+|\.\.?)[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*(?:\+|\.\.?)[ \t]?)(["'`])[A-Za-z0-9+/_=-]{1,200}\2)+/g;
const PIECE = /["'`]([A-Za-z0-9+/_=-]+)["'`]/g;
const PYTHON_PATH = /\.py[iw]?$/i;
/** A `+`, or two literals side by side (blanks, one line break, a `\` continuation between). */
const PY_CONCAT_GATE =
  /["'](?:[ \t]*(?:\+|\\?\r?\n[ \t]*["']|["'])|(?<=[\w+/=-]["'])(?:[ \t]?\.\.?[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*\.\.?[ \t]?)["'][\w+/=-])|\+[ \t]?["']/;
const PY_CONCATENATION =
  /(["'])[A-Za-z0-9+/_=-]{1,200}\1(?:(?:[ \t]?(?:\+|\.\.?)[ \t]*(?:\r?\n[ \t]*)?|[ \t]*\r?\n[ \t]*(?:\+|\.\.?)[ \t]?|[ \t]*(?:\\?\r?\n[ \t]*)?)(["'])[A-Za-z0-9+/_=-]{1,200}\2)+/g;

/**
 * URL-encoded values: the punctuation a URL or form encoding escapes (`%3D` padding, `%2F`, `%40`
 * in URLs; `%22`/`%27` quotes, `%2C`, `%7B` of URL-encoded JSON in HAR files, logs, query strings).
 * Never `%0A`/`%0D`: the line structure stays. With the layer, where it differs from the text
 * (`MarkedText`).
 */
export function urlDecodeMarked(text: string): MarkedText | null {
  if (!urlEscape(text)) return null;
  return replaceMarked({ text, marks: [] }, URL_ESCAPES, (_, h) =>
    String.fromCharCode(parseInt(h!, 16)),
  );
}

const URL_ESCAPES = /%(2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])/g;

/** The gates, for tests to compare with the regular expressions they replace. */
export const layerGates = { jsonEscapes, writtenCodeBeforeRun, shellDefault, urlEscape };

export interface WrappedValue {
  /** Index in the text of the base64 run. */
  index: number;
  /** Index after the run and its `=` padding. */
  end: number;
  decoded: string;
}

/** 1: a base64 character [A-Za-z0-9+/]; 2: '=' padding; 0: any other byte. */
const B64 = new Uint8Array(256);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/]/.test(ch)) B64[c] = 1;
}
B64[61] = 2;

/** The shortest run base64Runs reports. */
const MIN_RUN = 24;

/**
 * Runs that the regex `(?<![A-Za-z0-9+/=])([A-Za-z0-9+/]{24,}={0,2})(?![A-Za-z0-9+/=])` matches:
 * a maximal run of base64 characters, not preceded by one of them or '=', at least 24 long,
 * followed by at most two '=' and then neither. The regex, with its lookbehind tried at every
 * position, was the largest cost of scanning a large text; a loop over every character still cost
 * 4 ns a character on keyword-dense histories. Any 24 consecutive positions hold exactly one
 * multiple of 24, so only those are looked at: a base64 character there is grown into its maximal
 * run, anything else rules out every run through it. Source code, whose identifiers are shorter
 * than 24, is then mostly skipped; dense base64 is read once, as before.
 */
export function base64Runs(text: string): { index: number; run: string }[] {
  const spans = base64Spans(base64Bytes(text));
  const out: { index: number; run: string }[] = [];
  for (let k = 0; k < spans.length; k += 2)
    out.push({ index: spans[k]!, run: text.slice(spans[k]!, spans[k + 1]) });
  return out;
}

/** Reused for base64Bytes (see keywordsIn's); up to SCRATCH_MAX bytes are kept. */
let scratch = Buffer.alloc(0);
const SCRATCH_MAX = 4 << 20;

/**
 * The text as one byte per character for the run scan, valid until the next call: its latin1
 * encoding, where a character above 0xff (which latin1 would cut to its low byte, perhaps a base64
 * letter) becomes 0x80, which is no base64 character, as the character itself is not. Reading
 * bytes instead of characters made the scan a fifth cheaper.
 */
function base64Bytes(text: string): Uint8Array {
  let bytes: Buffer;
  if (text.length > SCRATCH_MAX) bytes = Buffer.from(text, 'latin1');
  else {
    if (scratch.length < text.length)
      scratch = Buffer.allocUnsafe(
        Math.min(SCRATCH_MAX, Math.max(text.length, 2 * scratch.length)),
      );
    bytes = scratch.subarray(0, scratch.write(text, 0, 'latin1'));
  }
  WIDE.lastIndex = 0;
  for (let m = WIDE.exec(text); m; m = WIDE.exec(text)) bytes[m.index] = 0x80;
  return bytes;
}

const WIDE = /[\u0100-\uffff]/g;

/** The runs of base64Runs, in the bytes of base64Bytes, as [start, end, start, end, …]. */
function base64Spans(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const n = bytes.length;
  // Positions before `from` belong to a run already grown (or to its '=' tail).
  let from = 0;
  for (let probe = MIN_RUN - 1; probe < n; probe += MIN_RUN) {
    if (probe < from || B64[bytes[probe]!] !== 1) continue;
    let start = probe;
    while (start > from && B64[bytes[start - 1]!] === 1) start--;
    let i = probe + 1;
    while (i < n && B64[bytes[i]!] === 1) i++;
    from = i;
    // A run that a probe reaches only from its end can start right after the previous run's
    // '=' or base64 character: the lookbehind then rejects it, as the regex would.
    if ((start > 0 && B64[bytes[start - 1]!] !== 0) || i - start < MIN_RUN) continue;
    let end = i;
    while (end < n && end - i < 3 && bytes[end] === 61) end++;
    if (end - i <= 2 && (end === n || B64[bytes[end]!] === 0)) out.push(start, end);
  }
  return out;
}

/**
 * Base64-wrapped values (Kubernetes Secret `data:`, base64 config blobs): decoded runs that are
 * printable text and pass the prefilter. `latin1`, when the caller holds it, is the text as bytes,
 * one per character (every character below 0x100).
 */
export function base64Wrapped(
  text: string,
  latin1?: Uint8Array,
  opts: { everyValue?: boolean } = {},
): WrappedValue[] {
  const out: WrappedValue[] = [];
  const bytes = latin1 ?? base64Bytes(text);
  if (!opts.everyValue && !holdsAnchor(bytes)) return out;
  const spans = base64Spans(bytes);
  for (let k = 0; k < spans.length; k += 2) {
    const index = spans[k]!;
    const end = spans[k + 1]!;
    if ((end - index) % 4 === 1) continue;
    // Subresource-integrity digests (lockfiles, HTML) are hashes, never wrapped values.
    if (
      index > 0 &&
      bytes[index - 1] === 0x2d &&
      /sha(1|256|384|512)-$/.test(text.slice(Math.max(0, index - 7), index))
    )
      continue;
    // Most runs are binary (images, keys, hashes, random ids): a byte isPrintable rejects comes
    // within the first few quanta, found here without a string or a buffer per run.
    if (!quantaPrintable(bytes, index, end)) continue;
    const run = text.slice(index, end);
    const buf = Buffer.from(run, 'base64');
    if (buf.length < 16 || !isPrintable(buf)) continue;
    const decoded = buf.toString('utf8');
    if (mayContainSecret(decoded) || (opts.everyValue && oneLine(decoded) !== null))
      out.push({ index, end, decoded });
  }
  return out;
}

/** A stretch of the text with its one-line wrapped values decoded in place; `from` is its offset. */
export interface WrappedWindow {
  from: number;
  text: string;
}

/**
 * Lines and characters of surroundings kept around a wrapped value (its name, nearby hosts): the
 * lines the detectors read, and more than the pipeline's context cut (600 characters).
 */
const WINDOW_LINES = 5;
const WINDOW_CHARS = 800;

/**
 * The stretches of the text around its one-line wrapped values, each value decoded in place and
 * padded with spaces to its run's length, so that a position in a window is the same position in
 * the text (lines and columns stay put). A value read in place keeps its surroundings: the name it
 * is assigned to (`UPSTASH_KAFKA_REST_PASSWORD: <base64>`), the hosts on the lines around it
 * (themselves decoded), what the file is. Only the stretches are rescanned, not the whole text: a
 * bundle with hundreds of inline source maps would otherwise be scanned twice. Values of several
 * lines (a whole .env) carry their own names and are scanned on their own.
 */
export function wrappedWindows(text: string, wrapped: readonly WrappedValue[]): WrappedWindow[] {
  const spans: {
    from: number;
    to: number;
    runs: { index: number; end: number; value: string }[];
  }[] = [];
  for (const w of wrapped) {
    const value = oneLine(w.decoded);
    if (value === null) continue;
    const end = w.end;
    // From the start of the line WINDOW_LINES above to the end of the line WINDOW_LINES below,
    // at most WINDOW_CHARS each side (searched within those bounds: a minified bundle's one line
    // of megabytes is not walked once per value).
    const lo = Math.max(0, w.index - WINDOW_CHARS);
    const head = text.slice(lo, w.index);
    let from = lo;
    let cut = head.length;
    for (let k = 0; k <= WINDOW_LINES && cut > 0; k++) {
      const nl = head.lastIndexOf('\n', cut - 1);
      if (nl < 0) break;
      from = lo + nl + 1;
      cut = nl;
    }
    const hi = Math.min(text.length, end + WINDOW_CHARS);
    const tail = text.slice(end, hi);
    let to = hi;
    for (let k = 0, at = -1; k <= WINDOW_LINES; k++) {
      const nl = tail.indexOf('\n', at + 1);
      if (nl < 0) break;
      to = end + nl;
      at = nl;
    }
    const run = { index: w.index, end, value };
    const last = spans[spans.length - 1];
    if (last && from <= last.to) {
      last.to = Math.max(last.to, to);
      last.runs.push(run);
    } else spans.push({ from, to, runs: [run] });
  }
  return spans.map(({ from, to, runs }) => {
    let out = '';
    let at = from;
    for (const r of runs) {
      out += text.slice(at, r.index) + r.value.padEnd(r.end - r.index, ' ');
      at = r.end;
    }
    return { from, text: out + text.slice(at, to) };
  });
}

/**
 * A wrapped value as one line, or null if it has several. One trailing newline is dropped:
 * `echo "$TOKEN" | base64`, the usual way a Secret's value is made, encodes one.
 */
export function oneLine(decoded: string): string | null {
  const value = decoded.replace(/\r?\n$/, '');
  return /[\n\r]/.test(value) ? null : value;
}

/**
 * A Kubernetes Secret (YAML or JSON): its `data:` values are base64 of the secret values, whatever
 * they are. Every one-line value is decoded, not only those holding a keyword: a management key,
 * a legacy TCP password or a Kafka password holds none, and its name and host are outside it.
 */
export function isKubernetesSecret(text: string): boolean {
  return text.includes('Secret') && /(?:^|\n)\s*["']?kind["']?\s*:\s*["']?Secret\b/.test(text);
}

/**
 * A run is kept only if its decoded text holds a keyword. A keyword is ASCII, and UTF-8 decoding
 * keeps ASCII bytes as they are and makes no ASCII out of other bytes, so its bytes are in the
 * run's decoded bytes, at some offset: the run then holds the keyword's base64 anchor for that
 * offset modulo 3 (base64Anchors: the characters that only the keyword's bits determine, which
 * any decoder reads back as exactly those bits). A text without any anchor has no run to keep,
 * and most texts have none (3,419 of the 3,473 gated texts of redis-js, 1,998 of renovate's
 * 2,001): their runs are not looked for at all.
 */
const holdsAnchor = createLiteralSearch(PREFILTER_KEYWORDS.flatMap((k) => base64Anchors(k)));

/** The value of each base64 character, 255 for any other byte ('=' included). */
const B64_VALUE = new Uint8Array(256).fill(255);
for (let v = 0; v < 64; v++)
  B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(v)] = v;

/** 1 for the bytes isPrintable rejects. */
const UNPRINTABLE = new Uint8Array(256);
for (let b = 0; b < 256; b++)
  UNPRINTABLE[b] = b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f ? 1 : 0;

/**
 * False when a whole quantum (4 base64 characters, 3 bytes) of the run at [start, end) decodes to
 * a byte isPrintable rejects; stops at the first character that is not base64 ('=' padding).
 * Those bytes are the first bytes of `Buffer.from(run, 'base64')` whatever the run's tail, so a
 * false here is a run base64Wrapped would reject after decoding it whole: this only decides the
 * same thing sooner (and decides nothing on a run it returns true for).
 */
function quantaPrintable(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i + 4 <= end; i += 4) {
    const a = B64_VALUE[bytes[i]!]!;
    const b = B64_VALUE[bytes[i + 1]!]!;
    const c = B64_VALUE[bytes[i + 2]!]!;
    const d = B64_VALUE[bytes[i + 3]!]!;
    if ((a | b | c | d) === 255) return true;
    if (
      UNPRINTABLE[(a << 2) | (b >> 4)]! |
      UNPRINTABLE[((b & 15) << 4) | (c >> 2)]! |
      UNPRINTABLE[((c & 3) << 6) | d]!
    )
      return false;
  }
  return true;
}

function isPrintable(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (UNPRINTABLE[buf[i]!] === 1) return false;
  return true;
}
