import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SandboxHttpError } from './http';
import type { FaultInjector } from './faults';
import type { OAuthOptions } from './options';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * Checks credentials on every API method: the body apptoken (documented) or, when OAuth is on,
 * an `Authorization: Bearer` access token (assumed). Messages never repeat a token.
 */
export class Authenticator {
  /** Access token → expiry (epoch ms). */
  private readonly accessTokens = new Map<string, number>();

  constructor(
    private readonly apptoken: string,
    private readonly oauth: OAuthOptions | undefined,
    private readonly faults: FaultInjector,
  ) {}

  get oauthEnabled(): boolean {
    return this.oauth !== undefined;
  }

  authenticate(body: Record<string, unknown>, headers: IncomingHttpHeaders): void {
    const bearer = this.oauth ? bearerToken(headers.authorization) : undefined;
    if (bearer !== undefined) return this.checkAccessToken(bearer);
    const token = body.apptoken;
    if (token === undefined || token === null || token === '') {
      throw new SandboxHttpError(400, 'apptoken is required');
    }
    if (typeof token === 'string' && this.faults.isForbidden(token)) {
      throw new SandboxHttpError(403, 'API access not authorised for this apptoken', { fault: 'forbiddenTokens' });
    }
    if (token !== this.apptoken) throw new SandboxHttpError(401, 'authentication failed');
    if (this.faults.tokenRevoked()) throw new SandboxHttpError(401, 'authentication failed', { fault: 'revokeTokenAfterImports' });
  }

  /** `POST /api/oauth/token`, grant type client_credentials; credentials in the body or HTTP Basic. */
  issueToken(body: Record<string, unknown>, headers: IncomingHttpHeaders): TokenResponse {
    if (!this.oauth) throw new SandboxHttpError(404, 'OAuth is not enabled on this sandbox');
    if (body.grant_type !== 'client_credentials') {
      throw new SandboxHttpError(400, 'grant_type must be client_credentials', { extra: { error: 'unsupported_grant_type' } });
    }
    const basic = basicCredentials(headers.authorization);
    const clientId = basic?.id ?? body.client_id;
    const clientSecret = basic?.secret ?? body.client_secret;
    if (clientId !== this.oauth.clientId || clientSecret !== this.oauth.clientSecret) {
      throw new SandboxHttpError(401, 'invalid client credentials', { extra: { error: 'invalid_client' } });
    }
    this.forgetExpired();
    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, Date.now() + this.oauth.tokenLifetimeMs);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: Math.ceil(this.oauth.tokenLifetimeMs / 1000) };
  }

  private checkAccessToken(token: string): void {
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) throw new SandboxHttpError(401, 'authentication failed: unknown access token');
    if (Date.now() >= expiresAt) {
      this.accessTokens.delete(token);
      throw new SandboxHttpError(401, 'authentication failed: access token expired');
    }
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [token, expiresAt] of this.accessTokens) if (now >= expiresAt) this.accessTokens.delete(token);
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}
