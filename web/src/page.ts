// What every page of the dashboard is: it loads its data, renders it with lit-html, and may
// ask to be reloaded every few seconds. Pages tell the shell to re-render through `update`.
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from './api.js';

export interface PageContext {
  /** Re-render the page (after its state changed). */
  update(): void;
  /** Go to another page: `#/skus?q=mug`. */
  navigate(hash: string): void;
  /** A message at the top of the page for a few seconds (a write's outcome). */
  flash(message: string, kind?: 'ok' | 'error'): void;
  /** The part of the route after the page's name (`#/skus/MUG` -> `MUG`), decoded. */
  arg: string | undefined;
  /** The route's query (`#/skus?q=mug`). */
  params: URLSearchParams;
}

export interface PageView {
  title: string;
  load(): Promise<void>;
  view(): TemplateResult;
  /** Reload every so many ms while the page is shown (the tab visible). */
  refreshEveryMs?: number;
  dispose?(): void;
}

export type PageFactory = (ctx: PageContext) => PageView;

/** A short, human message for a failed request. */
export const messageOf = (e: unknown): string => (e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e));

/** Runs a user's action; says what happened and reloads the page's data. */
export async function act(ctx: PageContext, page: PageView, what: () => Promise<string>): Promise<boolean> {
  try {
    ctx.flash(await what(), 'ok');
    await page.load().catch(() => {});
    ctx.update();
    return true;
  } catch (e) {
    ctx.flash(messageOf(e), 'error');
    return false;
  }
}

/** An empty state that says why the table is empty. */
export const empty = (text: string): TemplateResult => html`<p class="empty">${text}</p>`;

export const badge = (text: string, kind: 'ok' | 'warn' | 'bad' | 'muted' = 'muted'): TemplateResult => html`<span class="badge ${kind}">${text}</span>`;

/** One number with its label and an optional note under it. */
export const stat = (label: string, value: string, note?: string | TemplateResult, kind: '' | 'warn' | 'bad' = ''): TemplateResult =>
  html`<div class="stat ${kind}">
    <div class="stat-label">${label}</div>
    <div class="stat-value">${value}</div>
    ${note ? html`<div class="stat-note">${note}</div>` : nothing}
  </div>`;

/** Reads a form's fields as strings. */
export function formValues(e: Event): Record<string, string> {
  e.preventDefault();
  const form = e.currentTarget as HTMLFormElement;
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) out[k] = String(v);
  return out;
}
