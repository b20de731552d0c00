import { Params } from 'nestjs-pino';

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
  '*.userData',
  '*.env',
];

/** JSON logs on stdout with request ids, secrets redacted. */
export function loggerParams(service: string): Params {
  return {
    pinoHttp: {
      name: service,
      level: process.env['LOG_LEVEL'] ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? crypto.randomUUID(),
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
      },
    },
  };
}
