import {
  CreateFunctionRequest,
  CreateFunctionRequestBody,
  DeleteFunctionRequest,
  FuncCode,
  InvokeFunctionRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { zipBase64 } from '../support/code-fixtures';
import { FgsClient } from '../support/fgs-client';
import { invokeV1 } from '../support/functions';
import { officialSdkClient } from '../support/sdk';

interface InvokeV1 {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

const HELLO_PY = `import os

state = {"initialised": 0}


def init(context):
    state["initialised"] += 1
    print("initializer ran for", context.getFunctionName())


def handler(event, context):
    print("hello from", context.getFunctionName())
    context.getLogger().info("logger line", context.getRequestID())
    return {
        "greeting": "hello " + event.get("name", "world"),
        "initialised": state["initialised"],
        "env": context.getUserData("GREETING"),
        "memory": context.getMemorySize(),
        "uid": os.getuid(),
    }
`;

const RAISER_PY = `class QuotaExceeded(Exception):
    pass


def handler(event, context):
    raise QuotaExceeded("quota of " + str(event.get("n")) + " exceeded")
`;

/** The SDK types the event as a map of objects; any JSON object is what it sends. */
function sdkEvent(event: Record<string, unknown>): Record<string, object> {
  return event as Record<string, object>;
}

describe('the Python 3 runtime', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const suffix = Date.now().toString(36);

  it('creates a Python3.9 function from a zip through the SDK and invokes it with an initializer', async () => {
    const name = `py-hello-${suffix}`;
    const urn = http.urn(name);
    const created = (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        new CreateFunctionRequestBody()
          .withFuncName(name)
          .withPackage('default')
          .withRuntime('Python3.9')
          .withTimeout(30)
          .withHandler('index.handler')
          .withInitializerHandler('index.init')
          .withInitializerTimeout(10)
          .withMemorySize(128)
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(await zipBase64({ 'index.py': HELLO_PY })))
          .withUserData(JSON.stringify({ GREETING: 'hi' })),
      ),
    )) as unknown as Record<string, unknown>;
    expect(created['func_urn']).toBe(urn);
    expect(created['runtime']).toBe('Python3.9');

    const invoke = (name: string) =>
      sdk.invokeFunction(
        new InvokeFunctionRequest()
          .withFunctionUrn(urn)
          .withXCffLogType('tail')
          .withXCFFRequestVersion('v1')
          .withBody(sdkEvent({ name })),
      ) as unknown as Promise<InvokeV1>;
    const first = await invoke('sdk');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.result)).toEqual({
      greeting: 'hello sdk',
      initialised: 1,
      env: 'hi',
      memory: '128',
      uid: 1000,
    });
    expect(first.log).toContain(`Start invoke request '${first.request_id}'`);
    expect(first.log).toContain(`hello from ${name}`);
    expect(first.log).toMatch(
      new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${first.request_id} INFO logger line`),
    );
    expect(first.log).toContain(`Finish invoke request '${first.request_id}'`);

    const second = await invoke('again');
    expect(JSON.parse(second.result)).toMatchObject({ greeting: 'hello again', initialised: 1 });
    expect(second.log).not.toContain('initializer ran');

    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn));
  });

  it('returns a raised exception in FunctionGraph shape', async () => {
    const name = `py-raise-${suffix}`;
    const created = await http.request<Record<string, unknown>>(
      'POST',
      `/v2/${http.stack.projectId}/fgs/functions`,
      {
        body: {
          func_name: name,
          package: 'default',
          runtime: 'Python3.10',
          timeout: 10,
          handler: 'index.handler',
          memory_size: 128,
          code_type: 'zip',
          code_filename: 'index.zip',
          func_code: { file: await zipBase64({ 'index.py': RAISER_PY }) },
        },
      },
    );
    expect(created.status).toBe(200);
    const res = await invokeV1(http, String(created.json['func_urn']), { n: 3 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-is-func-err')).toBe('true');
    const error = JSON.parse(res.json.result) as {
      errorMessage: string;
      errorType: string;
      stackTrace: string[];
    };
    expect(error.errorMessage).toBe('function invocation exception, error: quota of 3 exceeded');
    expect(error.errorType).toBe('QuotaExceeded');
    expect(error.stackTrace.join('\n')).toContain('in handler');
  });

  it('runs inline Python code created over plain HTTP and refuses Python2.7', async () => {
    const base = `/v2/${http.stack.projectId}/fgs`;
    const body = (name: string, runtime: string) => ({
      func_name: name,
      package: 'default',
      runtime,
      timeout: 10,
      handler: 'index.handler',
      memory_size: 128,
      code_type: 'inline',
      func_code: {
        file: Buffer.from(
          'def handler(event, context):\n    return "inline " + str(event["n"] * 2)\n',
        ).toString('base64'),
      },
    });
    const created = await http.request<Record<string, unknown>>('POST', `${base}/functions`, {
      body: body(`py-inline-${suffix}`, 'Python3.12'),
    });
    expect(created.status).toBe(200);
    const res = await invokeV1(http, String(created.json['func_urn']), { n: 21 });
    expect(res.status).toBe(200);
    expect(res.json.result).toBe('inline 42');

    const refused = await http.request<Record<string, unknown>>('POST', `${base}/functions`, {
      body: body(`py-two-${suffix}`, 'Python2.7'),
    });
    expect(refused.status).toBe(400);
    expect(refused.json['error_code']).toBe('FSS.1005');
    expect(String(refused.json['error_msg'])).toContain('Python 3');
  });
});
