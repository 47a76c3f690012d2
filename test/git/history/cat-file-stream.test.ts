/**
 * streamBlobs against a real repository: every requested blob is visited exactly once with its
 * exact bytes, whatever the number of cat-file readers and however the batches are cut; missing
 * objects are counted, oversize ones are skipped without being buffered.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { streamBlobs } from '../../../src/git/history/cat-file-stream.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';

let repo: TestRepo;
const contents = new Map<string, Buffer>();

beforeAll(() => {
  repo = createRepo();
  for (let c = 0; c < 4; c++) {
    for (let f = 0; f < 40; f++) {
      // Sizes from empty to several pipe chunks, text and binary, some shared across commits.
      const size = (f * 7919 + c * 104729) % (f % 9 === 0 ? 300_000 : 5000);
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 31 + f + c) & 0xff;
      repo.write(`dir${f % 5}/file-${f}.bin`, f % 4 === 0 && c > 0 ? `stable ${f}\n` : body);
    }
    repo.commit(`round ${c}`);
  }
  for (const line of repo.git('rev-list', '--objects', '--all').split('\n')) {
    const [oid, path] = line.split(' ');
    if (!path || repo.git('cat-file', '-t', oid!) !== 'blob') continue;
    contents.set(oid!, rawBlob(oid!));
  }
});
afterAll(() => repo.cleanup());

/** The blob's exact bytes (the helper's git() trims its output). */
function rawBlob(oid: string): Buffer {
  return execFileSync('git', ['cat-file', 'blob', oid], {
    cwd: repo.dir,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function batches(oids: string[], size: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < oids.length; i += size) out.push(oids.slice(i, i + size));
  return out;
}

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('streamBlobs', () => {
  it.each([
    [1, 1],
    [2, 7],
    [3, 50],
    [4, 1000],
  ])('visits every blob once with its bytes (%i readers, batches of %i)', async (readers, size) => {
    const oids = [...contents.keys()];
    expect(oids.length).toBeGreaterThan(100);
    const seen = new Map<string, string>();
    const result = await streamBlobs(
      repo.dir,
      batches(oids, size),
      Number.MAX_SAFE_INTEGER,
      (oid, parts, bytes) => {
        expect(seen.has(oid)).toBe(false);
        expect(parts).not.toBeNull();
        const data = Buffer.concat(parts!);
        expect(data.length).toBe(bytes);
        seen.set(oid, digest(data));
      },
      { readers },
    );
    expect(result.missing).toBe(0);
    expect(seen.size).toBe(oids.length);
    for (const [oid, body] of contents) expect([oid, seen.get(oid)]).toEqual([oid, digest(body)]);
  });

  it('counts missing objects and skips oversize blobs without their bytes', async () => {
    const oids = [...contents.keys()];
    const big = oids.filter((o) => contents.get(o)!.length > 10_000);
    expect(big.length).toBeGreaterThan(0);
    const absent = ['0123456789abcdef0123456789abcdef01234567', 'f'.repeat(40)];
    const skipped: string[] = [];
    let visited = 0;
    const result = await streamBlobs(
      repo.dir,
      batches([...absent.slice(0, 1), ...oids, ...absent.slice(1)], 13),
      10_000,
      (oid, parts) => {
        visited++;
        if (parts === null) skipped.push(oid);
      },
      { readers: 2 },
    );
    expect(result.missing).toBe(2);
    expect(visited).toBe(oids.length);
    expect(skipped.sort()).toEqual(big.sort());
  });

  it('stops and reports a cancelled scan', async () => {
    const controller = new AbortController();
    const oids = [...contents.keys()];
    async function* slow(): AsyncGenerator<string[]> {
      yield oids.slice(0, 5);
      controller.abort();
      yield oids.slice(5);
    }
    await expect(
      streamBlobs(repo.dir, slow(), Number.MAX_SAFE_INTEGER, () => undefined, {
        signal: controller.signal,
        readers: 2,
      }),
    ).rejects.toThrow('cancelled');
  });
});
