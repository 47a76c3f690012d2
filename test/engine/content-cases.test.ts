/**
 * No silent misses: binary content (printable runs), UTF-16 (LE/BE, with and without a BOM), a
 * UTF-8 BOM, files larger than maxFileSize (overlapping windows), files over hardMaxFileSize
 * (listed as skipped), and `.gitattributes` that mark files binary or `-diff`. Every case in tree,
 * range, staged and history scans of a real repository, with line numbers (and byte offsets for
 * binary content) asserted.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CONFIG, type ScanResult } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanRange } from '../../src/engine/scan-range.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { renderedOutputs } from '../helpers/report-outputs.js';
import { redisTokenParts, unknownFormatSecret } from '../helpers/synthetic.js';

const KB = 1024;
const config = { ...DEFAULT_CONFIG, maxFileSize: 64 * KB, hardMaxFileSize: 512 * KB };
const opts = { config };

const env = (t: string): string => `UPSTASH_REDIS_REST_TOKEN=${t}`;
const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
const utf16be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

interface Case {
  path: string;
  content: Buffer;
  secret: string;
  /** Where each occurrence must be reported. */
  at: { line: number; offset?: number }[];
}

/** Pseudo-random filler lines of printable text, deterministic. */
function filler(lines: number, width = 99): string {
  let out = '';
  for (let i = 0; i < lines; i++)
    out += `${`line ${i} `.padEnd(width, String.fromCharCode(97 + (i % 26)))}\n`;
  return out;
}

function cases(): Case[] {
  const out: Case[] = [];
  // Binary files: the value sits between binary bytes, two LF bytes before it (line 3); its byte
  // offset is after the head and "UPSTASH_REDIS_REST_TOKEN=" (25 bytes).
  const binary = (path: string, head: Buffer, tail: number[]): void => {
    const t = redisTokenParts().token;
    const content = Buffer.concat([head, Buffer.from(env(t)), Buffer.from(tail)]);
    out.push({ path, content, secret: t, at: [{ line: 3, offset: head.length + 25 }] });
  };
  // A SQLite-like file.
  binary(
    'data/app.sqlite',
    Buffer.concat([
      Buffer.from('SQLite format 3\0'),
      Buffer.from([0x10, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x40, 0x0a, 0x81, 0x17]),
    ]),
    [0, 0, 0x0d, 0xff],
  );
  // A PNG tEXt chunk (the signature holds the two LF bytes).
  binary(
    'img/logo.png',
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0, 0, 0, 0x60]),
      Buffer.from('tEXtComment\0'),
    ]),
    [0x12, 0x34, 0, 0],
  );
  {
    // PowerShell's `>`: UTF-16 LE with a BOM, CRLF.
    const t = redisTokenParts().token;
    const text = `# settings\r\n$env:UPSTASH_REDIS_REST_TOKEN = "${t}"\r\n`;
    out.push({
      path: 'ps/profile.ps1',
      content: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]),
      secret: t,
      at: [{ line: 2 }],
    });
  }
  {
    // UTF-16 whose first 8000 bytes hold no NUL (CJK text): git diffs it as text, so the NULs
    // show up in added lines only.
    const t = redisTokenParts().token;
    const text = `${'中文'.repeat(2500)}\n${env(t)}\n`;
    out.push({
      path: 'cjk/notes.txt',
      content: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]),
      secret: t,
      at: [{ line: 2 }],
    });
  }
  {
    const t = redisTokenParts().token;
    out.push({
      path: 'be/bom.env',
      content: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(`A=1\nB=2\n${env(t)}\n`)]),
      secret: t,
      at: [{ line: 3 }],
    });
  }
  {
    const t = redisTokenParts().token;
    out.push({
      path: 'le/nobom.env',
      content: utf16le(`A=1\nB=2\nC=3\n${env(t)}\n`),
      secret: t,
      at: [{ line: 4 }],
    });
  }
  {
    const t = redisTokenParts().token;
    out.push({
      path: 'be/nobom.env',
      content: utf16be(`A=1\n${env(t)}\n`),
      secret: t,
      at: [{ line: 2 }],
    });
  }
  {
    // A UTF-8 BOM before a value only the fallback detector (key name + entropy) can see.
    const s = unknownFormatSecret();
    out.push({
      path: 'bom/utf8.env',
      content: Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(`UPSTASH_REDIS_REST_TOKEN=${s}\nX=1\n`),
      ]),
      secret: s,
      at: [{ line: 1 }],
    });
  }
  {
    // Larger than maxFileSize: scanned in windows. One value near the start, two around the first
    // window cut (about 32-48 KiB), one at the very end, each reported once at its line.
    const ts = [0, 1, 2, 3].map(() => redisTokenParts().token);
    const text =
      filler(10) +
      `${env(ts[0]!)}\n` +
      filler(380) +
      `${env(ts[1]!)}\n` +
      filler(60) +
      `${env(ts[2]!)}\n` +
      filler(2500) +
      env(ts[3]!);
    const lines = text.split('\n');
    const lineOf = (t: string): number => lines.findIndex((l) => l.includes(t)) + 1;
    for (const t of ts)
      out.push({
        path: 'logs/big.log',
        content: Buffer.from(text),
        secret: t,
        at: [{ line: lineOf(t) }],
      });
  }
  {
    // A binary larger than maxFileSize: windows of printable runs.
    const t = redisTokenParts().token;
    const noise = Buffer.alloc(150 * KB);
    for (let i = 0; i < noise.length; i++)
      noise[i] = i % 97 === 0 ? 0x0a : i % 5 === 0 ? 0 : 0x41 + (i % 7);
    const at = 100 * KB;
    const lfs = noise.subarray(0, at).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
    const content = Buffer.concat([
      noise.subarray(0, at),
      Buffer.from(`\0${env(t)}\0`),
      noise.subarray(at),
    ]);
    out.push({
      path: 'bin/large.bin',
      content,
      secret: t,
      at: [{ line: lfs + 1, offset: at + 26 }],
    });
  }
  {
    // UTF-16 larger than maxFileSize.
    const t = redisTokenParts().token;
    const text = filler(700) + `${env(t)}\n` + filler(100);
    out.push({
      path: 'le/big-utf16.txt',
      content: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]),
      secret: t,
      at: [{ line: 701 }],
    });
  }
  return out;
}

function occurrences(result: ScanResult): string[] {
  return result.findings
    .flatMap((f) => f.occurrences)
    .map((o) => `${o.path}:${o.line}${o.offset !== undefined ? `@${o.offset}` : ''}`)
    .sort();
}

function expected(cs: Case[]): string[] {
  return cs
    .flatMap((c) =>
      c.at.map((a) => `${c.path}:${a.line}${a.offset !== undefined ? `@${a.offset}` : ''}`),
    )
    .sort();
}

/** A file over hardMaxFileSize that holds a value: listed as skipped, never silently clean. */
function overCap(): Case {
  const t = redisTokenParts().token;
  return { path: 'dump/huge.txt', content: Buffer.from(filler(6000) + env(t)), secret: t, at: [] };
}

function expectSkippedListed(result: ScanResult, path: string): void {
  expect(result.skipped).toEqual([
    expect.objectContaining({
      path,
      reason: 'too-large',
      detail: expect.stringMatching(/hardMaxFileSize/),
    }),
  ]);
  expect(result.skippedCount).toBe(1);
  expect(result.stats.skippedTooLarge).toBe(1);
}

function expectNoSecret(result: ScanResult, cs: Case[]): void {
  for (const out of renderedOutputs(result))
    for (const c of cs) expect(out).not.toContain(c.secret);
}

describe('content that used to be missed silently', () => {
  let repo: TestRepo;
  let cs: Case[];
  let big: Case;
  beforeEach(() => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
    cs = cases();
    big = overCap();
  });
  afterEach(() => repo.cleanup());

  const writeAll = (): void => {
    for (const c of [...cs, big]) repo.write(c.path, c.content);
  };

  it('tree scan', async () => {
    writeAll();
    const result = await scanTree(repo.dir, opts);
    expect(occurrences(result)).toEqual(expected(cs));
    expectSkippedListed(result, big.path);
    expect(result.stats.binaryScanned).toBe(3);
    expect(result.stats.utf16Decoded).toBe(6);
    expectNoSecret(result, [...cs, big]);
  });

  it('history scan', async () => {
    repo.commit('base');
    writeAll();
    const sha = repo.commit('everything');
    const result = await scanHistory(repo.dir, opts);
    expect(occurrences(result)).toEqual(expected(cs));
    for (const f of result.findings) expect(f.introducedBy?.commit).toBe(sha);
    expectSkippedListed(result, big.path);
    expectNoSecret(result, [...cs, big]);
  });

  it('range scan', async () => {
    const base = repo.commit('base');
    writeAll();
    const sha = repo.commit('everything');
    const result = await scanRange(repo.dir, { include: [sha], exclude: [base] }, opts);
    expect(occurrences(result)).toEqual(expected(cs));
    for (const o of result.findings.flatMap((f) => f.occurrences)) expect(o.commit).toBe(sha);
    expectSkippedListed(result, big.path);
    expect(result.skipped[0]!.commit).toBe(sha);
    expectNoSecret(result, [...cs, big]);
  });

  it('staged scan', async () => {
    repo.commit('base');
    writeAll();
    repo.git('add', '-A');
    const result = await scanStaged(repo.dir, opts);
    expect(occurrences(result)).toEqual(expected(cs));
    expectSkippedListed(result, big.path);
    expectNoSecret(result, [...cs, big]);
  });
});

describe('.gitattributes of the scanned repository cannot hide content', () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = createRepo();
    repo.write('README.md', 'hello\n');
  });
  afterEach(() => repo.cleanup());

  function plant(): { t: string[]; files: Record<string, string> } {
    const t = [0, 1, 2, 3].map(() => redisTokenParts().token);
    repo.write(
      '.gitattributes',
      '*.env -diff\n*.cfg binary\n*.ini diff=hidden\n*.yml -text -diff linguist-generated\n',
    );
    repo.git('config', 'diff.hidden.binary', 'true');
    repo.git('config', 'diff.hidden.textconv', 'cat /dev/null #');
    const files = {
      'a.env': `A=1\n${env(t[0]!)}\n`,
      'b.cfg': `# x\n# y\n${env(t[1]!)}\n`,
      'c.ini': `${env(t[2]!)}\n`,
      'd.yml': `k: 1\nj: 2\nl: 3\ntoken: ${t[3]!}\nUPSTASH_REDIS_REST_URL: x\n`,
    };
    for (const [p, c] of Object.entries(files)) repo.write(p, c);
    return { t, files };
  }
  const want = ['a.env:2', 'b.cfg:3', 'c.ini:1', 'd.yml:4'];

  it('range scan reads files marked -diff, binary or with a binary diff driver', async () => {
    const base = repo.commit('base');
    plant();
    const sha = repo.commit('hidden');
    const result = await scanRange(repo.dir, { include: [sha], exclude: [base] }, opts);
    expect(occurrences(result)).toEqual(want);
  });

  it('staged scan too', async () => {
    repo.commit('base');
    plant();
    repo.git('add', '-A');
    const result = await scanStaged(repo.dir, opts);
    expect(occurrences(result)).toEqual(want);
  });

  it('a binary already holding a value is not blamed again; a value added to it is', async () => {
    const old = redisTokenParts().token;
    repo.write(
      'db.sqlite',
      Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.from(env(old))]),
    );
    const base = repo.commit('base');
    const added = redisTokenParts().token;
    repo.write(
      'db.sqlite',
      Buffer.concat([
        Buffer.from('SQLite format 3\0'),
        Buffer.from(`${env(old)}\0\n\0`),
        Buffer.from(`REDIS_TOKEN=${added}\0`),
      ]),
    );
    const sha = repo.commit('more');
    const result = await scanRange(repo.dir, { include: [sha], exclude: [base] }, opts);
    // Offset: the header, the old line with its NUL, LF and NUL, then "REDIS_TOKEN=".
    const offset = 16 + env(old).length + 3 + 'REDIS_TOKEN='.length;
    expect(occurrences(result)).toEqual([`db.sqlite:2@${offset}`]);
    expect(JSON.stringify(result)).not.toContain(added);
  });
});

/**
 * 256 random-looking bytes, the same on every run. With fresh random bytes about one run in twenty
 * drew a sequence where the planted name's printable run ended at `=`, no printable run of six
 * bytes came before the next planted `upstash.io`, and that run went on with six more value
 * characters: printable runs become lines, and `NAME=` with a value on the next line was read as a
 * low-confidence credential. A value on the next line now counts only when quoted
 * (test/core/scan/empty-values.test.ts), which leaves that pairing to a run that also starts with
 * a quote; the noise stays fixed all the same: a test that fails by chance tells nothing about a
 * change.
 */
function noise(seed: string): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < 8; i++) out.push(createHash('sha256').update(`${seed}/${i}`).digest());
  return Buffer.concat(out);
}

describe('random binary content', () => {
  it('yields no finding, even with keywords planted among random bytes', async () => {
    const repo = createRepo();
    try {
      const keywords = [
        'UPSTASH_REDIS_REST_TOKEN=',
        'upstash.io',
        'redis://',
        'AAI',
        'STASH',
        'KV_REST',
        'qstash',
      ];
      for (let f = 0; f < 8; f++) {
        const parts: Buffer[] = [];
        for (let i = 0; i < 400; i++) {
          parts.push(noise(`${f}/${i}`));
          parts.push(Buffer.from(keywords[i % keywords.length]!));
        }
        repo.write(`bin/r${f}.bin`, Buffer.concat([Buffer.from([0]), ...parts]));
      }
      const tree = await scanTree(repo.dir, opts);
      expect(tree.stats.binaryScanned).toBe(8);
      expect(tree.findings).toEqual([]);
      repo.commit('random');
      const history = await scanHistory(repo.dir, opts);
      expect(history.findings).toEqual([]);
      expect(history.stats.binaryScanned).toBe(8);
    } finally {
      repo.cleanup();
    }
  });
});
