import {
  ArgumentsHost,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  Global,
  HttpCode,
  INestApplication,
  Module,
  Param,
  Post,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { Logger4jInstance } from '@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region';
import {
  FunctionGraphClient,
  InvokeFunctionRequest,
  ListFunctionsRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { FgsError, errorBody } from '@ofg/contracts';
import { IdentityRepository, TemporaryCredentialRepository } from '@ofg/data-access';
import {
  PasswordHasher,
  SecretCipher,
  agencyPrincipal,
  generateAccessKey,
  generateSecretKey,
  generateSecurityToken,
  hashSecurityToken,
  signRequest,
  temporaryCredentialSecretAad,
} from '@ofg/security';
import type { Response } from 'express';
import { connect } from 'node:net';
import { IamModule } from '../iam/iam.module';
import { FgsAuth, FgsAuthContext } from './auth-context';
import { AuthModule } from './auth.module';
import { FgsAuthGuard } from './fgs-auth.guard';
import { FakeIdentityRepository } from './testing/fake-identity.repository';
import { FakeTemporaryCredentialRepository } from './testing/fake-temporary-credential.repository';

// The unchanged official SDK (a devDependency) against the real guard: signing, project binding and the IAM look-up.
const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'SDKTESTAK0000000001';
const SK = 'sdkTestSecret/abc+123';
const ENV = {
  OFG_MASTER_KEY: '78'.repeat(32),
  OFG_DEFAULT_PROJECT_ID: PROJECT,
  OFG_DEFAULT_PROJECT_NAME: 'local-1',
  OFG_ADMIN_PASSWORD: 'pw',
  OFG_ADMIN_AK: AK,
  OFG_ADMIN_SK: SK,
};

@Controller('v2/:project_id/fgs/functions')
class StubFunctionsController {
  @Get()
  list(@FgsAuth() auth: FgsAuthContext): object {
    return { functions: [], next_marker: 0, count: 0, caller: auth };
  }

  @Post(':urn/invocations')
  @HttpCode(200)
  invoke(@Param('urn') urn: string, @FgsAuth() auth: FgsAuthContext): object {
    return { urn, caller: auth };
  }
}

@Catch(FgsError)
class TestFgsErrorFilter implements ExceptionFilter<FgsError> {
  catch(error: FgsError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(error.status)
      .json(errorBody(error.code, error.message));
  }
}

type SdkResult = Record<string, unknown> & { httpStatusCode?: number };
// The SDK returns the raw JSON (plus httpStatusCode), not instances of its declared model classes.
const raw = (response: unknown): SdkResult => response as SdkResult;
// Its declared body type is `{ [key: string]: object }`, though it sends any JSON value.
const jsonBody = (value: Record<string, unknown>): { [key: string]: object } =>
  value as { [key: string]: object };

describe('FgsAuthGuard with the official Huawei Cloud SDK', () => {
  let app: INestApplication;
  let endpoint: string;
  const temporary = new FakeTemporaryCredentialRepository();
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    Logger4jInstance.level = 'off';
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    const repo = new FakeIdentityRepository();
    @Global()
    @Module({
      providers: [
        { provide: IdentityRepository, useValue: repo },
        { provide: TemporaryCredentialRepository, useValue: temporary },
      ],
      exports: [IdentityRepository, TemporaryCredentialRepository],
    })
    class FakeDataAccessModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [FakeDataAccessModule, AuthModule, IamModule],
      controllers: [StubFunctionsController],
      providers: [{ provide: APP_GUARD, useExisting: FgsAuthGuard }],
    })
      .overrideProvider(PasswordHasher)
      .useValue(new PasswordHasher({ N: 1024 }))
      .compile();
    app = moduleRef.createNestApplication({ logger: false, rawBody: true });
    app.useGlobalFilters(new TestFgsErrorFilter());
    await app.listen(0, '127.0.0.1');
    endpoint = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const client = (credentials: BasicCredentials, region?: Region): FunctionGraphClient => {
    const builder = FunctionGraphClient.newBuilder()
      .withCredential(credentials)
      .withOptions({ customUserAgent: 'ofg-test' });
    return (region ? builder.withRegion(region) : builder.withEndpoint(endpoint)).build();
  };

  it('accepts SDK-signed requests with endpoint + project id', async () => {
    const fg = client(new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT));
    const list = raw(await fg.listFunctions(new ListFunctionsRequest().withMaxitems('10').withMarker('0')));
    expect(list).toMatchObject({
      httpStatusCode: 200,
      count: 0,
      caller: { projectId: PROJECT, accessKey: AK, method: 'aksk' },
    });

    const urn = `urn:fss:local-1:${PROJECT}:function:default:hello:latest`;
    const invoked = raw(
      await fg.invokeFunction(
        new InvokeFunctionRequest().withFunctionUrn(urn).withBody(jsonBody({ k: 'v', n: 1 })),
      ),
    );
    expect(invoked).toMatchObject({ httpStatusCode: 200, urn });
  });

  it('accepts temporary credentials sent with withSecurityToken, and refuses them without it', async () => {
    const ak = generateAccessKey();
    const sk = generateSecretKey();
    const securityToken = generateSecurityToken();
    await temporary.create({
      accessKey: ak,
      secretKeyCiphertext: new SecretCipher(ENV.OFG_MASTER_KEY).encrypt(sk, temporaryCredentialSecretAad(ak)),
      securityTokenHash: hashSecurityToken(securityToken),
      projectId: PROJECT,
      principal: agencyPrincipal('fgs_agency'),
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const fg = client(
      new BasicCredentials().withAk(ak).withSk(sk).withSecurityToken(securityToken).withProjectId(PROJECT),
    );
    const list = raw(await fg.listFunctions(new ListFunctionsRequest()));
    expect(list).toMatchObject({
      httpStatusCode: 200,
      caller: { projectId: PROJECT, userId: 'agency:fgs_agency', accessKey: ak, method: 'aksk' },
    });
    const without = client(new BasicCredentials().withAk(ak).withSk(sk).withProjectId(PROJECT));
    await expect(without.listFunctions(new ListFunctionsRequest())).rejects.toMatchObject({
      httpStatusCode: 401,
      errorCode: 'APIGW.0301',
    });
  });

  it('refuses a recorded signed invocation sent a second time', async () => {
    const urn = `urn:fss:local-1:${PROJECT}:function:default:hello:latest`;
    const url = `${endpoint}/v2/${PROJECT}/fgs/functions/${urn}/invocations`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT };
    const body = '{"r":2}';
    // The SDK's signer (parity-tested in libs/security); the headers are what an eavesdropper would have recorded.
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body, ak: AK, sk: SK }));
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(200);
    const replay = await fetch(url, { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error_code: 'APIGW.0301' });
  });

  it('finds the project through GET /v3/projects when only a region is set', async () => {
    const fg = client(
      new BasicCredentials().withAk(AK).withSk(SK).withIamEndpoint(endpoint),
      new Region('local-1', endpoint),
    );
    const list = raw(await fg.listFunctions(new ListFunctionsRequest()));
    expect(list).toMatchObject({ httpStatusCode: 200, caller: { projectId: PROJECT } });
  });

  it('surfaces a wrong secret key as ClientRequestException 401 APIGW.0301', async () => {
    const fg = client(new BasicCredentials().withAk(AK).withSk('wrong').withProjectId(PROJECT));
    await expect(fg.listFunctions(new ListFunctionsRequest())).rejects.toMatchObject({
      httpStatusCode: 401,
      errorCode: 'APIGW.0301',
    });
  });

  it('cannot be bypassed with request targets Express normalises (absolute-form, backslashes)', async () => {
    const { port } = new URL(endpoint);
    const send = (target: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        );
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('end', () => resolve(data.split('\r\n', 1)[0]));
        socket.on('error', reject);
      });
    for (const target of [
      `http://evil.example/v2/${PROJECT}/fgs/functions`,
      `/V2/${PROJECT}/fgs/functions`,
      `/v2\\${PROJECT}\\fgs\\functions#x`,
    ]) {
      expect(await send(target)).toBe('HTTP/1.1 401 Unauthorized');
    }
  });

  it('tells a client without project id to set it', async () => {
    const fg = client(new BasicCredentials().withAk(AK).withSk(SK));
    await expect(fg.listFunctions(new ListFunctionsRequest())).rejects.toMatchObject({
      httpStatusCode: 400,
      errorCode: 'FSS.0400',
    });
  });
});
