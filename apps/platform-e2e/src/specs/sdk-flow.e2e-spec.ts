import {
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  CreateFunctionTriggerRequest,
  CreateFunctionTriggerRequestBody,
  DeleteFunctionRequest,
  FuncCode,
  InvokeFunctionRequest,
  ListFunctionsRequest,
  ListFunctionTriggersRequest,
  ShowFunctionConfigRequest,
  TriggerEventDataRequestBody,
  UpdateFunctionCodeRequest,
  UpdateFunctionCodeRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { Client } from 'pg';
import { SOURCES, zipBase64 } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { officialSdkClient, sdkFailure } from '../support/sdk';

/** The SDK types the event as a map of objects; any JSON object is what it sends. */
function sdkEvent(event: Record<string, unknown>): Record<string, object> {
  return event as Record<string, object>;
}

interface InvokeV1 {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

/** Waits for a successful TIMER-originated invocation record of the function. */
async function waitForTimerInvocation(
  databaseUrl: string,
  funcName: string,
  timeoutMs: number,
): Promise<{ result: string; log: string }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const { rows } = await db.query<{ result: string; log: string }>(
        `SELECT i.result, i.log FROM invocations i JOIN functions f ON f.id = i.function_id
          WHERE f.func_name = $1 AND i.trigger_type = 'TIMER' AND i.status = 'SUCCESS' LIMIT 1`,
        [funcName],
      );
      if (rows.length > 0) return rows[0];
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no timer invocation of ${funcName} within ${timeoutMs} ms`);
  } finally {
    await db.end();
  }
}

describe('the official Huawei Cloud SDK against the gateway (AK/SK)', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const name = `sdk-hello-${Date.now().toString(36)}`;
  const urn = http.urn(name);

  it('creates, lists, reads, invokes, updates, triggers and deletes a Node.js function', async () => {
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        new CreateFunctionRequestBody()
          .withFuncName(name)
          .withPackage('default')
          .withRuntime('Node.js18.15')
          .withTimeout(30)
          .withHandler('index.handler')
          .withMemorySize(128)
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.js': SOURCES.hello })))
          .withUserData(JSON.stringify({ GREETING: 'hi' })),
      ),
    )) as unknown as Record<string, unknown>;
    expect(created['func_urn']).toBe(urn);
    expect(created['runtime']).toBe('Node.js18.15');
    expect(created['memory_size']).toBe(128);
    expect(created['cpu']).toBe(300);
    expect(created['version']).toBe('latest');
    expect(String(created['digest'])).toMatch(/^[0-9a-f]{128}$/);

    const list = (await sdk.listFunctions(new ListFunctionsRequest().withMaxitems('400'))) as unknown as {
      functions: { func_name: string; func_urn: string }[];
      count: number;
      next_marker: number;
    };
    const listed = list.functions.find((f) => f.func_name === name);
    expect(listed?.func_urn).toBe(urn.replace(/:latest$/, ''));
    expect(list.count).toBeGreaterThanOrEqual(1);

    const config = (await sdk.showFunctionConfig(
      new ShowFunctionConfigRequest().withFunctionUrn(urn),
    )) as unknown as Record<string, unknown>;
    expect(config['func_name']).toBe(name);
    expect(config['handler']).toBe('index.handler');
    expect(config['timeout']).toBe(30);
    expect(config['user_data']).toBe(JSON.stringify({ GREETING: 'hi' }));

    const invoked = (await sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCffLogType('tail')
        .withXCFFRequestVersion('v1')
        .withBody(sdkEvent({ name: 'sdk' })),
    )) as unknown as InvokeV1 & { 'X-Cff-Request-Id'?: string };
    expect(invoked.status).toBe(200);
    expect(JSON.parse(invoked.result)).toEqual({ greeting: 'hello sdk', version: 1, env: 'hi' });
    expect(invoked.log).toContain(`hello from ${name}`);
    expect(invoked.log).toContain(`INFO logger line ${invoked.request_id}`);
    expect(invoked.log).toContain(`Start invoke request '${invoked.request_id}'`);

    await sdk.updateFunctionCode(
      new UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
        new UpdateFunctionCodeRequestBody()
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.js': SOURCES.helloV2 }))),
      ),
    );
    const reinvoked = (await sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCFFRequestVersion('v1')
        .withBody(sdkEvent({ name: 'again' })),
    )) as unknown as InvokeV1;
    expect(JSON.parse(reinvoked.result)).toEqual({ greeting: 'hi again', version: 2 });

    const trigger = (await sdk.createFunctionTrigger(
      new CreateFunctionTriggerRequest()
        .withFunctionUrn(urn)
        .withBody(
          new CreateFunctionTriggerRequestBody()
            .withTriggerTypeCode('TIMER')
            .withTriggerStatus('ACTIVE')
            .withEventData(
              new TriggerEventDataRequestBody()
                .withName('every-second')
                .withScheduleType('Cron')
                .withSchedule('*/1 * * * * *')
                .withUserEvent('tick-payload'),
            ),
        ),
    )) as unknown as Record<string, unknown>;
    expect(trigger['trigger_type_code']).toBe('TIMER');
    expect(trigger['trigger_status']).toBe('ACTIVE');
    const triggers = (await sdk.listFunctionTriggers(
      new ListFunctionTriggersRequest().withFunctionUrn(urn),
    )) as unknown as unknown[];
    expect(triggers).toHaveLength(1);

    const timerRun = await waitForTimerInvocation(http.stack.databaseUrl, name, 60_000);
    // The function now runs helloV2, which echoes the timer event's fields.
    const timerEvent = JSON.parse(timerRun.result) as Record<string, string>;
    expect(timerEvent).toMatchObject({
      event_version: 'v1.0',
      trigger_type: 'TIMER',
      trigger_name: 'every-second',
      user_event: 'tick-payload',
    });
    expect(timerEvent['time']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);

    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
    const gone = await sdkFailure(
      sdk.showFunctionConfig(new ShowFunctionConfigRequest().withFunctionUrn(urn)),
    );
    expect(gone.httpStatusCode).toBe(404);
    expect(gone.errorCode).toBe('FSS.1051');
  });
});

describe('the same flow over plain HTTP with an X-Auth-Token', () => {
  const http = new FgsClient();
  const name = `token-hello-${Date.now().toString(36)}`;

  it('creates, lists, reads, invokes, updates, triggers and deletes a function', async () => {
    const token = await http.token();
    const auth = { kind: 'token' as const, token };
    const base = `/v2/${http.stack.projectId}/fgs`;

    const created = await http.request<Record<string, unknown>>('POST', `${base}/functions`, {
      auth,
      body: {
        func_name: name,
        package: 'default',
        runtime: 'Node.js20.15',
        timeout: 30,
        handler: 'index.handler',
        memory_size: 256,
        code_type: 'inline',
        func_code: { file: Buffer.from(SOURCES.callbackOk).toString('base64') },
      },
    });
    expect(created.status).toBe(200);
    expect(created.json['cpu']).toBe(400);
    const urn = String(created.json['func_urn']);

    const list = await http.request<{ functions: { func_name: string }[] }>(
      'GET',
      `${base}/functions?maxitems=10&func_name=${name}`,
      { auth },
    );
    expect(list.status).toBe(200);
    expect(list.json.functions.map((f) => f.func_name)).toEqual([name]);

    const config = await http.request<Record<string, unknown>>('GET', `${base}/functions/${urn}/config`, {
      auth,
    });
    expect(config.status).toBe(200);
    expect(config.json['code_type']).toBe('inline');
    // What GET config returns can be sent back unchanged as the PUT config body.
    const roundTrip = await http.request<Record<string, unknown>>('PUT', `${base}/functions/${urn}/config`, {
      auth,
      body: config.json,
    });
    expect(roundTrip.status).toBe(200);
    expect(roundTrip.json['timeout']).toBe(config.json['timeout']);

    const invoked = await http.request<InvokeV1>('POST', `${base}/functions/${urn}/invocations`, {
      auth,
      body: { n: 7 },
      headers: { 'X-Cff-Log-Type': 'tail', 'X-CFF-Request-Version': 'v1' },
    });
    expect(invoked.status).toBe(200);
    expect(JSON.parse(invoked.json.result)).toEqual({ via: 'callback', n: 7 });
    expect(invoked.headers.get('x-cff-request-id')).toBe(invoked.json.request_id);
    const tail = Buffer.from(invoked.headers.get('x-cff-function-log') ?? '', 'base64').toString('utf8');
    expect(tail).toContain(`Finish invoke request '${invoked.json.request_id}'`);
    const summary = JSON.parse(invoked.headers.get('x-cff-invoke-summary') ?? '{}') as Record<string, number>;
    expect(summary['memorySize']).toBe(256);
    expect(summary['duration']).toBeGreaterThan(0);

    const updated = await http.request<Record<string, unknown>>('PUT', `${base}/functions/${urn}/code`, {
      auth,
      body: {
        code_type: 'zip',
        code_filename: 'index.zip',
        func_code: { file: await zipBase64({ 'index.js': SOURCES.helloV2 }) },
      },
    });
    expect(updated.status).toBe(200);
    const v0 = await http.request<Record<string, unknown>>('POST', `${base}/functions/${urn}/invocations`, {
      auth,
      body: { name: 'v0' },
    });
    expect(v0.status).toBe(200);
    expect(v0.json).toEqual({ greeting: 'hi v0', version: 2 });

    const trigger = await http.request<Record<string, unknown>>('POST', `${base}/triggers/${urn}`, {
      auth,
      body: {
        trigger_type_code: 'TIMER',
        event_data: { name: 'tok-timer', schedule_type: 'Cron', schedule: '*/1 * * * * *', user_event: 'x' },
      },
    });
    expect(trigger.status).toBe(201);
    await waitForTimerInvocation(http.stack.databaseUrl, name, 60_000);
    const disabled = await http.request(
      'PUT',
      `${base}/triggers/${urn}/TIMER/${String(trigger.json['trigger_id'])}`,
      {
        auth,
        body: { trigger_status: 'DISABLED' },
      },
    );
    expect(disabled.status).toBe(200);

    const deleted = await http.request('DELETE', `${base}/functions/${urn}`, { auth });
    expect(deleted.status).toBe(204);
    const gone = await http.request<{ error_code: string }>('GET', `${base}/functions/${urn}/config`, {
      auth,
    });
    expect(gone.status).toBe(404);
    expect(gone.json.error_code).toBe('FSS.1051');
  });
});
