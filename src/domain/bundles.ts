import { assertQuantity, MAX_QUANTITY } from './quantities.js';
import type { BundleComponent, ComponentClaim, OrderLine, Sku } from './types.js';

/** Bundle definitions by bundle SKU. */
export type BundleMap = ReadonlyMap<Sku, readonly BundleComponent[]>;

/**
 * The component claims an order's lines make: a bundle line claims quantity * q of each
 * component, a plain line claims its own SKU. Nothing is merged (two lines for the same
 * SKU give two claims) so every claim traces back to its line via `lineIndex`, which the
 * oversell incident and the release on cancel need.
 * Throws INPUT_INVALID naming `lines[i].quantity` for a bad line quantity.
 */
export function expandClaims(lines: readonly OrderLine[], bundles: BundleMap): ComponentClaim[] {
  const claims: ComponentClaim[] = [];
  lines.forEach((line, lineIndex) => {
    const quantity = assertQuantity(`lines[${lineIndex}].quantity`, line.quantity);
    const components = bundles.get(line.sku);
    if (components === undefined) {
      claims.push({ lineIndex, sku: line.sku, quantity });
      return;
    }
    for (const c of components) {
      claims.push({
        lineIndex,
        sku: c.sku,
        quantity: assertQuantity(`lines[${lineIndex}] (bundle ${line.sku} x ${c.sku})`, quantity * c.quantity),
      });
    }
  });
  return claims;
}

/**
 * The bundles whose ATS changes when the ATS of any of `skus` changes, i.e. the bundles
 * with one of them as a component. The engine adds these to the SKUs whose targets it
 * recomputes, so a component sale also lowers every bundle made of it.
 */
export function bundlesContaining(skus: Iterable<Sku>, bundles: BundleMap): Set<Sku> {
  const changed = new Set(skus);
  const result = new Set<Sku>();
  for (const [bundle, components] of bundles) {
    if (components.some((c) => changed.has(c.sku))) result.add(bundle);
  }
  return result;
}

/**
 * Bundle units of an order line not covered, given the units short per component for that
 * line's component claims: a bundle unit is missing as soon as any one of its components
 * is, so this is the worst component, ceil(short_c / q), capped at the ordered quantity.
 */
export function bundleUnitsShort(componentShort: ReadonlyMap<Sku, number>, components: readonly BundleComponent[], ordered: number): number {
  let worst = 0;
  for (const c of components) {
    const short = componentShort.get(c.sku) ?? 0;
    if (short > 0 && c.quantity >= 1) worst = Math.max(worst, Math.ceil(short / c.quantity));
  }
  return Math.min(ordered, worst);
}

/**
 * Problems with one bundle definition, as readable sentences (empty = valid).
 * `bundleSkus` (a Set or the bundle Map) lets us reject nested bundles: a bundle made of
 * bundles would need recursive claims and ATS, which we do not support; define it with the
 * inner bundle's components instead.
 */
export function validateBundle(sku: Sku, components: readonly BundleComponent[], bundleSkus?: { has(sku: Sku): boolean }): string[] {
  const problems: string[] = [];
  if (components.length === 0) problems.push(`bundle ${sku}: has no components`);
  const seen = new Set<Sku>();
  components.forEach((c, i) => {
    const where = `bundle ${sku}: components[${i}]`;
    if (typeof c.sku !== 'string' || c.sku.trim() === '') problems.push(`${where}.sku: must be a non-empty SKU`);
    if (c.sku === sku) problems.push(`${where}: a bundle cannot contain itself`);
    else if (bundleSkus?.has(c.sku)) {
      problems.push(`${where}: ${c.sku} is itself a bundle; nested bundles are not allowed, list its components instead`);
    }
    if (seen.has(c.sku)) problems.push(`${where}: duplicate component ${c.sku}; give it once with the total quantity`);
    seen.add(c.sku);
    if (typeof c.quantity !== 'number' || !Number.isInteger(c.quantity) || c.quantity < 1 || c.quantity > MAX_QUANTITY) {
      problems.push(`${where}.quantity: must be a positive integer, got ${String(c.quantity)}`);
    }
  });
  return problems;
}
