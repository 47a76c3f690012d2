/** The guidance Markdown subset as HTML: escaped first, numbered lists keep their numbers across code blocks. */
import { markdownToHtml } from '../../src/web/views.js';

test('markdownToHtml escapes everything and renders the guidance subset', () => {
  const html = markdownToHtml(
    [
      '### Redis <b>',
      '1. Reset the **password** in `console`',
      '```sh',
      'git show <sha>:.env | sed -n "2p"',
      '```',
      '2. Rewrite history',
      '- a <script>x</script> path',
    ].join('\n'),
  );
  expect(html).toContain('<h5>Redis &lt;b&gt;</h5>');
  expect(html).toContain('<li>Reset the <strong>password</strong> in <code>console</code></li>');
  expect(html).toContain(
    '<pre><code>git show &lt;sha&gt;:.env | sed -n &quot;2p&quot;</code></pre>',
  );
  expect(html).toContain('<ol start="2">');
  expect(html).toContain('<li>a &lt;script&gt;x&lt;/script&gt; path</li>');
  expect(html).not.toMatch(/<script>|<b>/);
});
