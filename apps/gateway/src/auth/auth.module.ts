import { Module } from '@nestjs/common';
import { PasswordHasher, SecretCipher, SignatureVerifier, TokenService } from '@ofg/security';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthIdentityService } from './auth-identity.service';
import { AUTH_OPTIONS, AuthOptions, DEFAULT_AUTH_OPTIONS } from './auth.options';
import { FgsAuthGuard } from './fgs-auth.guard';

/** OFG_MASTER_KEY is read once at boot; a missing or malformed key stops the gateway (stored secrets would be unreadable). */
function masterKey(): string {
  return process.env['OFG_MASTER_KEY'] ?? '';
}

/**
 * Request authentication (AK/SK signatures, X-Auth-Token) and the admin bootstrap. Register the guard globally in the
 * app module with `{ provide: APP_GUARD, useExisting: FgsAuthGuard }`. Needs IdentityRepository (global DataAccessModule).
 */
@Module({
  providers: [
    { provide: AUTH_OPTIONS, useValue: DEFAULT_AUTH_OPTIONS },
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
    SecretCipher,
    TokenService,
    PasswordHasher,
    SignatureVerifier,
    AuthIdentityService,
    FgsAuthGuard,
  ],
})
export class AuthModule {}
