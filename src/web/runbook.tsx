/** Runbook pages (`/runbooks/<name>`, SPEC 1.4): the markdown from runbooks/ as HTML. */
import MarkdownIt from 'markdown-it';
import { raw } from 'hono/html';
import type { Runbook } from '../config/types.js';
import { Layout } from './layout.js';

/** Raw HTML in a runbook is shown as text, not run: the config repository is not a web page. */
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

export function renderRunbook(body: string): string {
  return md.render(body);
}

export function RunbookPage(p: { runbook: Runbook; signedInAs: string; csrf: string }) {
  return (
    <Layout title={p.runbook.title} signedInAs={p.signedInAs} csrf={p.csrf}>
      <p class="small">
        <a href="/">← Dashboard</a> · <span class="muted">runbooks/{p.runbook.name}.md</span>
      </p>
      {/^#\s/.test(p.runbook.body.trimStart()) ? null : <h1>{p.runbook.title}</h1>}
      <article class="runbook">{raw(renderRunbook(p.runbook.body))}</article>
    </Layout>
  );
}
