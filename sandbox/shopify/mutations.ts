import { ADJUSTABLE_NAMES, INVENTORY_REASONS, MAX_QUANTITY, MESSAGES, SETTABLE_NAMES, type QuantityName } from './constants.js';
import { gidKey } from './format.js';
import { applyDelta, type Item, type Level, type ShopState } from './store.js';

/**
 * inventorySetQuantities and inventoryAdjustQuantities on the shop state. Both are
 * all-or-nothing: every line is validated and compared first, and nothing changes
 * unless every line passes.
 */
export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

export interface InventoryChange {
  name: QuantityName;
  delta: number;
  quantityAfterChange: number;
  item: Item;
  locationKey: string;
}

export interface AdjustmentGroup {
  id: string;
  createdAt: Date;
  reason: string;
  referenceDocumentUri: string | null;
  changes: InventoryChange[];
}

export interface MutationOutcome {
  group: AdjustmentGroup | null;
  userErrors: UserError[];
  /** Levels whose `available` moved: each fires inventory_levels/update. */
  availableChanged: { item: Item; level: Level }[];
}

export interface SetQuantitiesInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  quantities: { inventoryItemId: string; locationId: string; quantity: number; changeFromQuantity?: number | null }[];
}

export interface AdjustQuantitiesInput {
  name: string;
  reason: string;
  referenceDocumentUri?: string | null;
  changes: { delta: number; inventoryItemId: string; locationId: string; changeFromQuantity?: number | null }[];
}

interface Target {
  index: number;
  item: Item;
  level: Level;
  locationKey: string;
}

const linePath = (list: string, index: number, field: string) => ['input', list, String(index), field];

/** Resolves item and location of each line, collecting the errors Shopify reports.
 *  Plain loops without per-line closures: this runs 250 times per call. */
function resolveTargets(state: ShopState, lines: readonly { inventoryItemId: string; locationId: string }[], listField: string, errors: UserError[]): Target[] {
  const targets: Target[] = [];
  const seen = new Set<Level>();
  // batches name one location over and over: resolve each distinct text once
  let lastLocationText: string | undefined;
  let lastLocationKey: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const item = state.itemsByGid.get(line.inventoryItemId);
    if (!item) {
      errors.push({
        code: 'INVALID_INVENTORY_ITEM',
        field: linePath(listField, index, 'inventoryItemId'),
        message: 'The specified inventory item could not be found.',
      });
      continue;
    }
    if (line.locationId !== lastLocationText) {
      lastLocationText = line.locationId;
      const key = gidKey(line.locationId, 'Location');
      lastLocationKey = key !== undefined && state.locationsByKey.has(key) ? key : undefined;
    }
    const locationKey = lastLocationKey;
    if (locationKey === undefined) {
      errors.push({ code: 'INVALID_LOCATION', field: linePath(listField, index, 'locationId'), message: 'The specified location could not be found.' });
      continue;
    }
    const level = item.levels.get(locationKey);
    if (!level) {
      errors.push({
        code: 'ITEM_NOT_STOCKED_AT_LOCATION',
        field: linePath(listField, index, 'locationId'),
        message: 'The specified inventory item is not stocked at the location.',
      });
      continue;
    }
    if (seen.has(level)) {
      errors.push({
        code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR',
        field: linePath(listField, index, 'inventoryItemId'),
        message: 'The combination of inventoryItemId and locationId must be unique.',
      });
      continue;
    }
    seen.add(level);
    targets.push({ index, item, level, locationKey });
  }
  return targets;
}

function checkNameAndReason(input: { name: string; reason: string }, names: readonly QuantityName[], errors: UserError[]): void {
  if (!names.includes(input.name as QuantityName)) {
    errors.push({ code: 'INVALID_NAME', field: ['input', 'name'], message: `The quantity name must be one of: ${names.join(', ')}.` });
  }
  if (!INVENTORY_REASONS.has(input.reason)) {
    errors.push({ code: 'INVALID_REASON', field: ['input', 'reason'], message: 'The specified reason is invalid.' });
  }
}

function failed(userErrors: UserError[]): MutationOutcome {
  return { group: null, userErrors, availableChanged: [] };
}

/** Applies validated deltas, stamping times and collecting what the group reports. */
function commit(
  targets: { item: Item; level: Level; locationKey: string; name: QuantityName; delta: number }[],
  input: { reason: string; referenceDocumentUri?: string | null | undefined },
  now: Date,
  groupId: string,
): MutationOutcome {
  const changes: InventoryChange[] = [];
  const availableChanged: MutationOutcome['availableChanged'] = [];
  for (const t of targets) {
    const moved = applyDelta(t.level, t.name, t.delta);
    if (moved.length === 0) continue;
    t.level.updatedAt = now;
    t.item.updatedAt = now;
    for (const m of moved) {
      changes.push({ name: m.name, delta: m.delta, quantityAfterChange: m.after, item: t.item, locationKey: t.locationKey });
    }
    // applyDelta lists `available` first whenever it moved
    if (moved[0]!.name === 'available') availableChanged.push({ item: t.item, level: t.level });
  }
  const group = { id: groupId, createdAt: now, reason: input.reason, referenceDocumentUri: input.referenceDocumentUri ?? null, changes };
  return { group, userErrors: [], availableChanged };
}

export function setQuantities(state: ShopState, input: SetQuantitiesInput, now: Date, groupId: string): MutationOutcome {
  const errors: UserError[] = [];
  checkNameAndReason(input, SETTABLE_NAMES, errors);
  const targets = resolveTargets(state, input.quantities, 'quantities', errors);
  for (const t of targets) {
    const line = input.quantities[t.index]!;
    if (line.quantity < 0) {
      errors.push({ code: 'INVALID_QUANTITY_NEGATIVE', field: linePath('quantities', t.index, 'quantity'), message: "The quantity can't be negative." });
    } else if (line.quantity > MAX_QUANTITY) {
      errors.push({
        code: 'INVALID_QUANTITY_TOO_HIGH',
        field: linePath('quantities', t.index, 'quantity'),
        message: `The quantity can't be higher than ${MAX_QUANTITY.toLocaleString('en-US')}.`,
      });
    }
    if (line.changeFromQuantity === undefined) {
      errors.push({
        code: 'CHANGE_FROM_QUANTITY_REQUIRED',
        field: linePath('quantities', t.index, 'changeFromQuantity'),
        message: MESSAGES.changeFromRequired,
      });
    }
  }
  if (errors.length > 0) return failed(errors);

  const name = input.name as QuantityName;
  const stale: UserError[] = [];
  for (const t of targets) {
    const expected = input.quantities[t.index]!.changeFromQuantity;
    if (expected !== null && expected !== undefined && expected !== t.level.q[name]) {
      stale.push({ code: 'CHANGE_FROM_QUANTITY_STALE', field: ['input', 'quantities', String(t.index), 'changeFromQuantity'], message: MESSAGES.stale });
    }
  }
  if (stale.length > 0) return failed(stale);

  const deltas = new Array<Parameters<typeof commit>[0][number]>(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    deltas[i] = { item: t.item, level: t.level, locationKey: t.locationKey, name, delta: input.quantities[t.index]!.quantity - t.level.q[name] };
  }
  return commit(deltas, input, now, groupId);
}

export function adjustQuantities(state: ShopState, input: AdjustQuantitiesInput, now: Date, groupId: string): MutationOutcome {
  const errors: UserError[] = [];
  checkNameAndReason(input, ADJUSTABLE_NAMES, errors);
  const targets = resolveTargets(state, input.changes, 'changes', errors);
  if (errors.length > 0) return failed(errors);

  const name = input.name as QuantityName;
  for (const t of targets) {
    const line = input.changes[t.index]!;
    const path = (f: string) => linePath('changes', t.index, f);
    const current = t.level.q[name];
    if (line.changeFromQuantity !== null && line.changeFromQuantity !== undefined && line.changeFromQuantity !== current) {
      errors.push({ code: 'CHANGE_FROM_QUANTITY_STALE', field: path('changeFromQuantity'), message: MESSAGES.stale });
      continue;
    }
    const after = current + line.delta;
    if (after > MAX_QUANTITY) {
      errors.push({
        code: 'INVALID_QUANTITY_TOO_HIGH',
        field: path('delta'),
        message: `The quantity can't be higher than ${MAX_QUANTITY.toLocaleString('en-US')}.`,
      });
    } else if (after < 0 && name !== 'available' && name !== 'on_hand') {
      // available may go negative (overselling is recorded, not refused); the other states may not
      errors.push({ code: 'INVALID_QUANTITY_NEGATIVE', field: path('delta'), message: "The quantity can't be negative." });
    }
  }
  if (errors.length > 0) return failed(errors);

  const deltas = targets.map((t) => ({ ...t, name, delta: input.changes[t.index]!.delta }));
  return commit(deltas, input, now, groupId);
}
