import { Inject, Injectable } from '@nestjs/common';
import { FunctionSnapshot } from '@ofg/contracts';
import { FunctionRepository, parseUserData } from '@ofg/data-access';
import { SecretCipher, SecretCipherError, functionEnvAad } from '@ofg/security';
import { InstanceStartError } from '../instances/instance.errors';

/** Injection token of the SecretCipher under OFG_MASTER_KEY. */
export const INVOKER_CIPHER = Symbol('INVOKER_CIPHER');

/** The repository call the loader needs (a port so tests can pass a fake). */
export type FunctionReader = Pick<FunctionRepository, 'findById'>;

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
  ) {}

  async load(snapshot: FunctionSnapshot): Promise<FunctionSecrets> {
    // Scoped by the snapshot's project: a job naming another tenant's function finds nothing.
    const fn = await this.functions.findById(snapshot.projectId, snapshot.functionId);
    if (!fn) throw new InstanceStartError(`function ${snapshot.funcUrn} no longer exists`, 'FSS.1051');
    if (!fn.encryptedUserData) return { env: {}, agency: fn.xrole };
    let plain: string;
    try {
      plain = this.cipher.decrypt(fn.encryptedUserData, functionEnvAad(fn.id));
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
}
