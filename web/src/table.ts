// The dashboard's tables: columns declared once (heading, cell, numeric alignment), rows keyed
// so a test or a person's script can find one (`tr[data-key="listing-12"]`).
import { html, type TemplateResult } from 'lit-html';

export interface Column<T> {
  head: string;
  cell: (row: T) => unknown;
  /** Right-aligned, tabular figures. */
  num?: boolean;
  /** Extra class of the cell (e.g. `warn` for a low count). */
  tone?: (row: T) => string;
}

export interface TableOptions<T> {
  /** `data-key` of each row. */
  key?: (row: T) => string;
  /** Class of each row (e.g. `selected`). */
  rowClass?: (row: T) => string;
}

export function table<T>(columns: Column<T>[], rows: T[], opts: TableOptions<T> = {}): TemplateResult {
  return html`<table class="data">
    <thead>
      <tr>
        ${columns.map((c) => html`<th class=${c.num ? 'num' : ''}>${c.head}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr data-key=${opts.key?.(r) ?? ''} class=${opts.rowClass?.(r) ?? ''}>
            ${columns.map((c) => html`<td class=${[c.num ? 'num' : '', c.tone?.(r) ?? ''].join(' ').trim()}>${c.cell(r)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}
