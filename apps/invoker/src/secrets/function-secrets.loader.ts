import { Inject, Injectable, Optional } from '@nestjs/common';
import { FunctionSnapshot } from '@ofg/contracts';
import { FunctionRepository, FunctionVersionRepository, parseUserData } from '@ofg/data-access';
import { SecretCipher, SecretCipherError, functionEnvAad } from '@ofg/security';
import { InstanceStartError } from '../instances/instance.errors';

/** Injection token of the SecretCipher under OFG_MASTER_KEY. */
export const INVOKER_CIPHER = Symbol('INVOKER_CIPHER');

/** The repository call the loader needs (a port so tests can pass a fake). */
export type FunctionReader = Pick<FunctionRepository, 'findById'>;
/** The published-version read the loader needs for snapshots of a version. */
export type FunctionVersionReader = Pick<FunctionVersionRepository, 'findVersion'>;

/** What an instance needs beyond its job snapshot; held in memory only, never logged or put in a job. */
export interface FunctionSecrets {
  /** Decrypted `encrypted_user_data` variables. */
  env: Record<string, string>;
  /** The function's agency (`xrole`), '' when it has none. */
  agency: string;
}

/**
 * Reads what job payloads must not carry, right before an instance is initialised: the encrypted environment
 * (decrypted with the AAD that binds it to the function) and the agency. One row read per cold start.
 */
@Injectable()
export class FunctionSecretsLoader {
  constructor(
    @Inject(FunctionRepository) private readonly functions: FunctionReader,
    @Inject(INVOKER_CIPHER) private readonly cipher: SecretCipher,
    // Absent in unit tests about `latest`; published versions keep the variables and agency they were published with.
    @Optional() @Inject(FunctionVersionRepository) private readonly versions?: FunctionVersionReader,
  ) {}

  async load(snapshot: FunctionSnapshot): Promise<FunctionSecrets> {
    const fn = await this.secretsSource(snapshot);
    if (!fn.encryptedUserData) return { env: {}, agency: fn.xrole };
    let plain: string;
    try {
      // Versions copy the head's ciphertext, which stays bound to the function id.
      plain = this.cipher.decrypt(fn.encryptedUserData, functionEnvAad(snapshot.functionId));
    } catch (err) {
      const why = err instanceof SecretCipherError ? err.message : 'unexpected error';
      throw new InstanceStartError(
        `the encrypted environment variables of ${snapshot.funcUrn} cannot be decrypted (${why}); ` +
          'the invoker must run with the same OFG_MASTER_KEY as the gateway',
        'FSS.0500',
      );
    }
    return { env: parseUserData(plain), agency: fn.xrole };
  }

  /** The row holding the snapshot's sealed variables and agency: the head, or the published version it runs. */
  private async secretsSource(
    snapshot: FunctionSnapshot,
  ): Promise<{ encryptedUserData: string; xrole: string }> {
    // Scoped by the snapshot's project: a job naming another tenant's function finds nothing.
    if (snapshot.version !== 'latest' && this.versions) {
      const version = await this.versions.findVersion(
        snapshot.projectId,
        snapshot.functionId,
        snapshot.version,
      );
      if (!version)
        throw new InstanceStartError(
          `version ${snapshot.version} of ${snapshot.funcUrn} no longer exists`,
          'FSS.1052',
        );
      return version;
    }
    const fn = await this.functions.findById(snapshot.projectId, snapshot.functionId);
    if (!fn) throw new InstanceStartError(`function ${snapshot.funcUrn} no longer exists`, 'FSS.1051');
    return fn;
  }
}
