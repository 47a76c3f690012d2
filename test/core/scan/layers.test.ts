import { mayContainSecret, PREFILTER_KEYWORDS } from '../../../src/core/scan/prefilter.js';
import {
  base64Runs,
  base64Wrapped,
  wrappedWindows,
  isKubernetesSecret,
  layerGates,
} from '../../../src/core/scan/layers.js';

/** The definition the one-pass scanner replaces. */
const REFERENCE = /(?<![A-Za-z0-9+/=])([A-Za-z0-9+/]{24,}={0,2})(?![A-Za-z0-9+/=])/g;
function reference(text: string): { index: number; run: string }[] {
  const out: { index: number; run: string }[] = [];
  REFERENCE.lastIndex = 0;
  for (let m = REFERENCE.exec(text); m; m = REFERENCE.exec(text))
    out.push({ index: m.index, run: m[1]! });
  return out;
}

describe('base64Runs', () => {
  // Not an LCG's low bits, which repeat with a short period and leave whole layouts untried.
  let state = 7;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  // U+0141, U+0130 and U+013D end in the bytes of 'A', '0' and '=': they must not read as those.
  const alphabet = [
    'A',
    'z',
    '0',
    '+',
    '/',
    '=',
    ' ',
    '\n',
    '-',
    ':',
    'é',
    '"',
    '\u0141',
    '\u0130',
    '\u013d',
  ];

  it('finds exactly the runs the regex finds, on random texts near every boundary', () => {
    for (let round = 0; round < 4000; round++) {
      let text = '';
      const parts = rand(8);
      for (let p = 0; p < parts; p++) {
        // Long runs around the 24-character threshold, padding of 0 to 3, and separators.
        const runLength = rand(3) === 0 ? rand(30) : 22 + rand(5);
        for (let i = 0; i < runLength; i++) text += alphabet[rand(5)]!;
        text += '='.repeat(rand(3) === 0 ? rand(4) : 0);
        text += alphabet[rand(alphabet.length)]!;
      }
      expect([text, base64Runs(text)]).toEqual([text, reference(text)]);
    }
  });

  it('finds a run of every length near the threshold at every offset (the scan probes every 24th character)', () => {
    for (let offset = 0; offset < 60; offset++)
      for (let length = 20; length < 52; length++)
        for (const tail of ['', '=', '==', '===', ' ']) {
          const text = `${' '.repeat(offset)}${'Qk'.repeat(length).slice(0, length)}${tail} x`;
          expect([offset, length, tail, base64Runs(text)]).toEqual([
            offset,
            length,
            tail,
            reference(text),
          ]);
        }
  });

  it('handles runs at the very start and end of the text', () => {
    const run = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldY';
    for (const text of [run, `${run}=`, `${run}==`, `${run}===`, `=${run}`, ` ${run} `, `${run}é`])
      expect([text, base64Runs(text)]).toEqual([text, reference(text)]);
  });
});

describe('base64Wrapped', () => {
  it('decodes a wrapped value that passes the prefilter and skips integrity digests', () => {
    const inner = Buffer.from('url: https://example-1234.upstash.io/path').toString('base64');
    expect(base64Wrapped(`data:\n  CONFIG: ${inner}\n`)).toEqual([
      { index: 16, end: 16 + inner.length, decoded: 'url: https://example-1234.upstash.io/path' },
    ]);
    expect(base64Wrapped(`"integrity": "sha512-${inner}"`)).toEqual([]);
  });
});

describe('wrappedWindows', () => {
  it('decodes one-line values in place, padded, so lines and columns stay put', () => {
    const a = Buffer.from('https://x-1234.upstash.io').toString('base64');
    const b = Buffer.from('one line, then a newline\n').toString('base64');
    const cert = Buffer.from('a\nb\nc\nd\ne\nf\ng\nh\ni').toString('base64');
    const text = `kind: Secret\ndata:\n  URL: ${a}\n  NOTE: ${b}\n  CERT: ${cert}\n`;
    const windows = wrappedWindows(text, base64Wrapped(text, undefined, { everyValue: true }));
    expect(windows).toHaveLength(1);
    const [w] = windows;
    // The same length as the stretch it stands for, line for line.
    const original = text.slice(w!.from, w!.from + w!.text.length);
    expect(w!.text.split('\n').map((l) => l.length)).toEqual(
      original.split('\n').map((l) => l.length),
    );
    expect(w!.text).toContain('  URL: https://x-1234.upstash.io ');
    // One trailing newline (`echo … | base64`) is dropped; a value of several lines is left.
    expect(w!.text).toContain('  NOTE: one line, then a newline ');
    expect(w!.text).toContain(`  CERT: ${cert}`);
  });

  it('keeps only the stretch around each value, however long the text and its lines', () => {
    const v = Buffer.from('token=AAIxxxxxxxxxxxxxxxxxxxxxxxx').toString('base64');
    const filler = 'x;'.repeat(50_000);
    const text = `${'line\n'.repeat(1000)}a: ${v}\n${'line\n'.repeat(1000)}${filler}"${v}"${filler}`;
    const windows = wrappedWindows(text, base64Wrapped(text));
    expect(windows).toHaveLength(2);
    for (const w of windows) expect(w.text.length).toBeLessThan(5000);
    expect(text.slice(windows[0]!.from).startsWith('line\n')).toBe(true);
    expect(windows[0]!.text.split('\n')).toHaveLength(11);
  });

  it('recognises a Kubernetes Secret in YAML and JSON, not a SealedSecret', () => {
    expect(isKubernetesSecret('apiVersion: v1\nkind: Secret\n')).toBe(true);
    expect(isKubernetesSecret('{\n  "kind": "Secret",\n')).toBe(true);
    expect(isKubernetesSecret("kind: 'Secret'\n")).toBe(true);
    expect(isKubernetesSecret('kind: SealedSecret\n')).toBe(false);
    expect(isKubernetesSecret('# a Secret\nkind: ConfigMap\n')).toBe(false);
  });
});

describe('base64Wrapped rules out runs before decoding them', () => {
  /** The definition: every run decoded whole, kept when printable and holding a keyword. */
  function reference(text: string): { index: number; end: number; decoded: string }[] {
    const out: { index: number; end: number; decoded: string }[] = [];
    for (const { index, run } of base64Runs(text)) {
      if (run.length % 4 === 1) continue;
      if (/sha(1|256|384|512)-$/.test(text.slice(Math.max(0, index - 7), index))) continue;
      const buf = Buffer.from(run, 'base64');
      if (buf.length < 16) continue;
      if ([...buf].some((b) => b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f)) continue;
      const decoded = buf.toString('utf8');
      if (mayContainSecret(decoded)) out.push({ index, end: index + run.length, decoded });
    }
    return out;
  }
  let state = 11;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  const printable = 'url: https://x.upstash.io/ token=AAIabc kind: Secret é\t\n';

  it('keeps exactly the runs the definition keeps: printable or not, a bad byte at any place, any padding', () => {
    let kept = 0;
    for (let round = 0; round < 3000; round++) {
      const size = 16 + rand(90);
      const bytes = Buffer.alloc(size);
      for (let i = 0; i < size; i++) bytes[i] = printable.charCodeAt(rand(printable.length)) & 0xff;
      // Mostly with a keyword, so that printable runs are kept.
      if (rand(4) !== 0)
        bytes.write(['upstash.io', 'AAI', 'kafka', 'sig_'][rand(4)]!, rand(size - 10), 'latin1');
      // Sometimes one unprintable byte (or a byte above 0x7f, which is allowed), anywhere.
      if (rand(2) === 0)
        bytes[rand(size)] = [0x00, 0x08, 0x0e, 0x1f, 0x7f, 0x80, 0xff, 0x0d][rand(8)]!;
      let run = bytes.toString('base64');
      if (rand(3) === 0) run = run.replace(/=+$/, '');
      const prefix = ['', 'sha512-', 'sha1-', 'x-', ' '][rand(5)]!;
      const text = `data:\n  VALUE: ${prefix}${run}\n`;
      const want = reference(text);
      kept += want.length;
      expect([text, base64Wrapped(text)]).toEqual([text, want]);
    }
    expect(kept).toBeGreaterThan(100);
  });

  it('finds every keyword base64-wrapped at every byte offset, padded or not (texts with no anchor are skipped)', () => {
    for (const k of PREFILTER_KEYWORDS)
      for (let before = 0; before < 6; before++)
        for (const after of ['', 'x', 'xy', ' and more text']) {
          const value = `${'v'.repeat(before)}${k}${after}`.padEnd(18, '.');
          for (const strip of [false, true]) {
            let run = Buffer.from(value).toString('base64');
            if (strip) run = run.replace(/=+$/, '');
            const text = `name: ${run}\n`;
            const want = reference(text);
            expect([k, before, after, strip, base64Wrapped(text)]).toEqual([
              k,
              before,
              after,
              strip,
              want,
            ]);
            expect(want.map((w) => w.decoded)).toEqual(run.length % 4 === 1 ? [] : [value]);
          }
        }
    // Base64 without any keyword inside: nothing, however many runs.
    const noise = Buffer.alloc(3000, 'printable text, no key words at all. ').toString('base64');
    expect(base64Wrapped(`a: ${noise}\n`)).toEqual([]);
  });

  it('a run whose only bad byte is in its last, partial quantum is still ruled out', () => {
    for (const tail of [[0x00], [0x41, 0x01], [0x7f]]) {
      const bytes = Buffer.concat([
        Buffer.from('url: https://x.upstash.io/abcdefgh'),
        Buffer.from(tail),
      ]);
      for (const strip of [false, true]) {
        let run = bytes.toString('base64');
        if (strip) run = run.replace(/=+$/, '');
        const text = `V: ${run}\n`;
        expect(base64Wrapped(text)).toEqual(reference(text));
        expect(base64Wrapped(text)).toEqual([]);
      }
    }
  });
});

describe('layer gates answer like the regular expressions they replace', () => {
  const ESCAPE_BEFORE_RUN = /\\[nrt][A-Za-z0-9_-]{20}/;
  const U00 = /\\u00[0-9a-fA-F]{2}/;
  const WRITTEN_BEFORE_RUN = /\\(?:u001[bB]|x1[bB]|033|e)\[[0-9;]{0,20}[A-Za-z][A-Za-z0-9_-]{20}/;
  const SHELL_DEFAULT = /\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]/;
  const URL_ESCAPE = /%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Eb-e])/;
  let state = 17;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * n);
  };
  /** Texts of pieces that start or nearly make each pattern, and characters around every class edge. */
  const pieces = [
    '\\',
    '\\n',
    '\\r',
    '\\t',
    '\\/',
    '\\u00',
    '\\u001b',
    '\\u001B',
    '\\x1b',
    '\\x1B',
    '\\033',
    '\\e',
    '\\u001',
    '\\x1',
    '\\03',
    '[',
    '[1;31',
    '[0',
    ';',
    'm',
    'A',
    'z',
    '_',
    '-',
    '0',
    '9',
    'f',
    'F',
    'g',
    'G',
    '@',
    '`',
    '{',
    '/',
    ':',
    '=',
    ' ',
    '\n',
    '${',
    '$',
    '{',
    'X',
    'X_1',
    '%',
    '%2',
    '%3',
    '%4',
    '%5',
    '%6',
    '%7',
    '%20',
    '%2f',
    '%3D',
    '%3g',
    '%40',
    '%41',
    '%5B',
    '%5a',
    '%60',
    '%61',
    '%7E',
    '%7f',
    '%7b',
    'B',
    'b',
    'C',
    'D',
    'E',
    'e',
    'é',
    '\u0141',
    'abcdefghij',
    'ABCDEFGHIJ',
    '0123456789',
    '1;2;3;4;5;6;7;8;9;0;1',
    '[31m',
    '${X:-',
    '${A_1=',
    '${b:',
    '\\u001b[32m',
    '\\x1B[1;31m',
    '\\033[0;1m',
    '\\e[m',
    'm' + 'x'.repeat(20),
    'x'.repeat(19),
    'x'.repeat(20),
    'x'.repeat(21),
  ];
  it('on random texts of near misses', () => {
    const seen = { ws: 0, any: 0, written: 0, shell: 0, url: 0 };
    for (let round = 0; round < 15000; round++) {
      let text = '';
      const parts = 1 + rand(10);
      for (let p = 0; p < parts; p++) text += pieces[rand(pieces.length)]!;
      const json = layerGates.jsonEscapes(text);
      const ws = ESCAPE_BEFORE_RUN.test(text);
      const any = ws || text.includes('\\/') || U00.test(text);
      const written = WRITTEN_BEFORE_RUN.test(text);
      const shell = SHELL_DEFAULT.test(text);
      const url = URL_ESCAPE.test(text);
      seen.ws += +ws;
      seen.any += +any;
      seen.written += +written;
      seen.shell += +shell;
      seen.url += +url;
      expect([text, json.whitespace, json.any]).toEqual([text, ws, any]);
      expect([text, layerGates.writtenCodeBeforeRun(text)]).toEqual([text, written]);
      expect([text, layerGates.shellDefault(text)]).toEqual([text, shell]);
      expect([text, layerGates.urlEscape(text)]).toEqual([text, url]);
    }
    // Each gate was seen open (and, far more often, closed).
    for (const [gate, n] of Object.entries(seen)) expect([gate, n > 50]).toEqual([gate, true]);
  });

  it('at the very end of the text and with every character after the first one', () => {
    for (let c = 0; c < 0x180; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [
        `%2${ch}`,
        `%3${ch}`,
        `%4${ch}`,
        `%5${ch}`,
        `%6${ch}`,
        `%7${ch}`,
        `%${ch}0`,
        `\\${ch}`,
        `\\u00${ch}f`,
        `\\u00f${ch}`,
        `\\${ch}${'a'.repeat(20)}`,
        `\\x1${ch}[m${'a'.repeat(20)}`,
        `\\e[${ch}${'a'.repeat(20)}`,
        `\\e[m${ch}${'a'.repeat(19)}`,
        `\${${ch}=`,
        `\${A${ch}=`,
        `\${A:${ch}`,
      ]) {
        const json = layerGates.jsonEscapes(text);
        expect([text, json.whitespace]).toEqual([text, ESCAPE_BEFORE_RUN.test(text)]);
        expect([text, json.any]).toEqual([
          text,
          ESCAPE_BEFORE_RUN.test(text) || text.includes('\\/') || U00.test(text),
        ]);
        expect([text, layerGates.writtenCodeBeforeRun(text)]).toEqual([
          text,
          WRITTEN_BEFORE_RUN.test(text),
        ]);
        expect([text, layerGates.shellDefault(text)]).toEqual([text, SHELL_DEFAULT.test(text)]);
        expect([text, layerGates.urlEscape(text)]).toEqual([text, URL_ESCAPE.test(text)]);
      }
    }
  });
});
