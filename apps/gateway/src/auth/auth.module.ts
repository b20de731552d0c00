import { Module } from '@nestjs/common';
import { PasswordHasher, SecretCipher, SignatureVerifier, TokenService } from '@ofg/security';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthIdentityService } from './auth-identity.service';
import { AUTH_OPTIONS, AuthOptions, authOptionsFromEnv } from './auth.options';
import { FgsAuthGuard } from './fgs-auth.guard';
import { FrontDoorRedis } from './front-door.redis';
import { MemoryRateLimiter, RATE_LIMITER, RateLimiter, RedisRateLimiter } from './request-rate.limiter';
import { MemoryReplayCache, REPLAY_CACHE, ReplayCache, RedisReplayCache } from './signature-replay.cache';

/** OFG_MASTER_KEY is read once at boot; a missing or malformed key stops the gateway (stored secrets would be unreadable). */
function masterKey(): string {
  return process.env['OFG_MASTER_KEY'] ?? '';
}

/**
 * Request authentication (AK/SK signatures, temporary keys, X-Auth-Token), replay protection and rate limits (Redis at
 * REDIS_URL, shared by all replicas), and the admin bootstrap. Register the guard globally in the app module with
 * `{ provide: APP_GUARD, useExisting: FgsAuthGuard }`. Needs IdentityRepository (global DataAccessModule) and uses
 * TemporaryCredentialRepository when it is there. Settings: see authOptionsFromEnv.
 */
@Module({
  providers: [
    { provide: AUTH_OPTIONS, useFactory: (): AuthOptions => authOptionsFromEnv(process.env) },
    {
      provide: FrontDoorRedis,
      useFactory: (): FrontDoorRedis => new FrontDoorRedis(process.env['REDIS_URL']),
    },
    {
      provide: REPLAY_CACHE,
      inject: [FrontDoorRedis],
      useFactory: (redis: FrontDoorRedis): ReplayCache =>
        redis.client ? new RedisReplayCache(redis.client) : new MemoryReplayCache(),
    },
    {
      provide: RATE_LIMITER,
      inject: [FrontDoorRedis],
      useFactory: (redis: FrontDoorRedis): RateLimiter =>
        redis.client ? new RedisRateLimiter(redis.client) : new MemoryRateLimiter(),
    },
    { provide: SecretCipher, useFactory: (): SecretCipher => new SecretCipher(masterKey()) },
    { provide: TokenService, useFactory: (): TokenService => new TokenService(masterKey()) },
    { provide: PasswordHasher, useFactory: (): PasswordHasher => new PasswordHasher() },
    {
      provide: SignatureVerifier,
      inject: [AUTH_OPTIONS],
      useFactory: (options: AuthOptions): SignatureVerifier =>
        new SignatureVerifier({ maxClockSkewMs: options.maxClockSkewMs }),
    },
    AuthIdentityService,
    FgsAuthGuard,
    AdminBootstrapService,
  ],
  exports: [
    AUTH_OPTIONS,
    REPLAY_CACHE,
    RATE_LIMITER,
    SecretCipher,
    TokenService,
    PasswordHasher,
    SignatureVerifier,
    AuthIdentityService,
    FgsAuthGuard,
  ],
})
export class AuthModule {}
