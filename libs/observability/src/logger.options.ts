import { Params } from 'nestjs-pino';
import pino from 'pino';

/** Paths pino blanks out: credentials, signatures, tokens and function environment variables. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-security-token"]',
  'req.headers.cookie',
  'res.headers["x-subject-token"]',
  '*.password',
  '*.secretKey',
  '*.secret_key',
  '*.sk',
  '*.user_data',
  '*.encrypted_user_data',
  '*.tracing_sk',
  '*.tracingSk',
  '*.userData',
  '*.env',
];

/** A request target with the values of `token` query parameters (push tokens of webhook URLs) blanked out. */
export function redactUrlSecrets(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[REDACTED]');
}

let stdout: pino.DestinationStream | undefined;

/**
 * Stdout written asynchronously: lines logged while a write is under way go out together in the next one, so a busy
 * gateway pays one write per batch instead of one blocking write per request. pino flushes it when the process exits.
 */
function asyncStdout(): pino.DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false });
  return stdout;
}

/**
 * A logger for access lines whose fields the caller builds from trusted values (request id, method, URL with
 * redactUrlSecrets applied, status): the same JSON lines on the same stdout, without the redaction pass.
 */
export function accessLogger(service: string): pino.Logger {
  return pino({ name: service, level: process.env['LOG_LEVEL'] ?? 'info' }, asyncStdout());
}

/** JSON logs on stdout with request ids, secrets redacted. */
export function loggerParams(service: string): Params {
  return {
    pinoHttp: [
      {
        name: service,
        level: process.env['LOG_LEVEL'] ?? 'info',
        redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
        genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? crypto.randomUUID(),
        autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            url: redactUrlSecrets(req.url),
          }),
          // The status is what an access log needs; response headers would only add bytes to write and redact.
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
      },
      asyncStdout(),
    ],
  };
}
