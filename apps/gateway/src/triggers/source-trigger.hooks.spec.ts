import { randomUUID } from 'node:crypto';
import { FgsError } from '@ofg/contracts';
import { FunctionRepository } from '@ofg/data-access';
import { GatewayConfig } from '../config/gateway.config';
import { SourceTriggerHooks } from './source-trigger.hooks';

const PROJECT = 'p0123456789abcdef';
const SOURCE = randomUUID();

function hooks(): SourceTriggerHooks {
  const functions = {
    findById: async (projectId: string, id: string) =>
      projectId === PROJECT && id === SOURCE ? { id } : null,
  } as unknown as FunctionRepository;
  return new SourceTriggerHooks(functions, { region: 'local' } as GatewayConfig);
}

const codeOf = (work: Promise<unknown>) =>
  work.then(
    () => 'ok',
    (err: unknown) => (err instanceof FgsError ? err.code : String(err)),
  );

describe('SourceTriggerHooks', () => {
  it('accepts an SMN topic of this region and project only (FSS.1102)', async () => {
    const smn = (urn: string) =>
      hooks().prepare({ projectId: PROJECT, type: 'SMN', eventData: { topic_urn: urn } });
    expect(await codeOf(smn(`urn:smn:local:${PROJECT}:orders`))).toBe('ok');
    expect(await codeOf(smn(`urn:smn:local:another:orders`))).toBe('FSS.1102');
    expect(await codeOf(smn(`urn:smn:cn-north-4:${PROJECT}:orders`))).toBe('FSS.1102');
  });

  it('accepts an LTS log_topic_id naming a function of the project (FSS.1110)', async () => {
    const lts = (topic: string, projectId = PROJECT) =>
      hooks().prepare({ projectId, type: 'LTS', eventData: { log_group_id: 'g', log_topic_id: topic } });
    expect(await codeOf(lts(SOURCE))).toBe('ok');
    expect(await codeOf(lts(randomUUID()))).toBe('FSS.1110');
    expect(await codeOf(lts('not-a-function-id'))).toBe('FSS.1110');
    expect(await codeOf(lts(SOURCE, 'other-project'))).toBe('FSS.1110');
  });
});
