import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FGS_ACTIONS, ListQuotasDto } from '@ofg/contracts';
import { Action } from '../authz/action.decorator';
import { Auth } from '../common/auth-context.decorator';
import { FgsAuthContext } from '../common/fgs-request';
import { ApiFgsAuth, ApiProjectParam } from '../openapi/api-docs.decorators';
import { QuotasService } from './quotas.service';

@ApiTags('Quotas')
@ApiFgsAuth()
@ApiProjectParam()
@Controller('v2/:project_id/fgs/quotas')
export class QuotasController {
  constructor(private readonly quotas: QuotasService) {}

  @Get()
  @ApiOperation({
    summary: 'Query tenant quotas',
    description:
      'Each quota type with its limit and what the project uses: functions, code storage (function code and ' +
      'own dependency versions, MB), live instances; `fgs_dependency_num` and `fgs_trigger_num` (quota -1, no ' +
      'limit) are extensions.',
  })
  @ApiResponse({ status: 200, description: '`{quotas: {resources: [{quota, used, type, unit?}]}}`' })
  @ApiResponse({ status: 503, description: 'FSS.0503: the invokers\u2019 instance figures are unreachable' })
  @Action(FGS_ACTIONS.functionListQuotas)
  list(@Auth() auth: FgsAuthContext): Promise<ListQuotasDto> {
    return this.quotas.list(auth);
  }
}
