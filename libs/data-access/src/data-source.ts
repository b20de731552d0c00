import { DataSource, DataSourceOptions } from 'typeorm';
import { CodePackageEntity } from './entities/code-package.entity';
import { CredentialEntity } from './entities/credential.entity';
import { FunctionEntity } from './entities/function.entity';
import { InvocationEntity } from './entities/invocation.entity';
import { ProjectEntity } from './entities/project.entity';
import { TriggerEntity } from './entities/trigger.entity';
import { UserEntity } from './entities/user.entity';
import { TemporaryCredentialEntity } from './entities/temporary-credential.entity';
import { InitialSchema1732240000000 } from './migrations/1732240000000-initial-schema';
import { RoleAssignmentEntity } from './entities/role-assignment.entity';
import { RoleAssignments1732250000000 } from './migrations/1732250000000-role-assignments';
import { TemporaryCredentials1732260000000 } from './migrations/1732260000000-temporary-credentials';
import { RowLevelSecurity1732270000000 } from './migrations/1732270000000-row-level-security';

export const ENTITIES = [
  ProjectEntity,
  UserEntity,
  CredentialEntity,
  CodePackageEntity,
  FunctionEntity,
  TriggerEntity,
  InvocationEntity,
  TemporaryCredentialEntity,
  RoleAssignmentEntity,
];
export const MIGRATIONS = [
  InitialSchema1732240000000,
  RoleAssignments1732250000000,
  TemporaryCredentials1732260000000,
  RowLevelSecurity1732270000000,
];

/** Connection options shared by the apps and the migration step; schema changes only through migrations. */
export function dataSourceOptions(
  databaseUrl: string,
  extra: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    extra: { max: Number(process.env['DATABASE_POOL_SIZE'] ?? 10) },
    ...extra,
  } as DataSourceOptions;
}

export function createDataSource(databaseUrl: string): DataSource {
  return new DataSource(dataSourceOptions(databaseUrl));
}
