import { Module } from '@nestjs/common';
import { AUTHZ_OPTIONS, DEFAULT_AUTHZ_OPTIONS, PermissionService } from './permission.service';
import { PermissionGuard } from './permission.guard';

/**
 * Authorization: register the guard globally after the authentication guard with
 * `{ provide: APP_GUARD, useExisting: PermissionGuard }`. Needs RoleAssignmentRepository (global DataAccessModule).
 */
@Module({
  providers: [
    { provide: AUTHZ_OPTIONS, useValue: DEFAULT_AUTHZ_OPTIONS },
    PermissionService,
    PermissionGuard,
  ],
  exports: [PermissionService, PermissionGuard],
})
export class AuthzModule {}
