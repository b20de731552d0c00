import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FgsError } from '@ofg/contracts';
import { SignatureVerifier, TokenService, VerificationFailureReason } from '@ofg/security';
import { AuthRequest, FgsAuthContext } from './auth-context';
import { AUTH_OPTIONS, AuthOptions } from './auth.options';
import { AuthIdentityService } from './auth-identity.service';
import { IS_PUBLIC_KEY } from './public.decorator';

const AUTH_FAILED = 'Incorrect IAM authentication information';
const PUBLIC_PATHS = [/^\/v3\/auth\/tokens\/?$/, /^\/health(\/|$)/, /^\/metrics\/?$/, /^\/docs/];
const PLACEHOLDER_PROJECT = '{project_id}';

// Huawei APIG's wording for a wrong signature; the other reasons use the verifier's own explanation.
const FIXED_MESSAGES: Partial<Record<VerificationFailureReason, string>> = {
  unknown_key: 'unknown or disabled access key',
  bad_signature: 'verify aksk signature fail',
};

/**
 * Authenticates `/v2/**` and non-public `/v3/**` requests by SDK-HMAC-SHA256 signature or X-Auth-Token, binds
 * `/v2/{project_id}/...` to the caller's project and sets `req.fgsAuth`. Other paths and `@Public()` routes pass.
 */
@Injectable()
export class FgsAuthGuard implements CanActivate {
  private readonly logger = new Logger(FgsAuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly identities: AuthIdentityService,
    private readonly verifier: SignatureVerifier,
    private readonly tokens: TokenService,
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
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
    if (!path.startsWith('/v2/') && !path.startsWith('/v3/')) return true;
    if (PUBLIC_PATHS.some((p) => p.test(path))) return true;

    const pathProject = path.startsWith('/v2/') ? projectOfPath(routePath) : undefined;
    if (pathProject === PLACEHOLDER_PROJECT) {
      throw new FgsError(
        'FSS.0400',
        'The project id in the URL is the literal placeholder {project_id}: set the project id on the client ' +
          '(e.g. BasicCredentials.withProjectId(...) or HUAWEICLOUD_SDK_PROJECT_ID)',
      );
    }

    const auth = await this.authenticate(req, target);
    if (pathProject !== undefined) {
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
    let key: Awaited<ReturnType<AuthIdentityService['resolveAccessKey']>>;
    const result = await this.verifier.verify(
      { method: req.method, url: target, headers: req.headers, body },
      async (accessKey) => {
        key = await this.identities.resolveAccessKey(accessKey);
        return key?.secretKey;
      },
      this.options.now(),
    );
    if (!result.ok || !key) {
      const detail = result.ok
        ? FIXED_MESSAGES.unknown_key
        : (FIXED_MESSAGES[result.reason] ?? result.message);
      throw unauthorized(detail ?? 'unknown or disabled access key');
    }
    return {
      projectId: key.projectId,
      domainId: key.domainId,
      userId: key.userId,
      accessKey: key.accessKey,
      method: 'aksk',
    };
  }

  private async byToken(token: string): Promise<FgsAuthContext> {
    const claims = this.tokens.verify(token, this.options.now());
    if (!claims) throw unauthorized('the X-Auth-Token is invalid or expired');
    const user = await this.identities.findActiveUser(claims.userId);
    if (!user || user.projectId !== claims.projectId)
      throw unauthorized('the user of this X-Auth-Token no longer exists or is disabled');
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
