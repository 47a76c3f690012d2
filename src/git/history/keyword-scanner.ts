/**
 * A byte-level keyword scanner for raw blobs, exactly equivalent to "does this buffer contain one
 * of these literal keywords", and the first gate of a history scan: a blob it rejects cannot match
 * the core prefilter, whose keyword list it is built from.
 *
 * How: each keyword of three bytes or more is indexed by two adjacent 2-byte windows (offsets j
 * and j+1, the pair least likely in source text), so every occurrence covers an indexed window at
 * an even position of the buffer; the scan reads every second position only, one table load each,
 * and compares bytes only where a window is indexed. The loop runs in a small WebAssembly module
 * assembled below (no bounds checks, unaligned 16-bit loads, verification without leaving wasm):
 * 0.57 ns/byte against 1.43 ns/byte for the same algorithm in JavaScript with 3-byte windows, on
 * 420 MB of the renovate history (docs/benchmarks.md). Shorter keywords use Buffer.indexOf.
 *
 * Memory of the module: [0, 128 KiB) the window table (u16 per window: where its keyword records
 * start, 0 = none); then the records ([length, offset, bytes…]… 0) ; then the slice being scanned.
 * Input is copied in slices of at most SLICE bytes that overlap by (longest keyword - 1), so an
 * occurrence always lies whole inside one slice and memory stays small.
 */
export interface KeywordScanner {
  (data: Uint8Array): boolean;
  /**
   * Whether one of the `count` ranges `[bounds[2i], bounds[2i + 1])` of `data` holds a keyword,
   * each range on its own: the ranges are copied into the module back to back, a NUL (in no
   * keyword) between them, and scanned in one call per slice instead of one call per range.
   */
  ranges(data: Uint8Array, bounds: Int32Array, count: number): boolean;
  /** The longest keyword's length: a range must reach that far past what it is about. */
  readonly longest: number;
}

/** The part of the WebAssembly API used here (TypeScript declares it only in the DOM library). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const TABLE_BYTES = 65536 * 2;
const SLICE = 1 << 20;
const PAGE = 65536;

export function createKeywordScanner(keywords: readonly string[]): KeywordScanner {
  const needles = [...new Set(keywords)]
    .filter((k) => k.length > 0)
    .map((k) => Buffer.from(k, 'latin1'));
  // A keyword that contains another is implied by it.
  const minimal = needles.filter((k) => !needles.some((o) => o !== k && k.includes(o)));
  const short = minimal.filter((k) => k.length < 3);
  const indexed = minimal.filter((k) => k.length >= 3);
  const longest = Math.max(1, ...minimal.map((k) => k.length));

  // Records per window, laid out after the table.
  const perWindow = new Map<number, { keyword: Buffer; offset: number }[]>();
  for (const k of indexed) {
    const j = rarestPair(k);
    for (const offset of [j, j + 1]) {
      const w = k[offset]! | (k[offset + 1]! << 8); // little-endian, as i32.load16_u reads it
      const list = perWindow.get(w) ?? [];
      list.push({ keyword: k, offset });
      perWindow.set(w, list);
    }
  }
  let recordBytes = 0;
  for (const list of perWindow.values())
    recordBytes += 1 + list.reduce((n, r) => n + 2 + r.keyword.length, 0);
  if (longest > 255 || recordBytes + 1 > 0xffff)
    throw new Error('keyword set too large for the wasm scanner');
  const dataBase = align(TABLE_BYTES + 1 + recordBytes, 16);
  const memory = new wasm.Memory({
    initial: Math.ceil((dataBase + SLICE + 2 * longest + 64) / PAGE),
  });
  let u8 = new Uint8Array(memory.buffer);
  const table = new Uint16Array(memory.buffer, 0, 65536);
  let at = TABLE_BYTES + 1; // record offsets are relative to TABLE_BYTES; 0 means none
  for (const [w, list] of perWindow) {
    table[w] = at - TABLE_BYTES;
    for (const { keyword, offset } of list) {
      u8[at++] = keyword.length;
      u8[at++] = offset;
      u8.set(keyword, at);
      at += keyword.length;
    }
    u8[at++] = 0;
  }
  const scan = instantiate(memory);

  const scanAll = (data: Uint8Array): boolean => {
    const buf = Buffer.isBuffer(data)
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (const k of short) if (buf.indexOf(k) >= 0) return true;
    if (indexed.length === 0) return false;
    const n = buf.length;
    for (let from = 0; from < n; from += SLICE) {
      const to = Math.min(n, from + SLICE + longest - 1);
      if (u8.buffer !== memory.buffer) u8 = new Uint8Array(memory.buffer);
      u8.set(buf.subarray(from, to), dataBase);
      if (scan(dataBase, dataBase + (to - from)) !== 0) return true;
      if (to === n) break;
    }
    return false;
  };
  const ranges = (data: Uint8Array, bounds: Int32Array, count: number): boolean => {
    if (short.length > 0 || indexed.length === 0) {
      for (let i = 0; i < count; i++)
        if (scanAll(data.subarray(bounds[2 * i]!, bounds[2 * i + 1]!))) return true;
      return false;
    }
    if (u8.buffer !== memory.buffer) u8 = new Uint8Array(memory.buffer);
    const limit = dataBase + SLICE;
    let pos = dataBase;
    for (let i = 0; i < count; i++) {
      const a = bounds[2 * i]!;
      const b = bounds[2 * i + 1]!;
      if (b <= a) continue;
      if (b - a >= SLICE) {
        if (scanAll(data.subarray(a, b))) return true;
        continue;
      }
      if (pos + (b - a) + 1 > limit) {
        if (scan(dataBase, pos) !== 0) return true;
        pos = dataBase;
      }
      u8.set(data.subarray(a, b), pos);
      pos += b - a;
      u8[pos++] = 0;
    }
    return pos > dataBase && scan(dataBase, pos) !== 0;
  };
  return Object.assign(scanAll, { ranges, longest });
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Lowercase letters, spaces and the punctuation of source code make a window frequent. */
function commonness(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return 2;
  if (c === 0x20 || c === 0x3a || c === 0x22 || c === 0x2c || c === 0x2e) return 2;
  if (c >= 0x30 && c <= 0x39) return 1;
  return 0;
}

function rarestPair(k: Uint8Array): number {
  let best = 0;
  let bestScore = Infinity;
  for (let j = 0; j + 2 < k.length; j++) {
    const score = commonness(k[j]!) + 2 * commonness(k[j + 1]!) + commonness(k[j + 2]!);
    if (score < bestScore) [best, bestScore] = [j, score];
  }
  return best;
}

// ---- The WebAssembly module, assembled by hand (two small functions, no toolchain needed). ----

/** `scan(lo, hi)`: 1 when [lo, hi) of memory holds a keyword whose records are in the table. */
function instantiate(memory: WasmMemory): (lo: number, hi: number) => number {
  const module = new wasm.Module(moduleBytes());
  const instance = new wasm.Instance(module, { env: { memory } });
  return instance.exports['scan'] as (lo: number, hi: number) => number;
}

const I32 = 0x7f;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  load8u: 0x2d,
  load16u: 0x2f,
  i32Const: 0x41,
  eqz: 0x45,
  ne: 0x47,
  ltS: 0x48,
  geU: 0x4f,
  gtU: 0x4b,
  add: 0x6a,
  sub: 0x6b,
  shl: 0x74,
} as const;
const VOID = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];
const get = (l: number): number[] => [op.localGet, l];
const set = (l: number): number[] => [op.localSet, l];
const i32 = (v: number): number[] => [op.i32Const, ...sleb(v)];
/** memarg: alignment hint 0 (unaligned is fine), static offset. */
const mem = (offset: number): number[] => [0, ...uleb(offset)];

const UNROLL = 4;

function moduleBytes(): Uint8Array {
  // verify(p, lo, hi) -> i32: does a keyword recorded for the window at p occur whole in [lo, hi)?
  // locals: 0 p, 1 lo, 2 hi, 3 rec, 4 len, 5 s, 6 j
  const verify = [
    ...get(0),
    op.load16u,
    ...mem(0),
    ...i32(1),
    op.shl,
    op.load16u,
    ...mem(0),
    ...i32(TABLE_BYTES),
    op.add,
    ...set(3), // rec = TABLE_BYTES + table[window(p)]
    op.block,
    VOID,
    op.loop,
    VOID,
    // len = mem[rec]; if len == 0: no more records
    ...get(3),
    op.load8u,
    ...mem(0),
    op.localTee,
    4,
    op.eqz,
    op.brIf,
    1,
    // s = p - mem[rec + 1]
    ...get(0),
    ...get(3),
    op.load8u,
    ...mem(1),
    op.sub,
    ...set(5),
    // if s >= lo && s + len <= hi (as: !(s < lo) && !(s + len > hi))
    ...get(5),
    ...get(1),
    op.ltS,
    op.eqz,
    op.if,
    VOID,
    ...get(5),
    ...get(4),
    op.add,
    ...get(2),
    op.gtU,
    op.eqz,
    op.if,
    VOID,
    ...i32(0),
    ...set(6),
    op.block,
    VOID,
    op.loop,
    VOID,
    // j == len: whole keyword matched
    ...get(6),
    ...get(4),
    op.geU,
    op.if,
    VOID,
    ...i32(1),
    op.return,
    op.end,
    // mem[s + j] != mem[rec + 2 + j]: this record fails
    ...get(5),
    ...get(6),
    op.add,
    op.load8u,
    ...mem(0),
    ...get(3),
    ...get(6),
    op.add,
    op.load8u,
    ...mem(2),
    op.ne,
    op.brIf,
    1,
    ...get(6),
    ...i32(1),
    op.add,
    ...set(6),
    op.br,
    0,
    op.end,
    op.end,
    op.end,
    op.end,
    // rec += 2 + len
    ...get(3),
    ...get(4),
    op.add,
    ...i32(2),
    op.add,
    ...set(3),
    op.br,
    0,
    op.end,
    op.end,
    ...i32(0),
    op.end,
  ];
  // scan(lo, hi) -> i32. locals: 0 lo, 1 hi, 2 i, 3 end. Checks windows at lo, lo+2, … < hi-1,
  // UNROLL per iteration; windows past the end read spare memory and can never verify.
  const scanBody = [
    ...get(0),
    ...set(2),
    ...get(1),
    ...i32(1),
    op.sub,
    ...set(3),
    op.block,
    VOID,
    op.loop,
    VOID,
    ...get(2),
    ...get(3),
    op.geU,
    op.brIf,
    1,
  ];
  for (let u = 0; u < UNROLL; u++)
    scanBody.push(
      ...get(2),
      op.load16u,
      ...mem(2 * u),
      ...i32(1),
      op.shl,
      op.load16u,
      ...mem(0),
      op.if,
      VOID,
      ...get(2),
      ...i32(2 * u),
      op.add,
      ...get(0),
      ...get(1),
      op.call,
      0,
      op.if,
      VOID,
      ...i32(1),
      op.return,
      op.end,
      op.end,
    );
  scanBody.push(...get(2), ...i32(2 * UNROLL), op.add, ...set(2), op.br, 0, op.end, op.end);
  scanBody.push(...i32(0), op.end);

  const fn = (locals: number, body: number[]): number[] => {
    const decl = locals > 0 ? vec([[...uleb(locals), I32]]) : vec([]);
    const code = [...decl, ...body];
    return [...uleb(code.length), ...code];
  };
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(
      1,
      vec([
        [0x60, 3, I32, I32, I32, 1, I32],
        [0x60, 2, I32, I32, 1, I32],
      ]),
    ),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name('scan'), 0x00, 1]])),
    ...section(10, vec([fn(4, verify), fn(2, scanBody)])),
  ]);
}
