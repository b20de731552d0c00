import { Injectable } from '@nestjs/common';
import { FunctionLogDto, ListFunctionLogsDto, LtsLogDetailDto, NO_DATA_VALUE } from '@ofg/contracts';
import { InvocationLogRecord, InvocationMetricsRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { QueryParams } from '../common/query-params';
import { FunctionResolver } from '../functions/function.resolver';
import { recordedQualifierOf } from '../metrics/recorded-qualifier';
import { parseFunctionLogQuery } from './log-query';
import { ltsLogDetailOf } from './lts-log.names';

function toFunctionLogDto(record: InvocationLogRecord): FunctionLogDto {
  return {
    request_id: record.requestId,
    qualifier: record.qualifier,
    invoke_type: record.invokeType,
    status: record.status,
    error_message: record.errorMessage,
    log: record.log,
    duration: record.durationMs ?? NO_DATA_VALUE,
    memory_used: record.memoryUsedMb ?? NO_DATA_VALUE,
    time: record.createdAt.toISOString(),
    start_time: record.startTime?.toISOString() ?? '',
    end_time: record.endTime?.toISOString() ?? '',
  };
}

/**
 * Logs (spec §3.9, §8): every request's log is kept with its invocation record, so the "LTS" group and stream name
 * this store, reporting needs no switching on, and the query extension reads the records.
 */
@Injectable()
export class LogsService {
  constructor(
    private readonly records: InvocationMetricsRepository,
    private readonly resolver: FunctionResolver,
  ) {}

  async ltsLogDetail(auth: FgsAuthContext, urn: string): Promise<LtsLogDetailDto> {
    const { fn } = await this.resolver.find(urn, auth);
    return ltsLogDetailOf(fn);
  }

  /** Logs are always kept: the switch is accepted and changes nothing. */
  enableLtsLogs(): Record<string, never> {
    return {};
  }

  /** The function's request logs, newest first; a URN with a qualifier narrows to it. */
  async list(auth: FgsAuthContext, urn: string, query: QueryParams): Promise<ListFunctionLogsDto> {
    const q = parseFunctionLogQuery(query, new Date());
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    const { items, total } = await this.records.listLogs(
      auth.projectId,
      fn.id,
      { qualifier: recordedQualifierOf(ref), requestId: q.requestId, from: q.from, to: q.to },
      q.offset,
      q.limit,
    );
    return { logs: items.map(toFunctionLogDto), count: total, next_marker: q.offset + items.length };
  }
}
