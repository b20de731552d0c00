import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseFilters,
} from '@nestjs/common';
import { IAM_ACTIONS, IamUserDto } from '@ofg/contracts';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { Action } from '../authz/action.decorator';
import { Permission, PermissionGrant } from '../authz/permission-grant';
import { firstQueryValue } from './iam-body';
import { IamExceptionFilter } from './iam-exception.filter';
import { UsersService } from './users.service';

/** IAM users (`/v3/users`, Keystone/Huawei IAM shapes). */
@UseFilters(IamExceptionFilter)
@Controller('v3/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @Action(IAM_ACTIONS.usersCreate)
  create(@FgsAuth() auth: FgsAuthContext, @Body() body: unknown): Promise<{ user: IamUserDto }> {
    return this.users.create(auth, body);
  }

  @Get()
  @Action(IAM_ACTIONS.usersList)
  list(
    @FgsAuth() auth: FgsAuthContext,
    @Query('name') name?: string | string[],
    @Query('enabled') enabled?: string | string[],
  ): Promise<{ users: IamUserDto[] }> {
    return this.users.list(auth, { name: firstQueryValue(name), enabled: firstQueryValue(enabled) });
  }

  /** A user may read their own record. */
  @Get(':user_id')
  @Action(IAM_ACTIONS.usersGet, { selfService: true })
  get(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Param('user_id') userId: string,
  ): Promise<{ user: IamUserDto }> {
    return this.users.get(auth, grant, userId);
  }

  @Patch(':user_id')
  @Action(IAM_ACTIONS.usersUpdate)
  update(
    @FgsAuth() auth: FgsAuthContext,
    @Param('user_id') userId: string,
    @Body() body: unknown,
  ): Promise<{ user: IamUserDto }> {
    return this.users.update(auth, userId, body);
  }

  @Delete(':user_id')
  @HttpCode(204)
  @Action(IAM_ACTIONS.usersDelete)
  remove(@FgsAuth() auth: FgsAuthContext, @Param('user_id') userId: string): Promise<void> {
    return this.users.delete(auth, userId);
  }
}
