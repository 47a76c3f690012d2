/**
 * Server-rendered HTML for the incidents page (Eta templates, every interpolation escaped). Works
 * without JavaScript: filters are a GET form, actions are POST forms with a CSRF token. Plain,
 * labelled controls, visible focus, and colours with at least 4.5:1 contrast on white.
 */
import { Eta } from 'eta';
import type { Incident } from '../incidents/model.js';
import { introductionPlace, where } from '../report/labels.js';
import { formatDuration, latestVerdict, type IncidentQuery, type Summary } from './query.js';

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, cache: true });

const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · upstash-guard</title>
<link rel="stylesheet" href="/incidents/style.css">
</head>
<body>
<header>
  <a class="brand" href="/incidents">upstash-guard incidents</a>
  <% if (it.login) { %>
  <form method="post" action="/incidents/logout" class="inline">
    <span>Signed in as <strong><%= it.login %></strong></span>
    <input type="hidden" name="csrf" value="<%= it.csrf %>">
    <button type="submit">Sign out</button>
  </form>
  <% } %>
</header>
<main id="main">
<%~ it.body %>
</main>
</body>
</html>`;

eta.loadTemplate('@layout', layout);

eta.loadTemplate(
  '@login',
  `<h1>Incidents</h1>
<p>Every Upstash credential that upstash-guard found in your organisation's repositories, from first
sight to rotated and removed. You see the repositories your GitHub account can access, nothing more.</p>
<p><a class="button" href="/incidents/login">Sign in with GitHub</a></p>`,
);

eta.loadTemplate(
  '@error',
  `<h1><%= it.heading %></h1><p><%= it.message %></p><p><a href="/incidents">Back to the incidents</a></p>`,
);

eta.loadTemplate(
  '@list',
  `<h1>Incidents</h1>
<section aria-label="Counts" class="counts">
  <div><span class="n"><%= it.summary.total %></span> incidents</div>
  <div><span class="n"><%= it.summary.byStatus.open %></span> open</div>
  <div><span class="n"><%= it.summary.live %></span> live</div>
  <div><span class="n"><%= it.summary.byStatus.rotated %></span> rotated</div>
  <div><span class="n"><%= it.summary.byStatus.removed + it.summary.byStatus.resolved %></span> removed or resolved</div>
  <div><span class="n"><%= it.summary.byStatus.allowed %></span> allowed</div>
  <div>time to rotate: median <strong><%= it.fmt(it.summary.rotate.medianMs) %></strong>, worst <strong><%= it.fmt(it.summary.rotate.worstMs) %></strong> (<%= it.summary.rotate.count %> rotated)</div>
</section>
<form method="get" action="/incidents" class="filters" aria-label="Filters">
  <label>Status <select name="status"><option value="">any</option><% for (const s of it.options.status) { %><option value="<%= s %>"<%= it.q.status === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <label>Verification <select name="verdict"><option value="">any</option><% for (const s of it.options.verdict) { %><option value="<%= s %>"<%= it.q.verdict === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <label>Repository <select name="repo"><option value="">any</option><% for (const s of it.options.repo) { %><option value="<%= s %>"<%= it.q.repo === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <label>Type <select name="type"><option value="">any</option><% for (const s of it.options.type) { %><option value="<%= s %>"<%= it.q.type === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <label>Exposure <select name="exposure"><option value="">any</option><% for (const s of ['server', 'browser']) { %><option value="<%= s %>"<%= it.q.exposure === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <label>Sort by <select name="sort"><% for (const s of it.options.sort) { %><option value="<%= s %>"<%= it.q.sort === s ? ' selected' : '' %>><%= s %></option><% } %></select></label>
  <button type="submit">Apply</button>
</form>
<p class="exports">Export these incidents: <a href="/incidents/export.csv<%= it.qs ? '?' + it.qs : '' %>">CSV</a> · <a href="/incidents/export.json<%= it.qs ? '?' + it.qs : '' %>">JSON</a></p>
<% if (it.rows.length === 0) { %>
<p class="empty">No incidents match.</p>
<% } else { %>
<table>
<caption class="visually-hidden">Incidents</caption>
<thead><tr><th scope="col">Credential</th><th scope="col">Status</th><th scope="col">Verification</th><th scope="col">Severity</th><th scope="col">Exposure</th><th scope="col">Repositories</th><th scope="col">Last seen</th></tr></thead>
<tbody>
<% for (const r of it.rows) { %>
<tr>
  <td><a href="<%= r.href %>"><%= r.i.title %></a><br><code><%= r.i.masked %></code></td>
  <td><span class="status status-<%= r.i.status %>"><%= r.i.status %></span></td>
  <td><%= r.verdict %></td>
  <td><%= r.i.severity %></td>
  <td><%= r.i.exposure.kind %></td>
  <td><%= r.i.repositories.map((x) => x.fullName).join(', ') %></td>
  <td><time datetime="<%= r.i.lastSeenAt %>"><%= r.i.lastSeenAt.slice(0, 16).replace('T', ' ') %></time></td>
</tr>
<% } %>
</tbody>
</table>
<% } %>`,
);

eta.loadTemplate(
  '@incident',
  `<p><a href="/incidents">All incidents</a></p>
<h1><%= it.i.title %> <code><%= it.i.masked %></code></h1>
<dl class="facts">
  <dt>Status</dt><dd><span class="status status-<%= it.i.status %>"><%= it.i.status %></span><% if (it.i.allowed) { %> by <%= it.i.allowed.by %> on <%= it.i.allowed.at %>: <%= it.i.allowed.reason %><% } %></dd>
  <dt>Verification</dt><dd><%= it.verdict %></dd>
  <dt>Type</dt><dd><%= it.i.type %><%= it.i.readOnly === true ? ' (read-only)' : '' %></dd>
  <dt>Endpoint</dt><dd><%= it.i.endpoint || 'unknown' %></dd>
  <dt>Severity</dt><dd><%= it.i.severity %> (<%= it.i.confidence %> confidence)</dd>
  <dt>Exposure</dt><dd><%= it.i.exposure.kind %><%= it.i.exposure.reason ? ': ' + it.i.exposure.reason : '' %></dd>
  <dt>Fingerprint</dt><dd><code><%= it.i.fingerprint %></code></dd>
  <dt>First seen</dt><dd><%= it.i.firstSeenAt %></dd>
  <dt>Last seen</dt><dd><%= it.i.lastSeenAt %></dd>
</dl>
<section aria-labelledby="actions-h">
<h2 id="actions-h">Actions</h2>
<% if (!it.canAct) { %>
<p>Acting on this incident needs write access to every repository that still holds the credential.</p>
<% } else { %>
<form method="post" action="<%= it.href %>/reverify" class="inline">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <button type="submit">Re-verify now</button>
</form>
<% if (it.i.status === 'allowed') { %>
<form method="post" action="<%= it.href %>/unallow" class="inline">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <button type="submit">Withdraw allowance</button>
</form>
<% } else { %>
<form method="post" action="<%= it.href %>/allow">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <label for="reason">Reason for allowing</label>
  <input id="reason" name="reason" required minlength="3" maxlength="500">
  <button type="submit">Mark allowed</button>
</form>
<% } %>
<% if (it.i.status === 'removed') { %>
<form method="post" action="<%= it.href %>/resolve" class="inline">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <button type="submit">Confirm outside clean-up done</button>
</form>
<% } %>
<% } %>
</section>
<section aria-labelledby="removal-h">
<h2 id="removal-h">Removal from git</h2>
<table>
<thead><tr><th scope="col">Repository</th><th scope="col">Reachable from a fetched ref</th><th scope="col">Checked</th><th scope="col">Introduced by</th></tr></thead>
<tbody>
<% for (const r of it.i.repositories) { %>
<tr><td><a href="<%= it.web %>/<%= r.fullName %>"><%= r.fullName %></a></td><td><%= r.reachable === 'unknown' ? 'unknown' : r.reachable ? 'yes' : 'no' %></td><td><%= r.checkedAt %> (<%= r.checkedBy %>)</td><td><% if (r.introducedBy) { %><a href="<%= it.web %>/<%= r.fullName %>/commit/<%= r.introducedBy.commit %>"><code><%= r.introducedBy.commit.slice(0, 7) %></code></a> <%= it.introPlace(r.introducedBy) %><% } %></td></tr>
<% } %>
</tbody>
</table>
<p>upstash-guard fetches branches and tags. It cannot see pull-request refs (<code>refs/pull/*</code>) or GitHub's cached views of old commits,
so once no fetched ref reaches the credential, ask GitHub Support to remove the cached views and the pull-request refs,
and have every fork and clone re-cloned. Rotation comes first: removing a secret from git does not revoke it.</p>
</section>
<section aria-labelledby="occ-h">
<h2 id="occ-h">Occurrences</h2>
<table>
<thead><tr><th scope="col">Repository</th><th scope="col">File and line</th><th scope="col">Commit</th><th scope="col">Author</th><th scope="col">Date</th></tr></thead>
<tbody>
<% for (const o of it.occurrences) { %>
<tr><td><%= o.repo %></td><td><% if (o.href) { %><a href="<%= o.href %>"><%= o.place %></a><% } else { %><%= o.place %><% } %></td><td><% if (o.commit) { %><code><%= o.commit.slice(0, 7) %></code><% } %></td><td><%= o.author || '' %></td><td><%= o.date || '' %></td></tr>
<% } %>
</tbody>
</table>
</section>
<section aria-labelledby="ver-h">
<h2 id="ver-h">Verification timeline</h2>
<% if (it.i.verifications.length === 0) { %><p>Never verified.</p><% } else { %>
<ol>
<% for (const v of it.i.verifications) { %><li><time datetime="<%= v.at %>"><%= v.at %></time>: <strong><%= v.status %></strong><%= v.reason ? ' (' + v.reason + ')' : '' %>, by <%= v.by %></li><% } %>
</ol>
<% } %>
</section>
<section aria-labelledby="hist-h">
<h2 id="hist-h">Status history</h2>
<ol>
<% for (const t of it.i.transitions) { %><li><time datetime="<%= t.at %>"><%= t.at %></time>: <%= t.from || 'new' %> → <strong><%= t.to %></strong>: <%= t.cause %></li><% } %>
</ol>
</section>
<section aria-labelledby="guide-h">
<h2 id="guide-h">What to do</h2>
<%~ it.guidanceHtml %>
</section>`,
);

export const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:0}
header{display:flex;justify-content:space-between;align-items:center;padding:.75rem 1.5rem;border-bottom:1px solid #767676}
main{padding:1rem 1.5rem;max-width:80rem}
a{color:#0645ad}
a:focus,button:focus,select:focus,input:focus{outline:3px solid #1a1a1a;outline-offset:2px}
.brand{font-weight:700;text-decoration:none;color:#1a1a1a}
.inline{display:inline}
button,.button{font:inherit;padding:.35rem .8rem;border:1px solid #1a1a1a;background:#f3f3f3;color:#1a1a1a;border-radius:4px;text-decoration:none;cursor:pointer}
.counts{display:flex;flex-wrap:wrap;gap:1rem 2rem;margin:1rem 0}
.counts .n{font-size:1.5rem;font-weight:700}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:1rem 0}
.filters label{display:flex;flex-direction:column;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #c8c8c8;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;background:#f3f3f3}
pre{padding:.75rem;overflow:auto}
.status{font-weight:700}
.status-open{color:#b00020}.status-rotated{color:#7a4a00}.status-removed,.status-resolved{color:#0a6b2d}.status-allowed{color:#4a4a4a}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:700}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

interface PageFrame {
  title: string;
  login?: string;
  csrf?: string;
}

function page(frame: PageFrame, name: string, data: Record<string, unknown>): string {
  const body = eta.render(name, data);
  return eta.render('@layout', { ...frame, body });
}

export function loginPage(): string {
  return page({ title: 'Sign in' }, '@login', {});
}

export function errorPage(frame: PageFrame, heading: string, message: string): string {
  return page({ ...frame, title: heading }, '@error', { heading, message });
}

export interface ListRow {
  i: Incident;
  href: string;
  verdict: string;
}

export function listPage(
  frame: PageFrame,
  data: {
    rows: ListRow[];
    summary: Summary;
    q: IncidentQuery;
    qs: string;
    options: Record<string, readonly string[]>;
  },
): string {
  return page({ ...frame, title: 'Incidents' }, '@list', { ...data, fmt: formatDuration });
}

export function incidentPage(
  frame: PageFrame,
  data: {
    i: Incident;
    href: string;
    web: string;
    repoNames: ReadonlyMap<number, string>;
    /** Whether the user may act (write access); without it the page shows no action. */
    canAct: boolean;
    guidanceMarkdown: string;
  },
): string {
  const occurrences = data.i.occurrences.map((o) => {
    const repo = data.repoNames.get(o.repoId) ?? String(o.repoId);
    const pathUrl = o.path.split('/').map(encodeURIComponent).join('/');
    // A commit or tag message is in no file: it links to the commit, with the message line.
    return {
      ...o,
      repo,
      place: where(o),
      href: o.commit
        ? o.source
          ? `${data.web}/${repo}/commit/${o.commit}`
          : `${data.web}/${repo}/blob/${o.commit}/${pathUrl}#L${o.line}`
        : '',
    };
  });
  return page({ ...frame, title: data.i.title }, '@incident', {
    ...data,
    csrf: frame.csrf,
    verdict: latestVerdict(data.i),
    occurrences,
    introPlace: introductionPlace,
    guidanceHtml: markdownToHtml(data.guidanceMarkdown),
  });
}

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * The small Markdown subset the guidance renderer writes (headings, numbered and bulleted steps,
 * fenced code, inline code, bold) as HTML. Everything is escaped first; links stay text.
 */
export function markdownToHtml(md: string): string {
  const out: string[] = [];
  let list: 'ol' | 'ul' | null = null;
  let code: string[] | null = null;
  const inline = (s: string): string =>
    esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  const closeList = (): void => {
    if (list) out.push(`</${list}>`);
    list = null;
  };
  for (const line of md.split('\n')) {
    if (code) {
      if (/^\s*```/.test(line)) {
        out.push(`<pre><code>${esc(code.join('\n'))}</code></pre>`);
        code = null;
      } else code.push(line);
      continue;
    }
    if (/^\s*```/.test(line)) {
      closeList();
      code = [];
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    const ol = /^\s*\d+\.\s+(.*)$/.exec(line);
    const ul = /^\s*[-*]\s+(.*)$/.exec(line);
    if (h) {
      closeList();
      const level = Math.min(6, h[1]!.length + 2);
      out.push(`<h${level}>${inline(h[2]!)}</h${level}>`);
    } else if (ol || ul) {
      const kind = ol ? 'ol' : 'ul';
      if (list !== kind) {
        closeList();
        // A numbered list interrupted by a code block goes on at its own number.
        const start = ol ? Number(/^\s*(\d+)\./.exec(line)![1]) : 1;
        out.push(kind === 'ol' && start > 1 ? `<ol start="${start}">` : `<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline((ol ?? ul)![1]!)}</li>`);
    } else if (line.trim() === '') {
      closeList();
    } else {
      closeList();
      out.push(`<p>${inline(line)}</p>`);
    }
  }
  if (code) out.push(`<pre><code>${esc(code.join('\n'))}</code></pre>`);
  closeList();
  return out.join('\n');
}
