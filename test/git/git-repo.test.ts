import { existsSync } from 'node:fs';
import { createRepo } from '../helpers/git-repo.js';

describe('test/helpers/git-repo', () => {
  it('builds commits, branches, merges, tags and force pushes in a real repository', async () => {
    const repo = await createRepo();
    try {
      repo.write('dir with space/a.txt', 'one\n');
      const first = repo.commit('first', {
        author: 'Ann <ann@example.org>',
        date: '2024-02-03T04:05:06Z',
      });
      expect(repo.git('log', '-1', '--format=%an %aI', first)).toBe(
        'Ann 2024-02-03T04:05:06+00:00',
      );
      repo.branch('feature');
      repo.checkout('feature');
      repo.rename('dir with space/a.txt', 'b.txt');
      const renamed = repo.commit('rename');
      repo.checkout('main');
      repo.write('c.txt', 'c\n');
      repo.commit('main work');
      const merge = repo.merge('feature');
      expect(repo.git('rev-list', '--parents', '-1', merge).split(' ')).toHaveLength(3);
      repo.tag('v1');
      expect(repo.git('rev-parse', 'v1')).toBe(merge);

      const remote = repo.createBareRemote();
      repo.push('main');
      expect(repo.git('ls-remote', 'origin', 'refs/heads/main').split('\t')[0]).toBe(merge);
      repo.git('reset', '-q', '--hard', renamed);
      expect(() => repo.push('main')).toThrow();
      repo.push('main', { force: true });
      expect(repo.git('ls-remote', 'origin', 'refs/heads/main').split('\t')[0]).toBe(renamed);

      repo.cleanup();
      expect(existsSync(repo.dir)).toBe(false);
      expect(existsSync(remote)).toBe(false);
    } finally {
      repo.cleanup();
    }
  });
});
