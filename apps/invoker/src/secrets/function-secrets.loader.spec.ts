import { FunctionEntity } from '@ofg/data-access';
import { SecretCipher, credentialSecretAad, functionEnvAad } from '@ofg/security';
import { aFunctionSnapshot } from '@ofg/testing';
import { FunctionReader, FunctionSecretsLoader, FunctionVersionReader } from './function-secrets.loader';

const cipher = new SecretCipher('cd'.repeat(32));

function setup(row: Partial<FunctionEntity> | null): { loader: FunctionSecretsLoader; calls: string[][] } {
  const calls: string[][] = [];
  const reader: FunctionReader = {
    findById: async (projectId, id) => {
      calls.push([projectId, id]);
      return row
        ? Object.assign(new FunctionEntity(), { id, projectId, xrole: '', encryptedUserData: '' }, row)
        : null;
    },
  };
  return { loader: new FunctionSecretsLoader(reader, cipher), calls };
}

describe('FunctionSecretsLoader', () => {
  const snapshot = aFunctionSnapshot().build();

  it('decrypts the variables sealed for this function and reads the agency, scoped by the project', async () => {
    const { loader, calls } = setup({
      encryptedUserData: cipher.encrypt('{"SECRET_X":"s3cr3t","B":"2"}', functionEnvAad(snapshot.functionId)),
      xrole: 'fgs_agency',
    });
    await expect(loader.load(snapshot)).resolves.toEqual({
      env: { SECRET_X: 's3cr3t', B: '2' },
      agency: 'fgs_agency',
    });
    expect(calls).toEqual([[snapshot.projectId, snapshot.functionId]]);
  });

  it('returns no variables for a function without encrypted ones', async () => {
    const { loader } = setup({ xrole: '' });
    await expect(loader.load(snapshot)).resolves.toEqual({ env: {}, agency: '' });
  });

  it('refuses ciphertext moved from another function or sealed for something else, without echoing it', async () => {
    for (const sealed of [
      cipher.encrypt('{"SECRET_X":"s3cr3t"}', functionEnvAad('another-function')),
      cipher.encrypt('{"SECRET_X":"s3cr3t"}', credentialSecretAad(snapshot.functionId)),
    ]) {
      const { loader } = setup({ encryptedUserData: sealed });
      const err = await loader.load(snapshot).then(
        () => undefined,
        (e: unknown) => e as Error & { errorCode: string },
      );
      expect(err).toMatchObject({ errorCode: 'FSS.0500' });
      expect(err?.message).toMatch(/OFG_MASTER_KEY/);
      expect(err?.message).not.toContain('s3cr3t');
    }
  });

  it('fails the start when the function is gone (or belongs to another project)', async () => {
    const { loader } = setup(null);
    await expect(loader.load(snapshot)).rejects.toMatchObject({ errorCode: 'FSS.1051' });
  });

  it('reads the variables and agency a published version was published with, not the head', async () => {
    const reads: string[][] = [];
    const versions = {
      findVersion: async (projectId: string, functionId: string, version: string) => {
        reads.push([projectId, functionId, version]);
        return version === 'v1'
          ? {
              encryptedUserData: cipher.encrypt('{"SECRET_X":"old"}', functionEnvAad(snapshot.functionId)),
              xrole: 'old_agency',
            }
          : null;
      },
    } as unknown as FunctionVersionReader;
    const head: FunctionReader = {
      findById: async () =>
        Object.assign(new FunctionEntity(), { encryptedUserData: '', xrole: 'new_agency' }),
    };
    const loader = new FunctionSecretsLoader(head, cipher, versions);
    await expect(loader.load({ ...snapshot, version: 'v1' })).resolves.toEqual({
      env: { SECRET_X: 'old' },
      agency: 'old_agency',
    });
    await expect(loader.load({ ...snapshot, version: 'v2' })).rejects.toMatchObject({
      errorCode: 'FSS.1052',
    });
    await expect(loader.load(snapshot)).resolves.toEqual({ env: {}, agency: 'new_agency' });
    expect(reads).toEqual([
      [snapshot.projectId, snapshot.functionId, 'v1'],
      [snapshot.projectId, snapshot.functionId, 'v2'],
    ]);
  });
});
