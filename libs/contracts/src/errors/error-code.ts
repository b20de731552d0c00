/** FunctionGraph error codes used on the wire, with the HTTP status the spec pairs with each (spec §10.2). */
export const ERROR_CODES = {
  'FSS.0400': { status: 400, message: 'Invalid parameter' },
  'FSS.0401': { status: 401, message: 'Unauthorized' },
  'FSS.0403': { status: 403, message: 'Forbidden' },
  'FSS.0404': { status: 404, message: 'Resource not found' },
  'FSS.0405': { status: 405, message: 'Method not allowed' },
  'FSS.0409': { status: 409, message: 'Resource already exists' },
  'FSS.0413': { status: 413, message: 'Request body too large' },
  'FSS.0415': { status: 415, message: 'Unsupported media type' },
  'FSS.0429': { status: 429, message: 'Too many requests' },
  'FSS.0500': { status: 500, message: 'Internal service error' },
  'FSS.0503': { status: 503, message: 'Service unavailable' },
  'FSS.0504': { status: 504, message: 'Gateway timeout' },
  'FSS.1001': { status: 400, message: 'Invalid query parameter' },
  'FSS.1002': { status: 400, message: 'Invalid function name' },
  'FSS.1003': { status: 400, message: 'Invalid handler' },
  'FSS.1004': { status: 400, message: 'Invalid package' },
  'FSS.1005': { status: 400, message: 'Invalid runtime' },
  'FSS.1006': { status: 400, message: 'Invalid code type' },
  'FSS.1007': { status: 400, message: 'Invalid memory size' },
  'FSS.1008': { status: 400, message: 'Invalid timeout' },
  'FSS.1009': { status: 400, message: 'Invalid environment variables' },
  'FSS.1010': { status: 400, message: 'Invalid URL' },
  'FSS.1011': { status: 400, message: 'Invalid function code' },
  'FSS.1012': { status: 400, message: 'Function code is empty' },
  'FSS.1013': { status: 400, message: 'Invalid file type' },
  'FSS.1017': { status: 400, message: 'More than 20 environment variables' },
  'FSS.1018': { status: 400, message: 'Environment variables are too large' },
  'FSS.1019': { status: 400, message: 'Description is longer than 512 characters' },
  'FSS.1023': { status: 400, message: 'File is larger than allowed' },
  'FSS.1034': { status: 400, message: 'Invalid image address' },
  'FSS.1035': { status: 400, message: 'Image not found' },
  'FSS.1024': { status: 400, message: 'Invalid dependency' },
  'FSS.1032': { status: 400, message: 'The dependency must be a ZIP file uploaded directly or from OBS' },
  'FSS.1033': { status: 412, message: 'The dependency is in use and cannot be deleted' },
  'FSS.1045': { status: 403, message: 'Dependency count limit reached' },
  'FSS.1046': { status: 403, message: 'The dependency is unavailable' },
  'FSS.1051': { status: 404, message: 'Not found the function' },
  'FSS.1052': { status: 404, message: 'Not found the function version' },
  'FSS.1053': { status: 404, message: 'Not found the function alias' },
  'FSS.1054': { status: 404, message: 'Code package not found at the given URL' },
  'FSS.1056': { status: 404, message: 'Not found the dependency' },
  'FSS.1061': { status: 409, message: 'The function has existed' },
  'FSS.1065': { status: 409, message: 'The dependency already exists' },
  'FSS.1071': { status: 413, message: 'Code package is larger than 50 MB' },
  'FSS.1072': { status: 413, message: 'Inline code is larger than 10 KB' },
  'FSS.1076': { status: 400, message: 'The number of reserved instances exceeds the maximum' },
  'FSS.1077': {
    status: 400,
    message: 'The function has reserved instances; its code and configuration cannot change',
  },
  'FSS.1101': { status: 400, message: 'Invalid trigger type' },
  'FSS.1109': { status: 400, message: 'Invalid timer trigger parameters' },
  'FSS.1131': { status: 404, message: 'Trigger not found' },
  'FSS.1140': { status: 404, message: 'Timer trigger not found' },
  'FSS.1148': { status: 409, message: 'Timer trigger already exists' },
  'FSS.1153': { status: 412, message: 'Trigger is already in the requested state' },
  'FSS.1309': { status: 400, message: 'Invalid function URN' },
  'FSS.1401': { status: 503, message: 'Failed to obtain the image' },
  'FSS.1402': { status: 503, message: 'Failed to pull the image while creating the container' },
  'FSS.1404': { status: 400, message: 'Invalid initializer' },
  'FSS.1405': { status: 400, message: 'Invalid initializer timeout' },
  /** API-gateway authentication failures, as Huawei's APIG reports them. */
  'APIGW.0301': { status: 401, message: 'Incorrect IAM authentication information' },
  'APIGW.0101': { status: 404, message: 'The API does not exist or has not been published' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A platform error that the gateway's exception filter renders as FunctionGraph's `{error_code, error_msg}`. */
export class FgsError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'FgsError';
    this.status = ERROR_CODES[code].status;
  }
}

/** The FunctionGraph error body. */
export interface FgsErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
}

export function errorBody(code: string, message: string, requestId?: string): FgsErrorBody {
  return requestId
    ? { error_code: code, error_msg: message, request_id: requestId }
    : { error_code: code, error_msg: message };
}
