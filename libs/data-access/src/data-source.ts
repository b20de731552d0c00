import { DataSource, DataSourceOptions } from 'typeorm';
import { CodePackageEntity } from './entities/code-package.entity';
import { CredentialEntity } from './entities/credential.entity';
import { FunctionEntity } from './entities/function.entity';
import { InvocationEntity } from './entities/invocation.entity';
import { ProjectEntity } from './entities/project.entity';
import { TriggerEntity } from './entities/trigger.entity';
import { UserEntity } from './entities/user.entity';
import { InitialSchema1732240000000 } from './migrations/1732240000000-initial-schema';

export const ENTITIES = [
  ProjectEntity,
  UserEntity,
  CredentialEntity,
  CodePackageEntity,
  FunctionEntity,
  TriggerEntity,
  InvocationEntity,
];
export const MIGRATIONS = [InitialSchema1732240000000];

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
