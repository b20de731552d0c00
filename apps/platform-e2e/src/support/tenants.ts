import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { credentialSecretAad, PasswordHasher, SecretCipher } from '@ofg/security';
import { readStack, StackInfo } from '@ofg/testing';
import { FgsClient } from './fgs-client';

/** A second tenant written straight into the stack's database: its own domain, project, user and access key. */
export interface SeededTenant {
  projectId: string;
  projectName: string;
  domainId: string;
  userId: string;
  user: string;
  password: string;
  ak: string;
  sk: string;
  /** Plain-HTTP client acting as this tenant (AK/SK by default, `token()` for its password). */
  http: FgsClient;
}

/** The role helper A's authorization grants in a project; seeded only when its table exists. */
const TENANT_ROLE = 'admin';

/**
 * Creates a tenant the way the gateway's bootstrap would (scrypt password hash, secret key sealed with
 * `SecretCipher(masterKey).encrypt(sk, credentialSecretAad(ak))`), so the running gateway accepts its signatures
 * and tokens without any admin API.
 */
export async function seedTenant(label: string, stack: StackInfo = readStack()): Promise<SeededTenant> {
  if (!stack.masterKey)
    throw new Error('the stack file has no masterKey: restart the stack with this checkout');
  const tag = `${label}${randomBytes(4).toString('hex')}`;
  const tenant = {
    projectId: randomBytes(16).toString('hex'),
    projectName: `tenant-${tag}`,
    domainId: randomBytes(16).toString('hex'),
    user: `user-${tag}`,
    password: `pw-${randomBytes(12).toString('hex')}`,
    ak: `E2E${label.toUpperCase()}${randomBytes(8).toString('hex').toUpperCase()}`,
    sk: randomBytes(20).toString('base64url'),
  };
  const passwordHash = await new PasswordHasher().hash(tenant.password);
  const secretKeyCiphertext = new SecretCipher(stack.masterKey).encrypt(
    tenant.sk,
    credentialSecretAad(tenant.ak),
  );

  const db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
  let userId: string;
  try {
    await db.query('BEGIN');
    await db.query('INSERT INTO projects (id, name, domain_id) VALUES ($1, $2, $3)', [
      tenant.projectId,
      tenant.projectName,
      tenant.domainId,
    ]);
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO users (name, password_hash, domain_id, project_id) VALUES ($1, $2, $3, $4) RETURNING id',
      [tenant.user, passwordHash, tenant.domainId, tenant.projectId],
    );
    userId = rows[0].id;
    await db.query(
      `INSERT INTO credentials (access_key, secret_key_ciphertext, user_id, project_id, description)
       VALUES ($1, $2, $3, $4, 'e2e second tenant')`,
      [tenant.ak, secretKeyCiphertext, userId, tenant.projectId],
    );
    await grantRoleIfAuthorizationExists(db, userId, tenant.projectId);
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.end();
  }

  return {
    ...tenant,
    userId,
    http: new FgsClient({
      ak: tenant.ak,
      sk: tenant.sk,
      projectId: tenant.projectId,
      domainId: tenant.domainId,
      user: tenant.user,
      password: tenant.password,
    }),
  };
}

/**
 * Authorization (issue 3) keeps per-project role grants in `role_assignments`; before it lands the table is absent
 * and every authenticated caller may act in its own project, so there is nothing to grant.
 */
async function grantRoleIfAuthorizationExists(db: Client, userId: string, projectId: string): Promise<void> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = 'role_assignments'`,
  );
  if (rows.length === 0) return;
  const columns = new Set(rows.map((r) => r.column_name));
  const roleColumn = ['role', 'role_name', 'role_id'].find((c) => columns.has(c));
  if (!columns.has('user_id') || !columns.has('project_id') || !roleColumn) {
    // Fail loudly: a silently missing grant would turn every isolation 404 into a 403 and hide the real answer.
    throw new Error(`role_assignments has columns ${[...columns].join(', ')}; teach seedTenant how to grant`);
  }
  await db.query(
    `INSERT INTO role_assignments (user_id, project_id, ${roleColumn}) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [userId, projectId, TENANT_ROLE],
  );
}
