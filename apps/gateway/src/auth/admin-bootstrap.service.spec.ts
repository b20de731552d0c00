import { PasswordHasher, SecretCipher, credentialSecretAad } from '@ofg/security';
import { AdminBootstrapService, readAdminBootstrapConfig } from './admin-bootstrap.service';
import { FakeIdentityRepository } from './testing/fake-identity.repository';

const MASTER_KEY = '12'.repeat(32);

function setup(): {
  repo: FakeIdentityRepository;
  service: AdminBootstrapService;
  cipher: SecretCipher;
  hasher: PasswordHasher;
  printed: string[];
} {
  const repo = new FakeIdentityRepository();
  const cipher = new SecretCipher(MASTER_KEY);
  const hasher = new PasswordHasher({ N: 1024 });
  return { repo, service: new AdminBootstrapService(repo, cipher, hasher), cipher, hasher, printed: [] };
}

describe('AdminBootstrapService', () => {
  it('creates project, admin and key with generated secrets and prints them once', async () => {
    const s = setup();
    const config = readAdminBootstrapConfig({});
    const first = await s.service.run(config, (t) => s.printed.push(t));
    expect(first).toMatchObject({
      projectCreated: true,
      userCreated: true,
      credentialCreated: true,
      printedSecrets: true,
      adminUser: 'admin',
    });
    expect(first.projectId).toMatch(/^[0-9a-f]{32}$/);
    expect(first.domainId).toMatch(/^[0-9a-f]{32}$/);
    expect(s.printed).toHaveLength(1);

    const block = s.printed[0];
    const password = /admin password\s+: (\S+)/.exec(block)![1];
    const ak = /access key \(AK\)\s+: (\S+)/.exec(block)![1];
    const sk = /secret key \(SK\)\s+: (\S+)/.exec(block)![1];
    expect(block).toContain(first.projectId);
    expect(ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(sk).toMatch(/^[A-Za-z0-9]{40}$/);

    const user = [...s.repo.users.values()][0];
    await expect(s.hasher.verify(password, user.passwordHash)).resolves.toBe(true);
    const credential = s.repo.credentials.get(ak)!;
    expect(credential.secretKeyCiphertext).not.toContain(sk);
    expect(s.cipher.decrypt(credential.secretKeyCiphertext, credentialSecretAad(ak))).toBe(sk);
    expect(credential).toMatchObject({ userId: user.id, projectId: first.projectId, status: 'active' });

    // A restart reuses everything (project found by name) and prints nothing.
    const second = await s.service.run(config, (t) => s.printed.push(t));
    expect(second).toMatchObject({
      projectId: first.projectId,
      projectCreated: false,
      userCreated: false,
      credentialCreated: false,
      printedSecrets: false,
    });
    expect(s.printed).toHaveLength(1);
    expect(s.repo.projects.size).toBe(1);
    expect(s.repo.credentials.size).toBe(1);
  });

  it('uses configured ids and secrets and prints nothing it did not generate', async () => {
    const s = setup();
    const config = readAdminBootstrapConfig({
      OFG_DEFAULT_PROJECT_ID: '0123456789abcdef0123456789abcdef',
      OFG_DEFAULT_PROJECT_NAME: 'cn-local-1',
      OFG_DEFAULT_DOMAIN_ID: 'd'.repeat(32),
      OFG_ADMIN_USER: 'root',
      OFG_ADMIN_PASSWORD: 'p@ss word',
      OFG_ADMIN_AK: 'EXAMPLEAK0123456789',
      OFG_ADMIN_SK: 'exampleSecretKey/abc+123',
    });
    const outcome = await s.service.run(config, (t) => s.printed.push(t));
    expect(outcome).toMatchObject({
      projectId: '0123456789abcdef0123456789abcdef',
      domainId: 'd'.repeat(32),
      adminUser: 'root',
      printedSecrets: false,
    });
    expect(s.printed).toEqual([]);
    expect(s.repo.projects.get(outcome.projectId)?.name).toBe('cn-local-1');
    const credential = s.repo.credentials.get('EXAMPLEAK0123456789')!;
    expect(s.cipher.decrypt(credential.secretKeyCiphertext, credentialSecretAad('EXAMPLEAK0123456789'))).toBe(
      'exampleSecretKey/abc+123',
    );
    await expect(s.hasher.verify('p@ss word', [...s.repo.users.values()][0].passwordHash)).resolves.toBe(
      true,
    );
  });

  it('prints only the generated half when one of AK/SK is configured', async () => {
    const s = setup();
    await s.service.run(
      readAdminBootstrapConfig({ OFG_ADMIN_AK: 'MYKEY0001', OFG_ADMIN_PASSWORD: 'pw' }),
      (t) => s.printed.push(t),
    );
    expect(s.printed).toHaveLength(1);
    expect(s.printed[0]).toMatch(/access key \(AK\)\s+: MYKEY0001/);
    expect(s.printed[0]).toMatch(/secret key \(SK\)\s+: [A-Za-z0-9]{40}/);
    expect(s.printed[0]).not.toMatch(/admin password/);
  });

  it('adds a key when the admin exists without one', async () => {
    const s = setup();
    await s.service.run(readAdminBootstrapConfig({ OFG_ADMIN_PASSWORD: 'pw' }), () => undefined);
    s.repo.credentials.clear();
    const outcome = await s.service.run(readAdminBootstrapConfig({}), (t) => s.printed.push(t));
    expect(outcome).toMatchObject({ userCreated: false, credentialCreated: true, printedSecrets: true });
    expect(s.printed[0]).not.toMatch(/admin password/);
  });

  it('re-reads after another replica created the project first (unique violation)', async () => {
    const s = setup();
    const realFind = s.repo.findProjectByName.bind(s.repo);
    let raced = false;
    // The first look-up misses; the "other replica" commits the project right after it.
    s.repo.findProjectByName = async (name: string) => {
      const found = await realFind(name);
      if (!raced) {
        raced = true;
        s.repo.addProject({ id: 'a'.repeat(32), name, domainId: 'b'.repeat(32) });
      }
      return found;
    };
    const outcome = await s.service.run(readAdminBootstrapConfig({}), (t) => s.printed.push(t));
    expect(outcome).toMatchObject({
      projectId: 'a'.repeat(32),
      domainId: 'b'.repeat(32),
      projectCreated: false,
      userCreated: true,
    });
    expect(s.repo.calls['ensureBootstrap']).toBe(2);
    expect(s.repo.projects.size).toBe(1);
  });

  it('refuses a configured project id whose name is taken by another project', async () => {
    const s = setup();
    s.repo.addProject({ id: 'c'.repeat(32), name: 'local', domainId: 'd'.repeat(32) });
    await expect(
      s.service.run(readAdminBootstrapConfig({ OFG_DEFAULT_PROJECT_ID: 'e'.repeat(32) }), () => undefined),
    ).rejects.toThrow(/OFG_DEFAULT_PROJECT_ID=cccc/);
  });

  it('validates the environment', () => {
    expect(() => readAdminBootstrapConfig({ OFG_ADMIN_AK: 'has space' })).toThrow(/OFG_ADMIN_AK/);
    expect(() => readAdminBootstrapConfig({ OFG_DEFAULT_PROJECT_ID: '{project_id}' })).toThrow(
      /OFG_DEFAULT_PROJECT_ID/,
    );
    expect(() => readAdminBootstrapConfig({ OFG_ADMIN_SK: 'a,b' })).toThrow(/OFG_ADMIN_SK/);
    expect(readAdminBootstrapConfig({ OFG_ADMIN_USER: '  ', OFG_DEFAULT_PROJECT_NAME: '' })).toMatchObject({
      adminUser: 'admin',
      projectName: 'local',
    });
  });
});
