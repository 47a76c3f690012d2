/**
 * scanText: one fragment of text in, hits out. Runs only the detectors whose keywords occur, in
 * each decoding layer of the text, and drops fallback hits on spans a specific detector claimed.
 */
import { qstashTokenDetector } from '../detectors/qstash-token.js';
import { redisTokenDetector } from '../detectors/redis-token.js';
import { DETECTORS, FALLBACK_DETECTOR_ID } from '../detectors/registry.js';
import { vectorTokenDetector } from '../detectors/vector-token.js';
import type { Candidate, Detector, Fragment, Hit, MatchContext } from '../types.js';
import {
  docsExampleLines,
  exposureOf,
  INLINE_ALLOW,
  isSealedSecret,
  keyBefore,
} from './context.js';
import {
  base64Wrapped,
  isKubernetesSecret,
  joinConcatenations,
  wrappedWindows,
  oneLine,
  shellDefaults,
  stripAnsi,
  rangesAround,
  unescapeJsonMarked,
  urlDecodeMarked,
} from './layers.js';
import { keywordsIn } from './prefilter.js';

export interface ScanTextOptions {
  detectors?: readonly Detector[];
  /**
   * The fragment's text as bytes, one per character, when the caller holds them: every character
   * is below 0x100 and is its byte (the bytes of an ASCII file the text was decoded from, or of
   * printable runs). Saves encoding the text to find its keywords and base64 runs.
   */
  latin1?: Uint8Array;
  /** The UTF-8 bytes the text was decoded from, BOM dropped (for its keywords: prefilter.ts). */
  utf8?: Uint8Array;
  /** Read the escape-decoding layers whole, not around their escapes (tests compare the two). */
  wholeLayers?: boolean;
}

/** The escapes the JSON and URL layers decode (layers.ts: unescapeJsonMarked, urlDecodeMarked), at a position. */
const JSON_ESCAPE_AT = /^\\(?:\/|u00[2-7][0-9a-fA-F])/;
const URL_ESCAPE_AT = /^%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])/;

/**
 * The detectors that read joined string literals: the ones whose values validate by their layout
 * (Redis, Vector/Search, QStash tokens). A name-gated detector would take any joined text for a value.
 */
const JOINED_LAYER_DETECTORS = new Set([
  redisTokenDetector.id,
  vectorTokenDetector.id,
  qstashTokenDetector.id,
]);

/** Context is cut to this many characters each side, so minified one-line bundles stay cheap. */
const CONTEXT_CHARS = 600;

interface RawHit {
  detectorId: string;
  start: number;
  end: number;
  candidate: Candidate;
  /** 0-based line of the match in the fragment (layers keep the line structure). */
  lineIdx: number;
  column: number;
  key: string | undefined;
  layer: string;
}

export function scanText(fragment: Fragment, opts: ScanTextOptions = {}): Hit[] {
  const detectors = opts.detectors ?? DETECTORS;
  const text = fragment.text;
  // Bytes of another length are not this text's: they are not used.
  const latin1 = opts.latin1?.length === text.length ? opts.latin1 : undefined;
  const raw: RawHit[] = [];
  const layers: {
    name: string;
    text: string;
    detectors?: readonly Detector[];
    /** Where the layer differs from the text it was decoded from (layers.ts, rangesAround). */
    ranges?: [number, number][] | undefined;
  }[] = [{ name: 'plain', text }];
  // The escape-decoding layers are read only around their escapes: elsewhere they are the text
  // they were decoded from. A 3 MB documentation page with 35 `%20` in its links was read twice
  // whole, a third of a history scan of upstash/docs.
  const around = opts.wholeLayers ? () => undefined : rangesAround;
  const jsonMarked = unescapeJsonMarked(text);
  const json = jsonMarked?.text ?? null;
  if (jsonMarked) layers.push({ name: 'json', text: jsonMarked.text, ranges: around(jsonMarked) });
  const urlMarked = urlDecodeMarked(json ?? text);
  const url = urlMarked?.text ?? null;
  if (urlMarked) layers.push({ name: 'url', text: urlMarked.text, ranges: around(urlMarked) });
  const shell = shellDefaults(text);
  if (shell !== null) layers.push({ name: 'shell', text: shell });
  const ansi = stripAnsi(text);
  if (ansi !== null) layers.push({ name: 'ansi', text: ansi });
  // Literals joined by `+` (in Python, also side by side): read by the token decoders only
  // (layers.ts, joinConcatenations).
  const joined = joinConcatenations(text, fragment.path);
  if (joined !== null)
    layers.push({
      name: 'joined',
      text: joined,
      detectors: detectors.filter((d) => JOINED_LAYER_DETECTORS.has(d.id)),
    });
  // Base64-wrapped values (Kubernetes Secret `data:`, config blobs): one-line values decoded in
  // place, as a layer of their own; values of several lines are scanned on their own below. In a
  // Secret, and beside the Developer API (`Authorization: Basic <email:key>`), every one-line
  // value is decoded: a management key or a legacy password holds no keyword.
  const present = keywordsIn(text, latin1, opts.utf8);
  // The text's line starts, computed once if at all: the plain layer, the wrapped windows and the
  // hits all read them (three computations of a 3 MB text's were 11% of a keyword-dense scan).
  const plainStarts = lazyLineStarts(text);
  const wrapped = base64Wrapped(text, latin1, {
    everyValue:
      ((present.has('kind: Secret') || present.has('"kind": "Secret"')) &&
        isKubernetesSecret(text)) ||
      present.has('api.upstash.com'),
  });

  for (const layer of layers) {
    const starts = layer.text === text ? plainStarts : lazyLineStarts(layer.text);
    const idx = (i: number): number => lineOf(starts(), i);
    const bytes = layer.text === text ? latin1 : undefined;
    // A value that goes on in an escape (`…fw\u003d\u003d`, `…%3D`) is read whole by the layer
    // that decodes it: read here, it would be a second, cut credential.
    const cut =
      layer.name === 'plain'
        ? (at: number) =>
            (json !== null && JSON_ESCAPE_AT.test(text.slice(at, at + 6))) ||
            (url !== null && URL_ESCAPE_AT.test(text.slice(at, at + 3)))
        : layer.name === 'json' && url !== null
          ? (at: number) => URL_ESCAPE_AT.test(layer.text.slice(at, at + 3))
          : undefined;
    const found = layer.text === text ? present : undefined;
    matchLayer(
      layer.text,
      layer.name,
      fragment.path,
      layer.detectors ?? detectors,
      raw,
      idx,
      starts,
      bytes,
      cut,
      found,
      layer.ranges,
    );
  }
  // One-line wrapped values, read in place within the stretch around them.
  const starts = plainStarts;
  for (const win of wrappedWindows(text, wrapped)) {
    // Line starts in the window's coordinates (the first may be before it: negative).
    const local = (): number[] => {
      const all = starts();
      const first = lineOf(all, win.from);
      const out: number[] = [];
      for (let l = first; l < all.length && all[l]! < win.from + win.text.length; l++)
        out.push(all[l]! - win.from);
      return out;
    };
    let localStarts: number[] | undefined;
    matchLayer(
      win.text,
      `base64@${win.from}`,
      fragment.path,
      detectors,
      raw,
      (i) => lineOf(starts(), win.from + i),
      () => (localStarts ??= local()),
    );
  }
  // Wrapped values of several lines: scan the decoded text, report at the line of the run.
  for (const w of wrapped) {
    if (oneLine(w.decoded) !== null) continue;
    const before: RawHit[] = [];
    matchLayer(
      w.decoded,
      'base64',
      fragment.path,
      detectors,
      before,
      () => lineOf(starts(), w.index),
      lazyLineStarts(w.decoded),
    );
    for (const h of before)
      raw.push({ ...h, key: h.key ?? keyBefore(lineAround(text, w.index).before, undefined) });
  }
  // A SealedSecret's values are encrypted for the cluster: safe to commit, and random-looking, so
  // only the name-based fallback could take them for credentials. Decoded tokens still count.
  const sealed = raw.some((h) => h.detectorId === FALLBACK_DETECTOR_ID) && isSealedSecret(text);
  const kept = sealed ? raw.filter((h) => h.detectorId !== FALLBACK_DETECTOR_ID) : raw;
  return toHits(fragment, resolveOverlaps(kept), plainStarts);
}

function matchLayer(
  text: string,
  layer: string,
  path: string,
  detectors: readonly Detector[],
  out: RawHit[],
  lineIdxOf: (i: number) => number,
  layerStarts: () => number[],
  latin1?: Uint8Array,
  cutByEscape?: (end: number) => boolean,
  keywords?: { has(keyword: string): boolean },
  ranges?: readonly (readonly [number, number])[],
): void {
  const present = keywords ?? keywordsIn(text, latin1);
  for (const d of detectors) {
    if (!d.keywords.some((k) => present.has(k)) && !d.paths?.test(path)) continue;
    const matches = detectorMatches(d, text, ranges);
    // A rejected candidate must not hide one that starts inside it: `NAME: process.env.NAME ??
    // "<value>"` first matches the reference, and the real value's name is within that match.
    let rejected = false;
    for (let r = matches.next(); !r.done; r = matches.next(rejected)) {
      const m = r.value;
      rejected = true;
      const value = m.groups?.value ?? m[1] ?? m[0];
      const start = m.index + Math.max(0, m[0].indexOf(value));
      if (cutByEscape?.(start + value.length)) continue;
      const { line, before, after, previous } = lineAround(text, start);
      // The key is read only if the detector asks for it or the hit is kept: most candidates
      // (base64 runs in bundles) are rejected on their own, and reading the key costs more.
      let memo: string | undefined | null = null;
      const keyOf = (): string | undefined =>
        (memo === null
          ? (memo = keyBefore(before, previous, () => linesAbove(text, start)))
          : memo) || undefined;
      const ctx: MatchContext = {
        line,
        before,
        after,
        path,
        text,
        index: start,
        get key() {
          return keyOf();
        },
      };
      const candidate = d.validate(m, ctx);
      if (!candidate) continue;
      rejected = false;
      const starts = layerStarts();
      const lineStart = starts[lineOf(starts, start)]!;
      out.push({
        detectorId: d.id,
        start,
        end: start + value.length,
        candidate,
        lineIdx: lineIdxOf(start),
        column: start - lineStart + 1,
        key: keyOf(),
        layer,
      });
    }
  }
}

/**
 * Every match of the detector's pattern, leftmost first and not overlapping, as a global regex
 * finds them. With an anchor, the pattern is tried (sticky) only at each occurrence of the literal
 * minus its offset: every match starts at such a place, and trying them in order finds the same
 * leftmost match the global scan would. `next(true)` says the last match was rejected: the search
 * then resumes right after its start instead of after its end.
 */
export function* detectorMatches(
  d: Detector,
  text: string,
  /**
   * Only matches that start in these ranges (ascending, disjoint), as a scan of the whole text
   * finds them there: each range is searched in a slice of the text that reaches RANGE_BEFORE
   * characters before it (what look-behinds and a match begun earlier see) and RANGE_AFTER after
   * it (where a match begun in it may end), so no search runs on to the end of the text. A match
   * found before the range is taken for rejected (the search resumes right after its start).
   */
  ranges?: readonly (readonly [number, number])[],
): Generator<RegExpExecArray, void, boolean | undefined> {
  if (ranges) {
    let floor = 0;
    for (const [a, b] of ranges) {
      const s = Math.max(0, a - RANGE_BEFORE);
      const inner = detectorMatches(d, text.slice(s, Math.min(text.length, b + RANGE_AFTER)));
      let resume: boolean | undefined;
      for (let r = inner.next(); !r.done; r = inner.next(resume)) {
        const m = r.value;
        const at = m.index + s;
        if (at >= b) break;
        if (at < a || at < floor) {
          resume = true;
          continue;
        }
        // A copy in the text's coordinates: the slice's search reads its own match's index.
        const whole = Object.assign([...m], { index: at, input: text, groups: m.groups });
        resume = yield whole as RegExpExecArray;
        if (!resume) floor = at + m[0].length;
      }
    }
    return;
  }
  const flags = d.pattern.flags.replace(/[gy]/g, '');
  if (!d.anchor) {
    const re = new RegExp(d.pattern.source, flags + 'g');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (yield m) re.lastIndex = m.index + 1;
    }
    return;
  }
  const { literal, offset } = d.anchor;
  const re = new RegExp(d.pattern.source, flags + 'y');
  let from = 0;
  for (let a = text.indexOf(literal, offset); a >= 0; a = text.indexOf(literal, a + 1)) {
    const start = a - offset;
    if (start < from) continue;
    re.lastIndex = start;
    const m = re.exec(text);
    if (!m || m[0].length === 0) continue;
    if (!(yield m)) from = start + m[0].length;
  }
}

/** What a range's search sees before it and after it (detectorMatches): far beyond any match. */
const RANGE_BEFORE = 1024;
const RANGE_AFTER = 4096;

/**
 * The line around `index`, cut to CONTEXT_CHARS each side. The newline searches are bounded by
 * the cut too: many matches on one huge line (a minified bundle, a hostile file) would otherwise
 * each search the whole line, which is quadratic.
 */
function lineAround(
  text: string,
  index: number,
): { line: string; before: string; after: string; previous: string | undefined } {
  const ls = nearLineStart(text, index);
  const ahead = text.slice(index, index + CONTEXT_CHARS);
  const nl = ahead.indexOf('\n');
  const to = nl < 0 ? index + ahead.length : index + nl;
  const from = ls >= 0 ? Math.max(ls, index - CONTEXT_CHARS) : index - CONTEXT_CHARS;
  const line = text.slice(from, to);
  let previous: string | undefined;
  // The previous line matters only when this one starts within the cut.
  if (ls > 0) {
    const ps = text.lastIndexOf('\n', ls - 2) + 1;
    previous = text.slice(Math.max(ps, ls - 1 - CONTEXT_CHARS), ls - 1);
  }
  return { line, before: text.slice(from, index), after: text.slice(index, to), previous };
}

/** The 6 lines before the one holding `index`, at most 600 characters. */
function linesAbove(text: string, index: number): string {
  let start = text.lastIndexOf('\n', index - 1);
  const end = start;
  for (let d = 0; d < 6 && start > 0; d++) start = text.lastIndexOf('\n', start - 1);
  return end < 0 ? '' : text.slice(Math.max(start + 1, end - 600), end);
}

/** Start of the line holding `index` if it is at most CONTEXT_CHARS back, else -1 (far). */
function nearLineStart(text: string, index: number): number {
  const from = Math.max(0, index - CONTEXT_CHARS - 1);
  const nl = text.slice(from, index).lastIndexOf('\n');
  if (nl >= 0) return from + nl + 1;
  return from === 0 ? 0 : -1;
}

/** Keeps specific detectors over the fallback and one hit per (identity, line). */
function resolveOverlaps(raw: RawHit[]): RawHit[] {
  // Best confidence per exact span, built once: a pairwise search is quadratic in the hits.
  const best = new Map<string, number>();
  for (const h of raw) {
    if (h.detectorId === FALLBACK_DETECTOR_ID) continue;
    const k = spanKey(h);
    const r = RANK[h.candidate.confidence];
    if (r < (best.get(k) ?? 3)) best.set(k, r);
  }
  // Another specific detector read exactly this span with higher confidence: the better reading.
  const specific = raw.filter(
    (h) =>
      h.detectorId !== FALLBACK_DETECTOR_ID &&
      RANK[h.candidate.confidence] <= best.get(spanKey(h))!,
  );
  return [
    ...specific,
    ...raw.filter(
      (h) =>
        h.detectorId === FALLBACK_DETECTOR_ID &&
        !overlapsAny(h, specific) &&
        !claimedElsewhere(h, specific),
    ),
  ];
}

const RANK = { high: 0, medium: 1, low: 2 } as const;

function spanKey(h: RawHit): string {
  return `${h.layer}\u0000${h.start}\u0000${h.end}`;
}

function overlapsAny(h: RawHit, others: RawHit[]): boolean {
  return others.some((o) => o.layer === h.layer && o.start < h.end && h.start < o.end);
}

/** A fallback value on a line where a specific detector found the same value in another layer. */
function claimedElsewhere(h: RawHit, specific: RawHit[]): boolean {
  return specific.some(
    (o) =>
      o.lineIdx === h.lineIdx &&
      o.candidate.secret.length > 0 &&
      h.candidate.secret.includes(o.candidate.secret.replace(/=+$/, '')),
  );
}

function toHits(fragment: Fragment, raw: RawHit[], starts: () => number[]): Hit[] {
  if (raw.length === 0) return [];
  const text = fragment.text;
  const lineStarts = starts();
  const isExample = docsExampleLines(fragment.path, text, lineStarts);
  const seen = new Set<string>();
  const hits: Hit[] = [];
  for (const h of raw) {
    const lineIdx = h.lineIdx;
    const dedupe = `${h.candidate.identity}\u0000${h.candidate.type}\u0000${lineIdx}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const line = fragment.lineNumbers?.[lineIdx] ?? lineIdx + 1;
    const lineStart = lineStarts[lineIdx]!;
    const lineText = text.slice(lineStart, lineStarts[lineIdx + 1] ?? text.length);
    // The match's offset in the file: exact in the plain layer, within the line in decoded ones.
    const at = Math.min(lineStart + h.column - 1, lineStart + lineText.length);
    const hit: Hit = {
      // A copy whose strings are its own: the candidate's secret and details are slices of the
      // text, and V8 keeps a whole string alive for a slice of it. A history scan holds every hit
      // blob's hits until attribution: on upstash/docs, 368 hit blobs (versions of a 3 MB
      // llms-full.txt among them) kept 700 MB of decoded text on the heap.
      candidate: structuredClone(h.candidate),
      occurrence: {
        path: fragment.path,
        line,
        column: h.column,
        ...(fragment.commit ? { commit: fragment.commit } : {}),
        ...(fragment.author ? { author: fragment.author } : {}),
        ...(fragment.date ? { date: fragment.date } : {}),
      },
      exposure: exposureOf(fragment.path, h.key, text, at),
    };
    if (lineText.includes(INLINE_ALLOW)) hit.inlineAllowed = true;
    if (isExample(lineIdx)) hit.docsExample = true;
    hits.push(hit);
  }
  return hits;
}

/** Line starts are needed only where something matched: most large texts never compute them. */
function lazyLineStarts(text: string): () => number[] {
  let starts: number[] | undefined;
  return () => (starts ??= computeLineStarts(text));
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
