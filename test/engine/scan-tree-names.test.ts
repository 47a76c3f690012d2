/**
 * File names git allows but UTF-8 does not: a byte such as 0xe9 (latin-1 "é") in a name. Node
 * decodes such a name lossily (U+FFFD), and a string path re-encoded as UTF-8 names another file,
 * so a tree scan must open the name by its bytes or it never reads the file, and says nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { createRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const LATIN1 = Buffer.from([0x6c, 0x61, 0x74, 0xe9, 0x2e, 0x65, 0x6e, 0x76]); // "lat\xe9.env"

function latin1File(dir: string, sub: string, content: string): void {
  const d = Buffer.concat([Buffer.from(join(dir, sub)), Buffer.from('/')]);
  mkdirSync(d, { recursive: true });
  writeFileSync(Buffer.concat([d, LATIN1]), content);
}

describe('tree scan of non-UTF-8 file names', () => {
  it('reads a tracked or untracked file whose name is not UTF-8 (git work tree)', async () => {
    const { token } = redisTokenParts();
    const repo = createRepo();
    try {
      repo.write('README.md', 'x\n');
      latin1File(repo.dir, 'tracked', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      repo.commit('a latin-1 name');
      latin1File(repo.dir, 'untracked', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      // A directory whose name is not UTF-8.
      const d = Buffer.concat([Buffer.from(`${repo.dir}/`), LATIN1]);
      mkdirSync(d);
      writeFileSync(Buffer.concat([d, Buffer.from('/in-dir.env')]), `REDIS_TOKEN=${token}\n`);
      const result = await scanTree(repo.dir, opts);
      expect(result.findings).toHaveLength(1);
      const paths = result.findings[0]!.occurrences.map((o) => o.path).sort();
      expect(paths).toEqual([
        'lat\uFFFD.env/in-dir.env',
        'tracked/lat\uFFFD.env',
        'untracked/lat\uFFFD.env',
      ]);
    } finally {
      repo.cleanup();
    }
  });

  it('reads such a file in a directory that is not a git repository', async () => {
    const { token } = redisTokenParts();
    const dir = mkdtempSync(join(tmpdir(), 'ug-plain-'));
    try {
      writeFileSync(join(dir, 'README.md'), 'x\n');
      latin1File(dir, 'sub', `UPSTASH_REDIS_REST_TOKEN=${token}\n`);
      const result = await scanTree(dir, opts);
      expect(result.findings).toHaveLength(1);
      expect(result.findings[0]!.occurrences.map((o) => o.path)).toEqual(['sub/lat\uFFFD.env']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
