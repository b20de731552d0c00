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
  'FSS.0428': { status: 428, message: 'Precondition not met' },
  'FSS.0429': { status: 429, message: 'Too many requests' },
  'FSS.0500': { status: 500, message: 'Internal service error' },
  'FSS.0502': { status: 502, message: 'Bad gateway' },
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
  'FSS.1014': { status: 400, message: 'Invalid alias' },
  'FSS.1015': { status: 400, message: 'Invalid version' },
  'FSS.1016': { status: 400, message: 'Nothing changed since the previous version was published' },
  'FSS.1017': { status: 400, message: 'More than 20 environment variables' },
  'FSS.1018': { status: 400, message: 'Environment variables are too large' },
  'FSS.1019': { status: 400, message: 'Description is longer than 512 characters' },
  'FSS.1023': { status: 400, message: 'File is larger than allowed' },
  'FSS.1034': { status: 400, message: 'Invalid image address' },
  'FSS.1035': { status: 400, message: 'Image not found' },
  'FSS.1024': { status: 400, message: 'Invalid dependency' },
  'FSS.1032': { status: 400, message: 'The dependency must be a ZIP file uploaded directly or from OBS' },
  'FSS.1033': { status: 412, message: 'The dependency is in use and cannot be deleted' },
  'FSS.1041': { status: 403, message: 'The number of functions exceeds the quota' },
  'FSS.1042': { status: 403, message: 'The total code size exceeds the quota' },
  'FSS.1043': { status: 403, message: 'The function has reached its alias limit' },
  'FSS.1045': { status: 403, message: 'Dependency count limit reached' },
  'FSS.1046': { status: 403, message: 'The dependency is unavailable' },
  'FSS.1051': { status: 404, message: 'Not found the function' },
  'FSS.1052': { status: 404, message: 'Not found the function version' },
  'FSS.1053': { status: 404, message: 'Not found the function alias' },
  'FSS.1054': { status: 404, message: 'Code package not found at the given URL' },
  'FSS.1056': { status: 404, message: 'Not found the dependency' },
  'FSS.1061': { status: 409, message: 'The function has existed' },
  'FSS.1062': { status: 409, message: 'The version already exists' },
  'FSS.1063': { status: 409, message: 'The alias already exists' },
  'FSS.1065': { status: 409, message: 'The dependency already exists' },
  'FSS.1066': { status: 409, message: 'The version is already bound to another alias' },
  'FSS.1071': { status: 413, message: 'Code package is larger than 50 MB' },
  'FSS.1072': { status: 413, message: 'Inline code is larger than 10 KB' },
  // Test events (spec §3.4) and function import (§3.11).
  'FSS.1022': { status: 400, message: 'More than one YAML file was supplied' },
  'FSS.1025': { status: 400, message: 'The YAML file is malformed' },
  'FSS.1057': { status: 404, message: 'The function name is missing in the YAML file' },
  'FSS.1068': { status: 403, message: 'The function has too many test events' },
  'FSS.1069': { status: 403, message: 'The test event is larger than 4 KB' },
  'FSS.1070': { status: 404, message: 'Not found the test event' },
  'FSS.1073': { status: 403, message: 'The test event already exists' },
  'FSS.1074': { status: 400, message: 'Invalid test event parameters' },
  'FSS.1076': { status: 400, message: 'The number of reserved instances exceeds the maximum' },
  'FSS.1077': {
    status: 400,
    message: 'The function has reserved instances; its code and configuration cannot change',
  },
  'FSS.1091': { status: 400, message: 'Invalid additional version' },
  'FSS.1092': { status: 400, message: 'Invalid additional version weight' },
  'FSS.1093': { status: 400, message: "The additional version is the alias's main version" },
  'FSS.1094': { status: 403, message: 'The version is used by an alias and cannot be deleted' },
  'FSS.1101': { status: 400, message: 'Invalid trigger type' },
  // Triggers per type (spec §4.3, §10.2): invalid event_data, not found, already exists.
  'FSS.1102': { status: 400, message: 'Invalid SMN trigger parameters' },
  'FSS.1103': { status: 400, message: 'Invalid DMS trigger parameters' },
  'FSS.1104': { status: 400, message: 'Invalid DIS trigger parameters' },
  'FSS.1106': { status: 400, message: 'Invalid OBS trigger parameters' },
  'FSS.1107': { status: 400, message: 'Invalid APIG trigger parameters' },
  'FSS.1109': { status: 400, message: 'Invalid timer trigger parameters' },
  'FSS.1110': { status: 400, message: 'Invalid LTS trigger parameters' },
  'FSS.1112': { status: 400, message: 'Invalid Kafka trigger parameters' },
  'FSS.1164': { status: 400, message: 'Invalid DDS trigger parameters' },
  'FSS.1113': { status: 400, message: 'Kafka SASL_SSL is enabled without a user name and password' },
  'FSS.1108': { status: 403, message: 'The bucket configuration conflicts with an existing OBS trigger' },
  'FSS.1305': { status: 400, message: 'Invalid CTS trigger parameters' },
  'FSS.1301': { status: 400, message: 'CTS trigger not found' },
  'FSS.1307': { status: 400, message: 'Trigger name already used' },
  'FSS.1312': { status: 400, message: 'The notification name is empty' },
  'FSS.1313': { status: 400, message: 'More than 100 operations are selected' },
  'FSS.1314': { status: 400, message: 'No operation is selected' },
  'FSS.1316': { status: 400, message: 'The operation is already selected' },
  'FSS.1317': { status: 400, message: 'The trigger name is too long' },
  'FSS.1318': { status: 400, message: 'Invalid trigger operation' },
  'FSS.1131': { status: 404, message: 'Trigger not found' },
  'FSS.1132': { status: 404, message: 'SMN trigger not found' },
  'FSS.1133': { status: 404, message: 'DMS trigger not found' },
  'FSS.1134': { status: 404, message: 'DIS trigger not found' },
  'FSS.1136': { status: 404, message: 'OBS trigger not found' },
  'FSS.1138': { status: 404, message: 'APIG trigger not found' },
  'FSS.1140': { status: 404, message: 'Timer trigger not found' },
  'FSS.1160': { status: 404, message: 'LTS trigger not found' },
  'FSS.1163': { status: 404, message: 'DDS trigger not found' },
  'FSS.1174': { status: 404, message: 'Kafka trigger not found' },
  'FSS.1141': { status: 409, message: 'SMN trigger already exists' },
  'FSS.1142': { status: 409, message: 'DMS trigger already exists' },
  'FSS.1143': { status: 409, message: 'DIS trigger already exists' },
  'FSS.1145': { status: 409, message: 'OBS trigger already exists' },
  'FSS.1146': { status: 409, message: 'APIG trigger already exists' },
  'FSS.1147': { status: 409, message: 'The API name is already used in the API group' },
  'FSS.1148': { status: 409, message: 'Timer trigger already exists' },
  'FSS.1149': { status: 409, message: 'LTS trigger already exists' },
  'FSS.1150': { status: 409, message: 'Kafka trigger already exists' },
  'FSS.1166': { status: 409, message: 'DDS trigger already exists' },
  'FSS.1153': { status: 412, message: 'Trigger is already in the requested state' },
  'FSS.1154': { status: 403, message: 'The alias has triggers and cannot be deleted' },
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
