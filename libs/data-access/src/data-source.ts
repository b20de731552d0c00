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
import { DependencyEntity } from './entities/dependency.entity';
import { DependencyVersionEntity } from './entities/dependency-version.entity';
import { Dependencies1732280000000 } from './migrations/1732280000000-dependencies';
import { ReservedInstanceConfigEntity } from './entities/reserved-instance-config.entity';
import { ReservedInstanceConfigs1732290000000 } from './migrations/1732290000000-reserved-instance-configs';
import { InvocationStartReason1732300000000 } from './migrations/1732300000000-invocation-start-reason';
import { AsyncInvokeConfigEntity } from './entities/async-invoke-config.entity';
import { AsyncInvokeConfigs1732310000000 } from './migrations/1732310000000-async-invoke-configs';
import { AsyncDestinationOutbox1732320000000 } from './migrations/1732320000000-async-destination-outbox';
import { TestEventsTracingTags1732330000000 } from './migrations/1732330000000-test-events-tracing-tags';
import { FunctionVersionEntity } from './entities/function-version.entity';
import { FunctionAliasEntity } from './entities/function-alias.entity';
import { FunctionVersionsAliases1732340000000 } from './migrations/1732340000000-function-versions-aliases';
import { InvocationMetricsIndex1732350000000 } from './migrations/1732350000000-invocation-metrics-index';

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
  DependencyEntity,
  DependencyVersionEntity,
  ReservedInstanceConfigEntity,
  AsyncInvokeConfigEntity,
  FunctionVersionEntity,
  FunctionAliasEntity,
];
export const MIGRATIONS = [
  InitialSchema1732240000000,
  RoleAssignments1732250000000,
  TemporaryCredentials1732260000000,
  RowLevelSecurity1732270000000,
  Dependencies1732280000000,
  ReservedInstanceConfigs1732290000000,
  InvocationStartReason1732300000000,
  AsyncInvokeConfigs1732310000000,
  AsyncDestinationOutbox1732320000000,
  TestEventsTracingTags1732330000000,
  FunctionVersionsAliases1732340000000,
  InvocationMetricsIndex1732350000000,
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
