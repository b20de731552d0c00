import { Inject, Injectable } from '@nestjs/common';
import { FgsError, TracingConfigDto, TRACING_SK_MASK, updateTracingSchema } from '@ofg/contracts';
import { FunctionTracingRepository } from '@ofg/data-access';
import { functionTracingAad, SecretCipher } from '@ofg/security';
import { FgsAuthContext } from '../common/fgs-request';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';

/**
 * The APM key pair of a function (spec §3.5), stored for clients that manage it; no tracing backend consumes it yet.
 * It belongs to the function: any existing qualifier in the URN names the same configuration.
 * The secret key is sealed with the master key (AAD: the function) and never returned: GET shows a mask.
 */
@Injectable()
export class TracingService {
  private readonly cipher: SecretCipher;

  constructor(
    private readonly tracing: FunctionTracingRepository,
    private readonly resolver: FunctionResolver,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.cipher = new SecretCipher(config.masterKeyHex);
  }

  async get(auth: FgsAuthContext, urn: string): Promise<TracingConfigDto> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const stored = await this.tracing.find(auth.projectId, fn.id);
    if (!stored) throw new FgsError('FSS.0404', 'can not find tracing aksk');
    return { tracing_ak: stored.tracingAk, tracing_sk: TRACING_SK_MASK };
  }

  /**
   * Both keys switch tracing on or replace them; both empty (or absent) switch it off. A new access key with the
   * masked (or no) secret key keeps the stored secret, so a read-modify-write round trip works.
   */
  async update(auth: FgsAuthContext, urn: string, body: unknown): Promise<void> {
    const { fn } = await this.resolver.findTarget(urn, auth);
    const input = parseBody(updateTracingSchema, body);
    const ak = input.tracing_ak ?? '';
    const sk = input.tracing_sk === TRACING_SK_MASK ? '' : (input.tracing_sk ?? '');
    if (ak === '') {
      if (sk !== '') throw new FgsError('FSS.0400', 'Invalid parameter tracing_ak: required with tracing_sk');
      await this.tracing.delete(auth.projectId, fn.id);
      return;
    }
    if (sk !== '') {
      await this.tracing.upsert(
        auth.projectId,
        fn.id,
        ak,
        this.cipher.encrypt(sk, functionTracingAad(fn.id)),
      );
      return;
    }
    const stored = await this.tracing.find(auth.projectId, fn.id);
    if (!stored)
      throw new FgsError('FSS.0400', 'Invalid parameter tracing_sk: required to switch tracing on');
    await this.tracing.upsert(auth.projectId, fn.id, ak, stored.tracingSkCiphertext);
  }
}
