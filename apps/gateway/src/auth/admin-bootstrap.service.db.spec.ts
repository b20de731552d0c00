import { randomBytes } from 'node:crypto';
import { IdentityRepository, RoleAssignmentRepository, createDataSource } from '@ofg/data-access';
import { PasswordHasher, SecretCipher, credentialSecretAad } from '@ofg/security';
import { AdminBootstrapService, readAdminBootstrapConfig } from './admin-bootstrap.service';

// Real PostgreSQL (CI service): several "replicas" bootstrap one fresh database at the same time.
const ADMIN_URL = process.env['OFG_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = `ofg_auth_bootstrap_${randomBytes(4).toString('hex')}`;
const dbUrl = (): string => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
};

type DataSource = ReturnType<typeof createDataSource>;

describe('AdminBootstrapService on PostgreSQL', () => {
  const admin = createDataSource(ADMIN_URL);
  const replicas: DataSource[] = [];

  beforeAll(async () => {
    await admin.initialize();
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
    const migrator = createDataSource(dbUrl());
    await migrator.initialize();
    await migrator.runMigrations({ transaction: 'all' });
    await migrator.destroy();
    for (let i = 0; i < 4; i++) replicas.push(await createDataSource(dbUrl()).initialize());
  });

  afterAll(async () => {
    await Promise.all(replicas.map((ds) => ds.destroy()));
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME}`);
    await admin.destroy();
  });

  it('creates exactly one project, admin and key when replicas start together, and prints secrets once', async () => {
    const cipher = new SecretCipher('34'.repeat(32));
    const hasher = new PasswordHasher({ N: 1024 });
    const printed: string[] = [];
    const config = readAdminBootstrapConfig({});
    const outcomes = await Promise.all(
      replicas.map((ds) =>
        new AdminBootstrapService(
          new IdentityRepository(ds),
          cipher,
          hasher,
          new RoleAssignmentRepository(ds),
        ).run(config, (t) => printed.push(t)),
      ),
    );

    expect(new Set(outcomes.map((o) => o.projectId)).size).toBe(1);
    expect(outcomes.filter((o) => o.projectCreated)).toHaveLength(1);
    expect(outcomes.filter((o) => o.userCreated)).toHaveLength(1);
    expect(outcomes.filter((o) => o.printedSecrets)).toHaveLength(1);
    expect(printed).toHaveLength(1);

    const ds = replicas[0];
    const [{ projects }] = await ds.query('SELECT count(*)::int AS projects FROM projects');
    const [{ users }] = await ds.query('SELECT count(*)::int AS users FROM users');
    const keys: Array<{ access_key: string; secret_key_ciphertext: string; project_id: string }> =
      await ds.query('SELECT access_key, secret_key_ciphertext, project_id FROM credentials');
    expect({ projects, users, keys: keys.length }).toEqual({ projects: 1, users: 1, keys: 1 });
    const grants: Array<{ role_name: string; project_id: string }> = await ds.query(
      'SELECT role_name, project_id FROM role_assignments',
    );
    expect(grants).toEqual([{ role_name: 'admin', project_id: outcomes[0].projectId }]);

    const ak = /access key \(AK\)\s+: (\S+)/.exec(printed[0])![1];
    const sk = /secret key \(SK\)\s+: (\S+)/.exec(printed[0])![1];
    expect(keys[0].access_key).toBe(ak);
    expect(keys[0].project_id).toBe(outcomes[0].projectId);
    expect(cipher.decrypt(keys[0].secret_key_ciphertext, credentialSecretAad(ak))).toBe(sk);

    // A later restart of one replica finds everything and stays silent.
    const again = await new AdminBootstrapService(new IdentityRepository(ds), cipher, hasher).run(
      config,
      (t) => printed.push(t),
    );
    expect(again).toMatchObject({
      projectId: outcomes[0].projectId,
      projectCreated: false,
      userCreated: false,
      credentialCreated: false,
    });
    expect(printed).toHaveLength(1);
  });
});
