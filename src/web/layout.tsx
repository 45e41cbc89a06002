/** The page frame of the web UI and its one stylesheet (served at /static/hark.css). */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  readonly title: string;
  /** Who is signed in (null: the sign-in page). */
  readonly signedInAs?: string | null;
  readonly csrf?: string;
  /** Reload the page every this many seconds (a wall display); unset: never. */
  readonly refreshSeconds?: number;
  readonly children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          {props.refreshSeconds ? <meta http-equiv="refresh" content={String(props.refreshSeconds)} /> : null}
          <title>{`${props.title} · Hark`}</title>
          <link rel="stylesheet" href={`/static/hark.css?v=${CSS_VERSION}`} />
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/">
              Hark
            </a>
            {props.signedInAs ? (
              <form method="post" action="/logout" class="signout">
                <input type="hidden" name="csrf" value={props.csrf ?? ''} />
                <span class="who">{props.signedInAs}</span>
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            ) : null}
          </header>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

/** A person to choose in a form (`name="person"`), the signed-in one first selected. */
export function PersonSelect(p: {
  people: readonly { readonly name: string; readonly label: string }[];
  selected: string | null;
}) {
  return (
    <select name="person">
      {p.people.map((x) => (
        <option value={x.name} selected={x.name === p.selected}>
          {x.label}
        </option>
      ))}
    </select>
  );
}

/** Person colours for the timeline: distinct, and dark text reads on all of them. */
export const PERSON_COLOURS = [
  '#8ecae6',
  '#ffb703',
  '#90be6d',
  '#f4a3c0',
  '#b8a1e3',
  '#f9c74f',
  '#76c8b1',
  '#f8961e',
  '#a3c4f3',
  '#d4a373',
] as const;

export const CSS = `
:root { --fg: #1b1f24; --muted: #5b6570; --line: #d8dde3; --bg: #f6f7f9; --card: #fff;
  --trig: #c92a2a; --ack: #b7791f; --ok: #2b8a3e; --accent: #1c64f2; --gap: #fde2e2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
header.top { display: flex; align-items: center; justify-content: space-between; gap: 12px;
  padding: 10px 16px; background: #111827; color: #fff; position: sticky; top: 0; z-index: 5; }
header.top .brand { color: #fff; font-weight: 700; text-decoration: none; font-size: 18px; }
header.top .who { margin-right: 8px; color: #cbd5e1; font-size: 14px; }
header.top button.link { color: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 12px 12px 48px; }
h1 { font-size: 22px; margin: 8px 0 12px; }
h2 { font-size: 18px; margin: 24px 0 8px; }
h3 { font-size: 16px; margin: 14px 0 6px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px; margin: 8px 0; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.nowrap { white-space: nowrap; }
.empty { color: var(--muted); font-style: italic; }
.you { margin: 4px 0 0; padding: 8px 12px; border-radius: 8px; background: #fff; border: 1px solid var(--line); font-size: 15px; }
.you.on { background: #fff4e6; border-color: #ffc078; }
.flash { padding: 10px 12px; border-radius: 8px; margin: 8px 0; background: #e7f5ff; border: 1px solid #a5d8ff; }
.flash.error { background: #fff5f5; border-color: #ffc9c9; }
button, .button { font: inherit; font-weight: 600; border-radius: 8px; border: 1px solid var(--line);
  background: #fff; padding: 10px 14px; min-height: 44px; min-width: 44px; cursor: pointer; color: var(--fg); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.ack { background: var(--ack); border-color: var(--ack); color: #fff; }
button.resolve { background: var(--ok); border-color: var(--ok); color: #fff; }
button.link { background: none; border: none; padding: 4px; min-height: 0; text-decoration: underline; font-weight: 400; }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.state { display: inline-block; font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  padding: 2px 8px; border-radius: 999px; color: #fff; }
.state.triggered { background: var(--trig); }
.state.acknowledged { background: var(--ack); }
.state.resolved { background: var(--ok); }
.sev { display: inline-block; font-size: 12px; font-weight: 700; padding: 2px 6px; border-radius: 6px;
  border: 1px solid var(--line); background: #fff; }
.incident .title { font-weight: 600; font-size: 17px; margin: 6px 0 2px; word-break: break-word; }
.incident .title a { color: inherit; text-decoration: none; }
.incident.triggered { border-left: 5px solid var(--trig); }
.incident.acknowledged { border-left: 5px solid var(--ack); }
table.oncall { width: 100%; font-size: 15px; border-collapse: collapse; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; overflow: hidden; }
table.oncall th, table.oncall td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.oncall th { font-size: 13px; color: var(--muted); font-weight: 600; background: #fafbfc; }
table.oncall td.person { font-weight: 600; }
table.oncall td.nobody { color: var(--trig); font-weight: 600; }
.tl { position: relative; margin: 4px 0 2px; }
.tl .ticks { position: relative; height: 18px; font-size: 11px; color: var(--muted); }
.tl .tick { position: absolute; top: 0; white-space: nowrap; padding-left: 2px; border-left: 1px solid var(--line); height: 18px; }
.tl .tick.minor span { display: none; }
.tl .role { font-size: 13px; font-weight: 600; margin: 6px 0 2px; }
.tl .bar { position: relative; height: 30px; background: #eef1f4; border-radius: 6px; overflow: hidden; }
.tl .seg { position: absolute; top: 0; bottom: 0; font-size: 12px; line-height: 30px; padding: 0 4px; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; border-right: 1px solid #fff; color: #111; }
.tl .seg.override { background-image: repeating-linear-gradient(135deg, rgba(0,0,0,.18) 0 4px, transparent 4px 9px);
  box-shadow: inset 0 0 0 2px #111; font-weight: 700; }
.tl .seg.gap { background: repeating-linear-gradient(135deg, var(--gap) 0 6px, #fff 6px 12px); color: var(--trig); font-weight: 700; }
.tl .now { position: absolute; top: 0; bottom: 0; width: 2px; background: var(--trig); z-index: 2; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 13px; color: var(--muted); margin: 4px 0 8px; }
.legend i { display: inline-block; width: 22px; height: 12px; vertical-align: middle; margin-right: 4px; border-radius: 3px; }
.legend i.rotation { background: #8ecae6; }
.legend i.override { background: #ffb703 repeating-linear-gradient(135deg, rgba(0,0,0,.18) 0 4px, transparent 4px 9px); box-shadow: inset 0 0 0 2px #111; }
.legend i.gap { background: repeating-linear-gradient(135deg, var(--gap) 0 4px, #fff 4px 8px); border: 1px solid #f5a3a3; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { padding: 8px 0; border-bottom: 1px solid var(--line); display: grid; grid-template-columns: 7.5em 1fr; gap: 8px; }
ol.timeline time { color: var(--muted); font-variant-numeric: tabular-nums; font-size: 14px; }
ol.timeline .type { font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-word; }
.labels code { display: inline-block; background: #f1f3f5; border-radius: 4px; padding: 0 4px; margin: 2px 4px 2px 0; font-size: 13px; }
.alert pre.details { background: #f1f3f5; padding: 6px 8px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 240px; overflow-y: auto; border-radius: 4px; }
.alert .links { margin-top: 2px; }
input[type=password], input[type=text], textarea { font: inherit; width: 100%; padding: 10px; border: 1px solid var(--line); border-radius: 8px; }
textarea { min-height: 70px; }
.runbook { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 4px 16px 16px; }
.runbook pre { background: #f1f3f5; padding: 10px; overflow-x: auto; border-radius: 6px; }
.runbook code { font-size: 14px; }
h4 { font-size: 14px; margin: 12px 0 4px; }
.overrides ul { list-style: none; padding: 0; margin: 0; }
.overrides li { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 6px;
  padding: 6px 0; border-bottom: 1px solid var(--line); font-size: 14px; }
button.small-button { min-height: 36px; padding: 4px 10px; font-size: 14px; }
.override-form { display: grid; gap: 8px; margin: 6px 0; }
.override-form label { display: grid; gap: 2px; font-size: 14px; color: var(--muted); }
select { font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff; color: var(--fg); }
@media (min-width: 720px) { .override-form { grid-template-columns: repeat(4, 1fr); align-items: end; }
  .override-form .actions { margin: 0; } }
details summary { cursor: pointer; color: var(--accent); font-size: 14px; margin: 6px 0; }
@media (min-width: 720px) {
  .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  ol.timeline li { grid-template-columns: 11em 1fr; }
}
`;

/** Changes with the stylesheet, so browsers cache it for long and still get a new one. */
export const CSS_VERSION = (() => {
  let h = 0;
  for (let i = 0; i < CSS.length; i++) h = (h * 31 + CSS.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
})();
