/** Signed requests from sdk-and-runtime-contract §2.4 and §4, produced by the official SDK with a frozen clock. */
export const VECTOR_AK = 'EXAMPLEAK0123456789';
export const VECTOR_SK = 'exampleSecretKey/abc+123';
export const VECTOR_DATE = '20240102T030405Z';
export const VECTOR_NOW = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
export const VECTOR_HOST = '127.0.0.1:18080';
export const VECTOR_PROJECT = '0123456789abcdef0123456789abcdef';
export const VECTOR_URN = `urn:fss:local:${VECTOR_PROJECT}:function:default:hello:latest`;

export interface CapturedRequest {
  name: string;
  method: string;
  url: string;
  /** Headers the SDK signed, with their wire values (lower-case names, as Node delivers them). */
  headers: Record<string, string>;
  body: string;
  signedHeaders: string;
  signature: string;
}

const base = (extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  'x-project-id': VECTOR_PROJECT,
  ...extra,
  'x-sdk-date': VECTOR_DATE,
  host: VECTOR_HOST,
});

const COMMON_SIGNED = 'content-type;host;x-project-id;x-sdk-date';

/** §4 captures whose body is given in full (the create-function capture has a shortened `func_code.file`, so it is absent). */
export const CAPTURED_REQUESTS: CapturedRequest[] = [
  {
    name: 'sync invoke with log tail',
    method: 'POST',
    url: `/v2/${VECTOR_PROJECT}/fgs/functions/${VECTOR_URN}/invocations`,
    headers: base({ 'x-cff-log-type': 'tail', 'x-cff-request-version': 'v1' }),
    body: '{"name":"probe"}',
    signedHeaders: 'content-type;host;x-cff-log-type;x-cff-request-version;x-project-id;x-sdk-date',
    signature: '5c080fec9ab05a1ca35bf984ea4e5ec99a77f211914d541968b60b7f1d8eae6a',
  },
  {
    name: 'async invoke',
    method: 'POST',
    url: `/v2/${VECTOR_PROJECT}/fgs/functions/${VECTOR_URN}/invocations-async`,
    headers: base(),
    body: '{"name":"async"}',
    signedHeaders: COMMON_SIGNED,
    signature: 'c830c8eed6068c272920d7377900694f896ca0749d4262ce75745f7e4c26af4e',
  },
  {
    name: 'list functions',
    method: 'GET',
    url: `/v2/${VECTOR_PROJECT}/fgs/functions?marker=0&maxitems=10`,
    headers: base(),
    body: '',
    signedHeaders: COMMON_SIGNED,
    signature: '812ef51791c99a430dda6e5ac30dd8186e3b18b0d5042c45632efeadca0d6b56',
  },
  {
    name: 'create timer trigger',
    method: 'POST',
    url: `/v2/${VECTOR_PROJECT}/fgs/triggers/${VECTOR_URN}`,
    headers: base(),
    body: '{"trigger_type_code":"TIMER","event_data":{"name":"timer-1","schedule_type":"Rate","schedule":"3m","user_event":"hello"},"trigger_status":"ACTIVE"}',
    signedHeaders: COMMON_SIGNED,
    signature: '57612249bdcb5e6c3342c2557860c6b2e21156d15b2e2f8816148687a561fe52',
  },
  {
    name: 'delete timer trigger',
    method: 'DELETE',
    url: `/v2/${VECTOR_PROJECT}/fgs/triggers/${VECTOR_URN}/TIMER/abc-123`,
    headers: base(),
    body: '',
    signedHeaders: COMMON_SIGNED,
    signature: 'f4cbb8b98ef3b9ecfb25a149637ec197bd19746c7f91decdc3a5e9534192b300',
  },
];
