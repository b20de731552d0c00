import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuthzModule } from '../authz/authz.module';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';
import { ProjectAdminController } from './project-admin.controller';
import { ProjectAdminService } from './project-admin.service';
import { RoleGrantsController } from './role-grants.controller';
import { RoleGrantsService } from './role-grants.service';
import { RolesController } from './roles.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * IAM administration behind `iam:*` actions: users, projects, role grants and access keys. Separate from IamModule
 * (tokens, project look-up), which clients use without administration rights.
 */
@Module({
  imports: [AuthModule, AuthzModule],
  controllers: [
    UsersController,
    ProjectAdminController,
    RoleGrantsController,
    RolesController,
    CredentialsController,
  ],
  providers: [UsersService, ProjectAdminService, RoleGrantsService, CredentialsService],
})
export class IamAdminModule {}
