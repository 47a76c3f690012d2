/**
 * attributeBlobs against a real repository with branches, an evil merge (the merge commit changes
 * a file itself), a rename, a deletion and a re-introduction: whatever the number of diff-tree
 * workers, the writes and replacements are exactly what one
 * `git log --all --date-order --raw -c --no-renames` walk shows.
 */
import { createHash } from 'node:crypto';
import { attributeBlobs, commitLines, listCommits } from '../../../src/git/history/attribute.js';
import { HistoryRefs } from '../../../src/git/history/history-refs.js';
import { createRepo, type TestRepo } from '../../helpers/git-repo.js';

let repo: TestRepo;
let hits: Set<string>;

/** git's blob id: sha1 of "blob <size>\0<content>". */
function blobId(text: string): string {
  const body = Buffer.from(text);
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${body.length}\0`), body]))
    .digest('hex');
}

beforeAll(() => {
  repo = createRepo();
  const at = (n: number): { date: string } => ({
    date: `2024-01-${String(n).padStart(2, '0')}T10:00:00Z`,
  });
  repo.write('a.txt', 'one\n');
  repo.write('keep.txt', 'secret-ish A\n');
  repo.commit('root', at(1));
  repo.branch('feature');
  repo.checkout('feature');
  repo.write('conf/.env', 'secret-ish B\n');
  repo.commit('feature adds B', at(2));
  repo.rename('conf/.env', 'conf/moved.env');
  repo.commit('feature moves B', at(3));
  repo.checkout('main');
  repo.write('a.txt', 'two\n');
  repo.commit('main edits a', at(4));
  repo.merge('feature', { message: 'merge feature' });
  repo.write('keep.txt', 'secret-ish C\n');
  repo.git('commit', '-q', '--amend', '-a', '--no-edit');
  repo.remove('conf/moved.env');
  repo.commit('delete B', at(6));
  repo.write('again.env', 'secret-ish B\n');
  repo.commit('B again', at(7));
  for (let i = 0; i < 40; i++) {
    repo.write(`n/${i}.txt`, `noise ${i}\n`);
    repo.commit(`noise ${i}`, at(8 + (i % 20)));
  }
  hits = new Set(['secret-ish A\n', 'secret-ish B\n', 'secret-ish C\n'].map(blobId));
});
afterAll(() => repo.cleanup());

/** The reference: one git log walk, parsed the plain way. */
function reference(): { writes: string[]; replaced: string[] } {
  const log = repo.git(
    'log',
    '--all',
    '--date-order',
    '--no-abbrev',
    '--raw',
    '-c',
    '--no-renames',
    '--format=%x01%H',
  );
  const writes: string[] = [];
  const replaced: string[] = [];
  let commit = '';
  let order = 0;
  const orderOf = new Map<string, number>();
  for (const line of log.split('\n')) {
    if (line.startsWith('\x01')) {
      commit = line.slice(1);
      orderOf.set(commit, order++);
      continue;
    }
    if (!line.startsWith(':')) continue;
    const [meta, path] = line.split('\t');
    const fields = meta!.replace(/^:+/, '').split(' ');
    const n = (fields.length - 1) / 2;
    const oids = fields.slice(n, 2 * n);
    const next = oids[oids.length - 1]!;
    for (const prev of oids.slice(0, -1))
      if (prev !== next && hits.has(prev)) replaced.push(`${commit} ${prev}>${next}`);
    if (hits.has(next))
      writes.push(`${orderOf.get(commit)} ${commit} ${path} ${next} <${oids.slice(0, -1)}>`);
  }
  return { writes: writes.sort(), replaced: replaced.sort() };
}

describe('attributeBlobs', () => {
  it.each([1, 2, 3, 7])('matches one git log walk with %i diff-tree workers', async (workers) => {
    const commits = await listCommits(repo.dir, undefined, () => false, new HistoryRefs(repo.dir));
    expect(commits.count).toBe(Number(repo.git('rev-list', '--all', '--count')));
    const a = await attributeBlobs(repo.dir, hits, { commits, workers });
    expect(a.error).toBeUndefined();
    expect(a.commits).toBe(commits.count);
    const writes = [...a.writes.entries()]
      .flatMap(([oid, ws]) =>
        ws.map((w) => `${w.order} ${w.commit} ${w.path} ${oid} <${w.previous}>`),
      )
      .sort();
    const replaced = [...a.replaced.entries()]
      .flatMap(([commit, pairs]) => pairs.map(([p, n]) => `${commit} ${p}>${n}`))
      .sort();
    const ref = reference();
    expect(writes).toEqual(ref.writes);
    expect(replaced).toEqual(ref.replaced);
    // Each blob's writes in walk order, newest first.
    for (const ws of a.writes.values())
      expect(ws.map((w) => w.order)).toEqual([...ws.map((w) => w.order)].sort((x, y) => x - y));
    // The evil merge, the rename target, the deletion and the re-introduction are all there.
    expect(writes.length).toBeGreaterThanOrEqual(5);
    expect(replaced.length).toBeGreaterThanOrEqual(2);
  });

  it('lists the commits itself when not given them, and does nothing without hits', async () => {
    const a = await attributeBlobs(repo.dir, hits);
    expect(a.writes.size).toBe(3);
    const none = await attributeBlobs(repo.dir, new Set());
    expect(none.writes.size).toBe(0);
    expect(none.commits).toBe(0);
  });
});

describe('listCommits', () => {
  it('reads the list as it comes: messages across pipe chunks, every header kept', async () => {
    const big = createRepo();
    try {
      // Messages of about 100 KB: records span the pipe's chunks, and a NUL-free run is long.
      for (let i = 0; i < 6; i++) {
        big.write('f.txt', `${i}\n`);
        const filler = `line ${i} `.repeat(12_000);
        big.commit(i === 3 ? `${filler}\nredis_password=hunter2hunter2` : filler);
      }
      const gated: string[] = [];
      const list = await listCommits(
        big.dir,
        undefined,
        (bytes) => {
          const hit = Buffer.from(bytes).includes('redis_password');
          if (hit) gated.push('x');
          return hit;
        },
        new HistoryRefs(big.dir),
      );
      expect(list.count).toBe(6);
      expect(gated).toHaveLength(1);
      expect(list.messages).toHaveLength(1);
      expect(list.messages[0]!.text).toContain('redis_password=hunter2hunter2');
      expect(list.messages[0]!.commit).toBe(
        big.git('rev-list', '--all', '--date-order').trim().split('\n')[2],
      );
      // Only the headers are held: far less than the messages.
      expect(list.raw.length).toBeLessThan(6 * 100);
      expect(commitLines(list)).toEqual(
        big.git('rev-list', '--all', '--date-order', '--parents').trim().split('\n'),
      );
    } finally {
      big.cleanup();
    }
  });
});
