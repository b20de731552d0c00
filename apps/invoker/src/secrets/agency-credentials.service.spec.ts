import { Logger } from '@nestjs/common';
import { NewTemporaryCredential } from '@ofg/data-access';
import {
  SecretCipher,
  TokenService,
  hashSecurityToken,
  securityTokenMatches,
  temporaryCredentialSecretAad,
} from '@ofg/security';
import { aFunctionSnapshot } from '@ofg/testing';
import {
  AgencyCredentialsService,
  DEFAULT_AGENCY_CREDENTIALS_OPTIONS,
  TemporaryCredentialWriter,
} from './agency-credentials.service';

const MASTER_KEY = 'ef'.repeat(32);

class FakeWriter implements TemporaryCredentialWriter {
  readonly rows: NewTemporaryCredential[] = [];
  sweeps: Date[] = [];
  failWith: Error | undefined;

  async create(row: NewTemporaryCredential): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.rows.push(row);
  }

  async deleteExpired(now: Date): Promise<number> {
    this.sweeps.push(now);
    return 0;
  }
}

describe('AgencyCredentialsService', () => {
  const cipher = new SecretCipher(MASTER_KEY);
  const tokens = new TokenService(MASTER_KEY);
  let clock: number;
  let writer: FakeWriter;
  let service: AgencyCredentialsService;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    writer = new FakeWriter();
    service = new AgencyCredentialsService(writer, cipher, tokens, {
      ...DEFAULT_AGENCY_CREDENTIALS_OPTIONS,
      now: () => clock,
    });
  });

  it('issues AK/SK/security token and an agency token for the function project, valid 24 h, stored sealed', async () => {
    const snapshot = aFunctionSnapshot().build();
    const creds = await service.forFunction(snapshot, 'fgs_agency');

    expect(creds.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(creds.secretKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(writer.rows).toHaveLength(1);
    const row = writer.rows[0];
    expect(row).toMatchObject({
      accessKey: creds.accessKey,
      projectId: snapshot.projectId,
      principal: 'agency:fgs_agency',
      securityTokenHash: hashSecurityToken(creds.securityToken),
      expiresAt: new Date(clock + 24 * 3600_000),
    });
    expect(JSON.stringify(row)).not.toContain(creds.secretKey);
    expect(JSON.stringify(row)).not.toContain(creds.securityToken);
    expect(cipher.decrypt(row.secretKeyCiphertext, temporaryCredentialSecretAad(creds.accessKey))).toBe(
      creds.secretKey,
    );
    expect(securityTokenMatches(creds.securityToken, row.securityTokenHash)).toBe(true);
    expect(tokens.verify(creds.authToken!, new Date(clock))).toMatchObject({
      userId: 'agency:fgs_agency',
      projectId: snapshot.projectId,
      domainId: snapshot.domainId,
      expiresAt: new Date(clock + 24 * 3600_000),
    });
  });

  it('reuses one set per function for 10 minutes, shared by concurrent callers', async () => {
    const snapshot = aFunctionSnapshot().build();
    const [a, b] = await Promise.all([
      service.forFunction(snapshot, 'fgs_agency'),
      service.forFunction(snapshot, 'fgs_agency'),
    ]);
    expect(b).toEqual(a);
    clock += 9 * 60_000;
    expect(await service.forFunction(snapshot, 'fgs_agency')).toEqual(a);
    expect(writer.rows).toHaveLength(1);
    clock += 60_000;
    expect((await service.forFunction(snapshot, 'fgs_agency')).accessKey).not.toBe(a.accessKey);
    expect(writer.rows).toHaveLength(2);
  });

  it('keeps functions, projects and agencies apart, and forgets a function on request', async () => {
    const one = aFunctionSnapshot().withName('one').build();
    const other = aFunctionSnapshot().withName('two').withProject('f'.repeat(32)).build();
    const a = await service.forFunction(one, 'fgs_agency');
    const b = await service.forFunction(other, 'fgs_agency');
    const c = await service.forFunction(one, 'other_agency');
    expect(new Set([a.accessKey, b.accessKey, c.accessKey]).size).toBe(3);
    expect(writer.rows.map((r) => r.projectId)).toEqual([one.projectId, other.projectId, one.projectId]);
    service.forget(one.projectId, one.functionId);
    expect((await service.forFunction(one, 'fgs_agency')).accessKey).not.toBe(a.accessKey);
    expect((await service.forFunction(other, 'fgs_agency')).accessKey).toBe(b.accessKey);
  });

  it('does not keep a failed issue, and sweeps expired rows at most hourly', async () => {
    const snapshot = aFunctionSnapshot().build();
    writer.failWith = new Error('database down');
    await expect(service.forFunction(snapshot, 'fgs_agency')).rejects.toThrow('database down');
    writer.failWith = undefined;
    await expect(service.forFunction(snapshot, 'fgs_agency')).resolves.toMatchObject({});
    expect(writer.sweeps).toHaveLength(1);
    service.forget(snapshot.projectId, snapshot.functionId);
    await service.forFunction(snapshot, 'fgs_agency');
    expect(writer.sweeps).toHaveLength(1);
    clock += 61 * 60_000;
    await service.forFunction(snapshot, 'fgs_agency');
    expect(writer.sweeps).toHaveLength(2);
  });
});
