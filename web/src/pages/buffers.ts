// Buffer editor: each channel's buffer policy and its per-SKU overrides. A change made here is
// stored in the database and wins over the YAML until reverted; the engine recomputes the
// targets at once and pushes what moved. `#/buffers?sku=MUG` opens the override form on MUG.
import { html, nothing } from 'lit-html';
import { api, type ChannelBuffers, type Policy } from '../api.js';
import { count } from '../format.js';
import { act, badge, empty, formValues, type PageFactory } from '../page.js';
import { table, type Column } from '../table.js';

const FIELDS = [
  ['reserve', 'Reserve', 'units only this channel sees'],
  ['holdBackPercent', 'Hold back %', 'of the shared remainder'],
  ['holdBackUnits', 'Hold back units', 'kept off this channel'],
  ['zeroBelow', 'Zero below', 'show 0 when fewer units remain'],
  ['maxCap', 'Max cap', 'never show more than this'],
] as const;
const MODES = ['adaptive', 'shared', 'partitioned'];

/** "shared, reserve 5, hold back 10 %": a policy in one line. */
export function describePolicy(p: Policy): string {
  const parts = [p.mode ?? 'adaptive (default)'];
  if (p.reserve) parts.push(`reserve ${p.reserve}`);
  if (p.holdBackPercent) parts.push(`hold back ${p.holdBackPercent} %`);
  if (p.holdBackUnits) parts.push(`hold back ${p.holdBackUnits} units`);
  if (p.zeroBelow) parts.push(`zero below ${p.zeroBelow}`);
  if (p.maxCap !== undefined) parts.push(`cap ${p.maxCap}`);
  if (parts.length === 1) parts.push('nothing held back');
  return parts.join(', ');
}

/** The policy a form describes: empty fields are left out (the channel's, or the default, applies). */
function policyFrom(values: Record<string, string>): Policy {
  const p: Policy = {};
  if (values.mode) p.mode = values.mode;
  for (const [field] of FIELDS) {
    const v = values[field]?.trim();
    if (v) p[field] = Number(v);
  }
  return p;
}

const fields = (p: Policy, withMode: boolean) => html`
  ${
    withMode
      ? html`<label
        >Mode
        <select name="mode">
          <option value="" ?selected=${!p.mode}>default (adaptive)</option>
          ${MODES.map((m) => html`<option value=${m} ?selected=${p.mode === m}>${m}</option>`)}
        </select></label
      >`
      : nothing
  }
  ${FIELDS.map(
    ([name, label, help]) =>
      html`<label title=${help}
        >${label} <input name=${name} type="number" min="0" step="1" inputmode="numeric" .value=${p[name] === undefined ? '' : String(p[name])}
      /></label>`,
  )}
`;

export const buffersPage: PageFactory = (ctx) => {
  let channels: ChannelBuffers[] | undefined;
  const skuParam = ctx.params.get('sku') ?? '';

  const save = (c: ChannelBuffers) => (e: Event) => {
    const policy = policyFrom(formValues(e));
    void act(ctx, view, async () => {
      const r = await api.put<{ listingsChanged: number }>(`/buffers/${encodeURIComponent(c.connectionId)}`, policy);
      return `${c.connectionId}: ${describePolicy(policy)}. ${count(r.listingsChanged)} listings change and are being pushed.`;
    });
  };
  const revert = (c: ChannelBuffers) =>
    act(ctx, view, async () => {
      const r = await api.del<{ listingsChanged: number }>(`/buffers/${encodeURIComponent(c.connectionId)}`);
      return `${c.connectionId} follows the YAML again. ${count(r.listingsChanged)} listings change.`;
    });
  const saveOverride = (c: ChannelBuffers) => (e: Event) => {
    const values = formValues(e);
    const sku = values.sku?.trim() ?? '';
    const policy = policyFrom(values);
    void act(ctx, view, async () => {
      const r = await api.put<{ listingsChanged: number }>(`/buffers/${encodeURIComponent(c.connectionId)}/overrides/${encodeURIComponent(sku)}`, policy);
      return `${sku} on ${c.connectionId}: ${describePolicy(policy)}. ${count(r.listingsChanged)} listings change.`;
    });
  };
  const removeOverride = (c: ChannelBuffers, sku: string) =>
    act(ctx, view, async () => {
      await api.del(`/buffers/${encodeURIComponent(c.connectionId)}/overrides/${encodeURIComponent(sku)}`);
      return `${sku} on ${c.connectionId}: the runtime override is removed.`;
    });

  const card = (c: ChannelBuffers) => {
    const prefill = c.overrides.find((o) => o.sku === skuParam);
    return html`<section class="card buffer" data-channel=${c.connectionId}>
      <header>
        <h2>${c.connectionId}</h2>
        ${c.runtime ? badge('changed here: wins over the YAML', 'warn') : badge('from the YAML', 'muted')}
      </header>
      <p class="muted">Now: ${describePolicy(c.effective)}</p>
      <form class="policy" @submit=${save(c)}>
        ${fields(c.effective, true)}
        <div class="actions">
          <button type="submit">Save</button>
          ${c.runtime ? html`<button type="button" class="link" @click=${() => revert(c)}>Revert to the YAML (${describePolicy(c.config)})</button>` : nothing}
        </div>
      </form>
      <h3>Per-SKU overrides</h3>
      ${
        c.overrides.length === 0
          ? empty('None: every SKU follows the channel policy.')
          : table(
              [
                { head: 'SKU', cell: (o) => html`<a href="#/sku/${encodeURIComponent(o.sku)}">${o.sku}</a>` },
                { head: 'Effective', cell: (o) => describePolicy(o.effective) },
                { head: 'Source', cell: (o) => (o.runtime ? 'changed here' : 'YAML') },
                { head: '', cell: (o) => (o.runtime ? html`<button class="link" @click=${() => removeOverride(c, o.sku)}>Remove</button>` : nothing) },
              ] satisfies Column<ChannelBuffers['overrides'][number]>[],
              c.overrides,
              { key: (o) => `override-${o.sku}` },
            )
      }
      <form class="policy override" @submit=${saveOverride(c)}>
        <label>SKU <input name="sku" required .value=${skuParam} placeholder="SKU code" /></label>
        ${fields(prefill?.runtime ?? prefill?.config ?? {}, false)}
        <div class="actions"><button type="submit">Set override</button></div>
      </form>
    </section>`;
  };

  const view: ReturnType<PageFactory> = {
    title: 'Buffers',
    async load() {
      channels = (await api.get<{ items: ChannelBuffers[] }>('/buffers')).items;
    },
    view() {
      return html`<h1>Buffers</h1>
        <p class="muted">
          Applied in order: reserve, hold back %, hold back units, zero below, max cap. A change here is stored in the database and wins over the YAML (even
          after a restart) until reverted; targets are recomputed and pushed at once. An override's empty fields follow the channel.
        </p>
        ${!channels ? html`<p class="muted">Loading…</p>` : channels.length === 0 ? empty('No channel configured.') : channels.map(card)}`;
    },
  };
  return view;
};
