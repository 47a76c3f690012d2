/**
 * git's delta format (Documentation/gitformat-pack.txt, "Deltified representation"): the base's
 * size and the result's size as little-endian base-128 numbers, then instructions. An instruction
 * byte with the high bit set copies from the base: bits 0-3 say which of four offset bytes follow,
 * bits 4-6 which of three size bytes follow (little-endian, absent bytes are zero; a size of zero
 * means 0x10000). A byte from 1 to 127 inserts that many literal bytes that follow it. 0 is
 * reserved. Every bound is checked: a malformed delta throws, never reads or writes outside.
 */
import { PackFormatError } from './pack-index.js';

/**
 * Where a delta's result may differ from its base, for a keyword gate: every run of inserted bytes
 * and every point where a copy does not continue the previous one, each widened by `pad` bytes on
 * both sides and merged with the window before it when fewer than `gap` bytes lie between them,
 * as `[start, end)` pairs relative to the result's start (they may reach past either end of it:
 * clip them). A keyword that lies in no window lies inside one copy instruction, so the base holds
 * it too. More windows than `at` can hold set `overflow` (then the result is gated whole).
 */
export interface DeltaMarks {
  at: Int32Array;
  n: number;
  pad: number;
  gap: number;
  overflow: boolean;
}

function mark(m: DeltaMarks, a: number, b: number): void {
  const start = a - m.pad;
  const end = b + m.pad;
  const at = m.at;
  const last = 2 * m.n - 1;
  if (m.n > 0 && start <= at[last]! + m.gap) {
    if (end > at[last]!) at[last] = end;
  } else if (last + 2 >= at.length) {
    m.overflow = true;
  } else {
    at[last + 1] = start;
    at[last + 2] = end;
    m.n++;
  }
}

/** Where the last `varint` stopped (a module variable: no result object per number). */
let varintEnd = 0;

/** The result size a delta declares (to refuse an oversize result before building it). */
export function deltaResultSize(delta: Uint8Array): number {
  varint(delta, 0);
  return varint(delta, varintEnd);
}

/**
 * Applies `delta` to the `srcLen` bytes of `src` at `srcStart`, writing the result into `dst` at
 * `dstStart` (which must have room for `maxResult` bytes); returns the result's size. When `src`
 * and `dst` are the same array (the store's ring), every copy instruction is one native
 * `copyWithin`: no view is allocated per instruction (trufflehog's history has two million).
 * Copies under 16 bytes and inserts are byte loops: on trufflehog's deltas, copy thresholds of
 * 0-32 bytes, inserts of 8-64 bytes and more through `set`, and 4-byte DataView copies measured
 * no better (within 5%), thresholds of 64 and 128 bytes worse (+15-25%).
 */
export function applyDelta(
  src: Uint8Array,
  srcStart: number,
  srcLen: number,
  delta: Uint8Array,
  dst: Uint8Array,
  dstStart: number,
  maxResult: number,
  marks?: DeltaMarks,
): number {
  if (varint(delta, 0) !== srcLen) throw new PackFormatError('delta base size mismatch');
  const size = varint(delta, varintEnd);
  if (size > maxResult || dstStart + size > dst.length)
    throw new PackFormatError('delta result over the limit');
  const same = src === dst;
  // The base offset the previous copy ended at (-1 after an insert): a copy from anywhere else is
  // a seam, where text that was apart in the base is now side by side.
  let lastEnd = -1;
  let p = varintEnd;
  let o = dstStart;
  const end = dstStart + size;
  const n = delta.length;
  while (p < n) {
    const op = delta[p++]!;
    if (op & 0x80) {
      let off = 0;
      let len = 0;
      if (op & 0x01) off = delta[p++]!;
      if (op & 0x02) off |= delta[p++]! << 8;
      if (op & 0x04) off |= delta[p++]! << 16;
      if (op & 0x08) off = (off | (delta[p++]! << 24)) >>> 0;
      if (op & 0x10) len = delta[p++]!;
      if (op & 0x20) len |= delta[p++]! << 8;
      if (op & 0x40) len |= delta[p++]! << 16;
      if (len === 0) len = 0x10000;
      if (p > n) throw new PackFormatError('truncated delta copy instruction');
      if (off + len > srcLen || o + len > end)
        throw new PackFormatError('delta copy out of bounds');
      if (marks !== undefined && off !== lastEnd) mark(marks, o - dstStart, o - dstStart);
      lastEnd = off + len;
      const from = srcStart + off;
      if (len < 16) for (let i = 0; i < len; i++) dst[o + i] = src[from + i]!;
      else if (same) dst.copyWithin(o, from, from + len);
      else dst.set(src.subarray(from, from + len), o);
      o += len;
    } else if (op !== 0) {
      if (p + op > n || o + op > end) throw new PackFormatError('delta insert out of bounds');
      if (marks !== undefined) mark(marks, o - dstStart, o - dstStart + op);
      lastEnd = -1;
      for (let i = 0; i < op; i++) dst[o + i] = delta[p + i]!;
      p += op;
      o += op;
    } else {
      throw new PackFormatError('reserved delta instruction');
    }
  }
  if (o !== end) throw new PackFormatError('delta result size mismatch');
  return size;
}

/** A size at `start` (little-endian base-128); `varintEnd` is set to after it. */
function varint(buf: Uint8Array, start: number): number {
  let p = start;
  let value = 0;
  // 128 ** (bytes read): a multiplication, where `2 ** shift` is a call to pow.
  let scale = 1;
  for (;;) {
    if (p >= buf.length || scale > 2 ** 49) throw new PackFormatError('bad delta size');
    const c = buf[p++]!;
    value += (c & 0x7f) * scale;
    scale *= 128;
    if ((c & 0x80) === 0) {
      varintEnd = p;
      return value;
    }
  }
}
