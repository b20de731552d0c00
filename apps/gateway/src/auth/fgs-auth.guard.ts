import { CanActivate, ExecutionContext, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FgsError } from '@ofg/contracts';
import {
  SignatureVerifier,
  TokenService,
  VerificationFailureReason,
  isAgencyPrincipal,
  parseSdkAuthorization,
  securityTokenMatches,
} from '@ofg/security';
import { AuthRequest, FgsAuthContext } from './auth-context';
import { AUTH_OPTIONS, AuthOptions, replayWindowMs } from './auth.options';
import { AuthIdentityService, ResolvedAccessKey } from './auth-identity.service';
import { IS_PUBLIC_KEY } from './public.decorator';
import { MemoryRateLimiter, RATE_LIMITER, RateLimiter, retryAfterSeconds } from './request-rate.limiter';
import { MemoryReplayCache, REPLAY_CACHE, ReplayCache } from './signature-replay.cache';

const AUTH_FAILED = 'Incorrect IAM authentication information';
const PUBLIC_PATHS = [/^\/v3\/auth\/tokens\/?$/, /^\/health(\/|$)/, /^\/metrics\/?$/, /^\/docs/];
const PLACEHOLDER_PROJECT = '{project_id}';
const AUTHENTICATED_PREFIXES = ['/v2/', '/v3/', '/v3.0/'];
// Methods whose signed requests may only be used once; reads are idempotent and the SDK retries them.
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SECURITY_TOKEN_HEADER = 'x-security-token';
const WARN_EVERY_MS = 10_000;

// Huawei APIG's wording for a wrong signature; the other reasons use the verifier's own explanation.
const FIXED_MESSAGES: Partial<Record<VerificationFailureReason, string>> = {
  unknown_key: 'unknown or disabled access key',
  bad_signature: 'verify aksk signature fail',
};

/**
 * Authenticates `/v2/**` and non-public `/v3/**` and `/v3.0/**` requests by SDK-HMAC-SHA256 signature (permanent
 * keys, or temporary keys with a signed X-Security-Token) or X-Auth-Token (users, or `agency:<xrole>` principals of
 * functions), refuses replayed signed mutations, applies the per-caller rate limit, binds `/v2/{project_id}/...` to
 * the caller's project and sets `req.fgsAuth`. Other paths and `@Public()` routes pass.
 */
@Injectable()
export class FgsAuthGuard implements CanActivate {
  private readonly logger = new Logger(FgsAuthGuard.name);
  private lastLimiterWarning = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly identities: AuthIdentityService,
    private readonly verifier: SignatureVerifier,
    private readonly tokens: TokenService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    // In-process defaults serve hand-built guards in tests; AuthModule provides the Redis-backed ones.
    @Optional() @Inject(REPLAY_CACHE) private readonly replays: ReplayCache = new MemoryReplayCache(),
    @Optional() @Inject(RATE_LIMITER) private readonly limiter: RateLimiter = new MemoryRateLimiter(),
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]))
      return true;
    const req = context.switchToHttp().getRequest<AuthRequest>();
    // Already authenticated when the guard is both global and declared on a controller.
    if (req.fgsAuth) return true;

    const target = originForm(req.originalUrl ?? req.url);
    // Decide on the path Express routes on (it accepts absolute-form targets and, with '#', backslashes as '/'),
    // compared case-insensitively and with repeated slashes folded, so no spelling of a /v2 route skips the guard.
    const routePath = req.path ?? target.split('?', 1)[0];
    const path = routePath.toLowerCase().replace(/\/{2,}/g, '/');
    // `/v3.0/` is Huawei IAM's OS-CREDENTIAL API (access keys).
    if (!AUTHENTICATED_PREFIXES.some((prefix) => path.startsWith(prefix))) return true;
    if (PUBLIC_PATHS.some((p) => p.test(path))) return true;

    const pathProject = path.startsWith('/v2/') ? projectOfPath(routePath) : undefined;
    if (pathProject === PLACEHOLDER_PROJECT) {
      throw new FgsError(
        'FSS.0400',
        'The project id in the URL is the literal placeholder {project_id}: set the project id on the client ' +
          '(e.g. BasicCredentials.withProjectId(...) or HUAWEICLOUD_SDK_PROJECT_ID)',
      );
    }

    let auth = await this.authenticate(req, target);
    await this.enforceRateLimit(auth, context);
    if (pathProject !== undefined) {
      // A permanent key acts for its user in any project where the user holds a role; tokens and temporary
      // credentials are bound to one project.
      if (pathProject !== auth.projectId && auth.method === 'aksk' && !isAgencyPrincipal(auth.userId)) {
        const member = await this.identities.canActIn(
          { userId: auth.userId, domainId: auth.domainId, homeProjectId: auth.projectId },
          pathProject,
        );
        if (member) auth = { ...auth, projectId: pathProject };
      }
      if (pathProject !== auth.projectId) {
        throw new FgsError(
          'FSS.0404',
          `Project ${pathProject} does not exist or is not accessible with these credentials`,
        );
      }
      const headerProject = headerValue(req.headers['x-project-id']);
      if (headerProject !== undefined && headerProject !== pathProject) {
        throw new FgsError(
          'FSS.0404',
          `X-Project-Id ${headerProject} does not match the project ${pathProject} in the path`,
        );
      }
    }
    req.fgsAuth = auth;
    return true;
  }

  /**
   * Authenticates a request outside `/v2` for one project, as a `/v2/{project_id}/...` call would be (signature or
   * token, replay protection, rate limit, project binding): for APIG triggers with IAM authentication.
   */
  async authenticateForProject(req: AuthRequest, projectId: string): Promise<FgsAuthContext> {
    let auth = await this.authenticate(req, originForm(req.originalUrl ?? req.url));
    const limited = await this.limitedFor(auth);
    if (limited) throw limited;
    if (projectId !== auth.projectId && auth.method === 'aksk' && !isAgencyPrincipal(auth.userId)) {
      const member = await this.identities.canActIn(
        { userId: auth.userId, domainId: auth.domainId, homeProjectId: auth.projectId },
        projectId,
      );
      if (member) auth = { ...auth, projectId };
    }
    if (projectId !== auth.projectId)
      throw new FgsError('FSS.0403', `These credentials are not valid for project ${projectId}`);
    return auth;
  }

  /** The rate-limit refusal of this caller, if any (fails open like enforceRateLimit). */
  private async limitedFor(auth: FgsAuthContext): Promise<FgsError | undefined> {
    if (this.options.rateLimitPerSecond <= 0) return undefined;
    const key = auth.accessKey ? `ak:${auth.accessKey}` : `user:${auth.projectId}:${auth.userId}`;
    try {
      const decision = await this.limiter.take(key, {
        perSecond: this.options.rateLimitPerSecond,
        burst: this.options.rateLimitBurst,
      });
      if (decision.allowed) return undefined;
      return new FgsError(
        'FSS.0429',
        `Too many requests; retry after ${retryAfterSeconds(decision.retryAfterMs)} s`,
      );
    } catch {
      return undefined;
    }
  }

  private async authenticate(req: AuthRequest, target: string): Promise<FgsAuthContext> {
    const authorization = headerValue(req.headers['authorization']);
    const token = headerValue(req.headers['x-auth-token']);
    try {
      if (authorization !== undefined && /^SDK-HMAC-SHA256\s/i.test(authorization))
        return await this.bySignature(req, target);
      if (token !== undefined && token !== '') return await this.byToken(token);
    } catch (err) {
      if (err instanceof FgsError) throw err;
      // A broken identity store must not surface as a 500 or as a misleading 401.
      this.logger.error(`authentication backend failed: ${String(err)}`);
      throw new FgsError('FSS.0503', 'Authentication is temporarily unavailable');
    }
    if (authorization !== undefined) {
      throw unauthorized('unsupported Authorization scheme; sign with SDK-HMAC-SHA256 or send X-Auth-Token');
    }
    throw unauthorized(
      'missing credentials; sign the request with an AK/SK (SDK-HMAC-SHA256) or send X-Auth-Token',
    );
  }

  private async bySignature(req: AuthRequest, target: string): Promise<FgsAuthContext> {
    const body = req.rawBody ?? Buffer.alloc(0);
    const declaredLength = Number(headerValue(req.headers['content-length']) ?? 0);
    if (body.length > this.options.maxSignedBodyBytes || declaredLength > this.options.maxSignedBodyBytes) {
      throw new FgsError(
        'FSS.0413',
        'AK/SK-signed requests may carry at most 12 MB of body; use token authentication for larger bodies',
      );
    }
    // Temporary keys (sdk-and-runtime-contract §2.3 step 2) come with X-Security-Token, which must itself be signed.
    const securityToken = headerValue(req.headers[SECURITY_TOKEN_HEADER]);
    const authorization = parseSdkAuthorization(headerValue(req.headers['authorization']));
    if (
      securityToken !== undefined &&
      !(authorization?.signedHeaders ?? []).some((name) => name.toLowerCase() === SECURITY_TOKEN_HEADER)
    )
      throw unauthorized('X-Security-Token must be one of the SignedHeaders');
    const now = this.options.now();
    let key: ResolvedAccessKey | undefined;
    const result = await this.verifier.verify(
      { method: req.method, url: target, headers: req.headers, body },
      async (accessKey) => {
        key =
          securityToken === undefined
            ? await this.identities.resolveAccessKey(accessKey)
            : await this.temporaryKey(accessKey, securityToken, now);
        return key?.secretKey;
      },
      now,
    );
    if (!result.ok || !key) {
      const unknownKey =
        securityToken === undefined
          ? FIXED_MESSAGES.unknown_key
          : 'unknown or expired temporary access key, or a wrong X-Security-Token';
      const detail =
        result.ok || result.reason === 'unknown_key'
          ? unknownKey
          : (FIXED_MESSAGES[result.reason] ?? result.message);
      throw unauthorized(detail ?? 'unknown or disabled access key');
    }
    // Verified, so the Authorization header parsed and carries the 64-hex signature.
    if (authorization && this.options.replayProtection && MUTATING_METHODS.has(req.method.toUpperCase()))
      await this.rememberSignature(authorization.signature);
    return {
      projectId: key.projectId,
      domainId: key.domainId,
      userId: key.userId,
      accessKey: key.accessKey,
      method: 'aksk',
    };
  }

  /** The temporary key when the presented security token is its own (constant-time) and it has not expired. */
  private async temporaryKey(
    accessKey: string,
    securityToken: string,
    now: Date,
  ): Promise<ResolvedAccessKey | undefined> {
    const key = await this.identities.resolveTemporaryKey(accessKey);
    if (!key || key.expiresAt.getTime() <= now.getTime()) return undefined;
    return securityTokenMatches(securityToken, key.securityTokenHash) ? key : undefined;
  }

  /** Fails closed: without the shared cache a replay could not be told apart, so the request is not served. */
  private async rememberSignature(signature: string): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await this.replays.remember(signature, replayWindowMs(this.options));
    } catch (err) {
      this.logger.error(`replay cache unavailable, refusing signed mutations: ${String(err)}`);
      throw new FgsError('FSS.0503', 'Request replay protection is temporarily unavailable; retry later');
    }
    if (!fresh) throw unauthorized('replayed request: this signature was already used');
  }

  /** Per access key, or per token user (scoped by project, as agency principals repeat across projects). */
  private async enforceRateLimit(auth: FgsAuthContext, context: ExecutionContext): Promise<void> {
    if (this.options.rateLimitPerSecond <= 0) return;
    const key = auth.accessKey ? `ak:${auth.accessKey}` : `user:${auth.projectId}:${auth.userId}`;
    let decision: Awaited<ReturnType<RateLimiter['take']>>;
    try {
      decision = await this.limiter.take(key, {
        perSecond: this.options.rateLimitPerSecond,
        burst: this.options.rateLimitBurst,
      });
    } catch (err) {
      // Fails open: a Redis outage must not take down reads that need nothing else from Redis; logged at most every 10 s.
      const now = Date.now();
      if (now - this.lastLimiterWarning > WARN_EVERY_MS) {
        this.lastLimiterWarning = now;
        this.logger.warn(`rate limiter unavailable, requests are not being limited: ${String(err)}`);
      }
      return;
    }
    if (decision.allowed) return;
    const seconds = retryAfterSeconds(decision.retryAfterMs);
    context
      .switchToHttp()
      .getResponse<{ setHeader?: (name: string, value: string) => void }>()
      .setHeader?.('Retry-After', String(seconds));
    throw new FgsError(
      'FSS.0429',
      `Too many requests: the limit is ${this.options.rateLimitPerSecond} requests per second per ` +
        `${auth.accessKey ? 'access key' : 'user'}; retry after ${seconds} s`,
    );
  }

  private async byToken(token: string): Promise<FgsAuthContext> {
    const claims = this.tokens.verify(token, this.options.now());
    if (!claims) throw unauthorized('the X-Auth-Token is invalid or expired');
    // Tokens of a function's agency (issued by the invoker) have no users row; their project must still exist.
    if (isAgencyPrincipal(claims.userId)) {
      const project = await this.identities.findActiveProject(claims.projectId);
      if (!project || project.domainId !== claims.domainId)
        throw unauthorized('the project of this X-Auth-Token no longer exists');
      return {
        projectId: claims.projectId,
        domainId: claims.domainId,
        userId: claims.userId,
        method: 'token',
      };
    }
    const user = await this.identities.findActiveUser(claims.userId);
    if (!user) throw unauthorized('the user of this X-Auth-Token no longer exists or is disabled');
    const member = await this.identities.canActIn(
      { userId: user.id, domainId: user.domainId, homeProjectId: user.projectId },
      claims.projectId,
    );
    if (!member) throw unauthorized('the user of this X-Auth-Token no longer has a role in its project');
    return { projectId: claims.projectId, domainId: claims.domainId, userId: claims.userId, method: 'token' };
  }
}

function unauthorized(detail: string): FgsError {
  return new FgsError('APIGW.0301', `${AUTH_FAILED}: ${detail}`);
}

/** The request target without `scheme://authority` (HTTP allows absolute-form targets); signatures cover path and query. */
function originForm(target: string): string {
  if (target.startsWith('/')) return target;
  return target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '') || '/';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Second segment of `/v2/{project_id}/...`, percent-decoded (the SDK encodes it with encodeURIComponent). */
function projectOfPath(rawPath: string): string {
  const segment = rawPath.replace(/\/{2,}/g, '/').split('/')[2] ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
