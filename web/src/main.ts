// The dashboard's shell: the login form (the admin token, kept in sessionStorage), the
// navigation, hash routes (`#/skus/MUG`: nothing of the route reaches the server), and the
// current page, reloaded on its own period while the tab is visible.
import { html, nothing, render } from 'lit-html';
import { api, token, whenUnauthorized, type Connection } from './api.js';
import { messageOf, type PageContext, type PageFactory, type PageView } from './page.js';
import { buffersPage } from './pages/buffers.js';
import { driftPage } from './pages/drift.js';
import { incidentsPage } from './pages/incidents.js';
import { overviewPage } from './pages/overview.js';
import { quarantinePage } from './pages/quarantine.js';
import { skuPage } from './pages/sku.js';
import { skusPage } from './pages/skus.js';
import './style.css';

const ROUTES: Record<string, { nav?: string; page: PageFactory }> = {
  '': { nav: 'Overview', page: overviewPage },
  skus: { nav: 'SKUs', page: skusPage },
  sku: { page: skuPage },
  incidents: { nav: 'Incidents', page: incidentsPage },
  quarantine: { nav: 'Quarantine', page: quarantinePage },
  drift: { nav: 'Drift', page: driftPage },
  buffers: { nav: 'Buffers', page: buffersPage },
};

const root = document.getElementById('app')!;
let current: { name: string; hash: string; view: PageView } | undefined;
let loadError: string | null = null;
let flash: { message: string; kind: 'ok' | 'error' } | null = null;
let flashTimer: number | undefined;
let refreshTimer: number | undefined;
let loginError: string | null = null;

function parseHash(): { name: string; arg: string | undefined; params: URLSearchParams } {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name = '', ...rest] = path.split('/');
  return { name: name in ROUTES ? name : '', arg: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined, params: new URLSearchParams(search) };
}

const ctx = (arg: string | undefined, params: URLSearchParams): PageContext => ({
  update: draw,
  navigate: (hash) => (location.hash = hash),
  flash(message, kind = 'ok') {
    flash = { message, kind };
    clearTimeout(flashTimer);
    flashTimer = window.setTimeout(() => ((flash = null), draw()), kind === 'ok' ? 4000 : 10000);
    draw();
  },
  arg,
  params,
});

async function load(view: PageView): Promise<void> {
  try {
    await view.load();
    loadError = null;
  } catch (e) {
    loadError = messageOf(e);
  }
  if (current?.view === view) draw();
}

function route(): void {
  if (!token.get()) return draw();
  const { name, arg, params } = parseHash();
  if (current && current.hash === location.hash) return;
  current?.view.dispose?.();
  clearInterval(refreshTimer);
  const view = ROUTES[name]!.page(ctx(arg, params));
  current = { name, hash: location.hash, view };
  loadError = null;
  flash = null; // a message about another page's action does not belong on this one
  document.title = `${view.title} · stocksync`;
  draw();
  void load(view);
  if (view.refreshEveryMs) {
    refreshTimer = window.setInterval(() => {
      if (document.visibilityState === 'visible' && current?.view === view) void load(view);
    }, view.refreshEveryMs);
  }
}

async function login(e: Event): Promise<void> {
  e.preventDefault();
  const value = String(new FormData(e.currentTarget as HTMLFormElement).get('token') ?? '').trim();
  if (!value) return;
  token.set(value);
  try {
    await api.get<{ items: Connection[] }>('/connections');
    loginError = null;
    current = undefined;
    route();
  } catch (err) {
    token.clear();
    loginError = messageOf(err);
    draw();
  }
}

function logout(): void {
  token.clear();
  current?.view.dispose?.();
  current = undefined;
  clearInterval(refreshTimer);
  draw();
}

whenUnauthorized(() => {
  if (!token.get()) return;
  token.clear();
  loginError = 'The token was refused: sign in again.';
  current?.view.dispose?.();
  current = undefined;
  clearInterval(refreshTimer);
  draw();
});

function loginView() {
  return html`<main class="login">
    <form class="card" @submit=${login}>
      <h1>stocksync</h1>
      <p>Sign in with the admin token (<code>server.adminToken</code> in the config; the demo prints its own).</p>
      <label>Admin token <input name="token" type="password" autocomplete="current-password" required autofocus /></label>
      ${loginError ? html`<p class="error" role="alert">${loginError}</p>` : nothing}
      <button type="submit">Sign in</button>
    </form>
  </main>`;
}

function draw(): void {
  if (!token.get() || !current) {
    render(loginView(), root);
    return;
  }
  const active = current.name;
  render(
    html`<header class="top">
        <a class="brand" href="#/">stocksync</a>
        <nav>
          ${Object.entries(ROUTES)
            .filter(([, r]) => r.nav)
            .map(([name, r]) => html`<a href="#/${name}" class=${active === name || (name === 'skus' && active === 'sku') ? 'active' : ''}>${r.nav}</a>`)}
        </nav>
        <button class="link" @click=${logout}>Sign out</button>
      </header>
      <main>
        ${flash ? html`<div class="flash ${flash.kind}" role="status">${flash.message}</div>` : nothing}
        ${loadError ? html`<div class="flash error" role="alert">Could not load: ${loadError}</div>` : nothing} ${current.view.view()}
      </main>`,
    root,
  );
}

window.addEventListener('hashchange', route);
route();
