import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ADMIN_ROLE } from '@ofg/contracts';
import { IdentityRepository, RoleAssignmentRepository } from '@ofg/data-access';
import {
  PasswordHasher,
  SecretCipher,
  credentialSecretAad,
  generateAccessKey,
  generateHexId,
  generateSecretKey,
  randomString,
} from '@ofg/security';

/** The repository calls the bootstrap needs (a port so tests can use an in-memory fake). */
export type BootstrapIdentityStore = Pick<
  IdentityRepository,
  | 'findProjectById'
  | 'findProjectByName'
  | 'findUserByName'
  | 'findCredential'
  | 'countCredentialsOfUser'
  | 'ensureBootstrap'
>;

/** The role grant the bootstrap needs. */
export type BootstrapRoleStore = Pick<RoleAssignmentRepository, 'grant'>;

/** Settings from the environment; unset or empty variables are undefined. */
export interface AdminBootstrapConfig {
  projectId?: string;
  projectName: string;
  domainId?: string;
  adminUser: string;
  adminPassword?: string;
  accessKey?: string;
  secretKey?: string;
}

export interface AdminBootstrapOutcome {
  projectId: string;
  domainId: string;
  adminUser: string;
  projectCreated: boolean;
  userCreated: boolean;
  credentialCreated: boolean;
  /** True when generated secrets were printed (only by the replica that created them). */
  printedSecrets: boolean;
}

const MAX_ATTEMPTS = 5;
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ACCESS_KEY = /^[A-Za-z0-9]{4,64}$/;

/** Reads and validates the OFG_DEFAULT_* / OFG_ADMIN_* variables; throws with the variable's name when one is invalid. */
export function readAdminBootstrapConfig(env: NodeJS.ProcessEnv): AdminBootstrapConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const check = (
    name: string,
    value: string | undefined,
    ok: (v: string) => boolean,
    rule: string,
  ): string | undefined => {
    if (value !== undefined && !ok(value)) throw new Error(`${name} ${rule}`);
    return value;
  };
  const length =
    (max: number) =>
    (v: string): boolean =>
      v.length <= max;
  return {
    projectId: check(
      'OFG_DEFAULT_PROJECT_ID',
      get('OFG_DEFAULT_PROJECT_ID'),
      (v) => PROJECT_ID.test(v),
      'must be 1-64 letters, digits, _ or -',
    ),
    projectName:
      check(
        'OFG_DEFAULT_PROJECT_NAME',
        get('OFG_DEFAULT_PROJECT_NAME'),
        length(64),
        'must be at most 64 characters',
      ) ?? 'local',
    domainId: check(
      'OFG_DEFAULT_DOMAIN_ID',
      get('OFG_DEFAULT_DOMAIN_ID'),
      (v) => PROJECT_ID.test(v),
      'must be 1-64 letters, digits, _ or -',
    ),
    adminUser:
      check('OFG_ADMIN_USER', get('OFG_ADMIN_USER'), length(64), 'must be at most 64 characters') ?? 'admin',
    // Passwords and secret keys are taken verbatim (no trimming): whitespace may be part of them.
    adminPassword: check(
      'OFG_ADMIN_PASSWORD',
      env['OFG_ADMIN_PASSWORD'] || undefined,
      length(1024),
      'must be at most 1024 characters',
    ),
    accessKey: check(
      'OFG_ADMIN_AK',
      get('OFG_ADMIN_AK'),
      (v) => ACCESS_KEY.test(v),
      'must be 4-64 letters or digits',
    ),
    secretKey: check(
      'OFG_ADMIN_SK',
      env['OFG_ADMIN_SK'] || undefined,
      (v) => v.length <= 256 && !/[\s,]/.test(v),
      'must be at most 256 characters without spaces or commas',
    ),
  };
}

/** Postgres unique_violation, as TypeORM's QueryFailedError carries it (code copied from the driver error). */
function isUniqueViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  return e.code === '23505' || e.driverError?.code === '23505';
}

/**
 * Makes sure the default project, the admin user and an admin access key exist. Secrets it generates are printed
 * once to stdout by the replica whose transaction created them; replicas that lose the race re-read and print nothing.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(IdentityRepository) private readonly identity: BootstrapIdentityStore,
    private readonly cipher: SecretCipher,
    private readonly hasher: PasswordHasher,
    // Absent only in test modules without the role table; the gateway's DataAccessModule always provides it.
    @Optional() @Inject(RoleAssignmentRepository) private readonly roles?: BootstrapRoleStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run(readAdminBootstrapConfig(process.env));
  }

  async run(
    config: AdminBootstrapConfig,
    print: (text: string) => void = (text) => process.stdout.write(text),
  ): Promise<AdminBootstrapOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(config, print);
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= MAX_ATTEMPTS) throw err;
        // Another replica committed the same rows first; back off a little and re-read them.
        this.logger.warn(`bootstrap raced with another replica (attempt ${attempt}); re-reading`);
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.floor(Math.random() * 30)));
      }
    }
  }

  private async attempt(
    config: AdminBootstrapConfig,
    print: (text: string) => void,
  ): Promise<AdminBootstrapOutcome> {
    const project = await this.resolveProject(config);

    const existingUser = await this.identity.findUserByName(config.adminUser);
    let generatedPassword: string | undefined;
    let passwordHash: string;
    if (existingUser) {
      passwordHash = existingUser.passwordHash;
      if (
        config.adminPassword !== undefined &&
        !(await this.hasher.verify(config.adminPassword, existingUser.passwordHash))
      ) {
        this.logger.warn(
          `OFG_ADMIN_PASSWORD differs from the stored password of ${config.adminUser}; the stored password is kept`,
        );
      }
    } else {
      generatedPassword = config.adminPassword === undefined ? randomString(24) : undefined;
      passwordHash = await this.hasher.hash(config.adminPassword ?? generatedPassword ?? '');
    }

    const key = await this.planAccessKey(config, existingUser?.id);
    const result = await this.identity.ensureBootstrap({
      project,
      user: { name: config.adminUser, passwordHash },
      credential: key && {
        accessKey: key.accessKey,
        secretKeyCiphertext: this.cipher.encrypt(key.secretKey, credentialSecretAad(key.accessKey)),
      },
    });

    // The bootstrap admin always administers the default project (idempotent; a revoked grant comes back at restart).
    const adminGranted = (await this.roles?.grant(result.user.id, project.id, ADMIN_ROLE)) ?? false;

    const secrets: Array<[string, string]> = [];
    if (result.userCreated && generatedPassword !== undefined)
      secrets.push(['admin password', generatedPassword]);
    if (result.credentialCreated && key && (key.generatedAccessKey || key.generatedSecretKey)) {
      secrets.push(['access key (AK)', key.accessKey]);
      if (key.generatedSecretKey) secrets.push(['secret key (SK)', key.secretKey]);
    }
    if (secrets.length > 0) print(frame(project.id, project.domainId, config.adminUser, secrets));

    this.logger.log(
      `bootstrap: project ${project.id} (${project.name})${result.projectCreated ? ' created' : ''}, ` +
        `user ${config.adminUser}${result.userCreated ? ' created' : ''}` +
        (result.credentialCreated && key ? `, access key ${key.accessKey} created` : '') +
        (adminGranted ? `, role ${ADMIN_ROLE} granted` : ''),
    );
    return {
      projectId: project.id,
      domainId: project.domainId,
      adminUser: config.adminUser,
      projectCreated: result.projectCreated,
      userCreated: result.userCreated,
      credentialCreated: result.credentialCreated,
      printedSecrets: secrets.length > 0,
    };
  }

  /** Restarts reuse the project: by id when configured, otherwise by name. */
  private async resolveProject(
    config: AdminBootstrapConfig,
  ): Promise<{ id: string; name: string; domainId: string }> {
    const existing = config.projectId
      ? await this.identity.findProjectById(config.projectId)
      : await this.identity.findProjectByName(config.projectName);
    if (existing) {
      if (config.domainId && config.domainId !== existing.domainId) {
        this.logger.warn(
          `OFG_DEFAULT_DOMAIN_ID differs from the domain ${existing.domainId} of project ${existing.id}; the stored one is kept`,
        );
      }
      return { id: existing.id, name: existing.name, domainId: existing.domainId };
    }
    if (config.projectId) {
      const sameName = await this.identity.findProjectByName(config.projectName);
      if (sameName) {
        throw new Error(
          `OFG_DEFAULT_PROJECT_ID=${config.projectId} but project "${config.projectName}" already exists with id ${sameName.id}; ` +
            `set OFG_DEFAULT_PROJECT_ID=${sameName.id} or choose another OFG_DEFAULT_PROJECT_NAME`,
        );
      }
    }
    return {
      id: config.projectId ?? generateHexId(),
      name: config.projectName,
      domainId: config.domainId ?? generateHexId(),
    };
  }

  /** The key to create, or undefined when the admin already has one (or the configured AK exists). */
  private async planAccessKey(
    config: AdminBootstrapConfig,
    existingUserId: string | undefined,
  ): Promise<
    | { accessKey: string; secretKey: string; generatedAccessKey: boolean; generatedSecretKey: boolean }
    | undefined
  > {
    if (config.accessKey) {
      const existing = await this.identity.findCredential(config.accessKey);
      if (existing) {
        if (
          config.secretKey !== undefined &&
          !this.storedSecretEquals(existing.secretKeyCiphertext, config.accessKey, config.secretKey)
        ) {
          this.logger.warn(
            `OFG_ADMIN_SK differs from the stored secret of ${config.accessKey}; the stored secret is kept`,
          );
        }
        return undefined;
      }
    } else if (existingUserId && (await this.identity.countCredentialsOfUser(existingUserId)) > 0) {
      return undefined;
    }
    return {
      accessKey: config.accessKey ?? generateAccessKey(),
      secretKey: config.secretKey ?? generateSecretKey(),
      generatedAccessKey: config.accessKey === undefined,
      generatedSecretKey: config.secretKey === undefined,
    };
  }

  private storedSecretEquals(ciphertext: string, accessKey: string, secretKey: string): boolean {
    try {
      return this.cipher.decrypt(ciphertext, credentialSecretAad(accessKey)) === secretKey;
    } catch {
      return false;
    }
  }
}

function frame(
  projectId: string,
  domainId: string,
  adminUser: string,
  secrets: Array<[string, string]>,
): string {
  const rows: Array<[string, string]> = [
    ['project id', projectId],
    ['domain id', domainId],
    ['admin user', adminUser],
    ...secrets,
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const bar = '='.repeat(78);
  return [
    '',
    bar,
    ' OpenFunctionGraph: generated administrator credentials - shown ONCE, store them now',
    '-'.repeat(78),
    ...rows.map(([label, value]) => `  ${label.padEnd(width)} : ${value}`),
    bar,
    '',
    '',
  ].join('\n');
}
