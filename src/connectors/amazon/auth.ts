// The SP-API access token: given outright (credentials.accessToken, as the sandbox and
// short tests use), or obtained from Login with Amazon with the refresh-token grant and
// cached until shortly before it expires (LWA tokens live one hour).
import { ConnectorError } from '../errors.js';
import { httpRequest } from '../http.js';

export const DEFAULT_LWA_URL = 'https://api.amazon.com/auth/o2/token';
/** Refresh this long before expiry, so a request never leaves with a dying token. */
const EARLY_MS = 60_000;

export interface TokenSource {
  token(): Promise<string>;
  /** Amazon refused the token (403): forget it so the next call fetches a fresh one. */
  invalidate(): void;
}

export function createTokenSource(credentials: Record<string, string>, options: Record<string, unknown>, timeoutMs?: number, now = Date.now): TokenSource {
  const fixed = credentials['accessToken'];
  if (fixed) return { token: async () => fixed, invalidate: () => {} };
  const { clientId, clientSecret, refreshToken } = credentials;
  if (!clientId || !clientSecret || !refreshToken) {
    throw new ConnectorError('AUTH', 'amazon: credentials need accessToken, or clientId, clientSecret and refreshToken');
  }
  const url = typeof options['lwaUrl'] === 'string' ? options['lwaUrl'] : DEFAULT_LWA_URL;
  let cached: { token: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function refresh(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: clientId!, client_secret: clientSecret! });
    let res;
    try {
      res = await httpRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: body.toString(),
        ...(timeoutMs !== undefined && { timeoutMs }),
      });
    } catch (e) {
      // invalid_grant / invalid_client are 400/401: the credentials are wrong, not the input.
      if (e instanceof ConnectorError && (e.info.status === 400 || e.info.status === 401)) {
        throw new ConnectorError('AUTH', `Login with Amazon refused the refresh token (${e.info.status})`, { status: e.info.status });
      }
      throw e;
    }
    const json = res.json<Record<string, unknown>>();
    const token = json?.['access_token'];
    const expiresIn = json?.['expires_in'];
    if (typeof token !== 'string' || !token) throw new ConnectorError('PARSE', 'Login with Amazon answered without access_token');
    const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 3600;
    cached = { token, expiresAt: now() + seconds * 1000 - EARLY_MS };
    return token;
  }

  return {
    async token() {
      if (cached && cached.expiresAt > now()) return cached.token;
      // One refresh at a time: concurrent callers share it.
      inflight ??= refresh().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
