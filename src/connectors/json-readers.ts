// Defensive readers for platform JSON shared by the connectors: any unexpected shape is
// ConnectorError('PARSE') naming the platform and the field, never a TypeError, so a
// malformed body is quarantined with a reason instead of crashing a caller.
import { ConnectorError } from './errors.js';

export type Json = Record<string, unknown>;

export function jsonReaders(platform: string) {
  const parseError = (what: string): ConnectorError => new ConnectorError('PARSE', `${platform}: ${what}`);
  return {
    parseError,
    asObject(v: unknown, what: string): Json {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw parseError(`${what} is not an object`);
      return v as Json;
    },
    asArray(v: unknown, what: string): unknown[] {
      if (!Array.isArray(v)) throw parseError(`${what} is not an array`);
      return v;
    },
  };
}
