import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  type ClientCredentials,
  fetchClientCredentialsToken,
  type IssuedToken,
  startTokenSource,
} from '../../config/temporal-token.js';

const credentials: ClientCredentials = {
  tokenUrl: 'http://127.0.0.1:1/token',
  clientId: 'escrow-api',
  clientSecret: 'secret',
};
const quiet = { warn: () => {} };

describe('the engine’s Temporal token', () => {
  it('is renewed when three quarters of its life are gone, and every listener hears of the new one', async () => {
    vi.useFakeTimers();
    try {
      let issued = 0;
      const fetchToken = async (): Promise<IssuedToken> => ({ accessToken: `t${++issued}`, expiresIn: 60 });
      const tokens = await startTokenSource(credentials, quiet, fetchToken);
      const heard: string[] = [];
      tokens.onRefresh((token) => heard.push(token));
      expect(tokens.current()).toBe('t1');
      await vi.advanceTimersByTimeAsync(44_000);
      expect(tokens.current()).toBe('t1');
      await vi.advanceTimersByTimeAsync(2_000);
      expect(tokens.current()).toBe('t2');
      await vi.advanceTimersByTimeAsync(45_000);
      expect(heard).toEqual(['t2', 't3']);
      tokens.stop();
      await vi.advanceTimersByTimeAsync(120_000);
      expect(tokens.current()).toBe('t3');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the current token through a failed renewal and retries until the provider answers', async () => {
    vi.useFakeTimers();
    try {
      const answers: (IssuedToken | Error)[] = [
        { accessToken: 'first', expiresIn: 60 },
        new Error('provider down'),
        new Error('provider down'),
        { accessToken: 'second', expiresIn: 60 },
      ];
      const fetchToken = async () => {
        const answer = answers.shift();
        if (!answer || answer instanceof Error) throw answer ?? new Error('no more');
        return answer;
      };
      const warnings: string[] = [];
      const tokens = await startTokenSource(
        credentials,
        { warn: (_obj, msg) => warnings.push(msg) },
        fetchToken,
      );
      await vi.advanceTimersByTimeAsync(46_000);
      expect(tokens.current()).toBe('first');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(tokens.current()).toBe('second');
      expect(warnings).toHaveLength(2);
      tokens.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails at start with the provider’s reason, and sends the client credentials as HTTP Basic', async () => {
    const seen: { authorization?: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        const ok =
          req.headers.authorization === `Basic ${Buffer.from('escrow-api:secret').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok
              ? { access_token: 'jwt', expires_in: 120, token_type: 'Bearer' }
              : { error: 'invalid_client', error_description: 'client authentication failed' },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    try {
      expect(await fetchClientCredentialsToken({ ...credentials, tokenUrl, scope: 'temporal' })).toEqual({
        accessToken: 'jwt',
        expiresIn: 120,
      });
      expect(new URLSearchParams(seen[0]?.body)).toEqual(
        new URLSearchParams({ grant_type: 'client_credentials', scope: 'temporal' }),
      );
      await expect(
        startTokenSource({ ...credentials, tokenUrl, clientSecret: 'wrong' }, quiet),
      ).rejects.toThrow(
        /token request of client escrow-api .* failed: HTTP 401 invalid_client: client authentication failed/,
      );
    } finally {
      server.close();
    }
  });
});
