const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
};

/** The IAM error body: `{"error":{"code":401,"message":"...","title":"Unauthorized"}}`. */
export interface IamErrorBody {
  error: { code: number; message: string; title: string };
}

/** An error of the /v3 IAM API, rendered in IAM's own shape (not FunctionGraph's) by IamExceptionFilter. */
export class IamError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'IamError';
  }

  static wrongPassword(): IamError {
    return new IamError(401, 'The username or password is wrong.');
  }

  static badRequest(message: string): IamError {
    return new IamError(400, message);
  }

  static notFound(message: string): IamError {
    return new IamError(404, message);
  }

  toBody(): IamErrorBody {
    return { error: { code: this.status, message: this.message, title: TITLES[this.status] } };
  }
}
