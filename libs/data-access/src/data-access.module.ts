import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { DatabasePing } from './database.ping';
import { CodePackageRepository } from './repositories/code-package.repository';
import { FunctionRepository } from './repositories/function.repository';
import { IdentityRepository } from './repositories/identity.repository';
import { InvocationRepository } from './repositories/invocation.repository';
import { TriggerRepository } from './repositories/trigger.repository';
import { RoleAssignmentRepository } from './repositories/role-assignment.repository';
import { IamAdminRepository } from './repositories/iam-admin.repository';
import { TemporaryCredentialRepository } from './repositories/temporary-credential.repository';
import { DependencyRepository } from './repositories/dependency.repository';
import { ReservedInstanceConfigRepository } from './repositories/reserved-instance-config.repository';
import { AsyncInvokeConfigRepository } from './repositories/async-invoke-config.repository';
import { AsyncInvocationRepository } from './repositories/async-invocation.repository';
import { AsyncRecoveryRepository } from './repositories/async-recovery.repository';
import { FunctionVersionRepository } from './repositories/function-version.repository';
import { TestEventRepository } from './repositories/test-event.repository';
import { FunctionTracingRepository } from './repositories/function-tracing.repository';
import { FunctionTagRepository } from './repositories/function-tag.repository';
import { InvocationMetricsRepository } from './repositories/invocation-metrics.repository';
import { QuotaUsageRepository } from './repositories/quota-usage.repository';

const REPOSITORIES = [
  FunctionRepository,
  CodePackageRepository,
  TriggerRepository,
  InvocationRepository,
  IdentityRepository,
  TemporaryCredentialRepository,
  DatabasePing,
  RoleAssignmentRepository,
  IamAdminRepository,
  DependencyRepository,
  ReservedInstanceConfigRepository,
  AsyncInvokeConfigRepository,
  AsyncInvocationRepository,
  AsyncRecoveryRepository,
  FunctionVersionRepository,
  TestEventRepository,
  FunctionTracingRepository,
  FunctionTagRepository,
  InvocationMetricsRepository,
  QuotaUsageRepository,
];

/** Postgres connection plus the tenant-scoped repositories; apps import this instead of TypeORM. */
@Module({})
export class DataAccessModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DataAccessModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl), retryAttempts: 10, retryDelay: 1000 }),
      ],
      providers: REPOSITORIES,
      exports: REPOSITORIES,
    };
  }
}
