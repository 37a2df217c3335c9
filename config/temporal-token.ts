/**
 * The engine's own identity towards a Temporal cluster that authorizes with JWTs (docs/operations.md,
 * "Authentication"): an OAuth 2.0 client-credentials grant at the identity provider, whose access
 * token goes to the frontend as `authorization: Bearer …`. Tokens expire, so a fresh one is fetched
 * well before the old one does; the connections read the current one (see temporalConnections).
 */
export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** What to ask for (`scope`), if the provider wants it. */
  scope?: string;
  /** The API the token is for (`audience`), for providers that take one (Auth0, Okta). */
  audience?: string;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds it lives, as the provider says (`expires_in`); 300 if it says nothing. */
  expiresIn: number;
}

export async function fetchClientCredentialsToken(credentials: ClientCredentials): Promise<IssuedToken> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (credentials.scope) body.set('scope', credentials.scope);
  if (credentials.audience) body.set('audience', credentials.audience);
  const basic = `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`;
  const failed = `token request of client ${credentials.clientId} at ${credentials.tokenUrl} failed`;
  const response = await fetch(credentials.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(basic).toString('base64')}`,
    },
    body,
    signal: AbortSignal.timeout(10_000),
  }).catch((err: Error & { cause?: { code?: string; message?: string } }) => {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS error…) is in its cause.
    throw new Error(`${failed}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  });
  const text = await response.text();
  let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = {};
  }
  if (!response.ok || typeof parsed.access_token !== 'string') {
    const reason = [parsed.error, parsed.error_description].filter(Boolean).join(': ') || text.slice(0, 200);
    throw new Error(`${failed}: HTTP ${response.status} ${reason}`);
  }
  const expiresIn = Number(parsed.expires_in);
  return {
    accessToken: parsed.access_token,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300,
  };
}

export interface TokenSource {
  /** The token to send now. */
  current(): string;
  /** Called with every new token (a NativeConnection must be told; a Connection reads current()). */
  onRefresh(listener: (token: string) => void): void;
  stop(): void;
}

/**
 * Fetches a token (failing at start like any other configuration error) and renews it when
 * three quarters of its life are gone. A failed renewal is retried every few seconds while the
 * current token still lives: a provider's hiccup costs nothing, a long outage shows in the log
 * and then as PermissionDenied from Temporal, which the SDK and the API already treat as an outage.
 */
export async function startTokenSource(
  credentials: ClientCredentials,
  log: { warn(obj: object, msg: string): void } = { warn: (obj, msg) => console.warn(msg, obj) },
  fetchToken: (credentials: ClientCredentials) => Promise<IssuedToken> = fetchClientCredentialsToken,
): Promise<TokenSource> {
  let token = await fetchToken(credentials);
  let expiresAt = Date.now() + token.expiresIn * 1000;
  const listeners: ((token: string) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(renew, ms);
    // The token must not keep a stopping process alive.
    timer.unref();
  };
  async function renew() {
    try {
      token = await fetchToken(credentials);
      expiresAt = Date.now() + token.expiresIn * 1000;
      for (const listener of listeners) listener(token.accessToken);
      schedule(Math.max(1000, token.expiresIn * 750));
    } catch (err) {
      log.warn(
        { err, expiresInSeconds: Math.round((expiresAt - Date.now()) / 1000) },
        'could not renew the Temporal access token; retrying',
      );
      schedule(5000);
    }
  }
  schedule(Math.max(1000, token.expiresIn * 750));
  return {
    current: () => token.accessToken,
    onRefresh: (listener) => {
      listeners.push(listener);
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * For the entry points: no token at start is a deployment problem (a wrong secret, an unreachable
 * provider), printed with its reason like a configuration error, exit 1, before anything else starts.
 */
export async function startTokenSourceOrExit(
  credentials: ClientCredentials,
  log: { warn(obj: object, msg: string): void },
): Promise<TokenSource> {
  try {
    return await startTokenSource(credentials, log);
  } catch (err) {
    console.error(`no Temporal access token:\n  ${(err as Error).message}`);
    process.exit(1);
  }
}
