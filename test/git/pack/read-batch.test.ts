/**
 * One reader request against a real repository's pack (read on the calling thread, as a reader
 * thread reads it): a result holds at most `maxKept` bytes of kept blobs and defers the rest
 * unread, and a reader that scans sends its answer per blob instead of the bytes.
 */
import { join } from 'node:path';
import { openPacksIn } from '../../../src/git/pack/pack-store.js';
import {
  DEFERRED,
  GATED,
  KEPT,
  readBatch,
  SCANNED,
  textGate,
} from '../../../src/git/pack/read-batch.js';
import { createKeywordScanner } from '../../../src/git/history/keyword-scanner.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';

describe('readBatch', () => {
  let repo: TestRepo;
  let oids: string[];
  const files = [
    ['a.txt', 'upstash one\n'.repeat(100)],
    ['b.txt', 'nothing to see\n'.repeat(100)],
    ['c.txt', 'upstash three\n'.repeat(100)],
    ['d.txt', 'upstash four\n'.repeat(100)],
  ] as const;
  beforeAll(() => {
    repo = createRepo();
    for (const [path, text] of files) repo.write(path, text);
    repo.commit('files');
    repo.git('repack', '-adq');
    oids = files.map(([path]) => repo.git('rev-parse', `HEAD:${path}`).trim());
  });
  afterAll(() => repo.cleanup());

  const gate = textGate(createKeywordScanner(['upstash']));
  const open = () => openPacksIn(join(repo.dir, '.git', 'objects'), {})!;

  it('keeps what passes the gate, and defers the rest once a result holds maxKept bytes', () => {
    const store = open();
    const all = readBatch(store, { id: 1, oids: oids.join('') }, 1 << 20, gate);
    expect([...all.outcome]).toEqual([KEPT, GATED, KEPT, KEPT]);
    // Room for one kept blob: once it is full, nothing more is read.
    const size = files[0][1].length;
    const capped = readBatch(store, { id: 2, oids: oids.join('') }, 1 << 20, gate, undefined, size);
    expect([...capped.outcome]).toEqual([KEPT, DEFERRED, DEFERRED, DEFERRED]);
    expect(Buffer.concat(capped.data.map((d) => Buffer.from(d))).toString()).toBe(files[0][1]);
    // What was deferred, asked again, is read as if never deferred.
    const again = readBatch(
      store,
      { id: 3, oids: oids.slice(1).join('') },
      1 << 20,
      gate,
      undefined,
      size,
    );
    expect([...again.outcome]).toEqual([GATED, KEPT, DEFERRED]);
    store.close();
  });

  it('a reader that scans sends its answer for each blob that passes, and no bytes', () => {
    const store = open();
    const seen: string[] = [];
    const r = readBatch(store, { id: 1, oids: oids.join('') }, 1 << 20, gate, (data, i) => {
      seen.push(data.toString());
      return { index: i, lines: data.toString().split('\n').length - 1 };
    });
    expect([...r.outcome]).toEqual([SCANNED, GATED, SCANNED, SCANNED]);
    expect(r.scans).toEqual([
      { index: 0, lines: 100 },
      { index: 2, lines: 100 },
      { index: 3, lines: 100 },
    ]);
    expect(seen).toEqual([files[0][1], files[2][1], files[3][1]]);
    expect(r.data).toEqual([]);
    // Scanned answers carry no bytes, so they never fill a result.
    const capped = readBatch(store, { id: 2, oids: oids.join('') }, 1 << 20, gate, () => 0, 1);
    expect([...capped.outcome]).toEqual([SCANNED, GATED, SCANNED, SCANNED]);
    store.close();
  });
});
