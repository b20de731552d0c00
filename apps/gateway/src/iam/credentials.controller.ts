import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseFilters } from '@nestjs/common';
import { IAM_ACTIONS, IamCredentialDto } from '@ofg/contracts';
import { FgsAuth, FgsAuthContext } from '../auth/auth-context';
import { Action } from '../authz/action.decorator';
import { Permission, PermissionGrant } from '../authz/permission-grant';
import { CredentialsService } from './credentials.service';
import { firstQueryValue } from './iam-body';
import { IamExceptionFilter } from './iam-exception.filter';

/** Permanent access keys in the shape of Huawei IAM's `/v3.0/OS-CREDENTIAL/credentials`; users manage their own. */
@UseFilters(IamExceptionFilter)
@Controller('v3.0/OS-CREDENTIAL/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @HttpCode(201)
  @Action(IAM_ACTIONS.credentialsCreate, { selfService: true })
  create(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Body() body: unknown,
  ): Promise<{ credential: IamCredentialDto }> {
    return this.credentials.create(auth, grant, body);
  }

  @Get()
  @Action(IAM_ACTIONS.credentialsList, { selfService: true })
  list(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Query('user_id') userId?: string | string[],
  ): Promise<{ credentials: IamCredentialDto[] }> {
    return this.credentials.list(auth, grant, firstQueryValue(userId));
  }

  @Get(':access_key')
  @Action(IAM_ACTIONS.credentialsGet, { selfService: true })
  get(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Param('access_key') accessKey: string,
  ): Promise<{ credential: IamCredentialDto }> {
    return this.credentials.get(auth, grant, accessKey);
  }

  @Put(':access_key')
  @Action(IAM_ACTIONS.credentialsUpdate, { selfService: true })
  update(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Param('access_key') accessKey: string,
    @Body() body: unknown,
  ): Promise<{ credential: IamCredentialDto }> {
    return this.credentials.update(auth, grant, accessKey, body);
  }

  @Delete(':access_key')
  @HttpCode(204)
  @Action(IAM_ACTIONS.credentialsDelete, { selfService: true })
  remove(
    @FgsAuth() auth: FgsAuthContext,
    @Permission() grant: PermissionGrant,
    @Param('access_key') accessKey: string,
  ): Promise<void> {
    return this.credentials.delete(auth, grant, accessKey);
  }
}
